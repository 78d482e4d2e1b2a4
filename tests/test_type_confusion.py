"""Issue 10: rules treat every configuration value as untrusted.  A value of the wrong type (a
resource that is `true`, `Properties: "oops"`, a `Type` that is a mapping, a 5,000-digit number)
is "unknown" to a rule, never an exception (an "internal error" of the engine).

Three kinds of tests:
- the model's accessors (`int_value`, `number_value`, `Template.properties`/`resource_type`);
- regressions for the inputs of repro folder F12 and of the typeconf samples, written here, and
  for what was found next to them (over-long numbers, lone surrogates, deep JSON policies, a
  quadratic entropy count);
- a seeded sweep: the templates of every rule's examples, with values at many paths replaced by
  values of the wrong type, checked by all rules in-process.  It is bounded to a few seconds; for a
  bigger sweep set LAMBDALINT_TYPE_SWEEP to the number of mutations per template (default 6) and,
  optionally, LAMBDALINT_TYPE_SWEEP_SEED, e.g.
      LAMBDALINT_TYPE_SWEEP=300 python -m pytest -q tests/test_type_confusion.py -k sweep
"""
from __future__ import annotations

import copy
import json
import os
import random
import shutil
import zlib
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pytest

from lambdalint.config import Settings
from lambdalint.discovery import discover
from lambdalint.engine import lint, make_rules
from lambdalint.loaders.cloudformation import BundleCache, functions_from_template
from lambdalint.loaders.terraform import attach_triggers
from lambdalint.model.project import Project, Setting
from lambdalint.model.template import Template, format_number, int_value, number_value
from lambdalint.registry import default_registry
from lambdalint.rules import ALL_RULES
from support import materialize, run_cli

HUGE_DIGITS = "9" * 5000  # int() refuses text this long (ValueError beyond 4,300 digits)

# -- unit: the model's accessors ---------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (900, 900), ("900", 900), (" -1 ", -1), (30.0, 30), ("0" * 5000 + "7", 7),
    (True, None), (1.5, None), (float("nan"), None), (float("inf"), None), ("", None), ("-", None),
    ("--5", None), ("²", None), ("١٢", None), ("1e3", None), (None, None), ([], None), ({}, None),
    ({"Ref": "Timeout"}, None), (HUGE_DIGITS, None), ("-" + HUGE_DIGITS, None),
])
def test_int_value_never_raises(value, expected):
    assert int_value(value) == expected
    assert Setting(value, ("Resources",)).as_int() == expected


def test_number_value_makes_overlong_integer_text_infinite():
    assert number_value(HUGE_DIGITS) == float("inf")
    assert number_value("-" + HUGE_DIGITS) == float("-inf")
    assert number_value("x" + HUGE_DIGITS) is None
    assert number_value("900") == 900
    assert format_number(1200) == "1,200"
    assert format_number(float("inf")) == "over 10^18"
    assert format_number(-10 ** 4000) == "under -10^18"


def test_template_accessors_read_mistyped_nodes_as_unknown(tmp_path):
    data = {"Resources": {"Yes": True, "Nothing": None, "Text": "not a mapping",
                          "OddType": {"Type": {"Fn::Sub": {"a": 1}}, "Properties": "oops"},
                          "Queue": {"Type": "AWS::SQS::Queue", "Properties": [1]}}}
    template = Template(tmp_path / "template.yaml", "template.yaml", data, {}, "")
    for logical_id in ("Yes", "Nothing", "Text", "OddType", "Queue", "Missing", None, ["x"], {"a": 1}):
        assert template.properties(logical_id) == {}
    assert template.resource("Yes") == {}
    assert template.resource_type("OddType") is None
    assert template.resource_type("Queue") == "AWS::SQS::Queue"
    assert list(template.resources_of_type("AWS::SQS::Queue", "AWS::S3::Bucket")) == [
        ("Queue", data["Resources"]["Queue"])]


# -- regressions: F12 and the typeconf samples --------------------------------------------------

SAM_HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
"""
SAM_FN = """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


def _check(tmp_path: Path, template: str, *options: str) -> Tuple[int, List[dict], str]:
    """`lambdalint check` of a project of this template and `src/app.py`; (exit code, findings,
    stderr)."""
    materialize({"template.yaml": template, "src/app.py": "def handler(event, context):\n    return 1\n"},
                tmp_path)
    result = run_cli(["check", str(tmp_path), "--output-format", "json", "--isolated", *options])
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def _codes(findings: Sequence[dict]) -> List[str]:
    return sorted(f["code"] for f in findings)


def test_F12_kinesis_event_properties_not_a_mapping(tmp_path):
    # LL502 crashed: 'str' object has no attribute 'get'.  Unknown properties: nothing to judge.
    text = SAM_HEAD + SAM_FN + """\
      Events:
        Stream:
          Type: Kinesis
          Properties: "oops"
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL5,LL6")
    assert (rc, findings) == (0, [])


def test_F12_sqs_event_queue_resource_is_null(tmp_path):
    # LL503 and LL504 crashed: 'NoneType' object has no attribute 'get'.
    text = SAM_HEAD + SAM_FN + """\
      Events:
        Q:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  Queue: ~
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL5,LL6")
    assert (rc, findings) == (0, [])


def test_F12_event_source_mapping_to_stream_that_is_text(tmp_path):
    # LL502, LL503 and LL504 crashed: 'str' object has no attribute 'get'.
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Stream.Arn}
  Stream: "not a mapping"
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL5,LL6")
    assert (rc, findings) == (0, [])


def _demo(failure_queue: str) -> str:
    """The shape of fixtures/demo/template.yaml, where the typeconf sweep found LL506 crashes:
    a function whose on-failure destination is `!GetAtt FailureQueue.Arn`."""
    return SAM_HEAD + """\
  UploadsBucket:
    Type: AWS::S3::Bucket
""" + failure_queue + """\
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      EventInvokeConfig:
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination:
              Fn::GetAtt: [FailureQueue, Arn]
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
"""


def test_F12_failure_destination_resource_is_true(tmp_path):
    # LL506 crashed: 'bool' object has no attribute 'get' (ll506-bool-resource.yaml, sample 003)
    rc, findings, _ = _check(tmp_path, _demo("  FailureQueue: true\n"), "--select", "LL5,LL6", "--ignore", "LL509")
    assert (rc, findings) == (0, [])


def test_F12_failure_destination_type_is_a_mapping(tmp_path):
    # LL506 crashed: unhashable type: 'dict' (ll506-unhashable.yaml, sample 004)
    text = _demo("  FailureQueue:\n    Type:\n      Fn::Sub:\n        a: 1\n")
    rc, findings, _ = _check(tmp_path, text, "--select", "LL5,LL6", "--ignore", "LL509")
    assert (rc, findings) == (0, [])


def test_F12_failure_destination_still_judged_when_well_typed(tmp_path):
    text = _demo("  FailureQueue:\n    Type: AWS::DynamoDB::Table\n")
    rc, findings, _ = _check(tmp_path, text, "--select", "LL506")
    assert rc == 1 and _codes(findings) == ["LL506"]
    assert "this one is dynamodb" in findings[0]["message"]


WORKER = SAM_HEAD + """\
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: 30
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Work.Arn
        Changes:
          Type: DynamoDB
          Properties: {changes}
{work}  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: {{StreamViewType: NEW_IMAGE}}
"""
WORK_QUEUE = "  Work:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 10\n"
ORDERS_STREAM = "{Stream: !GetAtt Orders.StreamArn, StartingPosition: LATEST}"


def test_typeconf_000_stream_event_properties_is_a_float(tmp_path):
    # LL502 crashed: 'float' object has no attribute 'get'.  The queue is still judged.
    rc, findings, _ = _check(tmp_path, WORKER.format(changes="1.5", work=WORK_QUEUE), "--select", "LL5")
    assert rc == 1 and _codes(findings) == ["LL503", "LL504"]


@pytest.mark.parametrize("work", ["  Work: 1.5\n", "  Work: [1, 2]\n", "  Work:\n    Type: [AWS::SQS::Queue]\n",
                                  "  Work:\n    Type: AWS::SQS::Queue\n    Properties: 7\n"])
def test_typeconf_001_002_queue_resource_is_not_a_mapping(tmp_path, work):
    # LL503 and LL504 crashed: 'float' object has no attribute 'get' (samples 001 and 002).
    # The stream mapping is still judged; the queue is unknown, or a queue without properties.
    rc, findings, _ = _check(tmp_path, WORKER.format(changes=ORDERS_STREAM, work=work), "--select", "LL5")
    expected = ["LL502", "LL503", "LL504"] if "Properties: 7" in work else ["LL502"]
    assert rc == 1 and _codes(findings) == expected


DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
DEMO_QUEUE = "  FailureQueue:\n    Type: AWS::SQS::Queue\n"


@pytest.mark.parametrize("queue", ["  FailureQueue: true\n", "  FailureQueue:\n    Type: {Fn::Sub: {a: 1}}\n"],
                         ids=["003-resource-true", "004-type-mapping"])
def test_typeconf_003_004_demo_with_mistyped_failure_queue(tmp_path, queue):
    # Samples 003 and 004 are fixtures/demo/template.yaml with its FailureQueue mistyped: LL506
    # crashed.  The destination is unknown now, and the demo reports exactly what it reports
    # with a well-typed queue.
    shutil.copytree(DEMO / "src", tmp_path / "src")
    text = (DEMO / "template.yaml").read_text(encoding="utf-8")
    assert DEMO_QUEUE in text
    (tmp_path / "template.yaml").write_text(text.replace(DEMO_QUEUE, queue), encoding="utf-8")
    result = run_cli(["check", str(tmp_path), "--output-format", "json", "--isolated"])
    assert "internal error" not in result.stderr and result.exit_code == 1, result.output
    assert _codes(json.loads(result.stdout)) == ["LL207", "LL301", "LL301", "LL501", "LL509", "LL601", "LL603"]


@pytest.mark.parametrize("key, message", [
    ("Timeout", "Timeout is over 10^18 seconds"),
    ("MemorySize", "MemorySize is over 10^18 MB"),
    ("ReservedConcurrentExecutions", "ReservedConcurrentExecutions is over 10^18"),
])
def test_integer_text_too_long_to_convert_is_out_of_range(tmp_path, key, message):
    # `Setting.as_int` raised ValueError on text of more than 4,300 digits; a range rule now
    # reports it as out of range, with its size instead of its 5,000 digits.
    text = SAM_HEAD + SAM_FN + f"      {key}: \"{HUGE_DIGITS}\"\n"
    rc, findings, _ = _check(tmp_path, text, "--select", "LL6")
    assert rc == 1 and len(findings) == 1 and message in findings[0]["message"]
    assert len(findings[0]["message"]) < 400


def test_integer_text_too_long_elsewhere_is_unknown(tmp_path):
    # A 5,000-digit visibility timeout, retry count or API timeout: unknown, nothing reported.
    text = SAM_HEAD + SAM_FN + f"""\
      Timeout: 60
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Work.Arn
        Get:
          Type: Api
          Properties:
            Path: /
            Method: get
            TimeoutInMillis: "{HUGE_DIGITS}"
        Stream:
          Type: Kinesis
          Properties:
            Stream: arn:aws:kinesis:us-east-1:123456789012:stream/s
            MaximumRetryAttempts: "{HUGE_DIGITS}"
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: "{HUGE_DIGITS}"
      RedrivePolicy: {{deadLetterTargetArn: arn:aws:sqs:us-east-1:123456789012:dlq, maxReceiveCount: 3}}
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL502,LL503,LL504,LL602")
    assert (rc, findings) == (0, [])


def test_alias_weight_too_large_for_a_float_is_out_of_range(tmp_path):
    text = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Code: {ZipFile: "x"}}
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: "3"
      Name: live
      RoutingConfig:
        AdditionalVersionWeights:
          - {FunctionVersion: "2", FunctionWeight: 1""" + "0" * 400 + """}
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL610")
    assert rc == 1 and _codes(findings) == ["LL610"]
    assert "weight 10000000000000000000... (401 characters) is outside 0.0-1.0" in findings[0]["message"]


def test_policy_document_nested_too_deep_is_unknown(tmp_path):
    # json.loads raises RecursionError (not ValueError) on deep nesting: the role is unknown.
    text = SAM_HEAD + """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Code: {ZipFile: "x"}
      Role: !GetAtt Role.Arn
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: deep
          PolicyDocument: '""" + "[" * 100_000 + """'
"""
    rc, findings, _ = _check(tmp_path, text, "--select", "LL612")
    assert (rc, findings) == (0, [])


def test_lone_surrogates_in_a_json_template(tmp_path):
    # JSON may escape a lone surrogate ("\ud800"); LL605 crashed encoding it to count bytes.
    env = {f"V{i}_TOKEN": "\ud800" + "Zx8Kq2LmW9pR4tYv7Bn3Hj6Df1Gs5Ac0" * 20 for i in range(8)}
    document = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn\ud800": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"InlineCode": "x", "Handler": "app.handler", "Runtime": "python3.12",
                       "Environment": {"Variables": {"K\ud800": "\ud800", **env}}}}}}
    materialize({"template.json": json.dumps(document)}, tmp_path)
    result = run_cli(["check", str(tmp_path), "--output-format", "json", "--isolated", "--select", "LL605"])
    assert "internal error" not in result.stderr and result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    assert _codes(findings) == ["LL605"] and "take 5,215 bytes" in findings[0]["message"]


def test_secret_check_is_linear_in_the_value(tmp_path):
    # LL606 counted each distinct character of a value apart (quadratic): 600,000 characters of
    # 30,000 kinds took 6 s, a template-sized value hours.  Now one pass (0.05 s).
    import time

    value = "".join(chr(0x4E00 + i) for i in range(30_000)) * 20 + "aA1"
    text = SAM_HEAD + SAM_FN + f"      Environment:\n        Variables:\n          X_TOKEN: \"{value}\"\n"
    start = time.perf_counter()
    rc, findings, _ = _check(tmp_path, text, "--select", "LL606")
    assert time.perf_counter() - start < 1.5
    assert rc == 1 and _codes(findings) == ["LL606"] and "high-entropy" in findings[0]["message"]


# -- the sweep --------------------------------------------------------------------------------

CONFIGURATION_FILES = ("template.yaml", "serverless.yml", "main.tf")
MUTATIONS_PER_TEMPLATE = int(os.environ.get("LAMBDALINT_TYPE_SWEEP", "6"))
SEED = int(os.environ.get("LAMBDALINT_TYPE_SWEEP_SEED", "10"))

# Values of every type a YAML, JSON or translated document can hold, and the shapes rules expect
# (intrinsics) with wrong contents.
WRONG_VALUES: Tuple[Any, ...] = (
    None, True, False, 0, -1, 1.5, float("nan"), float("inf"), 10 ** 4000,
    "", "x", "-1", "--5", "²", HUGE_DIGITS, "-" + HUGE_DIGITS, "[" * 1000, "\ud800", "a" * 100_000,
    [], {}, [{}], [None], [[["x"]]], [1, "a", None, {}, []],
    {"Ref": 1}, {"Ref": None}, {"Ref": ["x"]}, {"Fn::GetAtt": "x"}, {"Fn::GetAtt": []},
    {"Fn::GetAtt": [1, 2]}, {"Fn::GetAtt": [{}, "Arn"]}, {"Fn::Sub": 5}, {"Fn::If": "x"},
    {"Type": {"Fn::Sub": {"a": 1}}}, {"Type": ["AWS::SQS::Queue"]}, {"Properties": "oops"},
    {"a": 1, "b": [2]},
)


def _sweep_examples() -> List[Tuple[str, Dict[str, Any]]]:
    """(id, files) of each distinct rule example with a configuration file."""
    seen, examples = set(), []
    for rule in ALL_RULES:
        for kind, group in (("valid", rule.valid), ("invalid", rule.invalid)):
            for index, example in enumerate(group):
                key = json.dumps({k: str(v) for k, v in example.files.items()}, sort_keys=True)
                if key in seen or not any(name.endswith(CONFIGURATION_FILES) for name in example.files):
                    continue
                seen.add(key)
                examples.append((f"{rule.code}-{kind}-{index}", dict(example.files)))
    return examples


def _paths(data: Any) -> List[Tuple[Any, ...]]:
    """Every path of the document below its root (mapping keys and list indexes), in order."""
    paths, pending = [], [((), data)]
    while pending:
        path, node = pending.pop(0)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            paths.append(path + (key,))
            pending.append((path + (key,), child))
    return paths


def _keys(data: Any) -> List[str]:
    return sorted({str(path[-1]) for path in _paths(data) if isinstance(path[-1], str)})


def _put(data: Any, path: Tuple[Any, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _mutated(data: Any, rng: random.Random, known_keys: Sequence[str]) -> Tuple[Any, List[str]]:
    """A deep copy of `data` with one to three values replaced by (or keys added with) values of
    the wrong type; with a description of each change for the failure message."""
    result = copy.deepcopy(data)
    changes = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        paths = _paths(result)
        resource_ids = list(result.get("Resources") or {}) if isinstance(result.get("Resources"), dict) else []
        values = list(WRONG_VALUES) + [{"Ref": rid} for rid in resource_ids] + [
            {"Fn::GetAtt": [rid, "Arn"]} for rid in resource_ids] + [f"{rid}.StreamArn" for rid in resource_ids]
        value = copy.deepcopy(rng.choice(values))
        mappings = [path for path in paths if isinstance(_at(result, path), dict)]
        if mappings and rng.random() < 0.25:  # add a key some rule reads, to a mapping without it
            path = rng.choice(mappings) + (rng.choice(known_keys),)
        else:
            path = rng.choice(paths)
        _put(result, path, value)
        changes.append(f"{'/'.join(map(str, path))} = {_short(value)}")
    return result, changes


def _at(data: Any, path: Tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10 ** 20 else "10**4000"
    return text if len(text) < 60 else text[:40] + f"... ({len(text)} chars)"


def _copy_with(template: Template, data: Any) -> Template:
    """The template as if it had been written with `data` (same marks, text and dialect)."""
    return Template(template.path, template.display, data, template.marks, "\n".join(template.lines),
                    template.dialect, [(name, "\n".join(lines)) for name, lines in template.other_files])


def _trigger_events(template: Template, settings: Settings) -> Dict[str, list]:
    """The events Terraform trigger resources give each function (logical id -> events).  They are
    taken from the translation as the loader built it: the loader writes those resources itself,
    so only the values a user wrote, and the rules reading them, meet the wrong types."""
    functions = functions_from_template(template, settings.runtime, settings.architecture, BundleCache())
    before = {fn.config.logical_id: len(fn.config.events) for fn in functions}
    attach_triggers(template, functions)
    return {fn.config.logical_id: fn.config.events[before[fn.config.logical_id]:] for fn in functions}


def _lint_errors(template: Template, triggers: Dict[str, list], settings: Settings, rules,
                 registry) -> List[str]:
    """Build the functions of `template` as discovery does, run every rule: internal errors."""
    bundles = BundleCache()
    functions = functions_from_template(template, settings.runtime, settings.architecture, bundles)
    for fn in functions:
        fn.config.events.extend(triggers.get(fn.config.logical_id, []))
    project = Project(functions=functions, bundles=bundles.all(), templates=[template])
    return lint(project, rules, settings, registry).internal_errors


EXAMPLES = _sweep_examples()


def test_sweep_covers_every_dialect():
    names = {name for _, files in EXAMPLES for name in files}
    assert set(CONFIGURATION_FILES) <= names and len(EXAMPLES) > 100


@pytest.mark.parametrize("chunk", range(4))
def test_sweep_wrong_types_never_crash_a_rule(chunk, tmp_path, monkeypatch):
    settings, registry = Settings(), default_registry()
    rules = make_rules(ALL_RULES, settings)
    failures = []
    for example_id, files in EXAMPLES[chunk::4]:
        root = tmp_path / example_id
        root.mkdir()
        materialize(files, root)
        monkeypatch.chdir(root)
        project = discover(["."], settings)
        for template in project.templates:
            known_keys = _keys(template.data) + ["Properties", "Type", "Events", "Metadata", "\ud800_TOKEN"]
            triggers = _trigger_events(template, settings) if template.dialect.name == "terraform" else {}
            # crashes of the unchanged example are not about types (a truncated ELF crashes the
            # native-binary rules while F06 is open): only new ones count
            known = set(_lint_errors(template, triggers, settings, rules, registry))
            rng = random.Random(zlib.crc32(f"{SEED}:{example_id}:{template.display}".encode()))
            for _ in range(MUTATIONS_PER_TEMPLATE):
                data, changes = _mutated(template.data, rng, known_keys)
                try:
                    errors = _lint_errors(_copy_with(template, data), triggers, settings, rules, registry)
                except Exception as exc:  # noqa: BLE001 - reported with the input that caused it
                    errors = [f"{type(exc).__name__}: {exc}"]
                errors = [error for error in errors if error not in known]
                if errors:
                    failures.append(f"{example_id} {template.display} {changes}: {errors}")
    assert not failures, "\n".join(failures[:20])


def test_sweep_serverless_sources(tmp_path, monkeypatch):
    """The same, one step earlier: wrong types in serverless.yml itself, through its loader."""
    import yaml

    from lambdalint.loaders.marked_yaml import load_yaml

    settings, registry = Settings(), default_registry()
    rules = make_rules(ALL_RULES, settings)
    values = [value for value in WRONG_VALUES  # what YAML can write: no lone surrogates, NaN
              if not isinstance(value, float) and not (isinstance(value, str) and "\ud800" in value)]
    failures = []
    for example_id, files in EXAMPLES:
        if "serverless.yml" not in files:
            continue
        source = load_yaml(files["serverless.yml"]).data
        rng = random.Random(zlib.crc32(f"{SEED}:{example_id}:serverless".encode()))
        for attempt in range(max(2, MUTATIONS_PER_TEMPLATE // 3)):
            data = copy.deepcopy(source)
            path = rng.choice(_paths(data))
            _put(data, path, copy.deepcopy(rng.choice(values)))
            root = tmp_path / f"{example_id}-{attempt}"
            root.mkdir()
            materialize({**files, "serverless.yml": yaml.safe_dump(data)}, root)
            monkeypatch.chdir(root)
            try:
                errors = lint(discover(["."], settings), rules, settings, registry).internal_errors
            except Exception as exc:  # noqa: BLE001 - reported with the input that caused it
                errors = [f"{type(exc).__name__}: {exc}"]
            if errors:
                failures.append(f"{example_id} {'/'.join(map(str, path))}: {errors}")
    assert not failures, "\n".join(failures[:20])


# -- issue 13's rules (LL107, LL507-LL509, LL614-LL617, LL701-LL703): each setting they read gets
# each wrong value, one setting at a time, one function per (setting, value), in every format ----
NEW_RULE_CODES = ("LL107", "LL507", "LL508", "LL509", "LL614", "LL615", "LL616", "LL617", "LL701", "LL702", "LL703")
# YAML flow values (SAM, CloudFormation, serverless.yml): nulls, lists for mappings, mappings for
# text, intrinsics, unresolved variables, overlong numbers, deep JSON text
YAML_WRONG = ("~", "[]", "{}", "[1, x]", "x", "-1", "true", "99999999999999999999999", "!GetAtt Q0.Arn",
              "!Sub 'arn:${AWS::Partition}:sqs:${AWS::Region}:1:${Name}'", "!If [C, 1, x]", "!Ref P",
              "'${self:custom.x}'", "{Ref: [x]}", "{'Fn::GetAtt': 5}", "[[[x]]]", "'" + "[" * 2000 + "'",
              "'{\"deadLetterTargetArn\": 5}'", "{'Fn::Sub': [[], {}]}")
HCL_WRONG = ("null", "[]", "{}", "[1, \"a\"]", "\"x\"", "-1", "true", "99999999999999999999999", "var.x",
             "\"${var.x}\"", "{ a = 1 }", "[{}]", "local.y", "aws_sqs_queue.q0.arn", "\"" + "[" * 2000 + "\"",
             "jsonencode({ deadLetterTargetArn = 5 })")

SAM_SLOTS = {
    "Handler": "app.handler", "Runtime": "python3.12", "PackageType": "Zip", "Timeout": "~",
    "AutoPublishAlias": "live", "SnapStart": "{ApplyOn: PublishedVersions}", "Size": "512",
    "FileSystemConfigs": "~", "ProvisionedConcurrencyConfig": "~", "DlqArn": "!GetAtt Q0.Arn",
    "Destination": "!GetAtt Q0.Arn", "LogGroup": "!Ref L0", "Queue": "!GetAtt Q0.Arn", "BatchSize": "10",
    "Window": "1", "Position": "~", "Stream": "!GetAtt K0.Arn", "Topic": "!Ref T0", "Redrive": "~",
    "SqsSubscription": "false", "DeadLetterConfig": "~", "EsmArn": "!GetAtt K0.Arn", "Kafka": "~",
    "Fifo": "true", "QueueName": "q.fifo", "Principal": "s3.amazonaws.com", "SourceArn": "!GetAtt B0.Arn",
    "LogGroupName": "!Sub '/aws/lambda/${F}'", "Retention": "~", "Code": "{ZipFile: x}", "Endpoint": "!GetAtt F.Arn",
    "Protocol": "lambda", "Targets": "[{Id: x, Arn: !GetAtt F.Arn}]", "Environment": "{Variables: {A: b}}",
}
SAM_UNIT = """\
  F{n}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: {Handler}
      Runtime: {Runtime}
      PackageType: {PackageType}
      Timeout: {Timeout}
      AutoPublishAlias: {AutoPublishAlias}
      SnapStart: {SnapStart}
      EphemeralStorage: {{Size: {Size}}}
      FileSystemConfigs: {FileSystemConfigs}
      ProvisionedConcurrencyConfig: {ProvisionedConcurrencyConfig}
      DeadLetterQueue: {{Type: SQS, TargetArn: {DlqArn}}}
      EventInvokeConfig: {{DestinationConfig: {{OnFailure: {{Type: SQS, Destination: {Destination}}}}}}}
      LoggingConfig: {{LogGroup: {LogGroup}}}
      Environment: {Environment}
      Events:
        Q: {{Type: SQS, Properties: {{Queue: {Queue}, BatchSize: {BatchSize}, MaximumBatchingWindowInSeconds: {Window}, StartingPosition: {Position}}}}}
        K: {{Type: Kinesis, Properties: {{Stream: {Stream}, StartingPosition: {Position}, BatchSize: {BatchSize}}}}}
        S: {{Type: SNS, Properties: {{Topic: {Topic}, RedrivePolicy: {Redrive}, SqsSubscription: {SqsSubscription}}}}}
        R: {{Type: Schedule, Properties: {{Schedule: rate(1 day), DeadLetterConfig: {DeadLetterConfig}}}}}
  G{n}:
    Type: AWS::Lambda::Function
    Properties: {{Code: {Code}, Handler: {Handler}, Runtime: {Runtime}, PackageType: {PackageType}, SnapStart: {SnapStart}, Role: r}}
  M{n}:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{FunctionName: !Ref F{n}, EventSourceArn: {EsmArn}, BatchSize: {BatchSize}, StartingPosition: {Position}, MaximumBatchingWindowInSeconds: {Window}, AmazonManagedKafkaEventSourceConfig: {Kafka}}}
  Q{n}:
    Type: AWS::SQS::Queue
    Properties: {{FifoQueue: {Fifo}, QueueName: {QueueName}, RedrivePolicy: {Redrive}}}
  P{n}:
    Type: AWS::Lambda::Permission
    Properties: {{FunctionName: !Ref F{n}, Action: lambda:InvokeFunction, Principal: {Principal}, SourceArn: {SourceArn}}}
  L{n}:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: {LogGroupName}, RetentionInDays: {Retention}}}
  V{n}:
    Type: AWS::Lambda::Version
    Properties: {{FunctionName: !Ref F{n}, ProvisionedConcurrencyConfig: {ProvisionedConcurrencyConfig}}}
  S{n}:
    Type: AWS::SNS::Subscription
    Properties: {{Protocol: {Protocol}, Endpoint: {Endpoint}, TopicArn: {Topic}, RedrivePolicy: {Redrive}}}
  R{n}:
    Type: AWS::Events::Rule
    Properties: {{Targets: {Targets}}}
  I{n}:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: {{FunctionName: !Ref F{n}, Qualifier: $LATEST, DestinationConfig: {{OnFailure: {{Destination: {Destination}}}}}}}
"""
SAM_SHARED = """\
  Q0: {Type: AWS::SQS::Queue, Properties: {FifoQueue: true}}
  K0: {Type: AWS::Kinesis::Stream}
  T0: {Type: AWS::SNS::Topic}
  B0: {Type: AWS::S3::Bucket}
  L0: {Type: AWS::Logs::LogGroup}
"""

SLS_SLOTS = {
    "provider_runtime": "python3.12", "provider_timeout": "~", "retention": "~", "versions": "true",
    "handler": "app.handler", "runtime": "python3.12", "image": "~", "timeout": "~", "snap": "true",
    "size": "512", "fs": "~", "pc": "~", "on_error": "~", "destination": "~", "sqs_arn": SQS_ARN_SLS,
    "batch": "10", "window": "~", "stream_arn": "arn:aws:kinesis:us-east-1:1:stream/s", "position": "~",
    "topic": "arn:aws:sns:us-east-1:1:t", "redrive": "~", "pattern": "{source: [x]}", "dlq": "~",
} if (SQS_ARN_SLS := "arn:aws:sqs:us-east-1:1:q") else {}
SLS_TEMPLATE = """\
service: s
provider:
  name: aws
  runtime: {provider_runtime}
  timeout: {provider_timeout}
  logRetentionInDays: {retention}
  versionFunctions: {versions}
functions:
{functions}
resources:
  Resources:
    Q:
      Type: AWS::SQS::Queue
      Properties: {{FifoQueue: true, RedrivePolicy: {redrive}}}
"""
SLS_UNIT = """\
  f{n}:
    handler: {handler}
    runtime: {runtime}
    image: {image}
    timeout: {timeout}
    snapStart: {snap}
    ephemeralStorageSize: {size}
    fileSystemConfig: {fs}
    provisionedConcurrency: {pc}
    onError: {on_error}
    destinations: {{onFailure: {destination}}}
    events:
      - sqs: {{arn: {sqs_arn}, batchSize: {batch}, maximumBatchingWindow: {window}}}
      - stream: {{arn: {stream_arn}, startingPosition: {position}, batchSize: {batch}}}
      - sns: {{arn: {topic}, redrivePolicy: {redrive}}}
      - eventBridge: {{pattern: {pattern}, deadLetterQueueArn: {dlq}}}
"""

TF_SLOTS = {
    "fifo": "true", "qname": "\"q.fifo\"", "redrive": "null", "runtime": "\"python3.12\"",
    "handler": "\"app.handler\"", "ptype": "\"Zip\"", "timeout": "null", "publish": "true",
    "apply_on": "\"PublishedVersions\"", "size": "512", "dlq": "aws_sqs_queue.q0.arn", "log_group": "null",
    "esm_arn": "aws_sqs_queue.q0.arn", "batch": "10", "position": "null", "window": "null",
    "group_name": "\"/aws/lambda/fn\"", "retention": "null", "principal": "\"s3.amazonaws.com\"",
    "source_arn": "aws_sns_topic.t.arn", "topic": "aws_sns_topic.t.arn", "protocol": "\"lambda\"",
    "destination": "aws_sqs_queue.q0.arn", "target_dlq": "null", "image_uri": "null",
}
TF_SHARED = 'resource "aws_sqs_queue" "q0" {\n  fifo_queue = true\n}\nresource "aws_sns_topic" "t" {}\n'
TF_UNIT = """\
resource "aws_sqs_queue" "q{n}" {{
  fifo_queue = {fifo}
  name = {qname}
  redrive_policy = {redrive}
}}
resource "aws_lambda_function" "fn{n}" {{
  function_name = "fn{n}"
  role = "arn:aws:iam::1:role/r"
  filename = "src"
  runtime = {runtime}
  handler = {handler}
  package_type = {ptype}
  image_uri = {image_uri}
  timeout = {timeout}
  publish = {publish}
  snap_start {{
    apply_on = {apply_on}
  }}
  ephemeral_storage {{
    size = {size}
  }}
  dead_letter_config {{
    target_arn = {dlq}
  }}
  logging_config {{
    log_format = "JSON"
    log_group = {log_group}
  }}
}}
resource "aws_lambda_event_source_mapping" "m{n}" {{
  event_source_arn = {esm_arn}
  function_name = aws_lambda_function.fn{n}.arn
  batch_size = {batch}
  starting_position = {position}
  maximum_batching_window_in_seconds = {window}
}}
resource "aws_cloudwatch_log_group" "g{n}" {{
  name = {group_name}
  retention_in_days = {retention}
}}
resource "aws_lambda_permission" "p{n}" {{
  function_name = aws_lambda_function.fn{n}.function_name
  principal = {principal}
  source_arn = {source_arn}
}}
resource "aws_sns_topic_subscription" "s{n}" {{
  topic_arn = {topic}
  protocol = {protocol}
  endpoint = aws_lambda_function.fn{n}.arn
  redrive_policy = {redrive}
}}
resource "aws_cloudwatch_event_target" "t{n}" {{
  rule = "r"
  arn = aws_lambda_function.fn{n}.arn
  dead_letter_config {{
    arn = {target_dlq}
  }}
}}
resource "aws_lambda_function_event_invoke_config" "e{n}" {{
  function_name = aws_lambda_function.fn{n}.function_name
  destination_config {{
    on_failure {{
      destination = {destination}
    }}
  }}
}}
"""
NETWORK_APP = ("import sys\nimport uuid\nimport boto3\nimport requests\n\nsys.path.append('/opt/x')\nID = uuid.uuid4()\n"
               "s3 = boto3.client('s3')\n\ndef handler(event, context):\n    return s3.list_buckets()\n")


def _units(slots: Dict[str, str], unit: str, wrong: Sequence[str]) -> str:
    """One unit per (slot, wrong value): every other slot keeps its plausible value."""
    parts = [unit.format(n=0, **slots)]
    for key in slots:
        for value in wrong:
            parts.append(unit.format(n=len(parts), **{**slots, key: value}))
    return "".join(parts)


def _new_rule_files(dialect: str) -> Dict[str, str]:
    if dialect == "sam":
        body = _units(SAM_SLOTS, SAM_UNIT, YAML_WRONG).replace("!GetAtt F.Arn", "!GetAtt F0.Arn") \
            .replace("${F}", "${F0}")
        return {"template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n" + SAM_SHARED + body,
                "src/app.py": NETWORK_APP}
    if dialect == "serverless":
        head = {key: SLS_SLOTS[key] for key in ("provider_runtime", "provider_timeout", "retention", "versions",
                                                 "redrive")}
        units = {key: value for key, value in SLS_SLOTS.items() if key not in head or key == "redrive"}
        # the function settings in one service; each provider setting in a service of one function
        files = {"serverless.yml": SLS_TEMPLATE.format(functions=_units(units, SLS_UNIT, YAML_WRONG), **head),
                 "app.py": NETWORK_APP}
        one = SLS_UNIT.format(n=0, **units)
        for index, (key, value) in enumerate((k, v) for k in head for v in YAML_WRONG):
            files[f"p{index}/serverless.yml"] = SLS_TEMPLATE.format(functions=one, **{**head, key: value})
            files[f"p{index}/app.py"] = NETWORK_APP
        return files
    return {"main.tf": TF_SHARED + _units(TF_SLOTS, TF_UNIT, HCL_WRONG), "src/app.py": NETWORK_APP}


@pytest.mark.parametrize("dialect", ["sam", "serverless", "terraform"])
def test_new_rules_read_every_setting_of_the_wrong_type_as_unknown(dialect, tmp_path, monkeypatch):
    """Review of fecd279: the settings issue 13's rules read, given nulls, lists, mappings, intrinsics,
    unresolved variables, overlong numbers and deep JSON text, are unknown: no internal error."""
    settings, registry = Settings(), default_registry()
    rules = make_rules([rule for rule in ALL_RULES if rule.code in NEW_RULE_CODES], settings)
    materialize(_new_rule_files(dialect), tmp_path)
    monkeypatch.chdir(tmp_path)
    project = discover(["."], settings)
    assert len(project.functions) > 200  # input errors are expected (a 2,000-character CodeUri)
    result = lint(project, rules, settings, registry)
    assert result.internal_errors == []
    # the plausible values of unit 0 and most wrong ones leave something to report: the rules ran
    expected = {"LL507", "LL508", "LL701"} if dialect == "sam" else {"LL507", "LL701"}
    assert {finding.code for finding in result.findings} >= expected
