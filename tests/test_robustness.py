"""Hostile inputs next to a good handler: every bad input is one LL002, nothing crashes, hangs or
eats memory, and the good code is still checked.

The run happens in a child process (the real CLI, `python -m lambdalint`) with a timeout, so that a
hang fails the test instead of blocking the suite, and so that the child's peak RSS can be measured.
`benchmarks/robustness.py` builds the same folder with `build_hostile_folder`.
"""
from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

from support import run_bounded

TIMEOUT_S = 60
MAX_RSS_MB = 200
LIE_SIZE = 1 << 30  # 1 GiB declared for a few hundred bytes

HANDLER = """\
import json


def handler(event, context):
    with open("out.txt", "w") as out:
        out.write(json.dumps(event))
    return {"ok": True}
"""
HANDLER_WRITE_LINE = 5

PYTHON2 = """\
import os

print "hello"
"""
PYTHON2_LINE = 3

BAD_ZIPS = ("corrupt.zip", "truncated.zip", "lying.zip")
BOMB = "template.yaml"
# Deployment configuration in the other formats: a serverless.yml carrying the alias bomb, and a
# .tf file with strings nested 3,000 levels inside interpolations (refused at once).
BAD_CONFIGS = ("sls/serverless.yml", "tf/main.tf")


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A CloudFormation template carrying the "billion laughs" alias structure (width**levels)."""
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Description: alias bomb", "Metadata:"]
    names = [chr(ord("a") + i) for i in range(levels)]
    lines.append(f'  {names[0]}: &{names[0]} [{", ".join(["lol"] * width)}]')
    for prev, name in zip(names, names[1:]):
        lines.append(f"  {name}: &{name} [{', '.join([f'*{prev}'] * width)}]")
    lines += [
        "Resources:",
        "  Bucket:",
        "    Type: AWS::S3::Bucket",
        "    Properties:",
        "      Tags:",
        "        - Key: bomb",
        f"          Value: *{names[-1]}",
        "",
    ]
    return "\n".join(lines)


def _zip_bytes(members: Dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def lying_zip_bytes(members: Dict[str, str], declared: int = LIE_SIZE) -> bytes:
    """A valid zip whose every entry then claims `declared` uncompressed bytes, in the central
    directory (offset 24 of a central header) and in the local header (offset 22)."""
    data = bytearray(_zip_bytes(members))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        infos = archive.infolist()
    for info in infos:
        struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        struct.pack_into("<I", data, central + 24, declared)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
        central = data.find(b"PK\x01\x02", central + 46 + name_len + extra_len + comment_len)
    return bytes(data)


def build_hostile_folder(root: Path) -> Path:
    """The folder both this test and the benchmark check; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    (root / "corrupt.zip").write_bytes(bytes(rng.getrandbits(8) for _ in range(4096)))
    valid = _zip_bytes({
        "app.py": HANDLER,
        **{f"pkg/mod{i}.py": f"VALUE_{i} = {i}\n" + "# filler\n" * 200 for i in range(8)},
    })
    (root / "truncated.zip").write_bytes(valid[: len(valid) // 2])
    (root / "lying.zip").write_bytes(lying_zip_bytes({"app.py": HANDLER}))
    (root / BOMB).write_text(alias_bomb(), encoding="utf-8")
    (root / "sls").mkdir(exist_ok=True)
    (root / "sls" / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: app.handler\n"
        + alias_bomb().split("\n", 1)[1], encoding="utf-8")
    (root / "tf").mkdir(exist_ok=True)
    (root / "tf" / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  handler = "' + '${"' * 3000 + "a" + '"}' * 3000 + '"\n}\n',
        encoding="utf-8")
    (root / "legacy.py").write_text(PYTHON2, encoding="utf-8")
    (root / "app.py").write_text(HANDLER, encoding="utf-8")
    return root


def run_measured(folder: Path, cwd: Path, timeout: float = TIMEOUT_S,
                 output_format: str = "json") -> dict:
    """`lambdalint check FOLDER --output-format json --isolated` in a child; its rc/out/err/RSS."""
    return run_bounded(["check", str(folder), "--output-format", output_format, "--isolated",
                        "--no-progress"], cwd=cwd, timeout=timeout)


def findings_by_code(findings: List[dict]) -> Dict[str, List[Tuple[str, int]]]:
    result: Dict[str, List[Tuple[str, int]]] = {}
    for finding in findings:
        result.setdefault(finding["code"], []).append((finding["filename"], finding["location"]["row"]))
    return result


def test_hostile_inputs_are_reported_without_crash_hang_or_memory_blowup(tmp_path):
    build_hostile_folder(tmp_path / "hostile")
    run = run_measured(Path("hostile"), cwd=tmp_path)

    assert "Traceback" not in run["stderr"], run["stderr"]
    assert run["rc"] == 1, (run["rc"], run["stderr"], run["stdout"])
    findings = json.loads(run["stdout"])
    codes = findings_by_code(findings)

    unreadable = sorted(filename for filename, _ in codes.get("LL002", []))
    assert unreadable == sorted(f"hostile/{name}" for name in (*BAD_ZIPS, BOMB, *BAD_CONFIGS)), findings
    assert all(f["member"] is None for f in findings if f["code"] == "LL002")

    assert codes.get("LL001") == [("hostile/legacy.py", PYTHON2_LINE)], findings
    assert ("hostile/app.py", HANDLER_WRITE_LINE) in codes.get("LL301", []), findings

    peak_mb = run["maxrss_kb"] / 1024
    assert peak_mb < MAX_RSS_MB, f"lambdalint peaked at {peak_mb:.0f} MB"


def test_each_hostile_archive_alone_is_one_ll002(tmp_path):
    """Named one by one on the command line, each bad input is still exactly one LL002."""
    folder = build_hostile_folder(tmp_path / "hostile")
    for name in (*BAD_ZIPS, BOMB):
        proc = subprocess.run(
            [sys.executable, "-m", "lambdalint", "check", str(folder / name), "--output-format",
             "json", "--isolated", "--no-progress"],
            check=False, capture_output=True, text=True, timeout=TIMEOUT_S)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 1, (name, proc.returncode, proc.stderr)
        findings = json.loads(proc.stdout)
        assert [(f["code"], Path(f["filename"]).name) for f in findings] == [("LL002", name)], findings


def test_lying_zip_really_declares_a_gigabyte(tmp_path):
    """Guards the fixture itself: the patch hit both headers and the zip still opens."""
    path = tmp_path / "lying.zip"
    path.write_bytes(lying_zip_bytes({"app.py": HANDLER}))
    with zipfile.ZipFile(path) as archive:
        (info,) = archive.infolist()
        assert info.file_size == LIE_SIZE
        assert info.compress_size < 1024
    raw = path.read_bytes()
    assert struct.unpack_from("<I", raw, info.header_offset + 22)[0] == LIE_SIZE


def test_zip_with_a_corrupt_member_is_one_ll002_on_that_member(tmp_path):
    """The central directory is fine, the deflate stream of app.py is not: listing works, reading
    app.py fails, and that is an LL002 on the member rather than an internal error."""
    raw = bytearray(_zip_bytes({"app.py": HANDLER, "util.py": "X = 1\n"}))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("app.py")
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    raw[start:start + 16] = b"\xff" * 16  # an invalid deflate block type
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "broken-member.zip").write_bytes(bytes(raw))
    run = run_measured(Path("fn"), cwd=tmp_path)
    assert "Traceback" not in run["stderr"], run["stderr"]
    assert run["rc"] == 1, (run["rc"], run["stderr"])
    findings = json.loads(run["stdout"])
    assert [(f["code"], f["filename"], f["member"]) for f in findings] == [
        ("LL002", "fn/broken-member.zip", "app.py")], findings
