"""`lambdalint check` on a 250 MB, 20,000-entry bundle that is mostly not Python: how long it takes
and what it reads (issue 4's performance acceptance: < 2 s; reads limited to central-directory
records, `.py` files on the handler's import path and headers of native files).

The archive is built once and cached in ~/.cache/lambdalint-bench/ (deflate, like `zip -r`):

- ~19,200 data files (datasets, images: incompressible; i18n JSON: compressible);
- 300 native files: 270 extension modules `*.cpython-312-x86_64-linux-gnu.so` and 30 `*.libs/*.so.1`
  in 15 distributions tagged manylinux2014_x86_64, each `native_examples.elf()` padded with random
  bytes to 200 KB-2 MB;
- a handler package (`app.py` + `service/`, 31 modules that import each other);
- 375 third-party `.py` files in 27 installed distributions (with dist-info) that the handler
  never imports.

Then it times `lambdalint check big.zip --isolated` (median of 5 fresh processes after a warm-up)
and runs the same check in-process with `ZipBundle.read` and the archive's file object wrapped, to
record every member read (bytes asked for, bytes returned, compressed bytes read from the file) and
every byte read from the archive outside member reads (the end record and central directory).

    python benchmarks/big_zip_check.py                    # the archive described above
    python benchmarks/big_zip_check.py --real-elf-layout  # also: ELFs laid out like real ones

`--real-elf-layout` builds a second archive whose ELFs put PT_DYNAMIC near the end of the file, as
GNU ld and lld do (`.dynamic` sits in the read-write segment after `.text`; e.g. pydantic-core's
extension has it at 4.9 MB of 5.0 MB), while `.dynstr` and `.gnu.version_r` stay near the start.
`native_examples.elf()` puts everything in the first 300 bytes, which flatters a header-only reader.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import stat
import statistics
import struct
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LAMBDALINT, describe

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalint-bench"
FORMAT = 2  # bump when the archive's recipe changes
SEED = 20240501
ENTRIES = 20_000
UNZIPPED_TARGET = 285_000_000  # the archive comes out at ~250 MB (= 262 million bytes) zipped
NATIVE_DISTS, EXTENSIONS_PER_DIST, LIBS_PER_DIST = 15, 18, 2
PURE_DISTS, PY_PER_PURE_DIST = 12, 30
HANDLER_MODULES = 28  # service/mod_00..27, plus service/__init__.py, service/api.py and app.py
DATE = (2024, 5, 1, 12, 0, 0)
RUNS = 5


# -- building the archive ------------------------------------------------------------------------
def real_layout_elf(size: int, rng: random.Random, glibc: str = "2.17") -> bytes:
    """A 64-bit x86_64 shared object laid out like a linker's output: version strings and
    version needs right after the program headers, PT_DYNAMIC near the end of the file."""
    strings = b"\0libc.so.6\0" + f"GLIBC_{glibc}".encode() + b"\0"
    header_size, ph_size = 64, 56
    str_off = header_size + 2 * ph_size
    vn_off = str_off + len(strings)
    head_end = vn_off + 32
    entries = [(5, str_off), (10, len(strings)), (0x6FFFFFFE, vn_off), (0x6FFFFFFF, 1), (0, 0)]
    dyn_size = 16 * len(entries)
    tail = 4096  # what follows .dynamic: .got, .data, section headers...
    dyn_off = size - tail - dyn_size
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, header_size, 0, 0, header_size, ph_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)
    dynamic = struct.pack("<IIQQQQQQ", 2, 6, dyn_off, dyn_off, dyn_off, dyn_size, dyn_size, 8)
    verneed = struct.pack("<HHIII", 1, 1, 1, 16, 0) + struct.pack("<IHHII", 0, 0, 2, len(b"\0libc.so.6\0"), 0)
    head = header + load + dynamic + strings + verneed
    assert len(head) == head_end
    body = b"".join(struct.pack("<qQ", tag, value) for tag, value in entries)
    return head + rng.randbytes(dyn_off - head_end) + body + rng.randbytes(tail)


def example_elf(size: int, rng: random.Random) -> bytes:
    from lambdalint.rules.native_examples import elf

    head = elf("x86_64", "2.17")
    return head + rng.randbytes(size - len(head))


def handler_package() -> Dict[str, str]:
    files = {
        "app.py": ("import json\n\nfrom service import api\n\n\n"
                   "def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(api.handle(event))}\n"),
        "service/__init__.py": '"""Orders service."""\n',
        "service/api.py": "from service import mod_00\n\n\ndef handle(event):\n    return mod_00.step(event, 0)\n",
    }
    for i in range(HANDLER_MODULES):
        nxt = f"mod_{i + 1:02d}" if i + 1 < HANDLER_MODULES else None
        other = f"mod_{(3 * i + 5) % HANDLER_MODULES:02d}"
        imports = "import os\n" + (f"from service import {nxt}\n" if nxt else "") + f"from service import {other}\n"
        body = (f"\n\nLIMIT = int(os.environ.get('LIMIT_{i}', '{i + 10}'))\n\n\n"
                f"def step(event, depth):\n    if depth > LIMIT:\n        return event\n"
                + (f"    return {nxt}.step(dict(event, m{i}=True), depth + 1)\n" if nxt else "    return event\n")
                + f"\n\ndef helper(x):\n    return {other}.LIMIT + x\n")
        files[f"service/mod_{i:02d}.py"] = imports + body
    return files


def dist_info(name: str, version: str, tag: str, files: List[str]) -> Dict[str, str]:
    info = f"{name}-{version}.dist-info"
    record = "".join(f"{path},,\n" for path in [*files, f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"])
    return {f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA package.\n",
            f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: {tag}\n",
            f"{info}/RECORD": record}


def plan(rng: random.Random) -> Tuple[List[Tuple[str, str, object]], dict]:
    """Entries as (name, kind, payload): payload is text, or ("elf", size) / ("data", size, text?)."""
    entries: List[Tuple[str, str, object]] = []
    handler = handler_package()
    for name, text in handler.items():
        entries.append((name, "handler-py", text))
    third_party_py = 0
    for k in range(PURE_DISTS):
        name = f"vendorlib{k:02d}"
        files = [f"{name}/__init__.py"] + [f"{name}/sub{j // 10}/mod_{j:02d}.py" for j in range(PY_PER_PURE_DIST - 1)]
        files += [f"{name}/sub{j}/__init__.py" for j in range(3)]
        for path in files:
            entries.append((path, "third-party-py", f"# {path}\nimport os\n\n\ndef f(x):\n    return os.sep + str(x)\n" * 20))
        third_party_py += len(files)
        for path, text in dist_info(name, f"1.{k}.0", "py3-none-any", files).items():
            entries.append((path, "dist-info", text))
    natives = 0
    for k in range(NATIVE_DISTS):
        name = f"nativelib{k:02d}"
        files = [f"{name}/__init__.py"]
        entries.append((files[0], "third-party-py", f"from {name}._ext_00 import *  # noqa\n"))
        third_party_py += 1
        for j in range(EXTENSIONS_PER_DIST + LIBS_PER_DIST):
            path = (f"{name}/_ext_{j:02d}.cpython-312-x86_64-linux-gnu.so" if j < EXTENSIONS_PER_DIST
                    else f"{name}.libs/libdep{j}-{k:02d}ab{j}cd.so.1")
            size = int(200_000 * 10 ** (rng.random() ** 2))  # 200 KB - 2 MB, most of them small
            entries.append((path, "native", ("elf", size)))
            files.append(path)
            natives += 1
        for path, text in dist_info(name, f"2.{k}.1", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
                                    files).items():
            entries.append((path, "dist-info", text))
    used = sum(len(p) if isinstance(p, str) else p[1] for _, _, p in entries)
    data_count = ENTRIES - len(entries)
    weights = [10 ** rng.uniform(2, 4.8) for _ in range(data_count)]  # 100 B - 63 KB, log-uniform
    scale = (UNZIPPED_TARGET - used) / sum(weights)
    for i, weight in enumerate(weights):
        size = max(16, int(weight * scale))
        if i % 4 == 0:
            entries.append((f"assets/i18n/{i // 400:03d}/strings_{i:05d}.json", "data", ("text", size)))
        elif i % 4 == 1:
            entries.append((f"static/img/{i // 400:03d}/tile_{i:05d}.png", "data", ("bin", size)))
        else:
            entries.append((f"dataset/shard_{i // 400:03d}/part_{i:05d}.bin", "data", ("bin", size)))
    meta = {"format": FORMAT, "entries": len(entries), "handler_py": sorted(handler),
            "third_party_py": third_party_py, "natives": natives, "data": data_count,
            "unzipped": sum(len(p) if isinstance(p, str) else p[1] for _, _, p in entries)}
    return entries, meta


def build(target: Path, real_layout: bool) -> dict:
    rng = random.Random(SEED)
    entries, meta = plan(rng)
    partial = target.with_suffix(".partial")
    words = [b'{"key_%d": "value %d", "lang": "en", "text": "The quick brown fox jumps over the lazy dog"},\n' % (i, i)
             for i in range(64)]
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, kind, payload in entries:
            if isinstance(payload, str):
                data = payload.encode()
            elif payload[0] == "elf":
                data = real_layout_elf(payload[1], rng) if real_layout else example_elf(payload[1], rng)
            elif payload[0] == "text":
                text = b"[\n" + b"".join(rng.choice(words) for _ in range(payload[1] // 80 + 1))
                data = text[:payload[1]]
            else:
                data = rng.randbytes(payload[1])
            info = zipfile.ZipInfo(name, DATE)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | (0o755 if kind == "native" else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    partial.replace(target)
    meta["archive_bytes"] = target.stat().st_size
    meta["elf_layout"] = "real" if real_layout else "native_examples.elf"
    target.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return meta


def archive_for(real_layout: bool, rebuild: bool) -> Tuple[Path, dict]:
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"big-{'real-elf' if real_layout else 'example-elf'}-v{FORMAT}.zip"
    sidecar = target.with_suffix(".json")
    if target.exists() and sidecar.exists() and not rebuild:
        return target, json.loads(sidecar.read_text())
    start = time.perf_counter()
    print(f"building {target} (once) ...", flush=True)
    meta = build(target, real_layout)
    print(f"  built in {time.perf_counter() - start:.1f} s", flush=True)
    return target, meta


# -- what a check reads --------------------------------------------------------------------------
class Reads:
    def __init__(self):
        self.current = None  # the member being read, None: listing (end record, central directory)
        self.raw: Counter = Counter()  # member (or None) -> bytes read from the archive file
        self.reads: List[Tuple[str, int, int]] = []  # (member, bytes asked, bytes returned)
        self.listed = 0


def instrumented_check(archive: Path) -> Tuple[Reads, str, float]:
    from click.testing import CliRunner

    from lambdalint.cli import main
    from lambdalint.model import bundle as bundle_module

    reads = Reads()

    class CountingFile(io.FileIO):
        def read(self, size=-1):
            data = super().read(size)
            reads.raw[reads.current] += len(data)
            return data

    ZipBundle = bundle_module.ZipBundle
    original_open, original_read, original_list = ZipBundle._open, ZipBundle._read, ZipBundle._list

    def counting_open(self):
        if self._zip is None:
            self._zip = zipfile.ZipFile(CountingFile(str(self.path), "r"))
        return self._zip

    def counting_read(self, path, limit):
        reads.current = path
        try:
            data = original_read(self, path, limit)
        except Exception:
            reads.reads.append((path, limit, -1))
            raise
        finally:
            reads.current = None
        reads.reads.append((path, limit, len(data)))
        return data

    def counting_list(self):
        entries = original_list(self)
        reads.listed += len(entries)
        return entries

    ZipBundle._open, ZipBundle._read, ZipBundle._list = counting_open, counting_read, counting_list
    try:
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["check", str(archive), "--isolated", "--output-format", "json"],
                                    catch_exceptions=False)
        elapsed = time.perf_counter() - start
    finally:
        ZipBundle._open, ZipBundle._read, ZipBundle._list = original_open, original_read, original_list
    return reads, result.stdout, elapsed


def central_directory(archive: Path) -> Tuple[int, int]:
    with open(archive, "rb") as handle:
        end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    return end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]


def classify(path: str, handler_py: set) -> str:
    from lambdalint.analysis.natives import is_native_candidate

    if path in handler_py:
        return ".py on the handler's import path"
    if path.endswith(".py"):
        return ".py NOT on the handler's import path"
    if is_native_candidate(path, 0o755):
        return "native file headers"
    if ".dist-info/" in path:
        return "dist-info (METADATA, WHEEL, RECORD)"
    return "other"


def report(archive: Path, meta: dict) -> bool:
    size = archive.stat().st_size
    print(f"\n== {archive.name}: {size:,} bytes ({size / 2**20:.1f} MB) zipped, "
          f"{meta['unzipped']:,} bytes ({meta['unzipped'] / 2**20:.1f} MB) unzipped; "
          f"ELFs: {meta['elf_layout']}")
    print(f"   {meta['entries']:,} entries: {meta['data']:,} data files, {meta['natives']} native files, "
          f"{len(meta['handler_py'])} handler-package .py, {meta['third_party_py']} third-party .py "
          "(not imported), dist-info files")

    command = [shutil.which("lambdalint") or LAMBDALINT[0]] + ([] if shutil.which("lambdalint") else LAMBDALINT[1:])
    command += ["check", str(archive), "--isolated"]
    subprocess.run(command, capture_output=True, check=False)  # warm-up: the OS page cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    floor = []
    tiny = CACHE / "tiny.zip"
    with zipfile.ZipFile(tiny, "w") as small:
        small.writestr("app.py", "def handler(event, context):\n    return 1\n")
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command[:-2] + [str(tiny), "--isolated"], capture_output=True, check=False)
        floor.append(time.perf_counter() - start)
    print(describe("lambdalint check big.zip --isolated", times))
    print(describe("  (same on a 1-file zip: start-up)", floor))

    reads, output, elapsed = instrumented_check(archive)
    findings = json.loads(output)
    cd_entries, cd_bytes = central_directory(archive)
    handler_py = set(meta["handler_py"])
    kinds: Dict[str, List[Tuple[str, int, int]]] = defaultdict(list)
    for path, asked, returned in reads.reads:
        kinds[classify(path, handler_py)].append((path, asked, returned))
    print(f"in-process check: {elapsed * 1000:.0f} ms; findings: "
          f"{dict(sorted(Counter(f['code'] for f in findings).items())) or 'none'}")
    print(f"central directory: {cd_entries:,} records ({cd_bytes:,} bytes); entries listed by lambdalint: "
          f"{reads.listed:,}; bytes read outside member reads (end record + central directory): "
          f"{reads.raw[None]:,}")
    print(f"{'members read, by kind':<40} {'reads':>6} {'members':>8} {'bytes returned':>15} "
          f"{'archive bytes':>14} {'largest read':>13}")
    total_raw = reads.raw[None]
    for kind in (".py on the handler's import path", "native file headers", "dist-info (METADATA, WHEEL, RECORD)",
                 ".py NOT on the handler's import path", "other"):
        items = kinds.get(kind, [])
        members = {path for path, _, _ in items}
        raw = sum(reads.raw[path] for path in members)
        total_raw += raw
        largest = max((returned for _, _, returned in items), default=0)
        print(f"  {kind:<38} {len(items):>6} {len(members):>8} {sum(max(r, 0) for _, _, r in items):>15,} "
              f"{raw:>14,} {largest:>13,}")
    natives = kinds.get("native file headers", [])
    if natives:
        per_member = Counter()
        for path, _, returned in natives:
            per_member[path] += max(returned, 0)
        print(f"  native reads per file: median {statistics.median(per_member.values()):,.0f} bytes, "
              f"max {max(per_member.values()):,} bytes; {len(per_member)} of {meta['natives']} native files read")
    missing = sorted(handler_py - {p for p, _, _ in kinds.get(".py on the handler's import path", [])})
    if missing:
        print(f"  handler-path modules NOT read: {missing}")
    print(f"total read from the archive: {total_raw:,} of {size:,} bytes ({100 * total_raw / size:.2f} %)")
    from lambdalint.analysis.natives import FIRST_WINDOW, HEAD_BYTES

    HEAD_BYTES = max(HEAD_BYTES, FIRST_WINDOW + 16 * 1024)  # noqa: N806 - the header budget

    median = statistics.median(times)
    strays = sorted({p for p, _, _ in kinds.get(".py NOT on the handler's import path", []) + kinds.get("other", [])})
    deep = {path: returned for path, _, returned in natives if returned > HEAD_BYTES}
    problems = ([f"{len(strays)} other member(s) read, e.g. {', '.join(strays[:3])}"] if strays else []) + (
        [(f"{len(deep)} native file(s) read past their first {HEAD_BYTES:,} bytes "
          f"({sum(deep.values()):,} bytes in those reads)")] if deep else [])
    print(f"verdict: median {median:.2f} s {'<' if median < 2 else '>='} 2 s; "
          f"reads limited to the central directory, handler-path .py, native headers (<= {HEAD_BYTES:,} bytes each)"
          f"{' and dist-info metadata' if kinds.get('dist-info (METADATA, WHEEL, RECORD)') else ''}: "
          f"{'yes' if not problems else 'NO: ' + '; '.join(problems)}")
    return median < 2 and not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real-elf-layout", action="store_true",
                        help="also check an archive whose ELFs put PT_DYNAMIC near their end")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archive(s)")
    args = parser.parse_args()
    ok = True
    for real in ([False, True] if args.real_elf_layout else [False]):
        archive, meta = archive_for(real, args.rebuild)
        ok = report(archive, meta) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
