"""The command line: exit codes, selection, configuration, output formats."""
import json
import re
from pathlib import Path

import pytest

from lambdalint.rules.examples import function_with
from support import check_json, materialize, run_cli

ROOT = Path(__file__).resolve().parents[1]
HANDLER = "def handler(event, context):\n    open('out.txt', 'w')\n"
TEMPLATE = function_with("Timeout: 1000", code_uri="src/")


@pytest.fixture
def project(tmp_path, monkeypatch):
    materialize({"template.yaml": TEMPLATE, "src/app.py": HANDLER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_exit_codes(project):
    assert run_cli(["check", ".", "--isolated"]).exit_code == 1
    assert run_cli(["check", ".", "--isolated", "--exit-zero"]).exit_code == 0
    assert run_cli(["check", ".", "--isolated", "--select", "LL603"]).exit_code == 0
    missing = run_cli(["check", "does-not-exist"])
    assert missing.exit_code == 2 and "does-not-exist" in missing.output


def test_select_by_code_prefix_and_name(project):
    assert {f["code"] for f in check_json(["."])} == {"LL301", "LL601"}
    assert {f["code"] for f in check_json(["."], "--select", "LL6")} == {"LL601"}
    assert {f["code"] for f in check_json(["."], "--select", "write-outside-tmp")} == {"LL301"}
    assert {f["code"] for f in check_json(["."], "--ignore", "LL3,LL601")} == set()
    assert {f["code"] for f in check_json(["."], "--select", "LL6", "--extend-select", "LL301")} == {"LL301", "LL601"}
    result = run_cli(["check", ".", "--select", "LL999"])
    assert result.exit_code == 2 and "LL999" in result.output


def test_text_output_and_summary(project):
    result = run_cli(["check", ".", "--isolated"])
    lines = result.stdout.splitlines()
    assert re.match(r"^src/app\.py:2:5: LL301 open\(…, 'w'\) writes to 'out\.txt'", lines[0])
    assert lines[1].startswith("template.yaml:9:7: LL601 Timeout is 1,000 seconds")
    assert lines[-2:] == ["Found 2 findings (2 errors, 0 warnings) in 2 files.", "Checked 1 function: 1 with code."]


def test_statistics(project):
    result = run_cli(["check", ".", "--isolated", "--statistics"])
    assert result.stdout.splitlines() == [
        "1\tLL301\twrite-outside-tmp",
        "1\tLL601\ttimeout-out-of-range",
        "Found 2 findings (2 errors, 0 warnings) in 2 files.",
        "Checked 1 function: 1 with code.",
    ]


def test_json_fields(project):
    findings = check_json(["."])
    assert set(findings[0]) >= {"code", "name", "message", "severity", "filename", "member",
                                "location", "end_location", "url", "fix"}
    first = findings[0]
    assert first["filename"] == "src/app.py" and first["member"] is None
    assert first["location"] == {"row": 2, "column": 5} and first["end_location"]["row"] == 2
    assert first["severity"] == "error" and first["fix"] is None
    assert first["url"].endswith("/rules/LL301.md")


def test_sarif(project):
    result = run_cli(["check", ".", "--isolated", "--output-format", "sarif"])
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lambdalint" and driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["LL301", "LL601"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/app.py"
    assert location["region"] == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 25}
    assert all(r["partialFingerprints"]["lambdalint/v1"] for r in results)
    assert results[0]["ruleIndex"] == list(rules).index("LL301")


def test_sarif_uris_are_relative_even_for_absolute_arguments(project):
    sarif = json.loads(run_cli(["check", str(project), "--isolated", "--output-format", "sarif"]).stdout)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris == ["src/app.py", "template.yaml"]


def test_github_workflow_commands(project):
    lines = run_cli(["check", ".", "--isolated", "--output-format", "github"]).stdout.splitlines()
    pattern = re.compile(r"^::(error|warning|notice) title=lambdalint \((LL\d{3})\),file=([^,]+),"
                         r"line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+)::(.+)$")
    assert len(lines) == 2 and all(pattern.match(line) for line in lines)
    assert pattern.match(lines[0]).group(3) == "src/app.py"


def test_github_escapes_newlines_and_percent():
    from lambdalint.output.github import escape_data, escape_property

    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c") == "a%2Cb%3Ac"


def test_output_file(project):
    result = run_cli(["check", ".", "--isolated", "--output-file", "report.json", "--output-format", "json"])
    assert result.exit_code == 1 and result.stdout == ""
    assert len(json.loads((project / "report.json").read_text())) == 2


def test_config_from_pyproject(project):
    (project / "pyproject.toml").write_text(
        '[tool.lambdalint]\nignore = ["LL601"]\n[tool.lambdalint.rules.LL301]\nseverity = "warning"\n')
    result = run_cli(["check", ".", "--output-format", "json"])
    findings = json.loads(result.stdout)
    assert [(f["code"], f["severity"]) for f in findings] == [("LL301", "warning")]
    assert {f["code"] for f in check_json(["."])} == {"LL301", "LL601"}  # --isolated ignores it


def test_lambdalint_toml_and_per_file_ignores(project):
    (project / "lambdalint.toml").write_text('[per-file-ignores]\n"src/*" = ["LL301"]\n')
    result = run_cli(["check", ".", "--output-format", "json"])
    assert [f["code"] for f in json.loads(result.stdout)] == ["LL601"]


@pytest.mark.parametrize("content, key", [
    ('[tool.lambdalint]\nselct = ["LL"]\n', "tool.lambdalint.selct"),
    ('[tool.lambdalint]\nselect = "LL"\n', "tool.lambdalint.select"),
    ('[tool.lambdalint]\nignore = ["LL999"]\n', "tool.lambdalint.ignore"),
    ('[tool.lambdalint.rules.LL999]\nx = 1\n', "tool.lambdalint.rules.LL999"),
    ('[tool.lambdalint.rules.LL301]\nnot-an-option = 1\n', "tool.lambdalint.rules.LL301.not-an-option"),
    ('[tool.lambdalint.rules.LL301]\nseverity = "fatal"\n', "tool.lambdalint.rules.LL301.severity"),
    ('[tool.lambdalint]\nruntime = "python2.6"\n', "tool.lambdalint.runtime"),
    ('[tool.lambdalint]\nruntime = 3.12\n', "tool.lambdalint.runtime"),
])
def test_invalid_configuration_exits_2_naming_key_and_file(project, content, key):
    (project / "pyproject.toml").write_text(content)
    result = run_cli(["check", "."])
    assert result.exit_code == 2
    assert key in result.stderr and "pyproject.toml" in result.stderr


def test_typed_rule_options_reach_the_rule(tmp_path, monkeypatch):
    from lambdalint.config import ConfigError, load_settings
    from lambdalint.engine import make_rules
    from lambdalint.registry import Registry
    from lambdalint.rules.base import Option, Rule

    class Probe(Rule):
        code, name, summary, needs = "LL999", "probe", "test rule", frozenset()
        severity = None
        options = (Option("limit-ms", int, 50, "a limit"),)

    registry = Registry([Probe])
    config = tmp_path / "lambdalint.toml"
    config.write_text("[rules.LL999]\nlimit-ms = 75\n")
    settings = load_settings(config, registry)
    (probe,) = make_rules(registry.rules, settings)
    assert probe.option("limit-ms") == 75
    config.write_text('[rules.probe]\nlimit-ms = "75"\n')
    with pytest.raises(ConfigError, match="rules.probe.limit-ms"):
        load_settings(config, registry)


def test_runtime_option_changes_the_grammar(tmp_path, monkeypatch):
    materialize({"app.py": "def handler(event, context):\n    match event:\n        case _: pass\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert check_json(["."], "--runtime", "python3.12") == []
    assert [f["code"] for f in check_json(["."], "--runtime", "python3.9")] == ["LL001"]
    assert run_cli(["check", ".", "--runtime", "python9"]).exit_code == 2
    assert run_cli(["check", ".", "--architecture", "sparc"]).exit_code == 2


def test_baseline(project):
    assert run_cli(["check", ".", "--isolated", "--write-baseline", "baseline.json"]).exit_code == 0
    assert run_cli(["check", ".", "--isolated", "--baseline", "baseline.json"]).exit_code == 0
    # moving the code down a line keeps it in the baseline; a new finding is reported
    (project / "src" / "app.py").write_text("\n" + HANDLER + "    open('other.txt', 'a')\n")
    findings = check_json(["."], "--baseline", "baseline.json")
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LL301", 4)]


def test_rule_and_rules_commands():
    page = run_cli(["rule", "LL501"])
    assert page.exit_code == 0 and page.stdout.startswith("# LL501: async-without-failure-destination")
    assert run_cli(["rule", "async-without-failure-destination"]).stdout == page.stdout
    assert run_cli(["rule", "LL999"]).exit_code == 2
    listing = run_cli(["rules", "--output-format", "json"])
    rows = json.loads(listing.stdout)
    assert {"code", "name", "severity", "inputs", "fixable", "summary"} <= set(rows[0])


def test_python_dash_m_works():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "lambdalint", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "lambdalint" in result.stdout


def test_internal_errors_are_one_line(project, monkeypatch):
    import subprocess
    import sys

    # a rule that crashes is an internal error: exit 2 and one line, no traceback
    code = ("import sys; from lambdalint.rules.ll601_timeout_out_of_range import TimeoutOutOfRangeRule as R;"
            "R.check_function = lambda self, fn, ctx: 1/0;"
            "from lambdalint.cli import main; sys.argv=['lambdalint','check','.','--isolated']; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" in result.stderr


def test_catalogue_codes_not_implemented_yet_are_valid_configuration(project):
    (project / "pyproject.toml").write_text(
        '[tool.lambdalint]\nignore = ["LL303", "LL6"]\n[tool.lambdalint.rules.LL211]\nbloat-threshold-mb = 2\n')
    assert run_cli(["check", "."]).exit_code == 1  # LL301 still reported; no configuration error
    (project / "pyproject.toml").write_text('[tool.lambdalint]\nselect = [""]\n')
    assert run_cli(["check", "."]).exit_code == 2


def test_noqa_is_case_insensitive_and_bare_noqa_suppresses_everything(tmp_path, monkeypatch):
    materialize({"app.py": "def handler(event, context):\n"
                           "    open('a.txt', 'w')  # NOQA:LL301\n"
                           "    open('b.txt', 'w')  # noqa\n"
                           "    open('c.txt', 'w')\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert [(f["code"], f["location"]["row"]) for f in check_json(["."])] == [("LL301", 4)]


def test_exclude_applies_to_code_reached_through_a_template(project):
    (project / "src" / "legacy").mkdir()
    (project / "src" / "legacy" / "old.py").write_text("print 'python 2'\n")
    assert "LL001" in {f["code"] for f in check_json(["."])}
    (project / "lambdalint.toml").write_text('exclude = ["src/legacy/"]\n')
    result = run_cli(["check", ".", "--output-format", "json"])
    assert "LL001" not in {f["code"] for f in json.loads(result.stdout)}


def test_display_paths_are_normalised(project):
    assert {f["filename"] for f in check_json(["./"])} == {"src/app.py", "template.yaml"}


def test_identical_lines_get_distinct_sarif_fingerprints(tmp_path, monkeypatch):
    materialize({"app.py": "def handler(event, context):\n    open('x', 'w')\n    open('x', 'w')\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    sarif = json.loads(run_cli(["check", ".", "--isolated", "--output-format", "sarif"]).stdout)
    prints = [r["partialFingerprints"]["lambdalint/v1"] for r in sarif["runs"][0]["results"]]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_fifo_in_the_tree_does_not_block(tmp_path, monkeypatch):
    import os

    materialize({"app.py": HANDLER}, tmp_path)
    os.mkfifo(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    # never opened; each reported (LL002 "not a regular file (a FIFO)"), the handler still checked
    found = sorted((f["code"], f["filename"]) for f in check_json(["."]))
    assert found == [("LL002", "pipe.py"), ("LL002", "pipe.yaml"), ("LL301", "app.py")]


def test_a_run_leaves_the_garbage_collector_as_it_found_it(project):
    """lint freezes the project model for the collector during the run (issue 12), and unfreezes
    it after; a caller's own freeze (lambdalint used as a library) is left alone."""
    import gc

    assert gc.get_freeze_count() == 0
    assert run_cli(["check", ".", "--isolated", "--no-cache"]).exit_code == 1
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert run_cli(["check", ".", "--isolated", "--no-cache"]).exit_code == 1
        assert 0 < gc.get_freeze_count() <= frozen  # still frozen (less what refcounting freed)
    finally:
        gc.unfreeze()


def test_the_console_entry_point_exits_with_main_s_code_and_flushed_output(project):
    """`run` ends the process without tearing the interpreter down: the output must still be
    whole and the exit code main's."""
    import subprocess
    import sys

    in_process = run_cli(["check", ".", "--isolated", "--no-cache"])
    child = subprocess.run([sys.executable, "-m", "lambdalint", "check", ".", "--isolated", "--no-cache"],
                           capture_output=True, text=True)
    assert (child.returncode, child.stdout) == (1, in_process.stdout)
    child = subprocess.run([sys.executable, "-m", "lambdalint", "check", ".", "--isolated", "--exit-zero"],
                           capture_output=True, text=True)
    assert child.returncode == 0 and child.stdout.endswith("with code.\n")


@pytest.mark.parametrize("code, expected", [(None, 0), (0, 0), (1, 1), (2, 2), (256 + 3, 3), ("bye", 1)])
def test_exit_codes_as_sys_exit_gives_them(code, expected, capsys):
    from lambdalint.cli import _exit_code

    assert _exit_code(code) == expected
    assert capsys.readouterr().err == ("bye\n" if code == "bye" else "")
