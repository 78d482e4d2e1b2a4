"""The code rules in a forked process (code_process, issue 12): with a second core, a template of
many functions runs the rules that read code in a child while the parent runs the configuration
rules.  Whatever the split, the output is the output of one process (`--jobs 1`): the same
findings, suppressions, counts and internal errors in the same order; the run and fact caches
learn what the child read; and a child that fails costs time, never findings."""
from __future__ import annotations

import os
import sqlite3
import sys
import time
import warnings
from pathlib import Path

import pytest

from lambdalint import code_process, engine
from lambdalint.rules.base import Zip
from lambdalint.rules.native_examples import wheel_info
from support import materialize, run_cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the code process forks on Linux only")

FUNCTIONS = 6
HANDLER = """\
import json

from helpers import remember


def handler(event, context):
    remember(event)
    with open('report.json', 'w') as out:
        json.dump(event, out)
    return {"statusCode": 200}
"""
HELPERS = """\
SEEN = []
CACHE = {}


def remember(event):
    SEEN.append(event)  # noqa: LL401
    CACHE[event["id"]] = event
    total = len(CACHE)  # noqa: LL301
    return total
"""
ZIPPED = Zip({"app.py": "import legacy\n\n\ndef handler(event, context):\n    return legacy.VALUE\n",
              "legacy.py": "print 'python 2'\nVALUE = 1\n"})


def template(functions: int) -> str:
    lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:",
             "  Deps:", "    Type: AWS::Serverless::LayerVersion", "    Properties:", "      ContentUri: layer/"]
    for number in range(functions):
        lines += [f"  Fn{number}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  "      CodeUri: src/", "      Handler: app.handler", "      Runtime: python3.12",
                  f"      Timeout: {20 + number * 10}", f"      MemorySize: {64 if number == 2 else 256}",
                  "      Layers: [!Ref Deps]", "      Events:", "        Api:", "          Type: Api",
                  "          Properties:", f"            Path: /items/{number}", "            Method: get"]
    lines += ["  Zipped:", "    Type: AWS::Serverless::Function", "    Properties:",
              "      CodeUri: function.zip", "      Handler: app.handler", "      Runtime: python3.12"]
    return "\n".join(lines) + "\n"


AN_HOUR_AGO_NS = time.time_ns() - 3600 * 1_000_000_000


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    layer = {f"layer/python/{path}": value for path, value in wheel_info("requests", "py3-none-any", "2.31.0").items()}
    materialize({"template.yaml": template(FUNCTIONS), "src/app.py": HANDLER, "src/helpers.py": HELPERS,
                 "function.zip": ZIPPED, **layer}, root)
    for folder, _, files in os.walk(root):  # old files: the fact cache records them
        for name in files:
            os.utime(os.path.join(folder, name), ns=(AN_HOUR_AGO_NS, AN_HOUR_AGO_NS))
    monkeypatch.chdir(root)
    monkeypatch.setattr(code_process, "MIN_FUNCTIONS", 2)  # this small template is worth a child
    monkeypatch.delenv("LAMBDALINT_DEBUG", raising=False)
    return root


@pytest.fixture
def children(monkeypatch) -> list:
    """The code processes started (counted in the parent)."""
    started = []
    real = code_process.CodeProcess.__init__

    def counting(self, *args, **kwargs):
        started.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(code_process.CodeProcess, "__init__", counting)
    return started


def check(*options: str):
    result = run_cli(["check", ".", "--isolated", "--no-cache", "--no-progress", *options])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_the_output_is_the_output_of_one_process(project, children, output_format):
    alone = check("--jobs", "1", "--output-format", output_format)
    assert children == []
    split = check("--jobs", "2", "--output-format", output_format)
    assert len(children) == 1
    assert split == alone


def test_the_project_has_findings_of_both_kinds_and_suppressions(project, children):
    _, text, _ = check("--jobs", "2", "--output-format", "github")
    codes = {line.split("(")[1][:5] for line in text.splitlines() if "title=lambdalint (LL" in line}
    # the parent's (configuration) and the child's (code, bundles) rules, and LL003 joining both
    assert {"LL602", "LL603"} <= codes and {"LL001", "LL301", "LL401"} <= codes and "LL003" in codes
    assert "line=6," not in text  # the used suppression (the child's finding, the parent's comment)
    assert len(children) == 1


def test_rule_crashes_are_listed_in_rule_order(project, children, monkeypatch):
    from lambdalint.rules.ll401_mutable_global_mutated import MutableGlobalMutatedRule
    from lambdalint.rules.ll603_memory_out_of_range import MemoryOutOfRangeRule

    def crash(self, target, ctx):
        raise RuntimeError(f"{self.code} broke")

    monkeypatch.setattr(MutableGlobalMutatedRule, "check_function", crash)
    monkeypatch.setattr(MemoryOutOfRangeRule, "check_function", crash)
    alone, split = check("--jobs", "1"), check("--jobs", "2")
    assert len(children) == 1
    assert split == alone
    assert "LL401 crashed" in alone[2] and "LL603 crashed" in alone[2]


@pytest.mark.parametrize("failure", ["exception", "killed"])
def test_a_failed_child_loses_no_finding(project, children, monkeypatch, failure):
    alone = check("--jobs", "1")
    parent, real = os.getpid(), engine._run_here

    def failing(*args, **kwargs):
        if os.getpid() != parent:  # in the child only
            if failure == "killed":
                os._exit(9)
            raise RuntimeError("the child broke")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_run_here", failing)
    assert check("--jobs", "2") == alone
    assert len(children) == 1


def test_no_child_without_a_second_core_code_or_enough_functions(project, children, monkeypatch):
    check("--jobs", "1")
    check("--jobs", "2", "--select", "LL603")  # configuration rules only
    check("--jobs", "2", "--select", "LL401")  # code rules only
    monkeypatch.setattr(code_process, "MIN_FUNCTIONS", FUNCTIONS + 2)
    check("--jobs", "2")
    monkeypatch.setattr(code_process, "MIN_FUNCTIONS", 2)
    monkeypatch.setenv("LAMBDALINT_DEBUG", "1")  # rule crashes must raise where they happen
    check("--jobs", "2")
    assert children == []


def test_the_run_cache_knows_every_file_the_child_read(project, tmp_path, monkeypatch):
    from lambdalint.run_cache import RunCache

    logs = []
    real_record = RunCache.record

    def record(self, key, result, log):
        logs.append(dict(log.accessed))
        real_record(self, key, result, log)

    monkeypatch.setattr(RunCache, "record", record)
    for jobs in ("1", "2"):
        monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / f"cache-{jobs}"))
        run_cli(["check", ".", "--isolated", "--no-progress", "--jobs", jobs])
    assert len(logs) == 2 and logs[0] == logs[1]
    assert str(project / "src" / "helpers.py") in logs[1]


def _facts(cache: Path) -> set:
    with sqlite3.connect(str(cache / "facts.sqlite")) as db:
        return set(db.execute("SELECT * FROM facts")) | set(db.execute("SELECT * FROM stats"))


def test_the_fact_cache_keeps_what_the_child_learnt(project, tmp_path, monkeypatch, children):
    learnt = {}
    for jobs in ("1", "2"):
        cache = tmp_path / f"cache-{jobs}"
        monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(cache))
        # without LL003 the parent reads no module (it reads their comments for it): only the child does
        run_cli(["check", ".", "--isolated", "--no-progress", "--jobs", jobs, "--select", "LL001,LL401,LL603"])
        learnt[jobs] = _facts(cache)
    assert len(children) == 1
    assert learnt["1"] and learnt["2"] == learnt["1"]


def test_forking_from_the_cli_thread_warns_nothing(project, children):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Python >= 3.12 warns about fork() with threads alive
        assert check("--jobs", "2")[0] == 1
    assert len(children) == 1
