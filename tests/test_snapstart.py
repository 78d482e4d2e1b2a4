"""SnapStart (LL701-LL703) in every configuration format, with and without
`@register_after_restore`, and the SnapStart suggestion of `lambdalint coldstart`."""
import json

import pytest

from support import check_json, materialize, run_cli

SNAP_CODES = "LL701,LL702,LL703"


def findings(tmp_path, monkeypatch, files, codes=SNAP_CODES):
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return [(f["code"], f["filename"], f["location"]["row"], f["message"])
            for f in check_json(["."], "--select", codes)]


def sam(properties: str, globals_: str = "", resources: str = "") -> str:
    props = "".join(f"      {line}\n" for line in properties.splitlines())
    glob = "Globals:\n  Function:\n" + "".join(f"    {line}\n" for line in globals_.splitlines()) if globals_ else ""
    return ("Transform: AWS::Serverless-2016-10-31\n" + glob + "Resources:\n  Fn:\n"
            "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
            "      Handler: app.handler\n" + props + resources)


SNAP = "SnapStart:\n  ApplyOn: PublishedVersions"
HANDLER = "def handler(event, context):\n    return None\n"


# -- LL701 ---------------------------------------------------------------------------------------
def test_ll701_sam_reports_each_refused_setting_on_its_line(tmp_path, monkeypatch):
    template = sam("Runtime: python3.11\nAutoPublishAlias: live\nEphemeralStorage:\n  Size: 1024\n"
                   "FileSystemConfigs:\n  - Arn: arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1\n"
                   "    LocalMountPath: /mnt/data\nProvisionedConcurrencyConfig:\n"
                   "  ProvisionedConcurrentExecutions: 2\n" + SNAP)
    found = findings(tmp_path, monkeypatch, {"template.yaml": template, "src/app.py": HANDLER}, "LL701")
    assert [(code, line) for code, _, line, _ in found] == [("LL701", 8), ("LL701", 11), ("LL701", 12), ("LL701", 15)]
    messages = [m for _, _, _, m in found]
    assert "not supported on python3.11" in messages[0] and "Python 3.12 and later" in messages[0]
    assert "1,024 MB" in messages[1] and "at most 512 MB" in messages[1]
    assert "Amazon EFS" in messages[2]
    assert "ProvisionedConcurrencyConfig cannot be combined with SnapStart" in messages[3]


def test_ll701_silent_on_supported_configurations(tmp_path, monkeypatch):
    template = sam("Runtime: python3.12\nAutoPublishAlias: live\nEphemeralStorage:\n  Size: 512\n" + SNAP)
    other = ("  Java:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
             "      Handler: a.b\n      Runtime: java21\n      AutoPublishAlias: live\n      " + SNAP.replace("\n", "\n      ") + "\n"
             "  Off:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
             "      Handler: app.handler\n      Runtime: python3.9\n      SnapStart:\n        ApplyOn: None\n")
    assert findings(tmp_path, monkeypatch, {"template.yaml": template + other, "src/app.py": HANDLER}, "LL701") == []


def test_ll701_cloudformation_alias_with_provisioned_concurrency(tmp_path, monkeypatch):
    template = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(e, c): pass"}
      SnapStart:
        ApplyOn: PublishedVersions
  Version:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Version.Version
      Name: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 5
"""
    found = findings(tmp_path, monkeypatch, {"template.yaml": template}, "LL701,LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL701", 21)]
    assert "Live sets ProvisionedConcurrencyConfig on a version of Fn" in found[0][3]


def test_ll701_serverless(tmp_path, monkeypatch):
    service = ("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
               "  api:\n    handler: app.handler\n    snapStart: true\n    ephemeralStorageSize: 4096\n"
               "  ok:\n    handler: app.handler\n    runtime: python3.12\n    snapStart: true\n")
    found = findings(tmp_path, monkeypatch, {"serverless.yml": service, "app.py": HANDLER}, "LL701")
    assert [(code, f, line) for code, f, line, _ in found] == [("LL701", "serverless.yml", 4),
                                                              ("LL701", "serverless.yml", 9)]
    assert "snapStart is not supported on python3.11 (set in provider)" in found[0][3]
    assert "ephemeralStorageSize is 4,096 MB" in found[1][3]


@pytest.mark.parametrize("body, line, words", [
    ('runtime = "python3.10"\npublish = true\nsnap_start {\n  apply_on = "PublishedVersions"\n}', 4,
     "snap_start is not supported on python3.10"),
    ('runtime = "python3.12"\npublish = true\nsnap_start {\n  apply_on = "PublishedVersions"\n}\n'
     'file_system_config {\n  arn = "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1"\n'
     '  local_mount_path = "/mnt/x"\n}', 9, "file_system_config mounts Amazon EFS"),
])
def test_ll701_terraform(tmp_path, monkeypatch, body, line, words):
    main = ('resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
            + "".join(f"  {row}\n" for row in body.splitlines()) + "}\n")
    found = findings(tmp_path, monkeypatch, {"main.tf": main}, "LL701")
    assert [(code, f, at) for code, f, at, _ in found] == [("LL701", "main.tf", line)]
    assert words in found[0][3]


def test_ll701_terraform_module_and_unknown_values(tmp_path, monkeypatch):
    main = ('module "fn" {\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "fn"\n'
            '  handler = "app.handler"\n  runtime = "python3.11"\n  publish = true\n  snap_start = true\n}\n'
            'resource "aws_lambda_function" "unknown" {\n  function_name = "u"\n  handler = "app.handler"\n'
            '  runtime = var.runtime\n  publish = true\n  snap_start {\n    apply_on = var.apply_on\n  }\n'
            '  ephemeral_storage {\n    size = 4096\n  }\n}\n')
    found = findings(tmp_path, monkeypatch, {"main.tf": main}, "LL701,LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL701", 5)]


# -- LL702 ---------------------------------------------------------------------------------------
def test_ll702_sam_and_globals(tmp_path, monkeypatch):
    found = findings(tmp_path, monkeypatch, {"template.yaml": sam("Runtime: python3.12\n" + SNAP),
                                             "src/app.py": HANDLER}, "LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL702", 9)]
    assert "has no AutoPublishAlias" in found[0][3] and "$LATEST" in found[0][3]


def test_ll702_silent_with_alias_from_globals(tmp_path, monkeypatch):
    template = sam("Runtime: python3.12", globals_="AutoPublishAlias: live\n" + SNAP)
    assert findings(tmp_path, monkeypatch, {"template.yaml": template, "src/app.py": HANDLER}, "LL702") == []


def test_ll702_snapstart_from_globals_without_alias(tmp_path, monkeypatch):
    template = sam("Runtime: python3.12", globals_=SNAP)
    found = findings(tmp_path, monkeypatch, {"template.yaml": template, "src/app.py": HANDLER}, "LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL702", 4)]


def test_ll702_serverless_version_functions_false(tmp_path, monkeypatch):
    service = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  versionFunctions: false\n"
               "functions:\n  api:\n    handler: app.handler\n    snapStart: true\n")
    found = findings(tmp_path, monkeypatch, {"serverless.yml": service, "app.py": HANDLER}, "LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL702", 5)]
    assert "versionFunctions is false" in found[0][3]
    materialize({"serverless.yml": service.replace("  versionFunctions: false\n", "")}, tmp_path)
    assert check_json(["."], "--select", "LL702") == []


def test_ll702_terraform_publish(tmp_path, monkeypatch):
    main = ('resource "aws_lambda_function" "a" {\n  function_name = "a"\n  handler = "app.handler"\n'
            '  runtime = "python3.12"\n  snap_start {\n    apply_on = "PublishedVersions"\n  }\n}\n'
            'resource "aws_lambda_function" "b" {\n  function_name = "b"\n  handler = "app.handler"\n'
            '  runtime = "python3.12"\n  publish = false\n  snap_start {\n    apply_on = "PublishedVersions"\n  }\n}\n'
            'resource "aws_lambda_function" "c" {\n  function_name = "c"\n  handler = "app.handler"\n'
            '  runtime = "python3.12"\n  publish = true\n  snap_start {\n    apply_on = "PublishedVersions"\n  }\n}\n')
    found = findings(tmp_path, monkeypatch, {"main.tf": main}, "LL702")
    assert [(code, line) for code, _, line, _ in found] == [("LL702", 5), ("LL702", 13)]
    assert "does not set publish = true" in found[0][3] and "sets publish = false" in found[1][3]


# -- LL703 ---------------------------------------------------------------------------------------
UNSAFE = """\
import random
import socket
import tempfile
import time
import uuid
from datetime import datetime

import boto3
import httpx

random.seed(1234)
REQUEST_PREFIX = uuid.uuid4().hex
STARTED_AT = datetime.utcnow()
CLIENT = httpx.Client()
SOCK = socket.socket()
_, SCRATCH = tempfile.mkstemp()
TOKEN = boto3.client("ssm").get_parameter(Name="/token", WithDecryption=True)["Parameter"]["Value"]
S3 = boto3.client("s3")
BOOT = time.time


def handler(event, context):
    return REQUEST_PREFIX
"""

HOOKED = """\
import random
import socket
import tempfile
import uuid
from datetime import datetime

import boto3
import httpx
from snapshot_restore_py import register_after_restore

random.seed(1234)
REQUEST_PREFIX = uuid.uuid4().hex
STARTED_AT = datetime.utcnow()
CLIENT = httpx.Client()
SOCK = socket.socket()
_, SCRATCH = tempfile.mkstemp()
TOKEN = boto3.client("ssm").get_parameter(Name="/token", WithDecryption=True)["Parameter"]["Value"]


def reconnect():
    global CLIENT, SOCK
    CLIENT = httpx.Client()
    SOCK = socket.socket()


@register_after_restore
def after_restore():
    global REQUEST_PREFIX, STARTED_AT, _, SCRATCH, TOKEN
    random.seed()
    REQUEST_PREFIX = uuid.uuid4().hex
    STARTED_AT = datetime.utcnow()
    _, SCRATCH = tempfile.mkstemp()
    TOKEN = boto3.client("ssm").get_parameter(Name="/token", WithDecryption=True)["Parameter"]["Value"]
    reconnect()


def handler(event, context):
    return REQUEST_PREFIX
"""

EXPECTED_UNSAFE = [(11, "random.seed() seeds the random generator"), (12, "REQUEST_PREFIX: a UUID from uuid.uuid4()"),
                   (13, "STARTED_AT: the time from datetime.datetime.utcnow()"),
                   (14, "CLIENT: an HTTP client from httpx.Client() is opened at init"),
                   (15, "SOCK: a socket from socket.socket()"),
                   (16, "_, SCRATCH: a temporary file from tempfile.mkstemp()"),
                   (17, "TOKEN: a parameter from get_parameter() is fetched and cached at init")]

SERVERLESS = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
              "  api:\n    handler: app.handler\n    snapStart: true\n")
TERRAFORM = """\
data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "src"
  output_path = "build.zip"
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = data.archive_file.fn.output_path
  publish       = true
  snap_start {
    apply_on = "PublishedVersions"
  }
}
"""
FORMATS = {
    "sam": lambda code: {"template.yaml": sam("Runtime: python3.12\nAutoPublishAlias: live\n" + SNAP), "src/app.py": code},
    "serverless": lambda code: {"serverless.yml": SERVERLESS, "app.py": code},
    "terraform": lambda code: {"main.tf": TERRAFORM, "src/app.py": code},
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_ll703_without_hook_reports_each_kind(tmp_path, monkeypatch, fmt):
    found = findings(tmp_path, monkeypatch, FORMATS[fmt](UNSAFE), "LL703")
    assert all(code == "LL703" and f.endswith("app.py") for code, f, _, _ in found)
    assert [line for _, _, line, _ in found] == [line for line, _ in EXPECTED_UNSAFE]
    for (_, _, _, message), (_, words) in zip(found, EXPECTED_UNSAFE):
        assert words in message and "@register_after_restore" in message


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_ll703_with_after_restore_hook_is_silent(tmp_path, monkeypatch, fmt):
    assert findings(tmp_path, monkeypatch, FORMATS[fmt](HOOKED), "LL703") == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_ll703_without_snapstart_is_silent(tmp_path, monkeypatch, fmt):
    files = FORMATS[fmt](UNSAFE)
    for name in files:
        files[name] = files[name].replace("    snapStart: true\n", "").replace(
            "  snap_start {\n    apply_on = \"PublishedVersions\"\n  }\n", "").replace(
            "      SnapStart:\n        ApplyOn: PublishedVersions\n", "")
    assert findings(tmp_path, monkeypatch, files, "LL703") == []


def test_ll703_hook_that_only_reseeds_still_reports_the_rest(tmp_path, monkeypatch):
    code = ("import random\nimport uuid\nfrom snapshot_restore_py import register_after_restore\n\n"
            "random.seed(7)\nID = uuid.uuid4()\n\n@register_after_restore\ndef reseed():\n    random.seed()\n\n"
            + HANDLER)
    found = findings(tmp_path, monkeypatch, FORMATS["sam"](code), "LL703")
    assert [(line, message.split(":")[0]) for _, _, line, message in found] == [(6, "ID")]


def test_ll703_follows_own_modules_and_hooks_registered_by_call(tmp_path, monkeypatch):
    app = "import db\n\n" + HANDLER
    db = ("import pymysql\nimport snapshot_restore_py\n\nCONN = pymysql.connect(host='h')\nOTHER = pymysql.connect(host='o')\n\n"
          "def reconnect():\n    global CONN\n    CONN = pymysql.connect(host='h')\n\n"
          "snapshot_restore_py.register_after_restore(reconnect)\n")
    files = FORMATS["sam"](app)
    files["src/db.py"] = db
    found = findings(tmp_path, monkeypatch, files, "LL703")
    assert [(f, line) for _, f, line, _ in found] == [("src/db.py", 5)]
    assert found[0][3].startswith("OTHER: a MySQL connection from pymysql.connect()")


def test_ll703_values_made_in_the_handler_are_not_reported(tmp_path, monkeypatch):
    code = ("import random\nimport time\nimport uuid\n\n_id = None\n\n"
            "def handler(event, context):\n    global _id\n    random.seed(time.time())\n"
            "    if _id is None:\n        _id = uuid.uuid4()\n    return _id\n")
    assert findings(tmp_path, monkeypatch, FORMATS["terraform"](code), "LL703") == []


def test_ll703_reported_once_for_functions_sharing_code(tmp_path, monkeypatch):
    second = ("  Fn2:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
              "      Handler: app.handler\n      Runtime: python3.12\n      AutoPublishAlias: live\n"
              "      SnapStart:\n        ApplyOn: PublishedVersions\n")
    files = {"template.yaml": sam("Runtime: python3.12\nAutoPublishAlias: live\n" + SNAP, resources=second),
             "src/app.py": "import uuid\n\nID = uuid.uuid4()\n\n" + HANDLER}
    found = findings(tmp_path, monkeypatch, files, "LL703")
    assert [(f, line) for _, f, line, _ in found] == [("src/app.py", 3)]


@pytest.mark.parametrize("value", ["[1, 2]", "{ApplyOn: [x]}", "!If [c, {ApplyOn: PublishedVersions}, !Ref AWS::NoValue]",
                                   "{ApplyOn: !Ref Snap}", "''", "{ApplyOn: ~}"])
def test_odd_snapstart_values_never_crash_nor_report(tmp_path, monkeypatch, value):
    template = sam("Runtime: python3.9\nEphemeralStorage:\n  Size: 4096\nSnapStart: " + value)
    files = {"template.yaml": template, "src/app.py": "import uuid\nID = uuid.uuid4()\n" + HANDLER}
    assert findings(tmp_path, monkeypatch, files) == []


# -- coldstart -----------------------------------------------------------------------------------
def _heavy_bundle(tmp_path, template=None):
    files = {f"src/heavy/m{i}.py": "X = 1\n" * 50 for i in range(300)}
    files["src/heavy/__init__.py"] = "".join(f"from heavy import m{i}\n" for i in range(300))
    files["src/app.py"] = "import heavy\n\n" + HANDLER
    files["pyproject.toml"] = "[tool.lambdalint.rules.LL103]\ninit-budget-ms = 10\n"
    if template:
        files["template.yaml"] = template
    materialize(files, tmp_path)


def _coldstart(tmp_path, monkeypatch, *paths):
    monkeypatch.chdir(tmp_path)
    report = json.loads(run_cli(["coldstart", *paths, "--output-format", "json"]).stdout)
    return {fn["function"]: fn for fn in report["functions"]}, run_cli(["coldstart", *paths]).stdout


def test_coldstart_suggests_snapstart_over_the_budget(tmp_path, monkeypatch):
    _heavy_bundle(tmp_path)
    functions, text = _coldstart(tmp_path, monkeypatch, "src")
    (fn,) = functions.values()
    suggestion = fn["snapstart_suggestion"]
    assert suggestion["budget_ms"] == 10 and suggestion["estimated_init_ms"] == fn["estimated_init_ms"] > 10
    assert "python3.12 supports SnapStart" in suggestion["message"] and "provisioned concurrency" in suggestion["message"]
    assert f"→ {suggestion['message']}" in text


def test_coldstart_no_suggestion_under_budget_unsupported_or_already_on(tmp_path, monkeypatch):
    second = ("  Old:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
              "      Handler: app.handler\n      Runtime: python3.11\n")
    _heavy_bundle(tmp_path, sam("Runtime: python3.12\nAutoPublishAlias: live\n" + SNAP, resources=second))
    functions, text = _coldstart(tmp_path, monkeypatch, "template.yaml")
    assert functions["Fn"]["snapstart_suggestion"] is None and functions["Old"]["snapstart_suggestion"] is None
    assert "→" not in text
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint.rules.LL103]\ninit-budget-ms = 100000\n")
    functions, text = _coldstart(tmp_path, monkeypatch, "src")
    assert [fn["snapstart_suggestion"] for fn in functions.values()] == [None] and "→" not in text


def test_ll701_setting_in_globals_names_each_function_it_reaches(tmp_path, monkeypatch):
    # review of fecd279: a runtime in Globals gave one identical message per function on the same
    # line, none of them saying which function it was about
    other = ("  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
             "      Handler: app.handler\n")
    template = sam("", globals_="Runtime: python3.11\nAutoPublishAlias: live\n" + SNAP, resources=other)
    found = findings(tmp_path, monkeypatch, {"template.yaml": template, "src/app.py": HANDLER}, "LL701")
    assert [(code, line) for code, _, line, _ in found] == [("LL701", 4), ("LL701", 4)]
    assert sorted(m.split(":", 1)[0] for _, _, _, m in found) == ["Fn", "Other"]
    assert all("SnapStart is not supported on python3.11 (set in Globals)" in m for _, _, _, m in found)
