"""Native binaries judged from their headers, not their names: ELF (class, machine, and the
`GLIBC_x.y` versions its dynamic section needs), Mach-O (thin and universal) and PE.

Only the first bytes of a binary are read.  For ELF: the header and program headers, then the
first loadable segment, where linkers put the dynamic string table with the `GLIBC_x.y` version
names the binary needs (`.dynstr`, next to `.gnu.version_r`).  The dynamic table itself often sits
near the end of the file; it is parsed exactly only when it lies within what was read anyway, so
that a 15 MB extension module costs a few hundred kilobytes of reading at most.

The bytes are untrusted: every field is read with a length check (`_field`), every table walk is
capped (limits.py), and a header that is cut short or points outside the file makes the file
"not a native binary" (kind "other"), or its glibc needs unknown; never an exception.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from lambdalint.limits import (MAX_ELF_DYNAMIC_ENTRIES, MAX_ELF_PROGRAM_HEADERS, MAX_ELF_VERSION_ENTRIES,
                               MAX_ELF_VERSION_NAME_BYTES, MAX_NATIVE_READ_BYTES)

HEAD_BYTES = 4 * 1024  # ELF, Mach-O and PE headers; more is read only for an ELF's first segment
FIRST_WINDOW = 64 * 1024  # the first read of an ELF's first segment, where .dynstr usually is
MAX_BYTES = 2 * 1024 * 1024  # how far the first segment is scanned for GLIBC_x.y names
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")
_SO_VERSIONED = re.compile(r"\.so(\.\d+)+$")

ELF_MACHINES = {3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64", 8: "mips", 20: "ppc",
                21: "ppc64", 22: "s390", 243: "riscv"}
MACHO_CPUS = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 18: "ppc"}
PE_MACHINES = {0x14C: "i386", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C0: "arm"}
LAMBDA_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda architecture -> ELF machine

ELF_MAGIC = b"\x7fELF"
_ELF_HEADER_SIZE = {32: 52, 64: 64}
# Thin Mach-O magic -> (byte order, bits); the header is 28 bytes (32-bit) or 32 (64-bit).
_MACHO = {b"\xfe\xed\xfa\xce": (">", 32), b"\xce\xfa\xed\xfe": ("<", 32),
          b"\xfe\xed\xfa\xcf": (">", 64), b"\xcf\xfa\xed\xfe": ("<", 64)}
_MACHO_HEADER_SIZE = {32: 28, 64: 32}
# Universal (fat) Mach-O magic -> size of one architecture record (fat_arch, fat_arch_64).
_FAT = {b"\xca\xfe\xba\xbe": 20, b"\xca\xfe\xba\xbf": 32}
_MAX_FAT_ARCHS = 20  # real universal binaries hold 2-4; Java class files share the magic, with
# their version (>= 45) where the count would be
_PE_HEADER_SIZE = 24  # "PE\0\0" and the COFF file header

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


NOT_NATIVE = NativeInfo("other")


class _Malformed(Exception):
    """A header cut short, or pointing outside the bytes read: nothing to judge."""


def is_native_candidate(path: str, mode: Optional[int]) -> bool:
    """Files worth a look at their header: extension modules, shared libraries, executables in bin/."""
    name = path.rsplit("/", 1)[-1]
    return (name.endswith(NATIVE_SUFFIXES) or bool(_SO_VERSIONED.search(name))
            or ("/bin/" in f"/{path}" and mode is not None and bool(mode & 0o111)))


def inspect(read: Callable[[int], bytes]) -> NativeInfo:
    """`read(n)` returns the first n bytes of the file (fewer when the file is shorter).

    A truncated or inconsistent header is "not a native binary" (NOT_NATIVE): the loader would
    refuse it too ('file too short', 'invalid ELF header'), and lambdalint cannot say for what
    platform it was meant."""
    head = read(HEAD_BYTES)
    try:
        if head[:4] == ELF_MAGIC:
            return _elf(_Prefix(head, read))
        if head[:4] in _MACHO:
            return _macho(head)
        if head[:4] in _FAT:
            return _fat_macho(head)
        if head[:2] == b"MZ":
            return _pe(head)
    except _Malformed:
        pass
    return NOT_NATIVE


def _field(fmt: str, data: bytes, offset: int) -> tuple:
    """struct.unpack_from, or _Malformed when the field does not lie within `data`."""
    if offset < 0 or offset + struct.calcsize(fmt) > len(data):
        raise _Malformed
    return struct.unpack_from(fmt, data, offset)


def _macho(head: bytes) -> NativeInfo:
    order, bits = _MACHO[head[:4]]
    if len(head) < _MACHO_HEADER_SIZE[bits]:
        raise _Malformed
    cpu, = _field(order + "I", head, 4)
    return NativeInfo("macho", (MACHO_CPUS.get(cpu, hex(cpu)),), bits)


def _fat_macho(head: bytes) -> NativeInfo:
    record_size = _FAT[head[:4]]
    count, = _field(">I", head, 4)
    if not 0 < count < _MAX_FAT_ARCHS or len(head) < 8 + count * record_size:
        raise _Malformed
    cpus = [_field(">I", head, 8 + i * record_size)[0] for i in range(count)]
    return NativeInfo("macho", tuple(MACHO_CPUS.get(cpu, hex(cpu)) for cpu in cpus))


def _pe(head: bytes) -> NativeInfo:
    offset, = _field("<I", head, 0x3C)
    if head[offset:offset + 4] != b"PE\0\0" or len(head) < offset + _PE_HEADER_SIZE:
        raise _Malformed
    machine, = _field("<H", head, offset + 4)
    return NativeInfo("pe", (PE_MACHINES.get(machine, hex(machine)),))


# -- ELF -------------------------------------------------------------------------------------------
class _Prefix:
    """The first bytes of a file, read further only when needed: each new read at least doubles
    what is held (a dozen reads at most), never past MAX_NATIVE_READ_BYTES, and none once the
    whole file is held."""

    def __init__(self, head: bytes, read: Callable[[int], bytes]):
        self.data = head
        self._read = read
        self._whole = len(head) < HEAD_BYTES

    def ensure(self, size: int) -> bytes:
        """The data, holding the first `size` bytes if the file has them."""
        if size > len(self.data) and not self._whole:
            if size > MAX_NATIVE_READ_BYTES:
                raise _Malformed
            wanted = min(max(size, 2 * len(self.data)), MAX_NATIVE_READ_BYTES)
            self.data = self._read(wanted)
            self._whole = len(self.data) < wanted
        return self.data

    def field(self, fmt: str, offset: int) -> tuple:
        return _field(fmt, self.ensure(offset + struct.calcsize(fmt)), offset)


def _elf(prefix: _Prefix) -> NativeInfo:
    ei_class, ei_data = _field("BB", prefix.data, 4)
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise _Malformed
    bits = 64 if ei_class == 2 else 32
    order = "<" if ei_data == 1 else ">"
    if len(prefix.data) < _ELF_HEADER_SIZE[bits]:
        raise _Malformed  # a cut-off header: no loader accepts it
    machine, = _field(order + "H", prefix.data, 18)
    try:
        glibc = _glibc_needed(prefix, bits, order)
    except _Malformed:
        glibc = None  # unknown: no finding rests on it
    return NativeInfo("elf", (ELF_MACHINES.get(machine, f"machine {machine}"),), bits, glibc)


def _glibc_needed(prefix: _Prefix, bits: int, order: str) -> Optional[Tuple[int, int]]:
    loads, dynamic = _segments(prefix, bits, order)
    if dynamic is None:
        return None  # statically linked: needs no glibc symbol versions
    dynamic_end = dynamic[0] + dynamic[1]
    if dynamic_end > len(prefix.data):
        found = _glibc_in_first_segment(prefix, loads)
        if found is not None or dynamic_end > MAX_NATIVE_READ_BYTES:
            return found
    tags = _dynamic_tags(prefix, dynamic, bits, order)
    if DT_VERNEED not in tags or DT_STRTAB not in tags:
        return None
    return _highest_glibc_version(prefix, order, _file_offset(tags[DT_STRTAB], loads),
                                  _file_offset(tags[DT_VERNEED], loads), tags.get(DT_VERNEEDNUM, 64))


def _segments(prefix: _Prefix, bits: int, order: str):
    """(file offset, virtual address, size) of the PT_LOAD segments, and PT_DYNAMIC's
    (offset, size) or None."""
    if bits == 64:
        phoff, = _field(order + "Q", prefix.data, 32)
        phentsize, phnum = _field(order + "HH", prefix.data, 54)
        ph_format = order + "IIQQQQQQ"
    else:
        phoff, = _field(order + "I", prefix.data, 28)
        phentsize, phnum = _field(order + "HH", prefix.data, 42)
        ph_format = order + "IIIIIIII"
    if phentsize < struct.calcsize(ph_format):
        raise _Malformed
    loads: List[Tuple[int, int, int]] = []
    dynamic = None
    for index in range(min(phnum, MAX_ELF_PROGRAM_HEADERS)):
        fields = prefix.field(ph_format, phoff + index * phentsize)
        if bits == 64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = fields[:5]
        if p_type == PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    return loads, dynamic


def _dynamic_tags(prefix: _Prefix, dynamic: Tuple[int, int], bits: int, order: str) -> Dict[int, int]:
    entry_format = order + ("qQ" if bits == 64 else "iI")
    entry_size = struct.calcsize(entry_format)
    start, size = dynamic
    tags: Dict[int, int] = {}
    for index in range(min(size // entry_size, MAX_ELF_DYNAMIC_ENTRIES)):
        tag, value = prefix.field(entry_format, start + index * entry_size)
        if tag == DT_NULL:
            break
        tags.setdefault(tag, value)
    return tags


def _file_offset(vaddr: int, loads) -> int:
    for p_vaddr, p_offset, p_filesz in loads:
        if p_vaddr <= vaddr < p_vaddr + p_filesz:
            return vaddr - p_vaddr + p_offset
    return vaddr  # shared objects often map their first segment at 0


def _highest_glibc_version(prefix: _Prefix, order: str, strtab: int, need: int,
                           need_count: int) -> Optional[Tuple[int, int]]:
    """Walk the version needs (Verneed entries, each with its Vernaux names).  More entries than
    MAX_ELF_VERSION_ENTRIES in all is no real binary: its needs are unknown."""
    best: Optional[Tuple[int, int]] = None
    walked = 0
    for _ in range(min(need_count, MAX_ELF_VERSION_ENTRIES)):
        _, aux_count, _, aux, following = prefix.field(order + "HHIII", need)
        position = need + aux
        for _ in range(aux_count):
            walked += 1
            if walked > MAX_ELF_VERSION_ENTRIES:
                raise _Malformed
            _, _, _, name, next_aux = prefix.field(order + "IHHII", position)
            version = _glibc_version(prefix, strtab + name)
            if version is not None and (best is None or version > best):
                best = version
            if not next_aux:
                break
            position += next_aux
        if not following:
            break
        need += following
    return best


def _glibc_version(prefix: _Prefix, offset: int) -> Optional[Tuple[int, int]]:
    """(x, y) when the string at `offset` is `GLIBC_x.y[.z]`; only its first bytes are looked at."""
    window = prefix.ensure(offset + MAX_ELF_VERSION_NAME_BYTES)[offset:offset + MAX_ELF_VERSION_NAME_BYTES]
    end = window.find(b"\0")
    match = _GLIBC.match(window[:end]) if end >= 0 else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _glibc_in_first_segment(prefix: _Prefix, loads) -> Optional[Tuple[int, int]]:
    """The highest `GLIBC_x.y` name in the first loadable segment, where `.dynstr` lives (a few
    kilobytes in, after `.dynsym`).  Read in growing windows; once the names show up, one more
    window makes sure the whole string table was seen."""
    limit = min(min((offset + size for _, offset, size in loads if offset == 0), default=MAX_BYTES),
                MAX_BYTES)
    window = FIRST_WINDOW
    while True:
        window = min(window, limit)
        data = prefix.ensure(window)
        found = list(_GLIBC_STRINGS.finditer(data))
        seen_all = window >= limit or len(data) < window  # the segment, or the whole file
        if found and (found[-1].end() + 16 * 1024 <= len(data) or seen_all):
            return max((int(m.group(1)), int(m.group(2))) for m in found)
        if seen_all:
            return None
        window *= 4
