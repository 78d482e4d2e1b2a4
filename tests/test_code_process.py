"""The code rules in a forked process (code_process, issue 12): with a second core, a template of
many functions runs the rules that read code in a child while the parent runs the configuration
rules.  Whatever the split, the output is the output of one process (`--jobs 1`): the same
findings, suppressions, counts and internal errors in the same order; the run and fact caches
learn what the child read; and a child that fails costs time, never findings."""
from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from lambdalint import code_process, engine
from lambdalint.rules.base import Member, Zip
from lambdalint.rules.native_examples import wheel_info
from support import materialize, run_cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the code process forks on Linux only")

FUNCTIONS = 6
HANDLER = """\
import json

import requests  # from the layer
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
ZIPPED = Zip({  # app.py is readable by its owner only (LL208), and says so
    "app.py": Member("# lambdalint: ignore-file[LL208]\nimport legacy\n\n\ndef handler(event, context):\n"
                     "    return legacy.VALUE\n", mode=0o600),
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
    layer["layer/python/requests/__init__.py"] = "from requests import api\n"
    layer["layer/python/requests/api.py"] = "import json\n\n\ndef get(url):\n    return json.dumps(url)\n"
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
    """The outcome of each code process started (None: it failed and the parent ran its rules)."""
    outcomes = []
    real = code_process.CodeProcess.outcome

    def recorded(self):
        outcome = real(self)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(code_process.CodeProcess, "outcome", recorded)
    return outcomes


def check(*options: str):
    result = run_cli(["check", ".", "--isolated", "--no-cache", "--no-progress", *options])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_the_output_is_the_output_of_one_process(project, children, output_format):
    alone = check("--jobs", "1", "--output-format", output_format)
    assert children == []
    split = check("--jobs", "2", "--output-format", output_format)
    assert len(children) == 1 and children[0] is not None  # the child's findings, not a rerun's
    assert split == alone


# Selections where the parent reads no module of its own: the files counted and the suppression
# comments honoured come from the child alone (LL208's finding sits in a file that suppresses it).
@pytest.mark.parametrize("selection", ["LL403,LL604", "LL401,LL604", "LL208,LL401,LL604", "LL201,LL401,LL604",
                                       "LL207,LL301,LL603", "LL2,LL4,LL6", "LL003,LL101,LL603"])
def test_every_selection_gives_the_output_of_one_process(project, children, selection):
    alone = check("--jobs", "1", "--select", selection)
    split = check("--jobs", "2", "--select", selection)
    assert len(children) == 1 and children[0] is not None
    assert split == alone


@pytest.mark.parametrize("selection", ["LL208,LL604", "LL603"])
def test_no_code_process_without_a_rule_that_reads_source(project, children, selection):
    assert check("--jobs", "2", "--select", selection) == check("--jobs", "1", "--select", selection)
    assert children == []


def test_the_child_reads_archives_through_handles_of_its_own(project, children, monkeypatch):
    """A descriptor inherited across fork shares its file offset with the parent's: the child
    must not read through the parent's open archives."""
    parent, real = os.getpid(), engine._run_here

    def checked(rules, positions, ctx, *args):
        if os.getpid() != parent and any(getattr(bundle, "_zip", None) is not None for bundle in ctx.project.bundles):
            os._exit(3)
        return real(rules, positions, ctx, *args)

    monkeypatch.setattr(engine, "_run_here", checked)
    check("--jobs", "2")
    assert len(children) == 1 and children[0] is not None


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


@pytest.mark.parametrize("failure", ["exception", "killed", "truncated message"])
def test_a_failed_child_loses_no_finding(project, children, monkeypatch, failure):
    alone = check("--jobs", "1")
    parent, real_run, real_dumps = os.getpid(), engine._run_here, pickle.dumps

    def failing(*args, **kwargs):
        if os.getpid() != parent:  # in the child only
            if failure == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if failure == "exception":
                raise RuntimeError("the child broke")
        return real_run(*args, **kwargs)

    def truncated(*args, **kwargs):
        data = real_dumps(*args, **kwargs)
        return data[:len(data) // 2] if os.getpid() != parent else data

    monkeypatch.setattr(engine, "_run_here", failing)
    monkeypatch.setattr(pickle, "dumps", truncated)
    assert check("--jobs", "2") == alone
    assert children == [None]  # the parent ran the child's rules itself


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


def test_lambdalint_as_a_library_never_forks(project, children):
    """A host process's other threads may hold locks the child would need: only the CLI forks."""
    from lambdalint.config import Settings
    from lambdalint.discovery import discover
    from lambdalint.engine import lint, make_rules
    from lambdalint.registry import default_registry

    settings, registry = Settings(jobs=2, cache=False), default_registry()
    result = lint(discover(["."], settings), make_rules(registry.select(None, [], []), settings), settings, registry)
    assert result.findings and children == []


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


def test_a_warm_child_reads_the_fact_cache(project, tmp_path, monkeypatch, children):
    """The child reads facts through a connection of its own: on a second run (the template
    edited, so the rules run again) nothing is parsed again, nothing new is learnt."""
    from lambdalint.file_facts import FactStore

    learnt = []
    real = FactStore.add_learnt

    def recorded(self, new_facts, new_stats):
        learnt.append(len(new_facts) + len(new_stats))
        real(self, new_facts, new_stats)

    monkeypatch.setattr(FactStore, "add_learnt", recorded)
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / "cache"))
    first = run_cli(["check", ".", "--isolated", "--no-progress", "--jobs", "2"])
    with open("template.yaml", "a") as template_file:
        template_file.write("# edited\n")
    second = run_cli(["check", ".", "--isolated", "--no-progress", "--jobs", "2"])
    assert first.stdout == second.stdout
    assert len(children) == 2 and None not in children
    assert learnt[0] > 0 and learnt[1] == 0

