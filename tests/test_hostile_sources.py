"""Python sources built to hurt the analysis: too large, nested too deeply, chains too long, too
many handlers.  Each is one LL001 (where CPython itself refuses the code) or one LL002, quickly and
in bounded memory, is never analysed in part, and the other modules are still checked."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from support import check_json, run_bounded, run_cli

from lambdalint.analysis.source_shape import measure
from lambdalint.limits import (MAX_ANALYSED_TOKENS, MAX_CHAIN_WEIGHT, MAX_PARSED_TOKENS, MAX_READ_BYTES)

MAX_SECONDS = 5
MAX_RSS_KB = 300 * 1024
HANDLER = "\ndef handler(event, context):\n    return X\n"
WRITER = "def handler(event, context):\n    open('out.txt', 'w')\n"  # LL301: proves the module is checked
HEAVY_EXPORT = """\
import json
import pandas as pd


def export(rows):
    return pd.DataFrame(rows).to_csv()


def handler(event, context):
    if event.get("csv"):
        return export(event["rows"])
    return json.dumps(event)
"""


def _by_file(findings):
    result = {}
    for finding in findings:
        result.setdefault(Path(finding["filename"]).name, []).append(finding)
    return result


def _only(findings, code, *words):
    assert [f["code"] for f in findings] == [code], findings
    for word in words:
        assert word in findings[0]["message"], findings[0]["message"]
    return findings[0]


def _bounded_check(folder: Path, *options: str):
    """(findings, run) of `lambdalint check` in a child process, timed and its peak RSS measured."""
    run = run_bounded(["check", str(folder), "--isolated", "--no-progress", "--output-format", "json",
                       *options], cwd=folder.parent, timeout=60)
    assert not run["timed_out"] and run["rc"] in (0, 1), run["stderr"]
    assert "internal error" not in run["stderr"] and "Traceback" not in run["stderr"]
    assert run["cpu_seconds"] < MAX_SECONDS and run["maxrss_kb"] < MAX_RSS_KB, run
    return json.loads(run["stdout"]), run


# -- F02: a file larger than lambdalint reads is one LL002, never analysed, never fixed -------------
def test_F02_source_larger_than_read_limit_is_ll002_and_never_fixed(tmp_path):
    code = tmp_path / "fn"
    code.mkdir()
    big = code / "app.py"
    tail = b"EMPTY = pd.DataFrame()  # module-level use past the limit: moving the import breaks it\n"
    with open(big, "wb") as out:  # sparse: the comment's body is a hole
        out.write(HEAVY_EXPORT.encode() + b"\n#")
        out.seek(MAX_READ_BYTES + 1024 * 1024 - len(tail))
        out.write(b"\n" + tail)
    (code / "other.py").write_text(WRITER)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()

    result = run_cli(["check", str(code), "--isolated", "--fix", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    findings = _by_file(check_json([str(code)]))
    finding = _only(findings["app.py"], "LL002", "too large to analyse", f"{MAX_READ_BYTES:,}")
    assert (finding["location"]["row"], finding["location"]["column"]) == (1, 1)
    assert [f["code"] for f in findings["other.py"]] == ["LL301"]  # the rest is still checked
    assert hashlib.sha256(big.read_bytes()).hexdigest() == digest


def test_F02_module_with_more_tokens_than_cpython_may_parse_is_ll002(tmp_path):
    (tmp_path / "app.py").write_text("X = [" + "1," * MAX_PARSED_TOKENS + "]" + HANDLER)
    (tmp_path / "other.py").write_text(WRITER)
    findings = _by_file(_bounded_check(tmp_path)[0])
    _only(findings["app.py"], "LL002", "too complex to analyse", f"more than {MAX_PARSED_TOKENS:,} tokens")
    assert [f["code"] for f in findings["other.py"]] == ["LL301"]


# -- F17: CPython refuses more than 200 nested brackets, whatever the runtime ----------------------
DEEP = {
    "parens": lambda n: "def handler(event, context):\n    return " + "(" * n + "1" + ")" * n + "\n",
    "list": lambda n: "X = " + "[" * n + "]" * n + HANDLER,
    "call": lambda n: "X = " + "f(" * n + ")" * n + HANDLER,
    "dict": lambda n: "X = " + "{1: " * n + "1" + "}" * n + HANDLER,
}


@pytest.mark.parametrize("runtime", ["python3.9", "python3.11", "python3.12", "python3.13"])
@pytest.mark.parametrize("shape", sorted(DEEP))
def test_F17_more_than_200_nested_brackets_is_ll001_for_every_runtime(tmp_path, shape, runtime):
    (tmp_path / "app.py").write_text(DEEP[shape](5000 if shape in ("parens", "list") else 3000))
    findings = check_json([str(tmp_path)], "--runtime", runtime)
    finding = _only(findings, "LL001", f"Python {runtime[6:]}", "too many nested parentheses")
    assert finding["location"]["row"] in (1, 2)


def test_F17_200_nested_brackets_are_analysed(tmp_path):
    (tmp_path / "app.py").write_text("X = " + "(" * 200 + "1" + ")" * 200 + "\n\n" + WRITER)
    assert [f["code"] for f in check_json([str(tmp_path)], "--runtime", "python3.12")] == ["LL301"]


def test_F17_deep_nesting_is_refused_in_bounded_time_and_memory(tmp_path):
    (tmp_path / "app.py").write_text(DEEP["parens"](5000))
    findings, _ = _bounded_check(tmp_path, "--runtime", "python3.12")
    _only(findings, "LL001", "too many nested parentheses")


# -- F19: every pathological module of the campaign, next to a good one -----------------------------
F19_CASES = {
    # file: (text, code, words in the message)
    "deep_list.py": (DEEP["list"](5000), "LL001", ["too many nested parentheses"]),
    "deep_call.py": (DEEP["call"](3000), "LL001", ["too many nested parentheses"]),
    "deep_dict.py": (DEEP["dict"](3000), "LL001", ["too many nested parentheses"]),
    "deep_parens.py": (DEEP["parens"](5000), "LL001", ["too many nested parentheses"]),
    "deep_unary.py": ("X = " + "-" * 10_000 + "1" + HANDLER, "LL001", ["too complex to parse"]),
    "deep_subscript.py": ("X = a" + "[0]" * 5000 + HANDLER, "LL002", ["too complex to analyse", "chains"]),
    "deep_plus.py": ("X = " + "+".join(["1"] * 100_000) + HANDLER, "LL002", ["too complex to analyse", "chains"]),
    "deep_bool.py": ("X = " + " and ".join(["a"] * 50_000) + HANDLER, "LL002", ["too complex to analyse", "chains"]),
    "many_strings.py": ("X = [" + ",".join(f"'{i}'" for i in range(300_000)) + "]" + HANDLER, "LL002",
                        ["too complex to analyse", "tokens"]),
    "many_handlers.py": ("".join(f"def h{i}(event, context):\n    return {i}\n\n" for i in range(10_000)),
                         "LL002", ["too complex to analyse", f"at most {MAX_ANALYSED_TOKENS:,}"]),
}


def test_F19_pathological_python_sources_are_refused_quickly(tmp_path):
    for name, (text, _, _) in F19_CASES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text(WRITER)
    findings = _by_file(_bounded_check(tmp_path)[0])  # ten hostile modules: all in the budget of one
    for name, (_, code, words) in F19_CASES.items():
        _only(findings[name], code, *words)
    assert [f["code"] for f in findings["app.py"]] == ["LL301"]


def test_F19_each_handler_costs_the_same_however_many_the_module_holds(tmp_path):
    """1,000 handlers took 14.8 s and 3,000 took 104 s (each handler re-analysed the whole module)."""
    count = 1_000
    (tmp_path / "app.py").write_text(HEAVY_EXPORT + "".join(
        f"\n\ndef h{i}(event, context):\n    open('f{i}', 'w')\n" for i in range(count)))
    assert measure((tmp_path / "app.py").read_text(), MAX_ANALYSED_TOKENS + 1).complete
    findings, _ = _bounded_check(tmp_path)
    assert sum(f["code"] == "LL301" for f in findings) == count
    assert "LL002" not in {f["code"] for f in findings}


LONGEST_CHAINS = {  # the longest of each chain within the limits: analysed, no RecursionError
    "unary": "-" * 1400 + "1",
    "not": "not " * 1400 + "a",
    "plus": "+".join(["1"] * 700),
    "bool": " and ".join(["a"] * 700),
    "strings": " ".join(["'a'"] * 1400),
    "attribute": "a" + ".b" * 700,
    "subscript": "a" + "[0]" * 466,
    "lambda": "lambda: " * 700 + "1",
    "conditional": "a if b else " * 280 + "c",
    "nested calls": "f(" * 200 + ")" * 200,
}


@pytest.mark.parametrize("shape", sorted(LONGEST_CHAINS))
def test_F19_longest_chains_within_the_limits_are_analysed(tmp_path, shape):
    (tmp_path / "app.py").write_text(
        "import pandas as pd\n\n\ndef helper(event):\n    open('/var/out', 'w')\n"
        f"    return {LONGEST_CHAINS[shape]}\n\n\n"
        "def handler(event, context):\n    if event:\n        return pd.DataFrame(helper(event))\n")
    shape_measured = measure((tmp_path / "app.py").read_text(), MAX_ANALYSED_TOKENS)
    assert shape_measured.chain_weight <= MAX_CHAIN_WEIGHT
    result = run_cli(["check", str(tmp_path), "--isolated", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "LL301" in result.output and "LL101" in result.output


# -- the token scan: strings and comments are not code ----------------------------------------------
def test_brackets_in_strings_comments_and_fstring_text_are_not_nesting():
    text = ("A = '" + "(" * 300 + "'\nB = \"\"\"" + "[" * 300 + "\n\"\"\"\n# " + "{" * 300 + "\n"
            "C = f'" + "(" * 300 + "{x}'\nD = f\"{{" + "(" * 300 + "\"\n")
    shape = measure(text, 10_000)
    assert (shape.depth, shape.fstring_depth, shape.depth_offset) == (0, 1, -1)
    assert measure("x = f'{" + "(" * 250 + "1" + ")" * 250 + "}'\n", 10_000).fstring_depth == 251


def test_newer_grammar_is_still_judged_and_deep_nesting_after_it_is_ll001(tmp_path):
    (tmp_path / "app.py").write_text("type Rows = list[dict]\n\n" + WRITER)
    (tmp_path / "deep.py").write_text("type Rows = list[dict]\nX = " + "(" * 300 + "1" + ")" * 300 + "\n")
    findings = _by_file(check_json([str(tmp_path)], "--runtime", "python3.12"))
    assert [f["code"] for f in findings["app.py"]] == ["LL301"]
    _only(findings["deep.py"], "LL001", "too many nested parentheses")


def test_a_coding_cookie_naming_a_codec_that_always_fails_is_ll002(tmp_path):
    (tmp_path / "app.py").write_text("# -*- coding: undefined -*-\n" + WRITER)
    findings = check_json([str(tmp_path)])
    _only(findings, "LL002", "not valid undefined text", "coding cookie")


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12"])
def test_F17_deep_nesting_inside_an_fstring_is_ll001(tmp_path, runtime):
    deep = "f'{" + "(" * 300 + "1" + ")" * 300 + "}'"
    (tmp_path / "app.py").write_text(f"def handler(event, context):\n    return {deep}\n")
    _only(check_json([str(tmp_path)], "--runtime", runtime), "LL001", "too many nested parenthes")


def test_python_s_warnings_about_the_user_s_code_are_not_printed(tmp_path, monkeypatch):
    """`"\\d"` makes CPython warn when it parses the module (a DeprecationWarning up to 3.11, a
    SyntaxWarning printed by default since 3.12): the user's code, not lambdalint's to show."""
    import warnings

    from support import materialize

    materialize({"app.py": 'import re\nPATTERN = re.compile("\\d+")\n' + WRITER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        codes = [finding["code"] for finding in check_json([".", "--no-cache"])]
    assert codes == ["LL301"]
    assert [str(warning.message) for warning in caught if "escape" in str(warning.message)] == []
