"""Fixture projects under fixtures/ and the exact output a user sees for them.

Rewrite the expected files with LAMBDALINT_UPDATE_SNAPSHOTS=1 (then review the diff)."""
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from support import check_json, run_cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
UPDATE = os.environ.get("LAMBDALINT_UPDATE_SNAPSHOTS") == "1"


def assert_snapshot(actual: str, expected_file: Path) -> None:
    if UPDATE or not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", ["demo", "bundle-basic"])
def test_text_output(fixture, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli(["check", f"fixtures/{fixture}", "--isolated"])
    assert result.exit_code == 1
    assert_snapshot(result.stdout, FIXTURES / fixture / "expected.txt")


def test_demo_covers_three_rule_families(monkeypatch):
    monkeypatch.chdir(ROOT)
    families = {f["code"][:3] for f in check_json(["fixtures/demo"])}
    assert len(families) >= 3, families


def test_bundle_fixture_same_findings_as_folder_and_zip(tmp_path, monkeypatch):
    source = FIXTURES / "bundle-basic"
    folder = tmp_path / "bundle"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("expected.txt", "README.md"))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder).as_posix())
    monkeypatch.chdir(tmp_path)

    def comparable(findings, is_zip):
        rows = []
        for f in findings:
            member = f["member"] if is_zip else f["filename"][len("bundle/"):]
            rows.append((f["code"], member, f["location"]["row"], f["location"]["column"], f["message"]))
        return sorted(rows)

    # LL106 is about built artifacts: a zip is one, a plain source folder is not.
    from_folder = comparable(check_json(["bundle"], "--ignore", "LL106"), is_zip=False)
    from_zip = comparable(check_json(["bundle.zip"], "--ignore", "LL106"), is_zip=True)
    assert from_folder and from_folder == from_zip


def test_output_is_byte_identical_across_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    for fmt in ("text", "json", "sarif", "github"):
        first = run_cli(["check", "fixtures/demo", "--isolated", "--output-format", fmt]).stdout
        second = run_cli(["check", "fixtures/demo", "--isolated", "--output-format", fmt]).stdout
        assert first == second, fmt


@pytest.mark.parametrize("config_file", ["template.yaml", "serverless.yml", "main.tf"])
def test_same_application_text_output(config_file, monkeypatch):
    """One application in three formats: the exact output of each (dates pinned for LL608)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("LAMBDALINT_TODAY", "2026-11-27")
    result = run_cli(["check", f"fixtures/same-app/{config_file}", "--isolated"])
    assert result.exit_code == 1
    assert_snapshot(result.stdout, FIXTURES / "same-app" / "expected" / f"{config_file}.txt")
