"""Hostile configuration documents (issue 10): recursive aliases (F15), variables that multiply
text (F13), numbers too long to convert (F05), and JSON/YAML nested or sized to exhaust a loader.

Each is bounded in time and memory, gives one clear finding where the problem is (LL002, or LL601
for a number that is simply too large), and leaves the rest of the configuration checked.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from lambdalint.limits import (MAX_EXPANDED_CHARS, MAX_INT_TEXT_DIGITS, MAX_TEMPLATE_NODES,
                               MAX_VARIABLE_STRING_CHARS)
from lambdalint.loaders.expansion import ExpansionBudget, number_from_text
from lambdalint.loaders.hcl import parse
from lambdalint.loaders.marked_yaml import DocumentError, ExpansionError, load_json, load_yaml
from support import check_json, materialize, run_bounded

MAX_SECONDS = 5
MAX_RSS_MB = 300
HUGE = "1" + "0" * 5000  # 5,001 digits: over CPython's 4,300-digit int/str limit

SAM_FUNCTION_WITH_TIMEOUT_1000 = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
      Runtime: python3.12
      Timeout: 1000
"""
GOOD_TEMPLATE_LL601_LINE = 9


def _bounded_check(root: Path, folder: str) -> List[dict]:
    """`lambdalint check FOLDER` in a child process: no crash, within the time and memory budget."""
    run = run_bounded(["check", folder, "--output-format", "json", "--isolated", "--no-progress"],
                      cwd=root, timeout=60)
    assert not run["timed_out"], run
    assert "Traceback" not in run["stderr"] and "internal error" not in run["stderr"], run["stderr"]
    assert run["rc"] == 1, (run["rc"], run["stderr"])
    assert run["cpu_seconds"] < MAX_SECONDS, f"{run['cpu_seconds']:.1f} s of CPU"
    assert run["maxrss_kb"] / 1024 < MAX_RSS_MB, f"{run['maxrss_kb'] / 1024:.0f} MB"
    return json.loads(run["stdout"])


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def _rows(findings: List[dict]) -> List[Tuple[str, str, int]]:
    return sorted((f["code"], f["filename"], f["location"]["row"]) for f in findings)


def _message(findings: List[dict], filename: str) -> str:
    (message,) = [f["message"] for f in findings if f["filename"] == filename]
    return message


def _check_here(tmp_path: Path, monkeypatch, files: Dict[str, str], *options: str) -> List[dict]:
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return check_json(["."], *options)


# -- F15: recursive aliases ----------------------------------------------------------------------

def test_F15_yaml_recursive_alias(tmp_path):
    materialize({
        "hostile/sequence/template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  a: &a [*a]\n'
                                          "Resources: {}\n",
        "hostile/mapping/sls/serverless.yml": "service: s\nprovider: {name: aws}\nfunctions: {}\ncustom: &c\n"
                                              "  self: *c\n",
        "hostile/merge/template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  g: &g\n    x: 1\n'
                                       "    <<: *g\nResources: {}\n",
        "hostile/template.yaml": SAM_FUNCTION_WITH_TIMEOUT_1000,
    }, tmp_path)
    findings = _bounded_check(tmp_path, "hostile")
    assert _rows(findings) == [
        ("LL002", "hostile/mapping/sls/serverless.yml", 5),
        ("LL002", "hostile/merge/template.yaml", 5),
        ("LL002", "hostile/sequence/template.yaml", 3),
        ("LL601", "hostile/template.yaml", GOOD_TEMPLATE_LL601_LINE),  # the rest is still checked
    ]
    assert all("recursive alias" in f["message"] for f in findings if f["code"] == "LL002"), findings


@pytest.mark.parametrize("text, line", [
    ("a: &a [*a]\n", 1),
    ("a: &a\n  b:\n    - c: [1, 2, *a]\n", 3),
    ("a: &a {self: *a}\n", 1),
    ("g: &g\n  <<: *g\n", 2),
    ("g: &g\n  <<: [{x: 1}, *g]\n", 2),
    ("- &top\n  - *top\n", 2),
])
def test_an_alias_inside_its_own_anchor_is_refused_at_once(text, line):
    with pytest.raises(ExpansionError, match="recursive alias") as error:
        load_yaml(text)
    assert error.value.line == line


def test_aliases_are_copies_marked_where_they_are_written():
    document = load_yaml("base: &b\n  env: {A: '1'}\n  t: 3\nfn:\n  <<: *b\n  t: 5\nlist:\n  - *b\n  - *b\n")
    data = document.data
    assert data["fn"] == {"env": {"A": "1"}, "t": 5}
    assert data["list"] == [data["base"], data["base"]]
    data["list"][0]["env"]["A"] = "changed"  # each use is its own copy
    assert data["list"][1]["env"]["A"] == "1" and data["base"]["env"]["A"] == "1"
    marks = document.marks
    assert marks[("list", 1)].line == 9  # the alias itself is where it is written
    assert marks[("list", 1, "env", "A")].line == 2  # its content is where the anchor wrote it
    assert marks[("fn", "env")].line == 2  # merged from the anchor
    assert marks[("fn", "t")].line == 6  # the mapping's own key wins, with its own line
    assert marks[("fn",)].line == 4


# -- F13: variables and aliases that multiply text ---------------------------------------------

def serverless_string_bomb(levels: int = 6, width: int = 50) -> str:
    """F13: custom.v0 is 1,000 characters, each v<i> repeats v<i-1> `width` times."""
    lines = ["service: s", "provider:", "  name: aws", "  runtime: python3.12", "functions:", "  f:",
             "    handler: app.handler", "    timeout: 1000", "    environment:",
             f"      BIG: ${{self:custom.v{levels}}}", "custom:", "  v0: '" + "A" * 1000 + "'"]
    lines += [f"  v{i}: '" + f"${{self:custom.v{i - 1}}}" * width + "'" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def terraform_string_bomb(levels: int = 7, width: int = 30) -> str:
    """The Terraform equivalent: local.s<i> is `width` times "${local.s<i-1>}"."""
    lines = ["locals {", '  s0 = "' + "A" * 1000 + '"']
    lines += [f'  s{i} = "' + f"${{local.s{i - 1}}}" * width + '"' for i in range(1, levels + 1)]
    lines += ["}", 'resource "aws_lambda_function" "f" {', '  function_name = "f"',
              '  handler       = "app.handler"', '  runtime       = "python3.12"', "  timeout       = 1000",
              "  environment {", "    variables = {", f"      BIG = local.s{levels}", "    }", "  }",
              '  s3_bucket     = "code-bucket"', "}"]
    return "\n".join(lines) + "\n"


def test_F13_serverless_variable_string_bomb(tmp_path):
    serverless, terraform = serverless_string_bomb(), terraform_string_bomb()
    materialize({"proj/serverless.yml": serverless, "proj/app.py": "def handler(e, c):\n    return 1\n",
                 "tf/main.tf": terraform}, tmp_path)
    findings = _bounded_check(tmp_path, ".")
    # v2 (2.5 million characters) and s3 (27 million) are the first values too long to build:
    # reported there; the values that use them are unresolved.  The function's own settings are
    # still checked.
    assert _rows(findings) == [
        ("LL002", "proj/serverless.yml", _line_of(serverless, "  v2:")),
        ("LL002", "tf/main.tf", _line_of(terraform, "  s3 =")),
        ("LL601", "proj/serverless.yml", _line_of(serverless, "timeout:")),
        ("LL601", "tf/main.tf", _line_of(terraform, "timeout")),
    ]
    assert f"longer than {MAX_VARIABLE_STRING_CHARS:,} characters" in _message(
        [f for f in findings if f["code"] == "LL002"], "proj/serverless.yml")
    assert "left unresolved" in _message([f for f in findings if f["code"] == "LL002"], "tf/main.tf")


def test_a_value_used_many_times_spends_the_expansion_budget(tmp_path, monkeypatch):
    """Each use of a resolved value is one more copy for the rules to read: 60 uses of a
    600,000-character value are over the budget, whatever the cache makes them cost to build."""
    uses = 60
    long_text = "x" * 600_000
    serverless = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n"
                  "    handler: app.handler\n    memorySize: 20000\n    environment:\n"
                  + "".join(f"      V{i}: ${{self:custom.big}}\n" for i in range(uses))
                  + f"custom:\n  big: {long_text}\n")
    terraform = ("locals {\n  big = \"" + long_text + "\"\n}\n"
                 'resource "aws_lambda_function" "f" {\n  memory_size = 20000\n  environment {\n'
                 "    variables = {\n" + "".join(f"      V{i} = local.big\n" for i in range(uses))
                 + "    }\n  }\n}\n")
    findings = _check_here(tmp_path, monkeypatch, {"sls/serverless.yml": serverless, "sls/app.py": "",
                                                    "tf/main.tf": terraform}, "--select", "LL002,LL603")
    over_budget = 9 + MAX_EXPANDED_CHARS // len(long_text) + 1  # the first use past the budget
    assert _rows(findings) == [
        ("LL002", "sls/serverless.yml", over_budget),
        ("LL002", "tf/main.tf", 2),  # local.big, whose uses spent it
        ("LL603", "sls/serverless.yml", 8),
        ("LL603", "tf/main.tf", 5),
    ]
    assert all(f"more than {MAX_EXPANDED_CHARS:,} characters" in f["message"]
               for f in findings if f["code"] == "LL002")


def test_yaml_aliases_repeating_a_long_text_are_refused():
    text = "s: &s '" + "A" * (1024 * 1024) + "'\nl: [" + ", ".join(["*s"] * 40) + "]\n"
    with pytest.raises(ExpansionError, match="characters of text .*alias"):
        load_yaml(text)


def test_the_expansion_budget_counts_every_use():
    budget = ExpansionBudget(max_nodes=10, max_chars=100)
    assert budget.charge({"a": ["x" * 40]})
    assert budget.charge("y" * 50)
    assert not budget.charge("z" * 20)  # 110 characters in all
    assert not budget.charge(1)  # spent: stays spent


# -- F05: numbers too long to convert ------------------------------------------------------------

def test_F05_huge_integers(tmp_path):
    """A 5,001-digit timeout in every format is out of range (LL601), never an internal error,
    and never read as infinity and dropped (Terraform)."""
    json_template = json.dumps({"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
        "InlineCode": "def handler(e, c): pass", "Handler": "index.handler", "Runtime": "python3.12", "Timeout": 0}}}},
        indent=1).replace('"Timeout": 0', '"Timeout": ' + HUGE)
    materialize({
        "json-template.json": json_template,
        "yaml-template.yaml": SAM_FUNCTION_WITH_TIMEOUT_1000.replace("Timeout: 1000", "Timeout: " + HUGE),
        "sls/serverless.yml": ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
                               f"  f:\n    handler: app.handler\n    timeout: ${{opt:t, {HUGE}}}\n"),
        "sls/app.py": "def handler(e, c):\n    return 1\n",
        "tf/main.tf": f'resource "aws_lambda_function" "f" {{\n  runtime = "python3.12"\n  timeout = {HUGE}\n'
                      f"  memory_size = -{HUGE}\n  s3_bucket = \"code-bucket\"\n  handler = \"app.handler\"\n}}\n",
    }, tmp_path)
    findings = _bounded_check(tmp_path, ".")
    assert _rows(findings) == [
        ("LL601", "json-template.json", _line_of(json_template, '"Timeout"')),
        ("LL601", "sls/serverless.yml", 8),
        ("LL601", "tf/main.tf", 3),
        ("LL601", "yaml-template.yaml", GOOD_TEMPLATE_LL601_LINE),
        ("LL603", "tf/main.tf", 4),
    ]
    assert all("over 10^18" in f["message"] for f in findings if f["code"] == "LL601"), findings


@pytest.mark.parametrize("written", [
    HUGE, "-" + HUGE, "0x" + "f" * 5000, "0b" + "1" * 5000, "0o" + "7" * 5000, ":".join(["59"] * 2000),
    HUGE + ".5", "1_000" * 1000,
])
def test_a_yaml_number_too_long_to_convert_stays_text(written):
    """Whatever the form (YAML 1.1's hex, octal, binary and base 60 included), a number longer than
    MAX_INT_TEXT_DIGITS reaches the rules as its text, which they read as out of range."""
    assert load_yaml(f"Timeout: {written}\n").data == {"Timeout": written}


@pytest.mark.parametrize("written", [HUGE, "-" + HUGE, HUGE + ".5", "1" * 5000 + "e3"])
def test_a_json_or_hcl_number_too_long_to_convert_stays_text(written):
    assert load_json(f'{{"Timeout": {written}}}').data == {"Timeout": written}
    assert parse(f"timeout = {written}\n")[0] == {"timeout": written}


def test_every_number_a_loader_gives_can_be_printed():
    longest = "9" * MAX_INT_TEXT_DIGITS
    for text in (longest, "0x" + "f" * (MAX_INT_TEXT_DIGITS - 2), ":".join(["59"] * 200)):
        value = load_yaml(f"a: {text}\n").data["a"]
        assert isinstance(value, int) and str(value)  # converts both ways within CPython's limit
    assert number_from_text("12", int) == 12 and number_from_text("x", int) == "x"


# -- JSON and YAML built to exhaust the loader -------------------------------------------------

@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 100_000 + "1" + "}" * 100_000,
    "[" * 300 + "]" * 300,
])
def test_deeply_nested_json_is_one_document_error(text):
    with pytest.raises(DocumentError, match="nest"):
        load_json(text)


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    "{a: " * 100_000 + "1" + "}" * 100_000,
    "- " * 100_000 + "x\n",
    "".join(" " * i + "a:\n" for i in range(3000)),
    "[" * 300 + "]" * 300,
])
def test_deeply_nested_yaml_is_one_document_error(text):
    with pytest.raises(DocumentError, match="nest"):
        load_yaml(text)


def test_json_failures_are_document_errors_with_a_position():
    with pytest.raises(DocumentError) as error:
        load_json('{\n  "Resources": {\n    "A": 1,\n  }\n}')
    assert (error.value.line, error.value.column) == (4, 3)
    with pytest.raises(DocumentError, match="invalid JSON"):
        load_json('{"a": "\\ud800')  # unterminated


def test_valid_json_the_yaml_parser_rejects_is_read_with_json():
    key = "k" * 1100  # YAML limits an implicit key to 1,024 characters, JSON does not
    document = load_json('{\n  "' + key + '": {"A": {"Type": "x", "N": ' + HUGE + '}}\n}')
    assert document.data == {key: {"A": {"Type": "x", "N": HUGE}}}
    with pytest.raises(ExpansionError, match="nests deeper"):  # under the same limits
        load_json('{"' + key + '": ' + "[" * 300 + "]" * 300 + "}")


def test_a_document_with_too_many_values_is_refused_before_it_is_built():
    values = MAX_TEMPLATE_NODES + 10
    start = time.perf_counter()
    with pytest.raises(ExpansionError, match="values"):
        load_json("[" + "[]," * values + "[]]")  # json.loads would build every list first
    with pytest.raises(ExpansionError, match="nodes"):
        load_yaml("[" + "0," * values + "0]")
    assert time.perf_counter() - start < 10


def test_hcl_escapes_that_are_not_characters_are_kept_as_written():
    body, _ = parse('a = "\\UFFFFFFFF \\ud800 \\u00e9"\n')
    assert body["a"] == "\\UFFFFFFFF \\ud800 é"
