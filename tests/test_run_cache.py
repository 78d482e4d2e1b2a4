"""Replaying a whole check of unchanged inputs (run_cache, issue 12): the rules do not run again
when nothing the previous run read or looked for changed; any change, a file written just before
the run, other settings, `--no-cache` and `--fix`/`--diff` all run the rules."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import lambdalint.engine
from support import materialize, run_cli

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 30
      Events:
        Api:
          Type: Api
          Properties:
            Path: /x
            Method: get
"""
FILES = {
    "template.yaml": TEMPLATE,
    "src/app.py": "import json\n\n\ndef handler(event, context):\n    open('out.txt', 'w')\n    return json.dumps(1)\n",
}
AN_HOUR_AGO_NS = time.time_ns() - 3600 * 1_000_000_000


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    materialize(FILES, root)
    make_old(root)
    monkeypatch.chdir(root)
    return root


def make_old(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), ns=(AN_HOUR_AGO_NS, AN_HOUR_AGO_NS))


@pytest.fixture
def lint_calls(monkeypatch):
    """How many times the rules ran (engine.lint), across the CLI runs of a test."""
    calls = []
    real = lambdalint.engine.lint

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lambdalint.engine, "lint", counting)
    return calls


def check(*options: str):
    result = run_cli(["check", ".", "--isolated", *options])
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_an_unchanged_project_is_answered_without_running_the_rules(project, lint_calls, monkeypatch):
    first = check()
    first_json = json.loads(check("--output-format", "json"))
    assert "LL301" in first and "LL602" in first
    assert len(lint_calls) == 1  # another output format is the same run: replayed
    assert check() == first
    assert json.loads(check("--output-format", "json")) == first_json
    assert len(lint_calls) == 1
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(project.parent / "other-cache"))
    assert check() == first  # what the rules say, computed again
    assert len(lint_calls) == 2


def test_a_changed_source_file_runs_the_rules_again(project, lint_calls):
    first = check()
    app = project / "src" / "app.py"
    app.write_text(app.read_text().replace("'out.txt'", "'/tmp/out.txt'"))
    make_old(project)  # even with an old modification time: its size changed
    second = check()
    assert "LL301" in first and "LL301" not in second
    assert len(lint_calls) == 2


def test_a_same_size_rewrite_with_another_mtime_runs_the_rules_again(project, lint_calls):
    check()
    app = project / "src" / "app.py"
    app.write_text(app.read_text().replace("out.txt", "out.txs"))
    os.utime(app, ns=(AN_HOUR_AGO_NS + 1, AN_HOUR_AGO_NS + 1))
    assert "out.txs" in check()
    assert len(lint_calls) == 2


def test_a_run_that_read_a_file_written_just_before_is_not_recorded(tmp_path, monkeypatch, lint_calls):
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / "cache"))
    materialize(FILES, tmp_path / "fresh")
    monkeypatch.chdir(tmp_path / "fresh")
    check()
    check()
    assert len(lint_calls) == 2  # the files are seconds old: a same-size rewrite could go unseen


def test_a_new_file_in_the_code_folder_runs_the_rules_again(project, lint_calls):
    check()
    (project / "src" / "broken.py").write_text("x = (\n")
    make_old(project)
    assert "LL001" in check()
    assert len(lint_calls) == 2


def test_a_changed_template_runs_the_rules_again(project, lint_calls):
    check()
    template = project / "template.yaml"
    template.write_text(template.read_text().replace("Timeout: 30", "Timeout: 300"))
    make_old(project)
    assert "may run 300 s" in check()
    assert len(lint_calls) == 2


def test_other_settings_no_cache_and_fixes_run_the_rules(project, lint_calls):
    check()
    check("--select", "LL3")
    assert len(lint_calls) == 2
    check("--no-cache")
    check("--no-cache")
    assert len(lint_calls) == 4
    run_cli(["check", ".", "--isolated", "--diff"])
    assert len(lint_calls) == 5


def test_a_corrupt_record_runs_the_rules(project, lint_calls, tmp_path):
    first = check()
    for record in (tmp_path / "cache" / "runs").glob("*.json"):
        record.write_text("{not json")
    assert check() == first
    assert len(lint_calls) == 2
