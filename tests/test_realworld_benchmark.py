"""benchmarks/realworld.py: runs lambdalint per project folder, summarises, saves and compares,
and never writes into the folder it is given."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict

from support import materialize

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "realworld.py"

CLIENT_PER_CALL = "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n"
BROKEN = "def handler(event, context):\n    return (\n"
CLEAN = "def handler(event, context):\n    return {'ok': True}\n"


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def tree(folder: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>" for p in folder.rglob("*")}


def make_projects(root: Path) -> Path:
    projects = root / "projects"
    materialize({"client/app.py": CLIENT_PER_CALL, "broken/app.py": BROKEN, "clean/app.py": CLEAN}, projects)
    return projects


def test_without_folder_prints_usage_and_skips():
    result = run_script()
    assert result.returncode == 0
    assert "usage: realworld.py" in result.stdout and "skipped: no folder given" in result.stdout


def test_reports_per_rule_not_analysed_and_timing_without_writing_into_the_folder(tmp_path):
    projects = make_projects(tmp_path)
    before = tree(projects)
    saved = tmp_path / "after.json"
    result = run_script(str(projects), "--json", str(saved))
    assert result.returncode == 0, result.stderr
    assert "on 3 projects under" in result.stdout
    assert "  LL104         1        1" in result.stdout  # one finding, in one project
    assert "  LL001         1        1" in result.stdout
    assert "Internal errors and time-outs: 0 projects" in result.stdout
    assert "Projects where some code was not analysed: 1 project\n  broken: LL001 x1" in result.stdout
    assert "Timing: total" in result.stdout and "median" in result.stdout
    assert tree(projects) == before
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert sorted(data["projects"]) == ["broken", "clean", "client"]
    [finding] = data["projects"]["client"]["findings"]
    assert (finding["code"], finding["file"], finding["line"]) == ("LL104", "app.py", 5)
    assert data["projects"]["clean"]["findings"] == []


def test_compare_prints_added_and_removed_findings_per_rule(tmp_path):
    projects = make_projects(tmp_path)
    after = tmp_path / "after.json"
    assert run_script(str(projects), "--json", str(after)).returncode == 0
    data = json.loads(after.read_text(encoding="utf-8"))
    data["projects"]["client"]["findings"] = []  # "before": the LL104 finding did not exist yet
    data["projects"]["clean"]["findings"] = [{"code": "LL303", "file": "app.py", "line": 2, "column": 5,
                                              "message": "an old false positive"}]
    before = tmp_path / "before.json"
    before.write_text(json.dumps(data), encoding="utf-8")
    result = run_script(str(after), "--compare", str(before), "--details")
    assert result.returncode == 0, result.stderr
    assert "  LL104        0       1      +1       0" in result.stdout
    assert "  LL303        1       0       0      -1" in result.stdout
    assert "+ client/app.py:5: LL104 " in result.stdout
    assert "- clean/app.py:2: LL303 an old false positive" in result.stdout


def test_refuses_to_save_into_the_projects_folder(tmp_path):
    projects = make_projects(tmp_path)
    before = tree(projects)
    result = run_script(str(projects), "--json", str(projects / "out.json"))
    assert result.returncode == 2
    assert "never writes into DIR" in result.stderr
    assert tree(projects) == before
