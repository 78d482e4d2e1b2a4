"""Loading and checking a CloudFormation/SAM template of about 5,000 lines with 200 functions
(each with events, environment, a queue or a topic), no code on disk; then the same 200 functions
as a serverless.yml and as Terraform.

    python benchmarks/big_template.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import LAMBDALINT, describe, time_command

FUNCTIONS = 200


def build(path: Path) -> int:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
             "Globals:", "  Function:", "    Runtime: python3.12", "    MemorySize: 256", "    Timeout: 30",
             "Resources:"]
    for i in range(FUNCTIONS):
        lines += [
            f"  Queue{i}:", "    Type: AWS::SQS::Queue", "    Properties:", "      VisibilityTimeout: 180",
            f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
            f"      CodeUri: functions/fn{i}/", "      Handler: app.handler",
            f"      Timeout: {10 + i % 20}", "      Environment:", "        Variables:",
            f"          TABLE: table-{i}", f"          QUEUE_URL: !Ref Queue{i}",
            "          STAGE: prod", "      Events:", "        Work:", "          Type: SQS",
            "          Properties:", f"            Queue: !GetAtt Queue{i}.Arn", "            BatchSize: 10",
            "        Api:", "          Type: Api", "          Properties:", f"            Path: /fn{i}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def build_serverless(path: Path) -> int:
    lines = ["service: big", "provider:", "  name: aws", "  runtime: python3.12", "  memorySize: 256",
             "functions:"]
    for i in range(FUNCTIONS):
        lines += [f"  fn{i}:", "    handler: app.handler", f"    timeout: {10 + i % 20}",
                  "    environment:", f"      TABLE: table-${{sls:stage}}-{i}", "    events:",
                  "      - sqs:", f"          arn: !GetAtt Queue{i}.Arn", "      - http:",
                  f"          path: /fn{i}", "          method: get"]
    lines += ["resources:", "  Resources:"]
    for i in range(FUNCTIONS):
        lines += [f"    Queue{i}:", "      Type: AWS::SQS::Queue", "      Properties:",
                  "        VisibilityTimeout: 180"]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def build_terraform(path: Path) -> int:
    lines = []
    for i in range(FUNCTIONS):
        lines += [
            f'resource "aws_sqs_queue" "q{i}" {{', "  visibility_timeout_seconds = 180", "}",
            f'resource "aws_lambda_function" "fn{i}" {{', f'  function_name = "fn{i}"',
            '  runtime       = "python3.12"', '  handler       = "app.handler"',
            f"  timeout       = {10 + i % 20}", "  environment {", "    variables = {",
            f'      TABLE = "table-{i}"', "    }", "  }", "}",
            f'resource "aws_lambda_event_source_mapping" "m{i}" {{',
            f"  event_source_arn = aws_sqs_queue.q{i}.arn",
            f"  function_name    = aws_lambda_function.fn{i}.arn", "}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.yaml"
        count = build(template)
        print(f"template: {count:,} lines, {FUNCTIONS} functions")
        print(describe("lambdalint check template.yaml",
                       time_command(LAMBDALINT + ["check", str(template), "--isolated", "--exit-zero"], runs=5)))
        for name, builder in (("serverless.yml", build_serverless), ("main.tf", build_terraform)):
            target = Path(folder) / name.split(".")[0] / name
            target.parent.mkdir()
            count = builder(target)
            print(f"{name}: {count:,} lines, {FUNCTIONS} functions")
            print(describe(f"lambdalint check {name}",
                           time_command(LAMBDALINT + ["check", str(target), "--isolated", "--exit-zero"], runs=5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
