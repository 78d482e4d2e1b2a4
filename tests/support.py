"""Helpers shared by the tests: build example projects on disk and run the CLI."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, List, Mapping, Sequence

from click.testing import CliRunner

from lambdalint.cli import main
from lambdalint.rules.base import Member, Zip

CHUNK = 1024 * 1024


def materialize(files: Mapping[str, Any], root: Path) -> None:
    for rel, value in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, Zip):
            write_zip(target, value.members)
        elif isinstance(value, Member):
            _write_member_file(target, value)
        elif isinstance(value, bytes):
            target.write_bytes(value)
        else:
            target.write_text(value, encoding="utf-8")


def _write_member_file(target: Path, member: Member) -> None:
    if member.is_dir:
        target.mkdir(parents=True, exist_ok=True)
    elif member.size:
        with open(target, "wb") as handle:
            handle.truncate(member.size)  # sparse: big without using the disk
    else:
        data = member.content.encode() if isinstance(member.content, str) else member.content
        target.write_bytes(data)
    if not member.is_dir:
        os.chmod(target, member.mode)


def write_zip(target: Path, members: Mapping[str, Any]) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        for name, value in members.items():
            member = value if isinstance(value, Member) else Member(value)
            if member.is_dir:
                info = zipfile.ZipInfo(name.rstrip("/") + "/", member.date_time)
                info.external_attr = (stat.S_IFDIR | member.mode) << 16 | 0x10
                info.create_system = 3
                archive.writestr(info, b"")
                continue
            info = zipfile.ZipInfo(name, member.date_time)
            info.external_attr = (stat.S_IFREG | member.mode) << 16
            info.create_system = 3
            if member.size:
                filler = member.content.encode() if isinstance(member.content, str) else member.content
                info.compress_type = zipfile.ZIP_DEFLATED if filler else zipfile.ZIP_STORED
                with archive.open(info, "w", force_zip64=True) as out:
                    remaining = member.size
                    while remaining > 0:
                        size = min(CHUNK, remaining)
                        out.write((filler * (size // len(filler) + 1))[:size] if filler else os.urandom(size))
                        remaining -= size
            elif member.method >= 0 and member.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                # Only the recorded method matters to the checks: store the bytes, then relabel
                # the entry (zipfile cannot write bzip2/LZMA headers for arbitrary data we want).
                info.compress_type = zipfile.ZIP_STORED
                data = member.content.encode() if isinstance(member.content, str) else member.content
                archive.writestr(info, data)
                info.compress_type = member.method
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                data = member.content.encode() if isinstance(member.content, str) else member.content
                archive.writestr(info, data)


def run_cli(args: Sequence[str]):
    """Run `lambdalint ARGS` in-process; returns click's Result (exit_code, output)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_json(paths: Sequence[str], *options: str) -> List[dict]:
    result = run_cli(["check", *paths, "--output-format", "json", "--isolated", *options])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# The child runs lambdalint as a grandchild so that RUSAGE_CHILDREN measures lambdalint alone
# (not pytest); it prints one JSON line: exit code, stdout, stderr, wall seconds of the child, its
# CPU seconds (what bounds of pathological inputs compare: a loaded machine stretches wall time, not
# CPU time), and its peak RSS in KB (ru_maxrss is KB on Linux).  A hang is a timeout: rc None,
# "timed out" true (a read blocked on a FIFO uses no CPU: the wall time and the timeout catch it).
_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
try:
    proc = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))
    rc, out, err = proc.returncode, proc.stdout, proc.stderr
except subprocess.TimeoutExpired as exc:
    rc, out, err = None, exc.stdout or b"", exc.stderr or b""
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "stdout": out.decode("utf-8", "surrogateescape"),
                  "stderr": err.decode("utf-8", "surrogateescape"), "seconds": seconds,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "timed_out": rc is None,
                  "maxrss_kb": usage.ru_maxrss}))
"""


def run_bounded(args: Sequence[str], cwd: Path, timeout: float = 30.0) -> dict:
    """`lambdalint ARGS` in a child process with a timeout: rc, stdout, stderr, seconds, peak RSS
    (maxrss_kb) and timed_out.  stdout/stderr keep undecodable bytes as surrogate escapes."""
    command = [sys.executable, "-m", "lambdalint", *args]
    wrapper = subprocess.run([sys.executable, "-c", _WRAPPER, str(timeout), *command],
                             check=False, capture_output=True, text=True, timeout=timeout + 30, cwd=cwd)
    assert wrapper.returncode == 0, wrapper.stderr
    return json.loads(wrapper.stdout)
