"""Helpers shared by the tests: build example projects on disk and run the CLI."""
from __future__ import annotations

import json
import os
import stat
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
