"""Serverless Framework and Terraform: the same application gives the same findings as in SAM, and
each format's own features (variables, provider defaults, modules, references) are read right."""
import textwrap
from pathlib import Path

import pytest

from lambdalint.config import Settings
from lambdalint.discovery import discover
from lambdalint.engine import Context, needs_met
from lambdalint.loaders.hcl import Call, Interpolated, Opaque, Reference, parse
from lambdalint.loaders.marked_yaml import DocumentError
from lambdalint.rules import ALL_RULES
from lambdalint.rules.base import Zip
from support import check_json, materialize

SAME_APP = Path(__file__).parent.parent / "fixtures" / "same-app"
FORMATS = ("template.yaml", "serverless.yml", "main.tf")


def _function_codes(config_file: str):
    """{(function, code)} from the function-level rules, function names made comparable."""
    project = discover([str(SAME_APP / config_file)], Settings())
    ctx = Context(project, Settings())
    found = set()
    for fn in project.functions:
        short = fn.name.split(".")[-1].lower()
        for rule_class in ALL_RULES:
            rule = rule_class()
            if "function" in rule.scopes() and needs_met(rule, fn):
                found.update((short, rule.code) for _ in rule.check_function(fn, ctx))
    return found


def test_same_application_three_ways_gives_the_same_codes_on_the_same_functions():
    per_format = {name: _function_codes(name) for name in FORMATS}
    assert per_format["template.yaml"] == per_format["serverless.yml"] == per_format["main.tf"]
    assert per_format["main.tf"] == {
        ("ingest", "LL608"), ("ingest", "LL501"),
        ("api", "LL602"),
        ("worker", "LL502"), ("worker", "LL503"), ("worker", "LL504"),
        ("notify", "LL505"),
        ("report", "LL601"), ("report", "LL603"), ("report", "LL604"), ("report", "LL611"),
        ("report", "LL612"), ("report", "LL607"), ("report", "LL606"), ("report", "LL506"),
        ("report", "LL509"), ("notify", "LL509"),
    } | {(name, "LL301") for name in ("ingest", "api", "worker", "notify", "report")}  # same code


@pytest.mark.parametrize("config_file", FORMATS)
def test_same_application_findings_point_into_the_file_the_user_wrote(config_file):
    findings = check_json([str(SAME_APP / config_file)])
    files = {Path(f["filename"]).name for f in findings}
    assert files == {config_file, "app.py"}
    assert sorted({f["code"] for f in findings}) == sorted({
        "LL301", "LL501", "LL502", "LL503", "LL504", "LL505", "LL506", "LL601", "LL602", "LL603",
        "LL604", "LL606", "LL607", "LL608", "LL509", "LL611", "LL612"})


def _check(tmp_path, monkeypatch, files, *options):
    """Findings for these files; the skeleton Terraform functions here name no code (LL004)."""
    materialize({name: textwrap.dedent(text) if isinstance(text, str) else text
                 for name, text in files.items()}, tmp_path)
    monkeypatch.chdir(tmp_path)
    return check_json(["."], "--ignore", "LL004", *options)


def _rows(findings, code):
    return [(f["filename"], f["location"]["row"]) for f in findings if f["code"] == code]


# -- Serverless Framework -----------------------------------------------------------------------
def test_serverless_provider_default_is_reported_on_the_provider_line(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          timeout: 1000
        functions:
          a:
            handler: app.handler
          b:
            handler: app.handler
            timeout: 30
        """})
    ll601 = [f for f in findings if f["code"] == "LL601"]
    assert [(f["location"]["row"], f["message"].split(";")[0]) for f in ll601] == [
        (5, "timeout is 1,000 seconds (set in provider)")]


def test_serverless_variables_are_resolved_where_static(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        custom:
          memory:
            prod: 20480
            dev: 256
          timeouts: ${file(./timeouts.yml)}
        provider:
          name: aws
          runtime: python3.12
          stage: ${opt:stage, 'prod'}
        functions:
          big:
            handler: app.handler
            memorySize: ${self:custom.memory.${sls:stage}}
          unknown:
            handler: app.handler
            timeout: ${self:custom.timeouts.unknown}
          from_env:
            handler: app.handler
            timeout: ${env:TIMEOUT, 1200}
          from_ssm:
            handler: app.handler
            memorySize: ${ssm:/config/memory}
        """})
    assert _rows(findings, "LL603") == [("serverless.yml", 14)]
    assert _rows(findings, "LL601") == [("serverless.yml", 20)]  # the default of ${env:}


def test_serverless_async_function_with_on_failure_destination_is_not_reported(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          withDestination:
            handler: app.handler
            destinations:
              onFailure:
                type: sqs
                arn: arn:aws:sqs:us-east-1:123456789012:failed
            events:
              - s3: uploads
          withDlq:
            handler: app.handler
            onError: arn:aws:sns:us-east-1:123456789012:failed
            events:
              - sns: topic
          queue:
            handler: app.handler
            events:
              - sqs: arn:aws:sqs:us-east-1:123456789012:jobs
          bare:
            handler: app.handler
            events:
              - eventBridge:
                  pattern:
                    source: [aws.ec2]
        """}, "--select", "LL501")
    assert [f["message"].split(" is ")[0] for f in findings] == ["function bare"]


def test_serverless_resources_may_refer_to_functions_by_their_logical_id(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          hello-world:
            handler: app.handler
            events:
              - s3: uploads
        resources:
          Resources:
            HelloDashworldInvokeConfig:
              Type: AWS::Lambda::EventInvokeConfig
              Properties:
                FunctionName: !Ref HelloDashworldLambdaFunction
                Qualifier: $LATEST
                DestinationConfig:
                  OnFailure:
                    Destination: arn:aws:sqs:us-east-1:123456789012:failed
        """}, "--select", "LL501")
    assert findings == []


def test_serverless_links_the_packaged_artifact_and_layers(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "serverless.yml": """\
            service: s
            provider:
              name: aws
              runtime: python3.12
              layers:
                - arn:aws:lambda:us-east-1:123456789012:layer:a:1
            functions:
              api:
                handler: handler.main
                layers:
                  - { Ref: DepsLambdaLayer }
                package:
                  artifact: dist/api.zip
            layers:
              deps:
                path: layer
            """,
        "dist/api.zip": Zip({"handler.py": "def main(event, context):\n    open('x', 'w')\n"}),
        "layer/python/helper.py": "X = 1\n",
    }, "--select", "LL301,LL207,LL209")
    assert [(f["code"], f["filename"], f["member"]) for f in findings] == [
        ("LL301", "dist/api.zip", "handler.py")]


def test_serverless_for_another_provider_is_ignored(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        provider:
          name: azure
          runtime: python3.8
          timeout: 5000
        functions:
          a:
            handler: app.handler
        """})
    assert findings == []


def test_broken_serverless_file_is_a_finding_and_other_inputs_are_checked(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "svc/serverless.yml": "service: s\nprovider: [unclosed\n",
        "tf/main.tf": 'resource "aws_lambda_function" "f" {\n  timeout = 901\n'
                      '  runtime = "python3.12"\n  handler = "app.handler"\n}\n',
    })
    assert sorted((f["code"], f["filename"]) for f in findings) == [
        ("LL002", "svc/serverless.yml"), ("LL601", "tf/main.tf")]


def test_functions_given_as_a_list_of_maps_keep_their_settings_and_lines(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": """\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          - hello:
              handler: app.handler
              timeout: 1000
          - bye:
              handler: app.handler
              timeout: 30
        """, "app.py": "def handler(event, context):\n    return 1\n"})
    # each listed function's own handler and timeout are read (no LL617 "without handler")
    assert [(f["code"], f["location"]["row"], f["location"]["column"]) for f in findings] == [("LL601", 8, 7)]


# -- HCL ------------------------------------------------------------------------------------
def test_hcl_values_and_positions():
    text = textwrap.dedent('''\
        # comment
        resource "aws_lambda_function" "f" {
          timeout = -1 // comment
          name    = "a-${var.stage}-\\"q\\""
          arn     = aws_sqs_queue.q.arn
          body    = jsonencode({ a = 1, "b" : [true, null] })
          policy  = <<EOF
        {"x": 1}
        EOF
          other   = var.enabled ? 1 : 0
          /* block */ tags = { for k, v in var.tags : k => v }
          environment {
            variables = {
              A = "1"
            }
          }
        }
        ''')
    body, marks = parse(text, "main.tf")
    f = body["resource"]["aws_lambda_function"]["f"]
    assert f["timeout"] == -1
    assert f["name"] == Interpolated(("a-", Reference(("var", "stage")), '-"q"'))
    assert f["arn"] == Reference(("aws_sqs_queue", "q", "arn"))
    assert f["body"] == Call("jsonencode", ({"a": 1, "b": [True, None]},))
    assert f["policy"] == '{"x": 1}\n'
    assert f["other"] == Opaque("var.enabled ? 1 : 0")
    assert isinstance(f["tags"], Opaque)
    assert f["environment"] == [{"variables": {"A": "1"}}]
    base = ("resource", "aws_lambda_function", "f")
    assert (marks[base + ("timeout",)].line, marks[base + ("timeout",)].column) == (3, 3)
    assert marks[base + ("environment", 0, "variables", "A")].line == 14
    assert marks[base + ("environment", 0, "variables", "A")].display == "main.tf"


@pytest.mark.parametrize("text, line", [
    ('resource "a" "b" {\n  x = \n}\n', 2),
    ('resource "a" "b" {\n  x = "unterminated\n}\n', 2),
    ('resource "a" "b" {\n', 2),
    ("x = <<EOF\nnever closed\n", 1),
    ("x = " + "[" * 500 + "]" * 500 + "\n", 1),
    ('x = "' + '${"' * 3000 + "a" + '"}' * 3000 + '"\n', 1),  # refused at once, not in seconds
    ("\n\x00 = 1\n", 2),
])
def test_hcl_errors_carry_a_position(text, line):
    with pytest.raises(DocumentError) as caught:
        parse(text)
    assert caught.value.line == line


# -- Terraform -----------------------------------------------------------------------------
def test_terraform_files_of_a_folder_are_one_configuration(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "infra/variables.tf": 'variable "timeout" {\n  default = 30\n}\n',
        "infra/terraform.tfvars": "timeout = 1200\n",
        "infra/lambda.tf": textwrap.dedent('''\
            resource "aws_lambda_function" "f" {
              function_name = "f"
              runtime       = "python3.12"
              handler       = "app.handler"
              timeout       = var.timeout # lambdalint: ignore[LL603]
            }
            '''),
    })
    assert [(f["code"], f["filename"], f["location"]["row"]) for f in findings] == [
        ("LL601", "infra/lambda.tf", 5), ("LL003", "infra/lambda.tf", 5)]


def test_terraform_suppression_comment(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"main.tf": textwrap.dedent('''\
        resource "aws_lambda_function" "f" {
          timeout = 1200 # lambdalint: ignore[LL601] migrating
          runtime = "python3.12"
          handler = "app.handler"
        }
        ''')})
    assert findings == []
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "f" {\n  timeout = 1200\n'
                                      '  runtime = "python3.12"\n  handler = "app.handler"\n}\n')
    assert [f["code"] for f in check_json(["."], "--ignore", "LL004")] == ["LL601"]  # the comment silenced it


def test_terraform_lambda_module(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"main.tf": textwrap.dedent('''\
        module "unsafe" {
          source           = "terraform-aws-modules/lambda/aws"
          version          = "~> 7.0"
          function_name    = "unsafe"
          handler          = "app.handler"
          runtime          = "python3.12"
          memory_size      = 20480
          source_path      = "${path.module}/src"
          allowed_triggers = {
            S3 = {
              service    = "s3"
              source_arn = "arn:aws:s3:::uploads"
            }
          }
        }

        module "safe" {
          source                    = "terraform-aws-modules/lambda/aws"
          function_name             = "safe"
          handler                   = "app.handler"
          runtime                   = "python3.12"
          source_path               = [{ path = "${path.module}/src" }]
          create_async_event_config = true
          destination_on_failure    = "arn:aws:sqs:us-east-1:123456789012:failed"
          allowed_triggers = {
            Topic = {
              principal  = "sns.amazonaws.com"
              source_arn = "arn:aws:sns:us-east-1:123456789012:t"
            }
          }
          event_source_mapping = {
            stream = {
              event_source_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
            }
          }
        }
        '''), "src/app.py": "def handler(event, context):\n    open('out', 'w')\n"})
    assert sorted((f["code"], f["location"]["row"]) for f in findings) == [
        ("LL301", 2), ("LL501", 11), ("LL502", 32), ("LL507", 32), ("LL603", 7)]


def test_terraform_references_qualifiers_and_unknowns(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"main.tf": textwrap.dedent('''\
        variable "memory" {}

        resource "aws_lambda_function" "f" {
          function_name = "f"
          runtime       = "python3.12"
          handler       = "app.handler"
          memory_size   = var.memory
          timeout       = var.enabled ? 10 : 2000
          publish       = true
        }

        resource "aws_lambda_alias" "live" {
          name             = "live"
          function_name    = aws_lambda_function.f.function_name
          function_version = aws_lambda_function.f.version
          routing_config {
            additional_version_weights = {
              "2" = 1.5
            }
          }
        }

        resource "aws_lambda_permission" "via_alias" {
          function_name = aws_lambda_function.f.function_name
          qualifier     = aws_lambda_alias.live.name
          principal     = "sns.amazonaws.com"
        }

        resource "aws_lambda_permission" "latest" {
          function_name = aws_lambda_function.f.function_name
          principal     = "s3.amazonaws.com"
        }

        resource "aws_lambda_function" "counted" {
          count   = 2
          timeout = 5000
          runtime = "python3.12"
          handler = "app.handler"
        }
        ''')}, "--select", "LL6,LL609,LL610")
    assert sorted((f["code"], f["location"]["row"]) for f in findings) == [
        ("LL601", 36), ("LL609", 30), ("LL610", 17)]


def test_terraform_archive_file_links_the_built_zip_or_its_source(tmp_path, monkeypatch):
    files = {
        "main.tf": textwrap.dedent('''\
            data "archive_file" "app" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/app.zip"
            }
            resource "aws_lambda_function" "f" {
              runtime  = "python3.12"
              handler  = "app.handler"
              filename = data.archive_file.app.output_path
            }
            '''),
        "src/app.py": "def handler(event, context):\n    open('source', 'w')\n",
    }
    findings = _check(tmp_path, monkeypatch, files, "--select", "LL301")
    assert [f["filename"] for f in findings] == ["src/app.py"]
    materialize({"build/app.zip": Zip({"app.py": "def handler(event, context):\n    open('built', 'w')\n"})},
                tmp_path)
    findings = check_json(["main.tf"], "--select", "LL301")
    assert [(f["filename"], f["member"]) for f in findings] == [("build/app.zip", "app.py")]


@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", b'resource "a" "b" {\n  x = $\n}\n'])
def test_unreadable_terraform_file_is_ll002_with_its_name(tmp_path, monkeypatch, content):
    (tmp_path / "bad.tf").write_bytes(content)
    (tmp_path / "good.tf").write_text('resource "aws_lambda_function" "f" {\n  timeout = 901\n}\n')
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."])
    assert [(f["code"], f["filename"]) for f in findings] == [("LL002", "bad.tf")]


def test_a_template_mixing_languages_checks_the_configuration_of_every_function(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "template.yaml": """\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Js:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: nodejs16.x
                  Handler: index.handler
                  CodeUri: js/
                  Timeout: 1000
              Py:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  CodeUri: py/
            """,
        "js/index.js": "exports.handler = async () => {};\n",
        "js/lib/native.node": "\x7fELF not really\n",
        "py/app.py": "def handler(event, context):\n    return 1\n",
    })
    assert sorted((f["code"], f["location"]["row"]) for f in findings) == [("LL601", 9), ("LL608", 6)]


def test_terraform_duplicate_address_is_reported_and_the_first_is_checked(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "a.tf": 'resource "aws_lambda_function" "f" {\n  runtime = "python3.6"\n  handler = "app.handler"\n}\n',
        "b.tf": '\nresource "aws_lambda_function" "f" {\n  runtime = "python3.12"\n  timeout = 5000\n}\n',
    })
    assert [(f["code"], f["filename"], f["location"]["row"]) for f in findings] == [
        ("LL608", "a.tf", 2), ("LL002", "b.tf", 2)]
    assert "first at a.tf:1" in findings[1]["message"]


def test_terraform_files_named_one_by_one_load_their_folder_once(tmp_path, monkeypatch):
    materialize({"a.tf": 'resource "aws_lambda_function" "f" {\n  timeout = 901\n}\n',
                 "b.tf": 'resource "aws_lambda_function" "g" {\n  timeout = 902\n}\n'}, tmp_path)
    monkeypatch.chdir(tmp_path)
    project = discover(["a.tf", "b.tf"], Settings())  # as pre-commit passes them
    assert sorted(fn.name for fn in project.functions) == ["aws_lambda_function.f", "aws_lambda_function.g"]


def test_triggers_and_mappings_through_an_alias_are_the_functions(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"main.tf": textwrap.dedent('''\
        resource "aws_lambda_function" "f" {
          runtime = "python3.12"
          handler = "app.handler"
          timeout = 60
          publish = true
        }
        resource "aws_lambda_alias" "live" {
          name             = "live"
          function_name    = aws_lambda_function.f.function_name
          function_version = aws_lambda_function.f.version
        }
        resource "aws_sns_topic_subscription" "t" {
          topic_arn = "arn:aws:sns:us-east-1:123456789012:t"
          protocol  = "lambda"
          endpoint  = aws_lambda_alias.live.arn
        }
        resource "aws_sqs_queue" "q" {
          visibility_timeout_seconds = 30
        }
        resource "aws_lambda_event_source_mapping" "q" {
          event_source_arn = aws_sqs_queue.q.arn
          function_name    = aws_lambda_alias.live.arn
        }
        ''')}, "--select", "LL501,LL503,LL504,LL609")
    assert sorted((f["code"], f["location"]["row"]) for f in findings) == [
        ("LL501", 12), ("LL503", 17), ("LL504", 18)]


def test_review_cases_short_sqs_form_separate_redrive_policy_computed_policies(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "sls/serverless.yml": """\
            service: s
            provider:
              name: aws
              runtime: python3.12
            functions:
              worker:
                handler: app.handler
                events:
                  - sqs: !GetAtt Jobs.Arn
            resources:
              Resources:
                Jobs:
                  Type: AWS::SQS::Queue
            """,
        "tf/main.tf": """\
            resource "aws_lambda_function" "f" {
              runtime = "python3.12"
              handler = "app.handler"
              role    = aws_iam_role.r.arn
              vpc_config {
                subnet_ids         = ["s-1"]
                security_group_ids = ["sg-1"]
              }
            }
            resource "aws_iam_role" "r" {
              assume_role_policy = "{}"
            }
            resource "aws_iam_role_policy" "eni" {
              role   = aws_iam_role.r.id
              policy = data.aws_iam_policy_document.eni.json
            }
            resource "aws_sqs_queue" "q" {}
            resource "aws_sqs_queue" "dlq" {}
            resource "aws_sqs_queue_redrive_policy" "q" {
              queue_url      = aws_sqs_queue.q.id
              redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 4 })
            }
            resource "aws_lambda_event_source_mapping" "q" {
              event_source_arn = aws_sqs_queue.q.arn
              function_name    = aws_lambda_function.f.arn
            }
            """,
    }, "--select", "LL503,LL504,LL612")
    # the serverless worker runs the framework's default 6 s: a 30 s queue is under 6x (warning)
    assert sorted((f["code"], f["filename"], f["severity"]) for f in findings) == [
        ("LL503", "sls/serverless.yml", "warning"), ("LL504", "sls/serverless.yml", "warning")]


def test_terraform_providers_repeat_and_override_files_replace_arguments(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "main.tf": 'provider "aws" {}\nresource "aws_lambda_function" "f" {\n  runtime = "python3.12"\n  timeout = 5000\n'
                   '  handler = "app.handler"\n}\n',
        "providers.tf": 'provider "aws" {\n  alias = "us"\n}\n',
        "dev_override.tf": 'resource "aws_lambda_function" "f" {\n  timeout = 6000\n}\n',
    })
    assert [(f["code"], f["filename"], f["location"]["row"], f["message"][:26]) for f in findings] == [
        ("LL601", "dev_override.tf", 2, "timeout is 6,000 seconds; ")]


@pytest.mark.parametrize("files", [
    {"serverless.yml": "service: s\ncustom:\n" + "".join(
        f"  v{i}: \"" + f"${{self:custom.v{i + 1}}}" * 6 + "\"\n" for i in range(8)) + "  v8: x\n"
        "provider:\n  name: aws\n  runtime: python3.12\n  memorySize: ${self:custom.v0}\n"
        "functions:\n  fn:\n    handler: app.handler\n"},
    {"main.tf": "locals {\n" + "".join(
        f"  l{i} = [" + ", ".join([f"local.l{i + 1}"] * 8) + "]\n" for i in range(12)) + "  l12 = 1\n}\n"
        'resource "aws_lambda_function" "f" {\n  memory_size = local.l0\n  runtime = "python3.12"\n'
        '  handler = "app.handler"\n}\n'},
], ids=["serverless", "terraform"])
def test_variables_that_expand_exponentially_are_unresolved_quickly(files, tmp_path, monkeypatch):
    assert _check(tmp_path, monkeypatch, files, "--select", "LL6") == []


def test_second_review_cases(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "sls/serverless.yml": """\
            service: s
            provider:
              name: aws
              runtime: python3.12
              vpc:
                securityGroupIds: [sg-1]
                subnetIds: [subnet-a]
            functions:
              merged:
                handler: app.handler
                vpc:
                  subnetIds: [subnet-b]
              queued:
                handler: app.handler
                timeout: 300
                events:
                  - http:
                      path: /jobs
                      method: post
                      async: true
              image:
                image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
              hello:
                handler: handler.hello
                module: hello_module
                events:
                  - s3: uploads
            resources:
              Resources:
                HelloLambdaFunction:
                  Properties:
                    MemorySize: 20480
            """,
        "sls/hello_module/handler.py": "def hello(event, context):\n    return 1\n",
        "node/serverless.yml": """\
            service: n
            provider:
              name: aws
            functions:
              js:
                handler: handler.hello
            """,
        "node/handler.js": "module.exports.hello = async () => ({});\n",
        "tf/main.tf": """\
            resource "aws_lambda_function" "f" {
              runtime = "python3.12"
              handler = "app.handler"
              timeout = 120
              publish = true
            }
            resource "aws_lambda_alias" "live" {
              name             = "live"
              function_name    = aws_lambda_function.f.function_name
              function_version = aws_lambda_function.f.version
            }
            resource "aws_lambda_event_source_mapping" "q" {
              event_source_arn = "arn:aws:sqs:us-east-1:123456789012:q"
              function_name    = aws_lambda_function.f.qualified_arn
            }
            resource "aws_lb" "front" {
              idle_timeout = 300
            }
            resource "aws_lb_target_group_attachment" "f" {
              target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"
              target_id        = aws_lambda_function.f.arn
            }
            module "submodule" {
              source           = "terraform-aws-modules/lambda/aws//modules/alias"
              allowed_triggers = { SNS = { service = "sns" } }
            }
            module "computed" {
              source           = "terraform-aws-modules/lambda/aws"
              runtime          = "python3.12"
              handler          = "app.handler"
              allowed_triggers = local.triggers
              vpc_subnet_ids   = ["subnet-1"]
            }
            """,
    }, "--select", "LL5,LL6")
    assert sorted((f["code"], f["filename"]) for f in findings) == [
        ("LL501", "sls/serverless.yml"), ("LL603", "sls/serverless.yml")]


@pytest.mark.parametrize("grant", [
    'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = jsonencode({Statement = [{Effect = "Allow", Action = ["ec2:*NetworkInterface*"], Resource = "*"}]})\n}\n',
    'resource "aws_iam_role_policy_attachment" "a" {\n  role = aws_iam_role.r.name\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n',
    'resource "aws_iam_role_policy_attachment" "a" {\n  role = "fn-role"\n  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"\n}\n',
], ids=["wildcard-action", "broad-managed-policy", "role-by-name"])
def test_ll612_role_grants_lambdalint_cannot_rule_out(grant, tmp_path, monkeypatch):
    role = ('resource "aws_lambda_function" "f" {\n  runtime = "python3.12"\n  role = aws_iam_role.r.arn\n'
            '  vpc_config {\n    subnet_ids = ["s"]\n    security_group_ids = ["g"]\n  }\n}\n'
            'resource "aws_iam_role" "r" {\n  name = "fn-role"\n}\n')
    assert _check(tmp_path, monkeypatch, {"main.tf": role + grant}, "--select", "LL612") == []


def test_ll612_module_attaching_its_own_policies_is_not_judged(tmp_path, monkeypatch):
    assert _check(tmp_path, monkeypatch, {"main.tf": textwrap.dedent('''\
        module "fn" {
          source                   = "terraform-aws-modules/lambda/aws"
          runtime                  = "python3.12"
          vpc_subnet_ids           = ["s"]
          vpc_security_group_ids   = ["g"]
          attach_policy_statements = true
          policy_statements        = { eni = { actions = ["ec2:CreateNetworkInterface"], resources = ["*"] } }
        }
        ''')}, "--select", "LL612") == []


def test_a_single_source_file_is_the_bundle(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {
        "main.tf": textwrap.dedent('''\
            module "fn" {
              source      = "terraform-aws-modules/lambda/aws"
              runtime     = "python3.12"
              handler     = "app.handler"
              source_path = "${path.module}/src/app.py"
            }
            data "archive_file" "other" {
              type        = "zip"
              source_file = "${path.module}/src/other.py"
              output_path = "${path.module}/other.zip"
            }
            resource "aws_lambda_function" "other" {
              runtime  = "python3.12"
              handler  = "other.handler"
              filename = data.archive_file.other.output_path
            }
            '''),
        "src/app.py": "def handler(event, context):\n    open('out', 'w')\n",
        "src/other.py": "def handler(event, context):\n    return 1\n",
    }, "--select", "LL002,LL207,LL301")
    assert [(f["code"], f["filename"]) for f in findings] == [("LL301", "src/app.py")]


def test_variable_defaults_of_a_called_module_are_not_taken_as_deployed(tmp_path, monkeypatch):
    module = ('variable "runtime" {\n  default = "python3.8"\n}\n'
              'resource "aws_lambda_function" "f" {\n  runtime = var.runtime\n}\n')
    findings = _check(tmp_path, monkeypatch, {
        "main.tf": 'module "fn" {\n  source  = "./modules/fn"\n  runtime = "python3.12"\n}\n',
        "modules/fn/main.tf": module,
        "alone/main.tf": module,  # nobody calls it: its defaults are what deploys
    }, "--select", "LL608")
    assert [f["filename"] for f in findings] == ["alone/main.tf"]


def test_configuration_without_python_code_does_not_import_libcst(tmp_path):
    import subprocess
    import sys

    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: app.handler\n")
    code = ("import sys; from lambdalint.cli import main\n"
            "try:\n    main(['check', sys.argv[1], '--isolated', '--quiet'])\n"
            "except SystemExit:\n    pass\nprint('libcst' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stdout + result.stderr


def test_a_blank_line_holding_a_tab_is_an_empty_line(tmp_path, monkeypatch):
    """Valid YAML 1.2 that js-yaml (the framework's parser) reads and PyYAML alone rejects."""
    findings = _check(tmp_path, monkeypatch, {"serverless.yml": (
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  a:\n"
        "    handler: app.handler\n\t\n    timeout: 5000\n")}, "--select", "LL002,LL601")
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LL601", 9)]
