"""The architecture's promises: every rule registered, documented, exemplified; README in sync."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalint.registry import default_registry
from lambdalint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]
RULE_MODULES = sorted((ROOT / "src" / "lambdalint" / "rules").glob("ll[0-9][0-9][0-9]_*.py"))
PAGE_HEADINGS = ["## What it detects", "## Why it matters", "## Example", "## How to fix",
                 "## Options", "## References"]


def test_every_rule_module_is_registered_once():
    registered = {rule.__module__.rsplit(".", 1)[-1] for rule in ALL_RULES}
    assert registered == {path.stem for path in RULE_MODULES}
    assert len(ALL_RULES) == len(set(ALL_RULES))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"LL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.__module__.endswith(f"{rule.code.lower()}_{rule.name.replace('-', '_')}")
    assert rule.summary and rule.severity is not None
    assert rule.scopes() or rule.code == "LL003", "a rule must implement a check method"
    assert rule.invalid and rule.valid, "every rule has examples that must and must not fire"


def test_codes_and_names_are_unique():
    default_registry()  # raises on duplicates
    codes = [r.code for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_page(rule):
    page = (ROOT / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {rule.code}: {rule.name}\n")
    positions = [page.find(f"\n{heading}\n") for heading in PAGE_HEADINGS]
    assert all(p > 0 for p in positions), [h for h, p in zip(PAGE_HEADINGS, positions) if p < 0]
    assert positions == sorted(positions), "headings out of order"


def test_catalogue_names_match_the_spec():
    spec = ROOT.parent / "shared" / "spec" / "rules.md"
    if not spec.is_file():
        pytest.skip("spec not present")
    rows = dict(re.findall(r"^\| (LL\d{3}) \| ([a-z0-9-]+) \|", spec.read_text(), re.M))
    for rule in ALL_RULES:
        if rule.code in AWAITING_CATALOGUE_ROW and rule.code not in rows:
            continue
        assert rows[rule.code] == rule.name


# Codes an issue asked for whose row the spec's catalogue (read-only here) does not have yet; each
# leaves this list as soon as the catalogue names it (then the name must match).
AWAITING_CATALOGUE_ROW = {
    "LL004": "issue 11: code-not-found",
    "LL213": "issue 11: a vendored boto3/botocore shadows the runtime's SDK",
    "LL613": "issue 11: a secret passed at deploy time",
    "LL614": "issue 13: default timeout with network calls",
    "LL615": "issue 13: log group without retention",
    "LL616": "issue 13: permission principal does not match its source",
    "LL617": "issue 13: runtime or handler misconfigured",
    "LL107": "issue 13: an import of the handler's closure that resolves nowhere",
    "LL507": "issue 13: event source mapping settings Lambda rejects",
    "LL508": "issue 13: a dead-letter queue of the wrong type",
    "LL509": "issue 13: a rule target or subscription without its own dead-letter queue",
    "LL701": "issue 13: SnapStart with a runtime or setting Lambda rejects",
    "LL702": "issue 13: SnapStart without a published version",
    "LL703": "issue 13: unique state made at init in a SnapStart function",
}


def test_readme_rule_table_matches_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (LL\d{3}) \| ([a-z0-9-]+) \| (\w+) \| ([^|]+) \| ([^|]+) \|$", readme, re.M)
    table = [(c, n, s, i.strip(), d.strip()) for c, n, s, i, d in rows]
    expected = [(r.code, r.name, r.severity.value, ", ".join(sorted(r.needs)) or "-", r.summary)
                for r in default_registry().rules]
    assert table == expected


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert commands[0] == "pip install . && lambdalint check fixtures/demo"
    assert commands[1] == "pip install -e '.[test]' && python -m pytest"
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_rules_do_not_import_libcst_at_import_time():
    code = ("import sys, lambdalint.cli, lambdalint.registry, lambdalint.rules, lambdalint.engine;"
            "print('libcst' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_template_only_run_never_imports_libcst(tmp_path):
    template = ROOT / "benchmarks" / "data" / "sample_sam.yaml"
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "lambdalint", "check",
                             str(template), "--isolated"], capture_output=True, text=True)
    assert result.returncode in (0, 1)
    assert " libcst" not in result.stderr


def test_data_tables_say_where_they_come_from():
    from lambdalint.data import table

    for name in ("quotas", "runtimes", "event_sources", "import_costs", "catalogue"):
        meta = table(name)["meta"]
        assert meta["source"].startswith("https://") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["checked"])
