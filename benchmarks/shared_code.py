"""Many functions sharing one code folder (issue 12): a SAM template with N functions whose
`CodeUri` is the same `src/` folder (a handler module importing a small service package), against
the same template with the code in S3 (configuration only).  The goal: the shared-code run costs
at most 1.2x the configuration-only run, since the code is the same for every function.

    python benchmarks/shared_code.py                 # 2,000 functions, median of 5
    python benchmarks/shared_code.py --functions 500 --runs 3
    python benchmarks/shared_code.py --minimal           # no queues: a lighter template
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LAMBDALINT, time_command  # noqa: E402

HANDLER = '''import json
import os

import boto3

from service.orders import place_order

TABLE = os.environ.get("TABLE", "orders")
dynamodb = boto3.resource("dynamodb")
CACHE = {}


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    order = place_order(dynamodb.Table(TABLE), body)
    with open("/tmp/last-order.json", "w") as out:
        json.dump(order, out)
    return {"statusCode": 200, "body": json.dumps(order)}
'''

ORDERS = '''import uuid

from service.validation import validate


def place_order(table, body):
    validate(body)
    order = {"id": str(uuid.uuid4()), **body}
    table.put_item(Item=order)
    return order
'''

VALIDATION = '''def validate(body):
    if "item" not in body:
        raise ValueError("item is required")
'''


def template(functions: int, code_uri: str, minimal: bool = False) -> str:
    """Per function: its API route and environment; unless `minimal`, also its own queue with a
    dead-letter queue and an SQS trigger (a template like benchmarks/big_template.py's)."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
             "Globals:", "  Function:", "    Runtime: python3.12", "    Timeout: 25",
             f"    CodeUri: {code_uri}", "    Handler: app.handler", "Resources:"]
    for i in range(functions):
        if not minimal:
            lines += [f"  Dead{i}:", "    Type: AWS::SQS::Queue",
                      f"  Queue{i}:", "    Type: AWS::SQS::Queue", "    Properties:", "      VisibilityTimeout: 180",
                      "      RedrivePolicy:", f"        deadLetterTargetArn: !GetAtt Dead{i}.Arn",
                      "        maxReceiveCount: 5"]
        lines += [f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  f"      MemorySize: {128 + (i % 8) * 128}", "      Environment:", "        Variables:",
                  f"          TABLE: orders-{i}", "          STAGE: prod", "      Events:", "        Api:",
                  "          Type: Api", "          Properties:", f"            Path: /orders/{i}",
                  "            Method: post"]
        if not minimal:
            lines += ["        Work:", "          Type: SQS", "          Properties:",
                      f"            Queue: !GetAtt Queue{i}.Arn", "            BatchSize: 10"]
    return "\n".join(lines) + "\n"


def build(root: Path, functions: int, minimal: bool = False) -> None:
    shared, remote = root / "shared", root / "remote"
    (shared / "src" / "service").mkdir(parents=True)
    remote.mkdir()
    (shared / "src" / "app.py").write_text(HANDLER)
    (shared / "src" / "service" / "__init__.py").write_text("")
    (shared / "src" / "service" / "orders.py").write_text(ORDERS)
    (shared / "src" / "service" / "validation.py").write_text(VALIDATION)
    (shared / "template.yaml").write_text(template(functions, "src/", minimal))
    (remote / "template.yaml").write_text(template(functions, "s3://bucket/code.zip", minimal))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lambdalint", default=None, help="command to run (default: this Python's)")
    parser.add_argument("--minimal", action="store_true",
                        help="functions with only a route and environment (no queues): the fixed cost of "
                             "analysing the code weighs most")
    args = parser.parse_args()
    command = args.lambdalint.split() if args.lambdalint else LAMBDALINT
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        build(root, args.functions, args.minimal)
        medians = {}
        for label in ("remote", "shared"):
            extra = ["--no-cache"] if "--no-cache" in _help(command) else []
            times = time_command(command + ["check", str(root / label), "--isolated"] + extra, runs=args.runs)
            medians[label] = statistics.median(times)
            print(f"{args.functions} functions, code {'in one shared folder' if label == 'shared' else 'in S3'}: "
                  f"median {medians[label]:.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})")
        print(f"shared / configuration only: {medians['shared'] / medians['remote']:.2f}x")
    return 0


def _help(command) -> str:
    import subprocess

    return subprocess.run(command + ["check", "--help"], capture_output=True, text=True).stdout


if __name__ == "__main__":
    sys.exit(main())
