"""Many functions sharing one code folder (issue 12): a SAM template with N functions whose
`CodeUri` is the same `src/` folder (a handler module importing a small service package), against
the same template with the code in S3 (configuration only).  The goal: the shared-code run costs
at most 1.2x the configuration-only run, since the code is the same for every function.

Both runs use `--no-cache` (cold), and their runs are interleaved so that a busy moment slows both
alike.  Besides the whole-run ratio, the cost of each added function is reported: the slope
between a run with a tenth of the functions and the full run, for each layout.

    python benchmarks/shared_code.py                    # 2,000 functions, median of 5
    python benchmarks/shared_code.py --functions 500 --runs 3
    python benchmarks/shared_code.py --minimal          # no queues: a lighter template
    python benchmarks/shared_code.py --vendored 1000    # the folder also holds 1,000 installed files
    python benchmarks/shared_code.py --layer 1000       # every function also uses a layer of 1,000 files
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LAMBDALINT, run_once  # noqa: E402

LAYOUTS = ("remote", "shared")

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


def template(functions: int, code_uri: str, minimal: bool = False, layer_uri: str = "") -> str:
    """Per function: its API route and environment; unless `minimal`, also its own queue with a
    dead-letter queue and an SQS trigger (a template like benchmarks/big_template.py's).  With
    `layer_uri`, every function also uses that layer."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
             "Globals:", "  Function:", "    Runtime: python3.12", "    Timeout: 25",
             f"    CodeUri: {code_uri}", "    Handler: app.handler"]
    if layer_uri:
        lines += ["    Layers: [!Ref Deps]", "Resources:", "  Deps:", "    Type: AWS::Serverless::LayerVersion",
                  "    Properties:", f"      ContentUri: {layer_uri}"]
    else:
        lines += ["Resources:"]
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


def build(root: Path, functions: int, minimal: bool = False, vendored: int = 0, layer: int = 0) -> None:
    shared, remote = root / "shared", root / "remote"
    (shared / "src" / "service").mkdir(parents=True)
    remote.mkdir()
    (shared / "src" / "app.py").write_text(HANDLER)
    (shared / "src" / "service" / "__init__.py").write_text("")
    (shared / "src" / "service" / "orders.py").write_text(ORDERS)
    (shared / "src" / "service" / "validation.py").write_text(VALIDATION)
    _write_installed(shared / "src", vendored)
    if layer:
        (shared / "layer" / "python").mkdir(parents=True)
        _write_installed(shared / "layer" / "python", layer)
    (shared / "template.yaml").write_text(template(functions, "src/", minimal, "layer/" if layer else ""))
    (remote / "template.yaml").write_text(template(functions, "s3://bucket/code.zip", minimal,
                                                   "s3://bucket/layer.zip" if layer else ""))


def _write_installed(folder: Path, files: int, per_package: int = 50) -> None:
    """`pip install -t src/` of packages of `per_package` modules each (with dist-info and RECORD):
    dependencies every function ships, that per-function checks must not walk again and again."""
    for index in range(0, files, per_package):
        name = f"vendored_{index // per_package:03d}"
        modules = [f"m{number:03d}.py" for number in range(min(per_package, files - index) - 1)]
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(f"from . import {modules[0][:-3]}\n" if modules else "")
        for module in modules:
            (folder / name / module).write_text(f"VALUE = {len(module)}\n\n\ndef f(x):\n    return x + VALUE\n")
        info = folder / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: py3-none-any\n")
        record = [f"{name}/{module},," for module in ["__init__.py"] + modules]
        (info / "RECORD").write_text("\n".join(record + [f"{name}-1.0.dist-info/RECORD,,"]) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lambdalint", default=None, help="command to run (default: this Python's)")
    parser.add_argument("--minimal", action="store_true",
                        help="functions with only a route and environment (no queues): the fixed cost of "
                             "analysing the code weighs most")
    parser.add_argument("--vendored", type=int, default=0, metavar="FILES",
                        help="installed dependency files in the shared folder (default 0)")
    parser.add_argument("--layer", type=int, default=0, metavar="FILES",
                        help="a layer of this many installed files that every function uses (default: none)")
    args = parser.parse_args()
    command = args.lambdalint.split() if args.lambdalint else LAMBDALINT
    extra = ["--no-cache"] if "--no-cache" in _help(command) else []
    sizes = (max(1, args.functions // 10), args.functions)
    with tempfile.TemporaryDirectory() as scratch:
        roots = {size: Path(scratch) / str(size) for size in sizes}
        for size, root in roots.items():
            build(root, size, args.minimal, args.vendored, args.layer)
        runs = {(size, layout): command + ["check", str(roots[size] / layout), "--isolated"] + extra
                for size in sizes for layout in LAYOUTS}
        medians = _interleaved_medians(runs, args.runs)
    full, tenth = args.functions, sizes[0]
    for layout in LAYOUTS:
        where = "in one shared folder" if layout == "shared" else "in S3"
        print(f"{full} functions, code {where}: median {medians[(full, layout)]:.2f} s "
              f"({tenth} functions: {medians[(tenth, layout)]:.2f} s)")
    ratio = medians[(full, "shared")] / medians[(full, "remote")]
    print(f"shared / configuration only: {ratio:.2f}x")
    slopes = {layout: (medians[(full, layout)] - medians[(tenth, layout)]) / (full - tenth) * 1000
              for layout in LAYOUTS}
    print(f"each added function: {slopes['shared']:.3f} ms shared, {slopes['remote']:.3f} ms configuration "
          f"only ({slopes['shared'] / slopes['remote']:.2f}x)")
    return 0


def _interleaved_medians(runs: Dict[tuple, List[str]], rounds: int) -> Dict[tuple, float]:
    """Median wall time of each command over `rounds` rounds, each round running every command
    once (after one warm-up run of each, which fills the OS cache)."""
    for command in runs.values():
        run_once(command)
    times: Dict[tuple, List[float]] = {key: [] for key in runs}
    for _ in range(rounds):
        for key, command in runs.items():
            times[key].append(run_once(command)[0])
    return {key: statistics.median(values) for key, values in times.items()}


def _help(command) -> str:
    return subprocess.run(command + ["check", "--help"], capture_output=True, text=True).stdout


if __name__ == "__main__":
    sys.exit(main())
