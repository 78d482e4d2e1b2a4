"""Tiny native-binary headers and dist-info folders for the packaging rules' examples: just the
bytes lambdalint reads (ELF program headers, dynamic section and version needs; Mach-O and PE
headers), built in code so that no binary fixture needs committing."""
import struct
from typing import Dict, Optional

from lambdalint.rules.base import Example, Member, Zip

ELF_MACHINE = {"x86_64": 62, "aarch64": 183, "i386": 3}
MACHO_CPU = {"x86_64": 0x01000007, "arm64": 0x0100000C}
PE_MACHINE = {"x86_64": 0x8664, "arm64": 0xAA64}


def elf(machine: str = "x86_64", glibc: Optional[str] = "2.17") -> bytes:
    """A 64-bit little-endian ELF shared object needing `GLIBC_<glibc>` from libc.so.6."""
    strings = b"\0libc.so.6\0" + (f"GLIBC_{glibc}".encode() + b"\0" if glibc else b"")
    header_size, ph_size = 64, 56
    dyn_off = header_size + 2 * ph_size
    entries = [(5, 0), (10, len(strings)), (0x6FFFFFFE, 0), (0x6FFFFFFF, 1), (0, 0)] if glibc else [(0, 0)]
    str_off = dyn_off + 16 * len(entries)
    vn_off = str_off + len(strings)
    total = vn_off + (32 if glibc else 0)
    if glibc:
        entries = [(5, str_off), (10, len(strings)), (0x6FFFFFFE, vn_off), (0x6FFFFFFF, 1), (0, 0)]
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, ELF_MACHINE[machine], 1, 0, header_size, 0, 0,
                                 header_size, ph_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, total, total, 0x1000)
    dynamic = struct.pack("<IIQQQQQQ", 2, 6, dyn_off, dyn_off, dyn_off, 16 * len(entries), 16 * len(entries), 8)
    body = b"".join(struct.pack("<qQ", tag, value) for tag, value in entries) + strings
    if glibc:
        body += struct.pack("<HHIII", 1, 1, 1, 16, 0)  # Verneed: libc.so.6, one aux at +16
        body += struct.pack("<IHHII", 0, 0, 2, len(b"\0libc.so.6\0"), 0)  # Vernaux: GLIBC_x.y
    return header + load + dynamic + body


def macho(arch: str = "arm64") -> bytes:
    return b"\xcf\xfa\xed\xfe" + struct.pack("<II", MACHO_CPU[arch], 0) + bytes(20)


def pe(arch: str = "x86_64") -> bytes:
    return b"MZ" + bytes(0x3A) + struct.pack("<I", 0x40) + b"PE\0\0" + struct.pack("<H", PE_MACHINE[arch]) + bytes(18)


HANDLER = "def handler(event, context):\n    return 1\n"


def function_zip(description: str, args=(), **members) -> Example:
    """A function zip: a handler plus `members` (path -> text, bytes or Member)."""
    return Example({"function.zip": Zip({"app.py": HANDLER, **members})}, description, tuple(args))


def wheel_info(name: str, tag: str, version: str = "1.0", files: Dict[str, object] = None,
               requires=()) -> Dict[str, object]:
    """Members of an installed wheel: its dist-info (METADATA, WHEEL, RECORD) and package files."""
    files = files or {f"{name}/__init__.py": ""}
    info = f"{name}-{version}.dist-info"
    record = "".join(f"{path},,\n" for path in [*files, f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"])
    return {**files,
            f"{info}/METADATA": Member(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                       + "".join(f"Requires-Dist: {r}\n" for r in requires)),
            f"{info}/WHEEL": Member(f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n"),
            f"{info}/RECORD": Member(record)}
