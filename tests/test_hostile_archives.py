"""Hostile zip archives and native binaries (issue 10: F03, F06, F07, F08).

- A zip that zipfile cannot parse, however it fails, is one LL002 "not a readable zip archive";
  a member that cannot be read is a BundleError (LL002 when a rule needs it).  Mutation runs over
  valid archives check that nothing else ever escapes.
- No member is inflated further than asked, nor further than it declares: bzip2 and LZMA members
  are never inflated at all (Lambda cannot extract them: LL212), Deflate64 is fed to its decoder in
  small pieces (it takes no output bound), deflate goes through zlib's output bound.
- Native binaries: a truncated or inconsistent header is "not a native binary"; every ELF table
  walk is capped; the bytes read for one bundle's binaries have a total.

Inputs are built here: zips written byte by byte (`_raw_zip`), Deflate64 streams from a tiny
fixed-Huffman encoder (`_Bits`), ELF files from `native_examples.elf()` and struct.
"""
from __future__ import annotations

import bz2
import io
import json
import lzma
import random
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import pytest

from lambdalint.analysis import platform
from lambdalint.analysis.natives import HEAD_BYTES, NOT_NATIVE, NativeInfo, inspect
from lambdalint.limits import MAX_NATIVE_READ_BYTES, MAX_ZIP_DIRECTORY_BYTES, MAX_ZIP_ENTRIES
from lambdalint.model.bundle import BundleError, FolderBundle, ZipBundle
from lambdalint.rules.base import Member
from lambdalint.rules.native_examples import elf, macho, pe
from support import check_json, materialize, run_bounded, write_zip

TIMEOUT_S = 30
MAX_SECONDS = 5
MAX_RSS_KB = 300 * 1024
MIB = 1024 * 1024

HANDLER = "def handler(event, context):\n    return 1\n"
# A handler with an LL301 finding: shows that the other inputs of the run are still checked.
WRITING_HANDLER = "def handler(event, context):\n    open('out.txt', 'w').write('x')\n    return 1\n"

ZIP_STORED, ZIP_DEFLATED, ZIP_DEFLATE64, ZIP_BZIP2, ZIP_LZMA = 0, 8, 9, 12, 14


# -- building archives byte by byte ----------------------------------------------------------------
def _raw_zip(members: Sequence[tuple], version_needed: int = 20) -> bytes:
    """A zip of (name, compressed payload, method, declared size, CRC-32) members, Unix mode 0644;
    what zipfile cannot write: any method label, any declared size."""
    body, directory = bytearray(), bytearray()
    for name, payload, method, declared, crc in members:
        raw_name = name.encode()
        offset = len(body)
        body += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", version_needed, 0, method, 0, 0x5821, crc,
                            len(payload), declared, len(raw_name), 0) + raw_name + payload
        directory += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x0314, version_needed, 0, method, 0,
                                 0x5821, crc, len(payload), declared, len(raw_name), 0, 0, 0, 0,
                                 0o100644 << 16, offset) + raw_name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory),
                      len(body), 0)
    return bytes(body + directory + end)


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _member(name: str, data: bytes, method: int = ZIP_DEFLATED, declared: int = -1) -> tuple:
    payload = {ZIP_STORED: lambda d: d, ZIP_DEFLATED: _deflated, ZIP_DEFLATE64: _deflate64_literals}[method](data)
    return name, payload, method, len(data) if declared < 0 else declared, zlib.crc32(data)


class _Bits:
    """A deflate bit stream: values LSB first, Huffman codes MSB first."""

    def __init__(self):
        self.out = bytearray()
        self.pending, self.count = 0, 0  # bits not yet a whole byte

    def put(self, value: int, width: int) -> None:
        self.pending |= value << self.count
        self.count += width
        while self.count >= 8:
            self.out.append(self.pending & 0xFF)
            self.pending >>= 8
            self.count -= 8

    def code(self, code: int, width: int) -> None:
        self.put(int(format(code, f"0{width}b")[::-1], 2), width)

    def literal(self, byte: int) -> None:  # fixed Huffman codes (the same in Deflate64)
        if byte < 144:
            self.code(0b00110000 + byte, 8)
        else:
            self.code(0b110010000 + byte - 144, 9)

    def to_bytes(self) -> bytes:
        return bytes(self.out) + (bytes([self.pending]) if self.count else b"")


def _deflate64_literals(data: bytes) -> bytes:
    """One final fixed-Huffman block of literals: a valid Deflate64 (and deflate) stream."""
    bits = _Bits()
    bits.put(1, 1)  # final block
    bits.put(1, 2)  # fixed Huffman codes
    for byte in data:
        bits.literal(byte)
    bits.code(0, 7)  # end of block
    return bits.to_bytes()


def _deflate64_bomb(matches: int) -> bytes:
    """'A', then `matches` copies of Deflate64's longest match (65,538 bytes, distance 1): 29 bits
    each, so 145 KB inflate to 2.6 GB for 40,000 matches."""
    bits = _Bits()
    bits.put(1, 1)
    bits.put(1, 2)
    bits.literal(ord("A"))
    for _ in range(matches):
        bits.code(0b11000000 + 5, 8)  # length symbol 285: in Deflate64, base 3 and 16 extra bits
        bits.put(65535, 16)
        bits.code(0, 5)  # distance code 0: distance 1
    bits.code(0, 7)
    return bits.to_bytes()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _codes(findings: List[dict]) -> List[Tuple[str, str, str]]:
    return sorted((f["code"], Path(f["filename"]).name, f.get("member") or "") for f in findings)


def _assert_bounded(result: dict) -> None:
    assert not result["timed_out"], result
    assert "internal error" not in result["stderr"] and "Traceback" not in result["stderr"], result["stderr"]
    assert result["cpu_seconds"] < MAX_SECONDS, result["cpu_seconds"]
    assert result["maxrss_kb"] < MAX_RSS_KB, result["maxrss_kb"]


def _outcome(action: Callable[[], object]) -> Tuple[object, int]:
    """What `action` returns or raises, and the peak of the memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        try:
            value = action()
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            value = exc
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- F03: whatever zipfile raises is LL002 ---------------------------------------------------------
def test_F03_zip_version_needed_too_high(tmp_path):
    write_zip(tmp_path / "fn.zip", {"app.py": HANDLER})
    raw = bytearray((tmp_path / "fn.zip").read_bytes())
    record = raw.find(b"PK\x01\x02")
    raw[record + 6] = 255  # "version needed to extract": 25.5 (zipfile knows up to 6.3)
    _write(tmp_path, "bad.zip", bytes(raw))
    write_zip(tmp_path / "good.zip", {"app.py": WRITING_HANDLER})
    findings = check_json([str(tmp_path / "bad.zip"), str(tmp_path / "good.zip")], "--select", "LL002,LL301")
    assert _codes(findings) == [("LL002", "bad.zip", ""), ("LL301", "good.zip", "app.py")]
    assert [f["message"] for f in findings if f["code"] == "LL002"] == [
        "not a readable zip archive (zip file version 25.5)"]


def _mutation_bases() -> List[bytes]:
    text = (HANDLER * 40).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("pkg/", b"")
        archive.writestr("pkg/stored.txt", b"plain " * 30, compress_type=zipfile.ZIP_STORED)
        with archive.open("pkg/big64.py", "w", force_zip64=True) as member:  # zip64 extra fields
            member.write(text)
        archive.writestr("lib/_x.cpython-312-x86_64-linux-gnu.so", elf("x86_64", "2.28"),
                         compress_type=zipfile.ZIP_DEFLATED)
    raw = _raw_zip([_member("app.py", text, ZIP_DEFLATE64), _member("data.txt", b"x" * 300, ZIP_STORED),
                    ("bz.py", bz2.compress(text), ZIP_BZIP2, len(text), zlib.crc32(text))])
    return [buffer.getvalue(), raw]


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 1, 2, 4))):
        position = rng.randrange(len(data))
        data[position] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256), data[position] ^ (1 << rng.randrange(8))))
    if rng.random() < 0.1:
        del data[rng.randrange(len(data)):]
    return bytes(data)


def test_F03_mutated_archives_raise_nothing_but_bundle_error(tmp_path):
    """2,000 byte-level mutants of valid archives (deflate, stored, zip64, Deflate64, bzip2):
    listing and reading every member raises BundleError or nothing."""
    rng = random.Random(20240510)
    path = tmp_path / "mutant.zip"
    outcomes = {"listed": 0, "refused": 0, "member refused": 0}
    start = time.perf_counter()
    for base in _mutation_bases():
        for _ in range(1000):
            path.write_bytes(_mutate(base, rng))
            bundle = ZipBundle(path, "mutant.zip")
            try:
                files = bundle.files()
            except BundleError:
                outcomes["refused"] += 1
                continue
            outcomes["listed"] += 1
            for entry in files:
                for read in (lambda: bundle.read_head(entry.path, 64), lambda: bundle.read(entry.path)):
                    try:
                        read()
                    except BundleError:
                        outcomes["member refused"] += 1
            bundle.close()
    assert time.perf_counter() - start < 20
    assert all(outcomes.values()), outcomes  # the mutants reach every stage


# -- F07: no member inflates further than needed ---------------------------------------------------
def test_F07_bzip2_and_lzma_members_are_never_inflated(tmp_path, monkeypatch):
    zeros = bytes(16 * MIB)
    lzma_data = lzma.compress(zeros, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1}])
    properties = lzma._encode_filter_properties({"id": lzma.FILTER_LZMA1})  # type: ignore[attr-defined]
    lzma_member = struct.pack("<BBH", 9, 4, len(properties)) + properties + lzma_data
    path = _write(tmp_path, "bomb.zip", _raw_zip([
        ("app.py", bz2.compress(zeros), ZIP_BZIP2, 1000, 0),
        ("lib.py", lzma_member, ZIP_LZMA, 1000, 0),
        _member("other.py", HANDLER.encode()),
    ]))

    def no_decompressor(*args, **kwargs):
        raise AssertionError("a bzip2 or LZMA decompressor was created")

    monkeypatch.setattr(bz2, "BZ2Decompressor", no_decompressor)
    monkeypatch.setattr(lzma, "LZMADecompressor", no_decompressor)
    bundle = ZipBundle(path, "bomb.zip")
    for name, method in (("app.py", "bzip2 (12)"), ("lib.py", "LZMA (14)")):
        for read in (lambda: bundle.read(name), lambda: bundle.read_head(name, 64)):
            with pytest.raises(BundleError) as raised:
                read()
            assert str(raised.value) == (f"cannot read {name}: compression method {method}: Lambda cannot "
                                         "extract it; content not read")
    assert bundle.read("other.py") == HANDLER.encode()
    # LL002 says why each source was not checked; LL212 why Lambda rejects the archive
    findings = check_json([str(path)], "--select", "LL002,LL212")
    assert _codes(findings) == [("LL002", "bomb.zip", "app.py"), ("LL002", "bomb.zip", "lib.py"),
                                ("LL212", "bomb.zip", "app.py"), ("LL212", "bomb.zip", "lib.py")]
    assert {f["message"].split(";")[0] for f in findings if f["code"] == "LL212"} == {
        "LZMA compression (Lambda extracts stored and deflate only): 'lib.py'",
        "bzip2 compression (Lambda extracts stored and deflate only): 'app.py'"}


def test_F07_bzip2_bomb_is_LL002_and_LL212_and_other_inputs_are_checked(tmp_path):
    """The 895-byte archive of the report (1 GiB of zeros, declared 1000 bytes) took 20 s and
    2.1 GB.  Compressing 1 GiB here would take 10 s: 64 MiB shows the run end to end, and the
    test above proves that no bzip2 decompressor runs at all."""
    payload = bz2.compress(bytes(64 * MIB))
    _write(tmp_path, "bzip2-bomb.zip", _raw_zip([("app.py", payload, ZIP_BZIP2, 1000, 0)]))
    write_zip(tmp_path / "good.zip", {"app.py": WRITING_HANDLER})
    result = run_bounded(["check", "bzip2-bomb.zip", "good.zip", "--isolated", "--output-format", "json",
                          "--select", "LL002,LL212,LL301"], tmp_path, TIMEOUT_S)
    _assert_bounded(result)
    assert result["rc"] == 1
    assert _codes(json.loads(result["stdout"])) == [
        ("LL002", "bzip2-bomb.zip", "app.py"), ("LL212", "bzip2-bomb.zip", "app.py"), ("LL301", "good.zip", "app.py")]


def test_F07_deflate64_bomb_inflates_only_what_is_asked(tmp_path):
    """zipfile hands the Deflate64 decoder 64 KiB at a time: 1.2 GB from one call on this stream."""
    bomb = _deflate64_bomb(40_000)  # 145 KB -> 2.6 GB
    path = _write(tmp_path, "d64.zip", _raw_zip([("app.py", bomb, ZIP_DEFLATE64, 1000, 0),
                                                 _member("ok.py", HANDLER.encode(), ZIP_DEFLATE64)]))
    bundle = ZipBundle(path, "d64.zip")
    start = time.perf_counter()
    head, peak = _outcome(lambda: bundle.read_head("app.py", 64))
    assert head == b"A" * 64 and peak < 2 * MIB
    error, peak = _outcome(lambda: bundle.read("app.py"))
    assert str(error) == "cannot read app.py: inflates to more than its declared 1,000 bytes" and peak < 2 * MIB
    assert time.perf_counter() - start < 1
    assert bundle.read("ok.py") == HANDLER.encode()


def test_F07_deflate64_bomb_checked_in_bounded_time_and_memory(tmp_path):
    bomb = _deflate64_bomb(40_000)
    declared = 29_000 * len(bomb) // 2  # 2.1 GB: within what Deflate64 can produce
    _write(tmp_path, "d64.zip", _raw_zip([("app.py", bomb, ZIP_DEFLATE64, 1000, 0),
                                          ("lib/bomb.so", bomb, ZIP_DEFLATE64, declared, 0)]))
    result = run_bounded(["check", "d64.zip", "--isolated", "--output-format", "json", "--select", "LL002,LL212"],
                         tmp_path, TIMEOUT_S)
    _assert_bounded(result)
    findings = json.loads(result["stdout"])
    assert _codes(findings) == [("LL002", "d64.zip", "app.py"), ("LL212", "d64.zip", "app.py")]


def test_F07_deflate64_entry_declaring_more_than_deflate64_can_produce_is_refused(tmp_path):
    path = _write(tmp_path, "lie.zip", _raw_zip([("app.py", b"\0" * 100, ZIP_DEFLATE64, 100 * 29_200 + 2000, 0)]))
    with pytest.raises(BundleError, match="more than Deflate64 can produce"):
        ZipBundle(path, "lie.zip").entries  # noqa: B018
    ratio_ok = _write(tmp_path, "ok.zip", _raw_zip([("app.py", b"\0" * 100, ZIP_DEFLATE64, 100 * 20_000, 0)]))
    assert ZipBundle(ratio_ok, "ok.zip").entry("app.py").size == 2_000_000


def test_F07_deflate_member_larger_than_declared_is_refused_after_one_byte_more(tmp_path):
    data = bytes(16 * MIB)  # 16 KB deflated: the declared 1,000 bytes pass the ratio check
    path = _write(tmp_path, "lie.zip", _raw_zip([("app.py", _deflated(data), ZIP_DEFLATED, 1000, 0)]))
    bundle = ZipBundle(path, "lie.zip")
    error, peak = _outcome(lambda: bundle.read("app.py"))
    assert str(error) == "cannot read app.py: inflates to more than its declared 1,000 bytes"
    assert peak < 256 * 1024  # 1,001 bytes inflated, not 16 MiB
    assert bundle.read_head("app.py", 10) == bytes(10)


def test_F07_a_header_read_inflates_only_the_header(tmp_path):
    data = (HANDLER * 100_000).encode()  # 4.4 MB
    path = _write(tmp_path, "big.zip", _raw_zip([_member("lib/big.so", data),
                                                 _member("lib/d64.so", data[:100_000], ZIP_DEFLATE64)]))
    bundle = ZipBundle(path, "big.zip")
    head, peak = _outcome(lambda: bundle.read_head("lib/big.so", 64))
    assert head == data[:64] and peak < 256 * 1024
    head, peak = _outcome(lambda: bundle.read_head("lib/d64.so", 64))
    assert head == data[:64] and peak < 512 * 1024
    assert bundle.read("lib/big.so") == data  # whole: size and CRC-32 checked
    assert bundle.read("lib/d64.so") == data[:100_000]


def test_F07_corrupt_and_truncated_members_are_bundle_errors(tmp_path):
    text = (HANDLER * 50).encode()
    good = _member("app.py", text)
    cases = {
        "bad-crc": [("app.py", good[1], ZIP_DEFLATED, len(text), good[4] ^ 1)],
        "short-stream": [("app.py", good[1][:len(good[1]) // 2], ZIP_DEFLATED, len(text), good[4])],
        "declares-more": [("app.py", good[1], ZIP_DEFLATED, len(text) + 10, good[4])],
        "stored-cut": [("app.py", text[:100], ZIP_STORED, 100, zlib.crc32(text))],
        "unknown-method": [("app.py", text, 77, len(text), good[4])],
    }
    messages = {"bad-crc": "bad CRC-32", "short-stream": "the data ends after",
                "declares-more": "the data ends after", "stored-cut": "bad CRC-32",
                "unknown-method": "compression method 77: Lambda cannot extract it"}
    for name, members in cases.items():
        bundle = ZipBundle(_write(tmp_path, f"{name}.zip", _raw_zip(members)), name)
        with pytest.raises(BundleError, match=messages[name]):
            bundle.read("app.py")


def test_F07_entries_sharing_their_bytes_are_not_read(tmp_path):
    """The overlapping layouts of non-recursive zip bombs: every read stays within its bounds, but
    a thousand entries sharing one 16 MiB kernel (or quoting each other) would inflate 16 GB."""
    text = HANDLER.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x5821, zlib.crc32(text), len(text),
                        len(text), 6, 0) + b"app.py" + text

    def record(name: str, offset: int, size: int, crc: int) -> bytes:
        return struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x0314, 20, 0, 0, 0, 0x5821, crc, size,
                           size, len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name.encode()

    def archive(body: bytes, records: List[bytes]) -> bytes:
        directory = b"".join(records)
        return body + directory + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(records), len(records),
                                              len(directory), len(body), 0)

    shared = _write(tmp_path, "shared.zip", archive(local, [record("app.py", 0, len(text), zlib.crc32(text))] * 2))
    bundle = ZipBundle(shared, "shared.zip")
    with pytest.raises(BundleError, match="cannot read app.py: its data overlaps another entry"):
        bundle.read("app.py")
    outer = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x5821, zlib.crc32(local), len(local),
                        len(local), 8, 0) + b"outer.py"
    quoted = _write(tmp_path, "quoted.zip", archive(outer + local, [
        record("outer.py", 0, len(local), zlib.crc32(local)), record("app.py", len(outer), len(text), zlib.crc32(text))]))
    bundle = ZipBundle(quoted, "quoted.zip")
    with pytest.raises(BundleError, match="cannot read outer.py: its data overlaps another entry"):
        bundle.read("outer.py")
    assert bundle.read("app.py") == text  # the quoted entry itself is whole


def test_F07_reads_from_one_archive_have_a_total(tmp_path, monkeypatch):
    from lambdalint.model import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "MAX_INFLATED_BYTES_PER_ARCHIVE", 1000)
    data = b"x" * 600
    path = _write(tmp_path, "fn.zip", _raw_zip([_member(f"m{index}.py", data) for index in range(3)]))
    bundle = ZipBundle(path, "fn.zip")
    assert bundle.read("m0.py") == data and bundle.read_head("m1.py", 600) == data
    with pytest.raises(BundleError, match="cannot read m2.py: reads from this archive already produced 1,200 "
                                          "bytes, more than any Lambda bundle needs: not read"):
        bundle.read("m2.py")


# -- the central directory is sized before zipfile parses it ---------------------------------------
def _directory_only_zip(count: int) -> bytes:
    """`count` central directory records all pointing at one local header."""
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x5821, 0, 0, 0, 1, 0) + b"a"
    record = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x0314, 20, 0, 0, 0, 0x5821, 0, 0, 0, 1,
                         0, 0, 0, 0, 0o100644 << 16, 0) + b"a"
    directory = record * count
    zip64_end = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory),
                            len(local))
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(local) + len(directory), 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + directory + zip64_end + locator + end


def test_zip_with_more_entries_than_any_bundle_is_refused_before_parsing(tmp_path):
    """1,000,000 one-letter entries (56 MB) took 60 s and 1.8 GB; the count is checked first."""
    at_limit = ZipBundle(_write(tmp_path, "limit.zip", _directory_only_zip(MAX_ZIP_ENTRIES)), "limit.zip")
    assert len(at_limit.entries) == MAX_ZIP_ENTRIES
    path = _write(tmp_path, "many.zip", _directory_only_zip(MAX_ZIP_ENTRIES + 1))
    start = time.perf_counter()
    with pytest.raises(BundleError, match=f"more than {MAX_ZIP_ENTRIES:,} entries: too many to be a Lambda bundle"):
        ZipBundle(path, "many.zip").entries  # noqa: B018
    assert time.perf_counter() - start < 1


def test_zip_with_an_oversized_central_directory_is_refused_before_reading_it(tmp_path):
    size = MAX_ZIP_DIRECTORY_BYTES + 1
    path = tmp_path / "huge-directory.zip"
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: the "directory" costs no disk
        handle.seek(size)
        handle.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, size, 0, 0))
    with pytest.raises(BundleError, match="central directory of 33,554,433 bytes"):
        ZipBundle(path, "huge-directory.zip").entries  # noqa: B018


# -- F06: truncated native headers -------------------------------------------------------------------
def _fat_macho(*cpus: int) -> bytes:
    return b"\xca\xfe\xba\xbe" + struct.pack(">I", len(cpus)) + b"".join(
        struct.pack(">IIIII", cpu, 0, 4096, 4096, 12) for cpu in cpus)


def _elf32(machine: int = 3) -> bytes:
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIIIIIHHHHHH", 3, machine, 1, 0, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    return header + struct.pack("<IIIIIIII", 1, 0, 0, 0, 84, 84, 5, 0x1000)


BINARIES = {
    "elf64": (elf("x86_64", "2.28"), NativeInfo("elf", ("x86_64",), 64, (2, 28))),
    "elf32": (_elf32(), NativeInfo("elf", ("i386",), 32)),
    "macho": (macho("arm64"), NativeInfo("macho", ("arm64",), 64)),
    "fat": (_fat_macho(0x01000007, 0x0100000C), NativeInfo("macho", ("x86_64", "arm64"))),
    "pe": (pe("x86_64"), NativeInfo("pe", ("x86_64",))),
}


def _reader(data: bytes) -> Callable[[int], bytes]:
    return lambda size: data[:size]


@pytest.mark.parametrize("name", sorted(BINARIES))
def test_F06_every_truncation_of_a_native_header_is_not_a_native_binary(name):
    data, expected = BINARIES[name]
    assert inspect(_reader(data)) == expected
    header_size = {"elf64": 64, "elf32": 52, "macho": 32, "fat": 48, "pe": 0x40 + 24}[name]
    for cut in range(header_size):
        assert inspect(_reader(data[:cut])) == NOT_NATIVE, cut
    for cut in range(header_size, len(data)):  # the header is whole: judged; what follows may be cut
        found = inspect(_reader(data[:cut]))
        assert found.kind == expected.kind and found.machines == expected.machines, cut


def test_F06_mutated_native_headers_never_raise():
    rng = random.Random(6)
    start = time.perf_counter()
    for data, _ in BINARIES.values():
        for _ in range(1500):
            mutant = bytearray(data)
            for _ in range(rng.choice((1, 2, 4, 8))):
                position = rng.randrange(len(mutant))
                mutant[position] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
            if rng.random() < 0.2:
                mutant += bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
            assert isinstance(inspect(_reader(bytes(mutant))), NativeInfo)
    assert time.perf_counter() - start < 10


def test_F06_four_byte_binaries_in_a_zip_and_a_folder(tmp_path):
    members = {"app.py": HANDLER, "lib/x.so": Member(b"\x7fELF"), "lib/y.so": Member(b"\xcf\xfa\xed\xfe"),
               "lib/z.pyd": Member(b"MZ"), "lib/arm.so": Member(elf("aarch64"))}
    write_zip(tmp_path / "short.zip", members)
    materialize(members, tmp_path / "folder")
    findings = check_json([str(tmp_path / "short.zip"), str(tmp_path / "folder")],
                          "--select", "LL002,LL204,LL205,LL206")
    # the aarch64 binary is judged in both; the 4-byte ones are not native binaries at all
    assert _codes(findings) == [("LL204", "arm.so", ""), ("LL204", "short.zip", "lib/arm.so")]
    assert all("(lib/arm.so)" in f["message"] for f in findings)


# -- F08: bounded ELF work -----------------------------------------------------------------------------
ELF_SIZE = 16 * MIB


def _elf64(program_headers: Sequence[bytes], size: int = ELF_SIZE, fill: bytes = b"A") -> bytearray:
    data = bytearray(fill * size)
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, len(program_headers), 64, 0, 0)
    table = b"".join(program_headers)
    data[:64 + len(table)] = header + table
    return data


def _load(size: int) -> bytes:
    return struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)


def _dynamic_segment(offset: int, size: int) -> bytes:
    return struct.pack("<IIQQQQQQ", 2, 6, offset, offset, offset, size, size, 8)


def _dynamic(*entries: Tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<qQ", tag, value) for tag, value in entries)


def _version_needs_bomb() -> bytes:
    """The report's ELF: one Verneed with 65,535 Vernaux whose name sits 2 MiB into a 14 MB run
    without NUL (it took 60-78 s)."""
    data = _elf64([_load(ELF_SIZE), _dynamic_segment(0x1000, 80)])
    data[-1] = 0
    data[176:0x1000] = bytes(0x1000 - 176)
    data[0x1000:0x1050] = _dynamic((5, 0x2000), (10, ELF_SIZE - 0x2000), (0x6FFFFFFE, 0x3000),
                                   (0x6FFFFFFF, 1), (0, 0))
    count = 65_535
    data[0x3000:0x3010] = struct.pack("<HHIII", 1, count, 0, 16, 0)
    aux = struct.pack("<IHHII", 0, 0, 0, 0x200000, 16)
    data[0x3010:0x3010 + 16 * count] = aux * count
    return bytes(data)


def _many_program_headers() -> bytes:
    data = _elf64([])
    struct.pack_into("<HH", data, 54, 0xFFFF, 0xFFFF)  # 65,535 program headers of 65,535 bytes
    return bytes(data)


def _endless_dynamic_table() -> bytes:
    """A dynamic table of 1 million entries, none of them DT_NULL."""
    return bytes(_elf64([_load(ELF_SIZE), _dynamic_segment(0x1000, ELF_SIZE - 0x1000)], fill=b"\x07"))


def _version_needs_sharing_their_names() -> bytes:
    """65,535 Verneed entries that all point at the same 65,535 Vernaux names: 4 billion visits
    for a walk without a total (the names are a real GLIBC_2.17, so each visit is cheap)."""
    data = _elf64([_load(ELF_SIZE), _dynamic_segment(0x100, 80)], size=4 * MIB, fill=b"\0")
    data[0x100:0x150] = _dynamic((5, 0x2000), (0x6FFFFFFE, 0x10000), (0x6FFFFFFF, 0xFFFF), (0, 0))
    data[0x2000:0x200C] = b"\0GLIBC_2.17\0"
    names = 0x200000
    data[names:names + 16 * 0xFFFF] = struct.pack("<IHHII", 0, 0, 0, 1, 16) * 0xFFFF
    for index in range(0xFFFF):
        need = 0x10000 + 16 * index
        struct.pack_into("<HHIII", data, need, 1, 0xFFFF, 0, names - need, 16)
    return bytes(data)


def _names_past_the_end() -> bytes:
    """3,000 version names beyond the end of a 64 KiB file: each would ask for more bytes."""
    data = _elf64([_load(ELF_SIZE), _dynamic_segment(0x1000, 80)], size=64 * 1024, fill=b"\0")
    data[0x1000:0x1050] = _dynamic((5, 0x2000), (0x6FFFFFFE, 0x3000), (0x6FFFFFFF, 1), (0, 0))
    data[0x3000:0x3010] = struct.pack("<HHIII", 1, 3000, 0, 16, 0)
    for index in range(3000):
        struct.pack_into("<IHHII", data, 0x3010 + 16 * index, 0, 0, 0, 100_000 + 4096 * index, 16)
    return bytes(data)


TABLE_BOMBS = {"program headers": _many_program_headers, "dynamic entries": _endless_dynamic_table,
               "version needs sharing their names": _version_needs_sharing_their_names,
               "names past the end": _names_past_the_end}


class _CountingReader:
    def __init__(self, data: bytes):
        self.data, self.calls, self.bytes = data, 0, 0

    def __call__(self, size: int) -> bytes:
        self.calls += 1
        piece = self.data[:size]
        self.bytes += len(piece)
        return piece


def test_F08_elf_version_needs_bomb_is_judged_in_milliseconds(tmp_path):
    bomb = _version_needs_bomb()
    reader = _CountingReader(bomb)
    start = time.perf_counter()
    assert inspect(reader) == NativeInfo("elf", ("x86_64",), 64, None)  # glibc needs: unknown
    assert time.perf_counter() - start < 1
    assert reader.calls <= 16 and reader.bytes <= 2 * MAX_NATIVE_READ_BYTES


@pytest.mark.parametrize("name", sorted(TABLE_BOMBS))
def test_F08_every_elf_table_walk_is_capped(name):
    reader = _CountingReader(TABLE_BOMBS[name]())
    start = time.perf_counter()
    found = inspect(reader)
    assert found.kind == "elf" and found.glibc is None
    assert time.perf_counter() - start < 1
    assert reader.calls <= 16 and reader.bytes <= 2 * MAX_NATIVE_READ_BYTES


def test_F08_elf_bomb_in_a_zip_and_a_folder_checked_in_bounded_time(tmp_path):
    bomb = _version_needs_bomb()
    members = {"app.py": WRITING_HANDLER, "lib/_x.cpython-312-x86_64-linux-gnu.so": Member(bomb)}
    write_zip(tmp_path / "elfbomb.zip", members)
    materialize(members, tmp_path / "folder")
    for target in ("elfbomb.zip", "folder"):
        result = run_bounded(["check", target, "--isolated", "--output-format", "json",
                              "--select", "LL002,LL204,LL205,LL206,LL301"], tmp_path, TIMEOUT_S)
        _assert_bounded(result)
        assert result["rc"] == 1
        assert [f["code"] for f in json.loads(result["stdout"])] == ["LL301"]


def test_native_reads_of_one_bundle_have_a_total(tmp_path, monkeypatch):
    """Judging many big binaries reads at most MAX_NATIVE_BYTES_PER_BUNDLE in all (plus each
    binary's header); here 1 MiB for 12 binaries that would each be read 4 MiB deep."""
    size = 4 * MIB
    deep = _elf64([_load(size), _dynamic_segment(size - 4096, 80)], size=size, fill=b"\0")
    files = {f"lib/_m{index}.cpython-312-x86_64-linux-gnu.so": bytes(deep) for index in range(12)}
    materialize(files, tmp_path)
    bundle = FolderBundle(tmp_path, ".")
    read_bytes = []
    real_read_head = bundle.read_head
    monkeypatch.setattr(bundle, "read_head", lambda path, n: read_bytes.append(len(real_read_head(path, n)))
                        or real_read_head(path, n))
    monkeypatch.setattr(platform, "MAX_NATIVE_BYTES_PER_BUNDLE", MIB)
    art = platform.artifact(bundle, [""], [])  # a code folder: packages at its root, none installed
    assert [info.kind for _, info in art.natives] == ["elf"] * 12
    assert sum(read_bytes) <= MIB + 12 * 16 * HEAD_BYTES  # without the total: 88 MiB
