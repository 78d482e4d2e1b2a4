"""Configuration accuracy on real projects (issue 11): synchronous Cognito and Alexa triggers,
EventBridge rule and Scheduler targets, OpenAPI-defined API integrations, secrets resolved into
environment variables at deploy time."""
import json

import pytest

from support import check_json, materialize

SAM_HEAD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
"""
SAM_FUNCTION = """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
"""
CODE = {"src/app.py": "def handler(event, context):\n    return 1\n"}
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:dlq"


def _findings(tmp_path, files, code):
    materialize(files, tmp_path)
    return [f for f in check_json([str(tmp_path)]) if f["code"] == code]


def _sam(tmp_path, resources, code, function=SAM_FUNCTION, **files):
    return _findings(tmp_path, {"template.yaml": SAM_HEAD + "Resources:\n" + function + resources,
                                **CODE, **files}, code)


def _rows(findings):
    return [(f["filename"].rsplit("/", 1)[-1], f["location"]["row"]) for f in findings]


# -- LL501: Cognito and Alexa are synchronous --------------------------------------------------

def test_fp_ll501_cognito_sync(tmp_path):
    function = SAM_FUNCTION + """\
      Events:
        PreSignUp:
          Type: Cognito
          Properties:
            UserPool: !Ref UserPool
            Trigger: PreSignUp
"""
    assert _sam(tmp_path, "  UserPool:\n    Type: AWS::Cognito::UserPool\n", "LL501", function) == []


@pytest.mark.parametrize("principal", ["cognito-idp.amazonaws.com", "alexa-appkit.amazon.com",
                                       "alexa-connectedhome.amazon.com"])
def test_fp_ll501_cognito_sync_permission(tmp_path, principal):
    permission = f"""\
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: {principal}
"""
    assert _sam(tmp_path, permission, "LL501") == []


def test_note_ll501_alexa(tmp_path):
    service = """\
service: alexa
provider:
  name: aws
  runtime: python3.13
functions:
  luckyNumber:
    handler: handler.lucky_number
    events:
      - alexaSkill
  luckyNumber2:
    handler: handler.lucky_number
    events:
      - alexaSkill: amzn1.ask.skill.xx-xx-xx-xx
  signUp:
    handler: handler.lucky_number
    events:
      - cognitoUserPool:
          pool: users
          trigger: PreSignUp
  sched:
    handler: handler.lucky_number
    events:
      - schedule: rate(1 hour)
"""
    found = _findings(tmp_path, {"serverless.yml": service, "handler.py": "def lucky_number(e, c):\n    return 7\n"},
                      "LL501")
    assert _rows(found) == [("serverless.yml", 23)]
    assert "function sched is invoked asynchronously (Schedule 'schedule')" in found[0]["message"]


# -- LL501: EventBridge rule and Scheduler targets -----------------------------------------------

SCHEDULE = """\
  Schedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(5 minutes)
      FlexibleTimeWindow:
        Mode: 'OFF'
      Target:
        Arn: {arn}
        RoleArn: arn:aws:iam::123456789012:role/scheduler
{extra}"""


def test_miss_ll501_cfn_scheduler(tmp_path):
    found = _sam(tmp_path, SCHEDULE.format(arn="!GetAtt Fn.Arn", extra=""), "LL501")
    assert _rows(found) == [("template.yaml", 16)]
    assert "function Fn is invoked asynchronously (EventBridge Scheduler 'Schedule')" in found[0]["message"]


@pytest.mark.parametrize("arn", [
    "!Ref Fn", "!Sub '${Fn.Arn}'", "arn:aws:lambda:us-east-1:123456789012:function:nightly",
    "!Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:nightly'", "!Ref Live"])
def test_miss_ll501_cfn_scheduler_target_forms(tmp_path, arn):
    function = SAM_FUNCTION + "      FunctionName: nightly\n"
    alias = "  Live:\n    Type: AWS::Lambda::Alias\n    Properties:\n      FunctionName: !Ref Fn\n" \
            "      FunctionVersion: '1'\n      Name: live\n"
    found = _sam(tmp_path, SCHEDULE.format(arn=arn, extra="") + alias, "LL501", function)
    assert _rows(found) == [("template.yaml", 17)]


def test_miss_ll501_cfn_scheduler_other_function_or_unknown(tmp_path):
    other = "arn:aws:lambda:us-east-1:123456789012:function:someone-else"
    resources = SCHEDULE.format(arn=other, extra="").replace("  Schedule:", "  Other:") \
        + SCHEDULE.format(arn="!Ref TargetArnParameter", extra="")
    assert _sam(tmp_path, resources, "LL501") == []


def test_deb_ll501_cfn_scheduler_dlq(tmp_path):
    extra = f"        DeadLetterConfig:\n          Arn: {DLQ_ARN}\n"
    assert _sam(tmp_path, SCHEDULE.format(arn="!GetAtt Fn.Arn", extra=extra), "LL501") == []


EVENTS_RULE = """\
  Hourly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets:
        - Id: fn
          Arn: !GetAtt Fn.Arn
{extra}  HourlyPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: events.amazonaws.com
      SourceArn: !GetAtt Hourly.Arn
"""


def test_miss_ll501_cfn_events_rule(tmp_path):
    found = _sam(tmp_path, EVENTS_RULE.format(extra=""), "LL501")
    assert _rows(found) == [("template.yaml", 15)]
    assert "(EventBridge 'Hourly')" in found[0]["message"]


def test_deb_ll501_cfn_events_rule_dlq_and_its_permission(tmp_path):
    extra = f"          DeadLetterConfig:\n            Arn: {DLQ_ARN}\n"
    assert _sam(tmp_path, EVENTS_RULE.format(extra=extra), "LL501") == []


def test_deb_ll501_sam_schedule_event_dlq(tmp_path):
    function = SAM_FUNCTION + f"""\
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 day)
            DeadLetterConfig:
              Arn: {DLQ_ARN}
"""
    assert _sam(tmp_path, "", "LL501", function) == []


TF_SCHEDULE = """\
data "archive_file" "z" {{
  type        = "zip"
  source_dir  = "${{path.module}}/src"
  output_path = "${{path.module}}/src.zip"
}}
resource "aws_lambda_function" "fn" {{
  filename      = data.archive_file.z.output_path
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/r"
  handler       = "app.handler"
  runtime       = "python3.13"
}}
resource "aws_sqs_queue" "dlq" {{}}
resource "aws_scheduler_schedule" "s" {{
  schedule_expression = "rate(5 minutes)"
  flexible_time_window {{ mode = "OFF" }}
  target {{
    arn      = aws_lambda_function.fn.arn
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
{dead_letter}  }}
}}
"""


def test_deb_ll501_tf_scheduler_dlq(tmp_path):
    dead_letter = "    dead_letter_config { arn = aws_sqs_queue.dlq.arn }\n"
    assert _findings(tmp_path, {"main.tf": TF_SCHEDULE.format(dead_letter=dead_letter), **CODE}, "LL501") == []


def test_deb_ll501_tf_scheduler_without_dlq(tmp_path):
    found = _findings(tmp_path, {"main.tf": TF_SCHEDULE.format(dead_letter=""), **CODE}, "LL501")
    assert _rows(found) == [("main.tf", 14)]


TF_EVENT_TARGET = """\
resource "aws_lambda_function" "fn" {{
  filename      = "src"
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.13"
}}
resource "aws_cloudwatch_event_target" "t" {{
  rule = "nightly"
  arn  = aws_lambda_function.fn.arn
{dead_letter}}}
resource "aws_lambda_permission" "events" {{
  function_name = aws_lambda_function.fn.function_name
  principal     = "events.amazonaws.com"
}}
"""


def test_deb_ll501_tf_event_target_dlq_and_its_permission(tmp_path):
    dead_letter = f'  dead_letter_config {{\n    arn = "{DLQ_ARN}"\n  }}\n'
    assert _findings(tmp_path, {"main.tf": TF_EVENT_TARGET.format(dead_letter=dead_letter), **CODE}, "LL501") == []
    (tmp_path / "main.tf").write_text(TF_EVENT_TARGET.format(dead_letter=""))
    found = [f for f in check_json([str(tmp_path)]) if f["code"] == "LL501"]
    assert _rows(found) == [("main.tf", 7)] and "(EventBridge 'aws_cloudwatch_event_target.t')" in found[0]["message"]


# -- LL602: API integrations declared by OpenAPI -------------------------------------------------

OPENAPI_SUB = ("!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
               "${Fn.Arn}/invocations")
LITERAL_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
               "arn:aws:lambda:us-east-1:123456789012:function:orders/invocations")
TIMED_FUNCTION = SAM_FUNCTION + "      FunctionName: orders\n      Timeout: 60\n"


def _inline_api(uri, extra="", api_type="AWS::Serverless::Api", key="DefinitionBody"):
    return f"""\
  Api:
    Type: {api_type}
    Properties:
      StageName: prod
      {key}:
        openapi: '3.0.1'
        paths:
          /orders:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: {uri}
{extra}"""


def test_miss_ll602_openapi_definition_body(tmp_path):
    found = _sam(tmp_path, _inline_api(OPENAPI_SUB), "LL602", TIMED_FUNCTION)
    assert _rows(found) == [("template.yaml", 11)]
    assert "its API Gateway REST API event 'Api POST /orders' waits at most 29 s" in found[0]["message"]


@pytest.mark.parametrize("uri", [
    LITERAL_URI, "!GetAtt Fn.Arn",
    "!Join ['', ['arn:aws:apigateway:', !Ref 'AWS::Region', ':lambda:path/2015-03-31/functions/', "
    "!GetAtt Fn.Arn, '/invocations']]",
    "!Sub ['arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Target}/invocations', "
    "{Target: !GetAtt Fn.Arn}]"])
def test_miss_ll602_openapi_uri_forms(tmp_path, uri):
    found = _sam(tmp_path, _inline_api(uri, api_type="AWS::ApiGateway::RestApi", key="Body"), "LL602",
                 TIMED_FUNCTION)
    assert _rows(found) == [("template.yaml", 11)]


def test_miss_ll602_openapi_http_api(tmp_path):
    function = TIMED_FUNCTION.replace("Timeout: 60", "Timeout: 31")
    found = _sam(tmp_path, _inline_api(OPENAPI_SUB, api_type="AWS::Serverless::HttpApi"), "LL602", function)
    assert _rows(found) == [("template.yaml", 11)] and "waits at most 30 s" in found[0]["message"]


@pytest.mark.parametrize("uri, extra", [
    (OPENAPI_SUB, "                timeoutInMillis: 90000\n"),
    ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations", ""),
    ("!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FnArnParameter}/invocations", ""),
    (LITERAL_URI.replace(":orders/", ":someone-else/"), ""),
    (OPENAPI_SUB, "                requestParameters:\n"
                  "                  integration.request.header.X-Amz-Invocation-Type: \"'Event'\"\n"),
])
def test_ll602_openapi_not_reported(tmp_path, uri, extra):
    assert _sam(tmp_path, _inline_api(uri, extra), "LL602", TIMED_FUNCTION) == []


OPENAPI_FILE = {
    "openapi": "3.0.1",
    "paths": {"/orders": {"x-amazon-apigateway-any-method": {
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": LITERAL_URI}}}},
}


@pytest.mark.parametrize("api", [
    "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n"
    "      DefinitionUri: api/openapi.json\n",
    "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      BodyS3Location: api/openapi.json\n",
    "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      DefinitionBody:\n"
    "        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: api/openapi.json\n",
])
def test_miss_ll602_openapi_definition_file(tmp_path, api):
    found = _sam(tmp_path, api, "LL602", TIMED_FUNCTION, **{"api/openapi.json": json.dumps(OPENAPI_FILE)})
    assert _rows(found) == [("template.yaml", 11)]
    assert "event 'Api ANY /orders'" in found[0]["message"]


def test_ll602_openapi_definition_file_unreadable_is_ll002(tmp_path):
    api = ("  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n"
           "      DefinitionUri: {location}\n")
    materialize({"template.yaml": SAM_HEAD + "Resources:\n" + TIMED_FUNCTION + api.format(location="missing.yaml")
                 + api.replace("  Api:", "  Broken:").format(location="broken.yaml")
                 + api.replace("  Api:", "  Remote:").format(location="s3://bucket/openapi.yaml"),
                 "broken.yaml": "paths: [\n", **CODE}, tmp_path)
    findings = check_json([str(tmp_path)])
    problems = sorted((f["location"]["row"], f["message"]) for f in findings if f["code"] == "LL002")
    assert [row for row, _ in problems] == [16, 21]
    assert "missing.yaml: OpenAPI definition not found" in problems[0][1]
    assert "broken.yaml: invalid YAML" in problems[1][1]
    assert not [f for f in findings if f["code"] == "LL602"]


# -- LL613: secrets resolved into environment variables at deploy time -------------------------

def _env_function(variables):
    return SAM_FUNCTION + "      Environment:\n        Variables:\n" + "".join(
        f"          {name}: {value}\n" for name, value in variables.items())


def test_miss_ll613_cloudformation_sources(tmp_path):
    parameters = """\
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
  ApiToken:
    Type: AWS::SSM::Parameter::Value<String>
  Region:
    Type: String
"""
    function = _env_function({
        "DB_PASSWORD": "!Ref DbPassword",
        "DB_URL": "!Sub 'postgres://app:${DbPassword}@db/app'",
        "API_TOKEN": "!Ref ApiToken",
        "STRIPE": "'{{resolve:secretsmanager:prod/stripe:SecretString:key}}'",
        "GITHUB_TOKEN": "'{{resolve:ssm:/ci/github-token}}'",
        "REGION_NAME": "!Ref Region",
        "SETTINGS": "'{{resolve:ssm:/app/settings}}'",
        "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
    })
    materialize({"template.yaml": SAM_HEAD + parameters + "Resources:\n" + function, **CODE}, tmp_path)
    found = [f for f in check_json([str(tmp_path)]) if f["code"] == "LL613"]
    by_row = {f["location"]["row"]: f["message"] for f in found}
    assert sorted(by_row) == [20, 21, 22, 23, 24]
    assert by_row[20].startswith("DB_PASSWORD is set from the NoEcho parameter DbPassword: the value is "
                                 "resolved when the function is deployed and stored in plain text")
    assert "DB_URL is set from the NoEcho parameter DbPassword" in by_row[21]
    assert "API_TOKEN is set from the parameter ApiToken (a Parameter Store value)" in by_row[22]
    assert "STRIPE is set from a Secrets Manager dynamic reference" in by_row[23]
    assert "GITHUB_TOKEN is set from a Parameter Store dynamic reference" in by_row[24]
    assert "Parameters and Secrets Lambda extension" in by_row[20] and "Terraform" not in by_row[20]
    assert all(f["severity"] == "warning" for f in found)


def test_miss_ll613_serverless_variables(tmp_path):
    service = """\
service: s
provider:
  name: aws
  runtime: python3.13
  environment:
    SHARED_SECRET: ${ssm:/app/shared}
custom:
  secrets: ${file(./secrets.json)}
functions:
  fn:
    handler: app.handler
    environment:
      DB_PASSWORD: ${self:custom.secrets.password}
      STRIPE_API_KEY: ${env:STRIPE_API_KEY}
      CONFIG: ${ssm:/aws/reference/secretsmanager/app-config}
      TABLE: ${ssm:/app/table}
      DB_SECRET: ${cf:db.DatabaseSecretArn}
      STAGE_TOKEN: ${sls:stage}
"""
    found = _findings(tmp_path, {"serverless.yml": service, "app.py": "def handler(e, c):\n    pass\n"}, "LL613")
    messages = {f["message"].split(" is set from ")[0]: f["message"] for f in found}
    assert sorted(messages) == ["CONFIG", "DB_PASSWORD", "SHARED_SECRET", "STRIPE_API_KEY"]
    assert "the Serverless variable `${env:STRIPE_API_KEY}`" in messages["STRIPE_API_KEY"]


TF_ENV = """\
variable "db_password" {{
  type = string
}}
variable "api_token" {{
  default = "Zx8Kq2LmW9pR4tYv7Bn3Hj6Df1Gs5Ac0"
}}
variable "signing" {{
  sensitive = true
}}
variable "region" {{
  default = "eu-west-1"
}}
locals {{
  admin_password = var.db_password
}}
resource "aws_lambda_function" "fn" {{
  filename      = "src"
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.13"
  environment {{
    variables = {{
{variables}    }}
  }}
}}
"""


def test_miss_ll613_terraform_sources(tmp_path):
    variables = """\
      DB_PASSWORD    = var.db_password
      ADMIN_PASSWORD = local.admin_password
      SIGNING        = var.signing
      DB             = jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)["password"]
      SESSION_KEY    = random_password.session.result
      API_TOKEN      = var.api_token
      REGION         = var.region
      DB_SECRET      = aws_secretsmanager_secret.db.arn
"""
    materialize({"main.tf": TF_ENV.format(variables=variables), **CODE}, tmp_path)
    findings = check_json([str(tmp_path)])
    found = {f["message"].split(" is set from ")[0]: f for f in findings if f["code"] == "LL613"}
    assert sorted(found) == ["ADMIN_PASSWORD", "DB", "DB_PASSWORD", "SESSION_KEY", "SIGNING"]
    assert found["DB_PASSWORD"]["location"]["row"] == 23
    assert "the Terraform variable var.db_password" in found["DB_PASSWORD"]["message"]
    assert "and in the Terraform state" in found["DB_PASSWORD"]["message"]
    assert "the sensitive Terraform variable var.signing" in found["SIGNING"]["message"]
    assert "a Secrets Manager secret read by Terraform" in found["DB"]["message"]
    # a literal secret in a default is LL606's: one finding per variable
    ll606 = [f for f in findings if f["code"] == "LL606"]
    assert [f["message"].split(" ")[0] for f in ll606] == ["API_TOKEN"]


def test_miss_ll613_terraform_lambda_module(tmp_path):
    main = """\
variable "db_password" {}
module "fn" {
  source        = "terraform-aws-modules/lambda/aws"
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.13"
  source_path   = "src"
  environment_variables = {
    DB_PASSWORD = var.db_password
  }
}
"""
    found = _findings(tmp_path, {"main.tf": main, **CODE}, "LL613")
    assert _rows(found) == [("main.tf", 9)]


def test_deb_ll501_serverless_event_bridge_dlq(tmp_path):
    service = """\
service: s
provider:
  name: aws
  runtime: python3.13
functions:
  kept:
    handler: app.handler
    events:
      - eventBridge:
          pattern: {source: [orders]}
          deadLetterQueueArn: arn:aws:sqs:us-east-1:123456789012:dlq
  dropped:
    handler: app.handler
    events:
      - eventBridge:
          pattern: {source: [orders]}
"""
    found = _findings(tmp_path, {"serverless.yml": service, "app.py": "def handler(e, c):\n    pass\n"}, "LL501")
    assert _rows(found) == [("serverless.yml", 15)] and "function dropped" in found[0]["message"]
