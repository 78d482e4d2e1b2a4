"""Native binaries judged from their headers, not their names: ELF (class, machine, and the
`GLIBC_x.y` versions its dynamic section needs), Mach-O (thin and universal) and PE.

Only the first bytes of a binary are read.  For ELF: the header and program headers, then the
first loadable segment, where linkers put the dynamic string table with the `GLIBC_x.y` version
names the binary needs (`.dynstr`, next to `.gnu.version_r`).  The dynamic table itself often sits
near the end of the file; it is parsed exactly only when it lies within what was read anyway, so
that a 15 MB extension module costs a few hundred kilobytes of reading at most.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

HEAD_BYTES = 4 * 1024  # ELF, Mach-O and PE headers; more is read only for an ELF's first segment
FIRST_WINDOW = 64 * 1024  # the first read of an ELF's first segment, where .dynstr usually is
MAX_BYTES = 2 * 1024 * 1024  # how far the first segment is scanned for GLIBC_x.y names
EXACT_BYTES = 16 * 1024 * 1024  # how far we read to parse a dynamic table placed at the end
# (auditwheel's patchelf moves .dynstr and .dynamic to the end of the libraries it repairs)
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")
_SO_VERSIONED = re.compile(r"\.so(\.\d+)+$")

ELF_MACHINES = {3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64", 8: "mips", 20: "ppc",
                21: "ppc64", 22: "s390", 243: "riscv"}
MACHO_CPUS = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 18: "ppc"}
PE_MACHINES = {0x14C: "i386", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C0: "arm"}
LAMBDA_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda architecture -> ELF machine

PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_STRTAB, DT_STRSZ, DT_VERNEED, DT_VERNEEDNUM = 0, 5, 10, 0x6FFFFFFE, 0x6FFFFFFF
_GLIBC = re.compile(rb"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")
_GLIBC_STRINGS = re.compile(rb"\0GLIBC_(\d+)\.(\d+)(?:\.\d+)?(?=\0)")


@dataclass(frozen=True)
class NativeInfo:
    kind: str  # "elf" | "macho" | "pe" | "other"
    machines: Tuple[str, ...] = ()  # one, or several for a universal Mach-O
    bits: int = 0
    glibc: Optional[Tuple[int, int]] = None  # highest GLIBC_x.y the binary needs (ELF)

    def describe(self) -> str:
        arch = "/".join(self.machines) or "unknown machine"
        return {"elf": f"ELF {arch}", "macho": f"Mach-O {arch} (macOS)", "pe": f"PE {arch} (Windows)"}.get(
            self.kind, "not a native binary")


def is_native_candidate(path: str, mode: Optional[int]) -> bool:
    """Files worth a look at their header: extension modules, shared libraries, executables in bin/."""
    name = path.rsplit("/", 1)[-1]
    return (name.endswith(NATIVE_SUFFIXES) or bool(_SO_VERSIONED.search(name))
            or ("/bin/" in f"/{path}" and mode is not None and bool(mode & 0o111)))


def inspect(read: Callable[[int], bytes]) -> NativeInfo:
    """`read(n)` returns the first n bytes of the file."""
    head = read(HEAD_BYTES)
    if head[:4] == b"\x7fELF":
        return _elf(head, read)
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"):
        little = head[:4] in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
        cpu = struct.unpack("<I" if little else ">I", head[4:8])[0]
        return NativeInfo("macho", (MACHO_CPUS.get(cpu, hex(cpu)),), 64 if head[0] in (0xCF, 0xFE) and head[3] in (0xCF, 0xFE) else 32)
    if head[:4] in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):  # universal (fat) Mach-O
        count = struct.unpack(">I", head[4:8])[0]
        if 0 < count < 20:
            size = 20 if head[3] == 0xBE else 32
            cpus = [struct.unpack(">I", head[8 + i * size: 12 + i * size])[0] for i in range(count)]
            return NativeInfo("macho", tuple(MACHO_CPUS.get(c, hex(c)) for c in cpus))
    if head[:2] == b"MZ" and len(head) >= 0x40:
        offset = struct.unpack("<I", head[0x3C:0x40])[0]
        if head[offset:offset + 4] == b"PE\0\0":
            machine = struct.unpack("<H", head[offset + 4:offset + 6])[0]
            return NativeInfo("pe", (PE_MACHINES.get(machine, hex(machine)),))
    return NativeInfo("other")


def _elf(head: bytes, read: Callable[[int], bytes]) -> NativeInfo:
    bits = 64 if head[4] == 2 else 32
    order = "<" if head[5] == 1 else ">"
    machine = struct.unpack(order + "H", head[18:20])[0]
    try:
        glibc = _glibc_needed(head, read, bits, order)
    except (struct.error, IndexError, ValueError):
        glibc = None
    return NativeInfo("elf", (ELF_MACHINES.get(machine, f"machine {machine}"),), bits, glibc)


def _glibc_needed(data: bytes, read, bits: int, order: str) -> Optional[Tuple[int, int]]:
    if bits == 64:
        phoff, = struct.unpack(order + "Q", data[32:40])
        phentsize, phnum = struct.unpack(order + "HH", data[54:58])
        ph_format, dyn_format = order + "IIQQQQQQ", order + "qQ"
    else:
        phoff, = struct.unpack(order + "I", data[28:32])
        phentsize, phnum = struct.unpack(order + "HH", data[42:46])
        ph_format, dyn_format = order + "IIIIIIII", order + "iI"
    loads, dynamic = [], None
    for i in range(min(phnum, 64)):
        start = phoff + i * phentsize
        data = _ensure(data, read, start + phentsize)
        fields = struct.unpack(ph_format, data[start:start + struct.calcsize(ph_format)])
        if bits == 64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = fields[:5]
        if p_type == PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return None  # statically linked: needs no glibc symbol versions
    if dynamic[0] + dynamic[1] > len(data):
        found = _glibc_in_first_segment(data, read, loads)
        if found is not None or dynamic[0] + dynamic[1] > EXACT_BYTES:
            return found
    data = _ensure(data, read, dynamic[0] + dynamic[1])
    entry = struct.calcsize(dyn_format)
    tags = {}
    for pos in range(dynamic[0], dynamic[0] + dynamic[1], entry):
        tag, value = struct.unpack(dyn_format, data[pos:pos + entry])
        if tag == DT_NULL:
            break
        tags.setdefault(tag, value)
    if DT_VERNEED not in tags or DT_STRTAB not in tags:
        return None

    def offset(vaddr: int) -> int:
        for p_vaddr, p_offset, p_filesz in loads:
            if p_vaddr <= vaddr < p_vaddr + p_filesz:
                return vaddr - p_vaddr + p_offset
        return vaddr  # shared objects often map their first segment at 0

    strtab = offset(tags[DT_STRTAB])
    data = _ensure(data, read, strtab + tags.get(DT_STRSZ, 0))
    best: Optional[Tuple[int, int]] = None
    need = offset(tags[DT_VERNEED])
    for _ in range(tags.get(DT_VERNEEDNUM, 64)):
        data = _ensure(data, read, need + 16)
        _, count, _, aux, following = struct.unpack(order + "HHIII", data[need:need + 16])
        position = need + aux
        for _ in range(count):
            data = _ensure(data, read, position + 16)
            _, _, _, name, next_aux = struct.unpack(order + "IHHII", data[position:position + 16])
            text = data[strtab + name:data.index(b"\0", strtab + name)]
            match = _GLIBC.match(text)
            if match:
                version = (int(match.group(1)), int(match.group(2)))
                best = version if best is None or version > best else best
            if not next_aux:
                break
            position += next_aux
        if not following:
            break
        need += following
    return best


def _glibc_in_first_segment(data: bytes, read, loads) -> Optional[Tuple[int, int]]:
    """The highest `GLIBC_x.y` name in the first loadable segment, where `.dynstr` lives (a few
    kilobytes in, after `.dynsym`).  Read in growing windows; once the names show up, one more
    window makes sure the whole string table was seen."""
    limit = min(min((offset + size for _, offset, size in loads if offset == 0), default=MAX_BYTES),
                MAX_BYTES)
    window = FIRST_WINDOW
    while True:
        window = min(window, limit)
        data = data if len(data) >= window else read(window)
        found = [m for m in _GLIBC_STRINGS.finditer(data)]
        if found and (found[-1].end() + 16 * 1024 <= len(data) or window >= limit):
            return max((int(m.group(1)), int(m.group(2))) for m in found)
        if window >= limit:
            return None
        window *= 4


def _ensure(data: bytes, read, size: int) -> bytes:
    """The first `size` bytes at least (reading more of the file only when needed)."""
    if size <= len(data):
        return data
    if size > EXACT_BYTES:
        raise ValueError("dynamic data too far into the file")
    return read(max(size, len(data) * 2))
