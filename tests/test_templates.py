"""The SAM/CloudFormation loader: short-form tags, JSON marks, Globals origins, linking."""
import json
from pathlib import Path

import pytest

from lambdalint.config import Settings
from lambdalint.discovery import discover
from lambdalint.loaders.marked_yaml import DocumentError, load_json, load_yaml
from support import check_json, materialize

SHARED = Path(__file__).resolve().parents[2] / "shared" / "peer-fixtures"

ALL_TAGS = """\
A: !Ref X
B: !GetAtt Fn.Arn
C: !Sub 'a-${X}'
D: !Join [',', [a, b]]
E: !If [Cond, !Ref A, !Ref AWS::NoValue]
F: !Select [0, !GetAZs '']
G: !Split [',', 'a,b']
H: !FindInMap [M, K, V]
I: !ImportValue Exp
J: !Base64 abc
K: !Cidr [10.0.0.0/16, 6, 5]
L: !Equals [a, b]
M: !And [!Condition C1, !Not [!Condition C2]]
N: !Or [!Condition C1, !Condition C2]
O: 2010-09-09
"""


def test_every_short_form_tag_becomes_its_long_form():
    data = load_yaml(ALL_TAGS).data
    assert data == {
        "A": {"Ref": "X"}, "B": {"Fn::GetAtt": ["Fn", "Arn"]}, "C": {"Fn::Sub": "a-${X}"},
        "D": {"Fn::Join": [",", ["a", "b"]]},
        "E": {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
        "F": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "G": {"Fn::Split": [",", "a,b"]},
        "H": {"Fn::FindInMap": ["M", "K", "V"]}, "I": {"Fn::ImportValue": "Exp"},
        "J": {"Fn::Base64": "abc"}, "K": {"Fn::Cidr": ["10.0.0.0/16", 6, 5]},
        "L": {"Fn::Equals": ["a", "b"]},
        "M": {"Fn::And": [{"Condition": "C1"}, {"Fn::Not": [{"Condition": "C2"}]}]},
        "N": {"Fn::Or": [{"Condition": "C1"}, {"Condition": "C2"}]},
        "O": "2010-09-09",  # a date stays text, as CloudFormation reads it
    }


def test_marks_are_one_based_and_point_at_keys():
    document = load_yaml("Resources:\n  Fn:\n    Properties:\n      Timeout: 1000\n")
    mark = document.marks[("Resources", "Fn", "Properties", "Timeout")]
    assert (mark.line, mark.column) == (4, 7)


def test_json_templates_keep_line_and_column():
    text = '{\n  "Resources": {\n    "Fn": {\n      "Properties": {"Timeout": 1000}\n    }\n  }\n}\n'
    mark = load_json(text).marks[("Resources", "Fn", "Properties", "Timeout")]
    assert (mark.line, mark.column) == (4, 22)


def test_invalid_json_reports_its_position():
    with pytest.raises(DocumentError) as error:
        load_json('{\n  "Resources": {,}\n}')
    assert error.value.line == 2


def test_alias_bomb_is_stopped():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(DocumentError, match="alias"):
        load_yaml("\n".join(levels) + "\n")


GLOBALS_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 1200
Resources:
  OwnTimeout:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
      Timeout: 1000
  InheritsTimeout:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
  AlsoInherits:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
"""


def test_globals_value_reported_on_globals_line_and_override_on_its_own(tmp_path, monkeypatch):
    materialize({"template.yaml": GLOBALS_TEMPLATE}, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."], "--select", "LL601")
    rows = [(f["location"]["row"], f["message"]) for f in findings]
    assert rows == [
        (5, "Timeout is 1,200 seconds (set in Globals); Lambda accepts 1 to 900 seconds, so the deployment fails"),
        (12, "Timeout is 1,000 seconds; Lambda accepts 1 to 900 seconds, so the deployment fails"),
    ]


def test_metadata_suppression_applies_to_a_globals_located_finding(tmp_path, monkeypatch):
    text = GLOBALS_TEMPLATE.replace(
        "  InheritsTimeout:\n    Type: AWS::Serverless::Function\n",
        "  InheritsTimeout:\n    Type: AWS::Serverless::Function\n    Metadata:\n      lambdalint:\n        ignore: [LL601]\n")
    text = text.replace("  AlsoInherits:", "  Unused:\n    Type: AWS::SQS::Queue\n  AlsoInherits:")
    materialize({"template.yaml": text}, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."], "--select", "LL601")
    # AlsoInherits still has the Globals value, so the Globals line is still reported.
    assert [f["location"]["row"] for f in findings] == [5, 12]


def test_yaml_comment_suppression(tmp_path, monkeypatch):
    text = GLOBALS_TEMPLATE.replace("      Timeout: 1000", "      Timeout: 1000  # lambdalint: ignore[LL601] load test")
    materialize({"template.yaml": text}, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert [f["location"]["row"] for f in check_json(["."], "--select", "LL601")] == [5]


def test_functions_link_code_build_folders_and_layers(tmp_path):
    materialize({
        "template.yaml": """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Architectures: [arm64]
      Layers: [!Ref Deps, arn:aws:lambda:us-east-1:123456789012:layer:shared:3]
  Built:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
  Raw:
    Type: AWS::Lambda::Function
    Properties:
      Code: raw/
      Handler: app.handler
      Runtime: python3.12
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
""",
        "src/app.py": "def handler(event, context): pass\n",
        ".aws-sam/build/Built/app.py": "def handler(event, context): pass\n",
        "raw/app.py": "def handler(event, context): pass\n",
        "layer/python/dep.py": "",
    }, tmp_path)
    project = discover([str(tmp_path)], Settings())
    functions = {fn.name: fn for fn in project.functions}
    assert set(functions) == {"Api", "Built", "Raw"}
    api = functions["Api"]
    assert (api.runtime, api.architecture) == ("python3.11", "arm64")
    assert api.code.path == tmp_path / "src"
    assert [layer.name for layer in api.layers] == ["Deps", "arn:aws:lambda:us-east-1:123456789012:layer:shared:3"]
    assert api.layers[0].bundle.path == tmp_path / "layer" and api.layers[1].bundle is None
    assert functions["Built"].code.path == tmp_path / ".aws-sam" / "build" / "Built"
    assert functions["Raw"].code.path == tmp_path / "raw"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared peer fixtures not present")
@pytest.mark.parametrize("name", sorted(p.name for p in SHARED.glob("*.yaml")) if SHARED.is_dir() else [])
def test_peer_templates_load(name):
    project = discover([str(SHARED / name)], Settings())
    assert not project.input_errors
    assert project.functions


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared peer fixtures not present")
def test_ll501_on_peer_templates():
    findings = check_json([str(SHARED / "serverless_rules_es1007.fail.yaml")], "--select", "LL501")
    assert len(findings) == 6  # all six async functions, as serverless-rules expects
    # checkov fails these; they are SQS-triggered or have an on-failure destination / DLQ:
    assert check_json([str(SHARED / "sample_sam.yaml")], "--select", "LL501") == []
    assert check_json([str(SHARED / "checkov_cfn_LambdaDLQConfigured_sam.yaml")], "--select", "LL501") == []


def test_unreadable_code_zip_keeps_the_functions_configuration_checks(tmp_path, monkeypatch):
    materialize({
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      CodeUri: dist/fn.zip\n      Handler: app.handler\n      Runtime: python3.12\n"
                         "      Timeout: 1000\n",
        "dist/fn.zip": b"PK\x03\x04 not a zip at all",
    }, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."])
    assert [(f["code"], f["filename"]) for f in findings] == [
        ("LL002", "dist/fn.zip"), ("LL601", "template.yaml")]


def test_cdk_output_links_asset_folders(tmp_path, monkeypatch):
    template = {
        "Resources": {"Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Code": {"S3Bucket": "b", "S3Key": "k.zip"}, "Handler": "index.main",
                           "Runtime": "python3.12", "MemorySize": 64},
            "Metadata": {"aws:asset:path": "asset.abc123", "aws:asset:property": "Code"},
        }}}
    materialize({"cdk.out/Stack.template.json": json.dumps(template, indent=1),
                 "cdk.out/asset.abc123/index.py": "def handler(event, context): pass\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["cdk.out"], "--select", "LL2,LL6")
    assert [(f["code"], f["filename"], f["location"]["row"]) for f in findings] == [
        ("LL207", "cdk.out/Stack.template.json", 10), ("LL603", "cdk.out/Stack.template.json", 12)]


def test_numeric_logical_ids_are_text(tmp_path, monkeypatch):
    materialize({"template.yaml": "Resources:\n  123:\n    Type: AWS::Lambda::Function\n"
                                  "    Properties:\n      Timeout: 1000\n      Code: {ZipFile: x}\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."])
    assert [f["code"] for f in findings] == ["LL617", "LL601"]  # both name the function by its text id
    assert findings[0]["message"].startswith("123 is a zip function without Runtime and Handler")


def test_checking_a_sam_build_folder_uses_its_template(tmp_path, monkeypatch):
    build = {".aws-sam/build/template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n"
             + "".join(f"  {n}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: {n}\n"
                       f"      Handler: app.handler\n      Runtime: python3.12\n" for n in "ABC")}
    for name in "ABC":
        build[f".aws-sam/build/{name}/app.py"] = "def handler(event, context): pass\n"
    materialize(build, tmp_path)
    monkeypatch.chdir(tmp_path)
    project = discover([".aws-sam/build/"], Settings())
    assert sorted(fn.name for fn in project.functions) == ["A", "B", "C"]
