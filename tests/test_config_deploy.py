"""Issue 13's deploy-time checks from peers (LL614-LL617) and LL601 on Lambda Managed Instances:
exact codes, locations and message words, in each configuration format they apply to."""
from lambdalint.rules.examples import function_with
from support import check_json, materialize

APP = "import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    return s3.list_buckets()\n"


def _check(tmp_path, monkeypatch, files, code):
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return [f for f in check_json(["."], "--select", code, "--no-cache") if f["code"] == code]


def _where(finding):
    return finding["filename"], finding["location"]["row"]


# -- LL614 -----------------------------------------------------------------------------------------
def test_ll614_sam_names_the_call_and_reports_on_the_function(tmp_path, monkeypatch):
    found = _check(tmp_path, monkeypatch, {"template.yaml": function_with(code_uri="src/"), "src/app.py": APP}, "LL614")
    assert [_where(f) for f in found] == [("template.yaml", 3)]
    assert "default timeout of 3 s" in found[0]["message"]
    assert "s3.list_buckets()" in found[0]["message"] and "src/app.py:6" in found[0]["message"]
    assert found[0]["severity"] == "warning"


def test_ll614_serverless_default_is_six_seconds_and_a_written_six_is_not_reported(tmp_path, monkeypatch):
    body = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  fn:\n    handler: app.handler\n"
    found = _check(tmp_path, monkeypatch, {"serverless.yml": body, "app.py": APP}, "LL614")
    assert [_where(f) for f in found] == [("serverless.yml", 6)]
    assert "default timeout of 6 s" in found[0]["message"] and "app.py:6" in found[0]["message"]
    (tmp_path / "serverless.yml").write_text(body + "    timeout: 6\n")
    assert _check(tmp_path, monkeypatch, {}, "LL614") == []


def test_ll614_terraform_and_unknown_timeout(tmp_path, monkeypatch):
    tf = ('resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  runtime = "python3.12"\n'
          '  handler = "app.handler"\n  filename = "src"\n%s}\n')
    found = _check(tmp_path, monkeypatch, {"main.tf": tf % "", "src/app.py": APP}, "LL614")
    assert [_where(f) for f in found] == [("main.tf", 1)]
    assert "timeout is not set" in found[0]["message"]
    (tmp_path / "main.tf").write_text(tf % "  timeout = var.timeout\n")
    assert _check(tmp_path, monkeypatch, {}, "LL614") == []


def test_ll614_silent_without_network_calls_on_the_handler_path(tmp_path, monkeypatch):
    code = "import json\n\ndef handler(event, context):\n    return json.dumps(event)\n"
    assert _check(tmp_path, monkeypatch, {"template.yaml": function_with(code_uri="src/"), "src/app.py": code},
                  "LL614") == []


# -- LL615 -----------------------------------------------------------------------------------------
GROUP = "  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: {}\n{}"


def test_ll615_sam_by_reference_on_the_log_group(tmp_path, monkeypatch):
    text = function_with(resources=GROUP.format("!Sub /aws/lambda/${Fn}", ""))
    found = _check(tmp_path, monkeypatch, {"template.yaml": text}, "LL615")
    assert [_where(f) for f in found] == [("template.yaml", 9)]
    assert found[0]["severity"] == "info" and "no retention" in found[0]["message"]


def test_ll615_terraform_reference_and_retention(tmp_path, monkeypatch):
    tf = ('resource "aws_lambda_function" "fn" {\n  function_name = "orders"\n  runtime = "python3.12"\n'
          '  handler = "app.handler"\n}\n'
          'resource "aws_cloudwatch_log_group" "logs" {\n'
          '  name = "/aws/lambda/${aws_lambda_function.fn.function_name}"\n%s}\n')
    found = _check(tmp_path, monkeypatch, {"main.tf": tf % ""}, "LL615")
    assert [_where(f) for f in found] == [("main.tf", 6)]
    assert "aws_cloudwatch_log_group.logs" in found[0]["message"]
    (tmp_path / "main.tf").write_text(tf % "  retention_in_days = 14\n")
    assert _check(tmp_path, monkeypatch, {}, "LL615") == []


def test_ll615_serverless_provider_retention(tmp_path, monkeypatch):
    body = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\n{}functions:\n  hello:\n"
            "    handler: app.handler\nresources:\n  Resources:\n    HelloLogGroup:\n      Properties:\n"
            "        Tags: []\n")
    found = _check(tmp_path, monkeypatch, {"serverless.yml": body.format("")}, "LL615")
    assert [_where(f) for f in found] == [("serverless.yml", 10)]
    (tmp_path / "serverless.yml").write_text(body.format("  logRetentionInDays: 7\n"))
    assert _check(tmp_path, monkeypatch, {}, "LL615") == []
    # without a customised group: the framework's generated group is not reported
    (tmp_path / "serverless.yml").write_text(body.format("").split("resources:")[0])
    assert _check(tmp_path, monkeypatch, {}, "LL615") == []


def test_ll615_fix_is_in_the_words_of_each_format(tmp_path, monkeypatch):
    # review of fecd279: every format was told "RetentionInDays (Terraform ..., Serverless ...)"
    body = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n"
            "    handler: app.handler\nresources:\n  Resources:\n    HelloLogGroup:\n      Properties:\n"
            "        Tags: []\n")
    (found,) = _check(tmp_path / "sls", monkeypatch, {"serverless.yml": body}, "LL615")
    assert found["message"].endswith("Set logRetentionInDays (e.g. 30) under provider or the function")
    tf = ('resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  runtime = "python3.12"\n'
          '  handler = "app.handler"\n  filename = "fn.zip"\n}\n'
          'resource "aws_cloudwatch_log_group" "logs" {\n  name = "/aws/lambda/fn"\n}\n')
    (found,) = _check(tmp_path / "tf", monkeypatch, {"main.tf": tf}, "LL615")
    assert found["message"].endswith("Set retention_in_days (e.g. 30)")
    sam = function_with(resources="  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
                                  "      LogGroupName: !Sub /aws/lambda/${Fn}\n")
    (found,) = _check(tmp_path / "sam", monkeypatch, {"template.yaml": sam}, "LL615")
    assert found["message"].endswith("Set RetentionInDays (e.g. 30)")


# -- LL616 -----------------------------------------------------------------------------------------
PERMISSION = ("  Allow:\n    Type: AWS::Lambda::Permission\n    Properties:\n      FunctionName: !Ref Fn\n"
              "      Action: lambda:InvokeFunction\n      Principal: {}\n      SourceArn: {}\n")


def test_ll616_on_the_principal_line(tmp_path, monkeypatch):
    text = function_with(resources=PERMISSION.format("sns.amazonaws.com", "arn:aws:s3:::uploads"))
    found = _check(tmp_path, monkeypatch, {"template.yaml": text}, "LL616")
    assert [_where(f) for f in found] == [("template.yaml", 14)]
    assert "s3.amazonaws.com" in found[0]["message"] and "never fires" in found[0]["message"]
    assert found[0]["severity"] == "error"


def test_ll616_regional_logs_principal_and_execute_api(tmp_path, monkeypatch):
    text = function_with(resources=PERMISSION.format("logs.amazonaws.com", "arn:aws:logs:eu-west-1:1:log-group:x:*")
                         + PERMISSION.replace("Allow", "Api").format(
                             "apigateway.amazonaws.com", "!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:1:abc/*"))
    assert _check(tmp_path, monkeypatch, {"template.yaml": text}, "LL616") == []


def test_ll616_terraform(tmp_path, monkeypatch):
    tf = ('resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  runtime = "python3.12"\n'
          '  handler = "app.handler"\n}\nresource "aws_s3_bucket" "b" {}\n'
          'resource "aws_lambda_permission" "p" {\n  function_name = aws_lambda_function.fn.function_name\n'
          '  principal = "%s"\n  source_arn = aws_s3_bucket.b.arn\n}\n')
    found = _check(tmp_path, monkeypatch, {"main.tf": tf % "events.amazonaws.com"}, "LL616")
    assert [_where(f) for f in found] == [("main.tf", 9)]
    (tmp_path / "main.tf").write_text(tf % "s3.amazonaws.com")
    assert _check(tmp_path, monkeypatch, {}, "LL616") == []


# -- LL617 -----------------------------------------------------------------------------------------
def test_ll617_sam_globals_runtime_counts(tmp_path, monkeypatch):
    text = function_with(globals_="Runtime: python3.12").replace("      Runtime: python3.12\n", "")
    assert _check(tmp_path, monkeypatch, {"template.yaml": text}, "LL617") == []
    (tmp_path / "template.yaml").write_text(function_with().replace("      Runtime: python3.12\n", ""))
    found = _check(tmp_path, monkeypatch, {}, "LL617")
    assert [_where(f) for f in found] == [("template.yaml", 3)]
    assert "without Runtime" in found[0]["message"]


def test_ll617_image_function_with_handler_in_every_format(tmp_path, monkeypatch):
    sls = ("service: s\nprovider:\n  name: aws\nfunctions:\n  fn:\n    image: 1.dkr.ecr.us-east-1.amazonaws.com/f:1\n"
           "    handler: app.handler\n")
    found = _check(tmp_path, monkeypatch, {"serverless.yml": sls}, "LL617")
    assert [_where(f) for f in found] == [("serverless.yml", 7)] and "handler" in found[0]["message"]
    (tmp_path / "serverless.yml").unlink()
    tf = ('resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  package_type = "Image"\n'
          '  image_uri = "1.dkr.ecr.us-east-1.amazonaws.com/f:1"\n  runtime = "python3.12"\n}\n')
    found = _check(tmp_path, monkeypatch, {"main.tf": tf}, "LL617")
    assert [_where(f) for f in found] == [("main.tf", 5)] and "runtime" in found[0]["message"]


def test_ll617_serverless_without_runtime_is_the_framework_default(tmp_path, monkeypatch):
    sls = "service: s\nprovider:\n  name: aws\nfunctions:\n  fn:\n    handler: app.handler\n"
    assert _check(tmp_path, monkeypatch, {"serverless.yml": sls}, "LL617") == []


# -- LL601 on Lambda Managed Instances -------------------------------------------------------------
def test_ll601_managed_instances_accept_up_to_5400(tmp_path, monkeypatch):
    cfn = ("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: index.handler\n"
           "      Runtime: python3.12\n      Role: arn:aws:iam::1:role/r\n      Code: {ZipFile: 'x'}\n"
           "      Timeout: %d\n%s")
    provider = ("      CapacityProviderConfig:\n        LambdaManagedInstancesCapacityProviderConfig:\n"
                "          CapacityProviderArn: arn:aws:lambda:us-east-1:1:capacity-provider:cp\n")
    assert _check(tmp_path, monkeypatch, {"template.yaml": cfn % (5400, provider)}, "LL601") == []
    (tmp_path / "template.yaml").write_text(cfn % (5401, provider))
    found = _check(tmp_path, monkeypatch, {}, "LL601")
    assert [_where(f) for f in found] == [("template.yaml", 9)] and "5,400" in found[0]["message"]
    (tmp_path / "template.yaml").write_text(cfn % (1000, ""))
    found = _check(tmp_path, monkeypatch, {}, "LL601")
    assert [_where(f) for f in found] == [("template.yaml", 9)] and "900" in found[0]["message"]


def test_ll615_indexes_the_log_groups_once_per_template(tmp_path, monkeypatch):
    # review of fecd279: every function walked every log group (2,000 functions with a log group
    # each: 30 s for LL615 alone); the log groups are now indexed once per template
    from lambdalint.rules import ll615_log_group_without_retention as ll615

    calls = []
    original = ll615._index
    monkeypatch.setattr(ll615, "_index", lambda template_: calls.append(1) or original(template_))
    units = "".join(f"  F{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: index.handler\n"
                    f"      Runtime: python3.12\n      Role: r\n      Code: {{ZipFile: x}}\n"
                    f"  L{i}:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
                    f"      LogGroupName: !Sub /aws/lambda/${{F{i}}}\n" for i in range(50))
    found = _check(tmp_path, monkeypatch, {"template.yaml": "Resources:\n" + units}, "LL615")
    assert len(found) == 50 and len(calls) == 1
    assert sorted(f["message"].split(" of ")[0] for f in found) == sorted(f"log group L{i}" for i in range(50))
