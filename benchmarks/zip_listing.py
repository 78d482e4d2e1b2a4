"""Listing a 250 MB zip of 20,000 entries: the central directory only, nothing inflated.

Builds the archive once in a temp folder (mostly incompressible non-Python files, like a bundle
full of data files and native libraries), then times `Bundle.entries` in-process and a whole
`lambdalint check` of the zip in fresh processes.

    python benchmarks/zip_listing.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from common import LAMBDALINT, describe, time_command

ENTRIES = 20_000
TOTAL_BYTES = 250 * 1024 * 1024


def build(path: Path) -> None:
    size = TOTAL_BYTES // ENTRIES
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(ENTRIES):
            name = f"vendor/pkg{i // 500:03d}/data_{i:05d}.bin" if i % 50 else f"app/module_{i:05d}.py"
            data = os.urandom(size) if i % 50 else b"def f():\n    return 1\n"
            archive.writestr(name, data)


def main() -> int:
    from lambdalint.model.bundle import ZipBundle

    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "big.zip"
        build(archive)
        print(f"archive: {archive.stat().st_size / 2**20:.0f} MB, {ENTRIES:,} entries")
        listing = []
        for _ in range(7):
            start = time.perf_counter()
            bundle = ZipBundle(archive, "big.zip")
            count = len(bundle.entries)
            listing.append(time.perf_counter() - start)
        print(describe(f"Bundle.entries ({count:,})", listing))
        print(describe("lambdalint check big.zip", time_command(LAMBDALINT + ["check", str(archive), "--isolated"], runs=5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
