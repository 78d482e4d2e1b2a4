"""What loading big deployment configurations costs (issue 12): a SAM template and a Terraform
configuration of 2,000 functions each, median of fresh processes, with the peak RSS of each
process (wait4).

- `load template.yaml`: only `load_template` (YAML events -> values and marks), in a fresh process;
- `check template.yaml`: `lambdalint check template.yaml --isolated` (no code on disk);
- `check terraform/`: `lambdalint check DIR --isolated` on `*.tf` files holding, per function, an
  `aws_lambda_function` with an `archive_file` data source, variables, locals, interpolations
  and a heredoc policy.

    python benchmarks/template_loading.py                     # 2,000 functions, 5 runs
    python benchmarks/template_loading.py --functions 500 --runs 3
    python benchmarks/template_loading.py --profile terraform # cProfile of one Terraform check
    python benchmarks/template_loading.py --profile sam       # cProfile of one template load

`--sources DIR` (repeatable) runs from a copy of `src/` (e.g. before and after a change), the runs
of the builds interleaved; `--python` runs another interpreter.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

FILES = 8  # the Terraform functions are spread over this many .tf files, as a real configuration


def build_sam(path: Path, functions: int) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
             "Parameters:", "  Stage:", "    Type: String", "    Default: prod",
             "Globals:", "  Function:", "    Runtime: python3.12", "    MemorySize: 256", "    Timeout: 30",
             "    Tags: &tags", "      team: payments", "      cost-center: '1234'",
             "Resources:"]
    for i in range(functions):
        lines += [
            f"  Queue{i}:", "    Type: AWS::SQS::Queue", "    Properties:", "      VisibilityTimeout: 180",
            "      Tags: *tags",
            f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
            f"      CodeUri: functions/fn{i}/", "      Handler: app.handler",
            f"      Timeout: {10 + i % 20}", "      Environment:", "        Variables:",
            f"          TABLE: !Sub 'table-${{Stage}}-{i}'", f"          QUEUE_URL: !Ref Queue{i}",
            "          STAGE: prod  # lambdalint: ignore[LL201]" if i % 50 == 0 else "          STAGE: prod",
            "      Policies:", "        - Statement:", "            - Effect: Allow",
            "              Action: ['sqs:SendMessage', 'sqs:ReceiveMessage']",
            f"              Resource: !GetAtt Queue{i}.Arn",
            "      Events:", "        Work:", "          Type: SQS",
            "          Properties:", f"            Queue: !GetAtt Queue{i}.Arn", "            BatchSize: 10",
            "        Api:", "          Type: Api", "          Properties:", f"            Path: /fn{i}",
            "            Method: get",
        ]
    path.write_text("\n".join(lines) + "\n")


def build_terraform(folder: Path, functions: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "variables.tf").write_text(
        'variable "stage" {\n  type    = string\n  default = "prod"\n}\n\n'
        'variable "memory" {\n  type    = number\n  default = 256\n}\n\n'
        'locals {\n  prefix  = "app-${var.stage}"\n  runtime = "python3.12"\n'
        '  tags = {\n    team        = "payments" # owner\n    cost_center = "1234"\n  }\n}\n')
    per_file = -(-functions // FILES)
    for number in range(FILES):
        blocks = [_terraform_function(i) for i in range(number * per_file, min(functions, (number + 1) * per_file))]
        (folder / f"functions_{number}.tf").write_text("\n".join(blocks))


def _terraform_function(i: int) -> str:
    return f'''# function {i}
data "archive_file" "fn{i}" {{
  type        = "zip"
  source_dir  = "${{path.module}}/src/fn{i}"
  output_path = "${{path.module}}/build/fn{i}.zip"
}}

resource "aws_sqs_queue" "q{i}" {{
  name                       = "${{local.prefix}}-q{i}"
  visibility_timeout_seconds = 180
  tags                       = local.tags
}}

resource "aws_iam_role" "fn{i}" {{
  name               = "${{local.prefix}}-fn{i}"
  assume_role_policy = <<-EOF
    {{
      "Version": "2012-10-17",
      "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "lambda.amazonaws.com"}},
                     "Action": "sts:AssumeRole"}}]
    }}
  EOF
}}

resource "aws_lambda_function" "fn{i}" {{
  function_name    = "${{local.prefix}}-fn{i}"
  filename         = data.archive_file.fn{i}.output_path
  source_code_hash = data.archive_file.fn{i}.output_base64sha256
  role             = aws_iam_role.fn{i}.arn
  runtime          = local.runtime
  handler          = "app.handler"
  memory_size      = var.memory
  timeout          = {10 + i % 20}
  /* one setting per line, as terraform fmt writes them */
  environment {{
    variables = {{
      QUEUE_URL = aws_sqs_queue.q{i}.url
      TABLE     = "table-${{var.stage}}-{i}"
      LEVEL     = var.stage == "prod" ? "INFO" : "DEBUG"
    }}
  }}
  tags = merge(local.tags, {{ Name = "fn{i}" }})
}}

resource "aws_lambda_event_source_mapping" "m{i}" {{
  event_source_arn = aws_sqs_queue.q{i}.arn
  function_name    = aws_lambda_function.fn{i}.arn
  batch_size       = 10
}}
'''


_LOAD_SAM = ("import sys; from pathlib import Path; "
             "from lambdalint.loaders.cloudformation import load_template; "
             "load_template(Path(sys.argv[1]), 'template.yaml')")


def run_once(command: Sequence[str], env: Optional[Dict[str, str]]) -> Tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed ({status}): {' '.join(command)}")
    return seconds, usage.ru_maxrss / 1024


def measure(command: Sequence[str], runs: int, envs: List[Dict[str, str]]) -> List[str]:
    """Median time and peak RSS of `command` under each environment, the runs interleaved (so
    that a busy machine slows every build alike)."""
    for env in envs:
        run_once(command, env)  # warm-up: fills the OS cache
    results: List[List[Tuple[float, float]]] = [[] for _ in envs]
    for _ in range(runs):
        for index, env in enumerate(envs):
            results[index].append(run_once(command, env))
    return [f"{statistics.median(r[0] for r in result):.2f} s, "
            f"{statistics.median(r[1] for r in result):.0f} MB" for result in results]


def _environment(sources: Optional[str]) -> Dict[str, str]:
    env = dict(os.environ)
    if sources:
        env["PYTHONPATH"] = str(Path(sources).resolve())
    return env


def profile(kind: str, target: Path, top: int) -> None:
    """cProfile of one template load or one Terraform check, in this process (the check runs in
    this thread, not in the CLI's deep-stack thread, so that the profiler sees it)."""
    import contextlib
    import io

    from lambdalint import cli
    from lambdalint.loaders.cloudformation import load_template
    cli._with_deep_stack = lambda function: function()
    sys.setrecursionlimit(cli.DEEP_RECURSION)
    profiler = cProfile.Profile()
    profiler.enable()
    if kind == "sam":
        load_template(target, "template.yaml")
    else:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main(["check", str(target), "--isolated", "--exit-zero"])
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--profile", choices=("sam", "terraform"))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sources", action="append",
                        help="a copy of src/ to run from (PYTHONPATH); repeat to compare builds, runs interleaved")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "sam" / "template.yaml"
        template.parent.mkdir()
        build_sam(template, args.functions)
        terraform = Path(folder) / "terraform"
        build_terraform(terraform, args.functions)
        if args.profile:
            profile(args.profile, template if args.profile == "sam" else terraform, args.top)
            return 0
        envs = [_environment(sources) for sources in args.sources or [None]]
        lambdalint = [args.python, "-m", "lambdalint"]
        runs = [("load template.yaml", [args.python, "-c", _LOAD_SAM, str(template)]),
                ("check template.yaml", lambdalint + ["check", str(template), "--isolated", "--exit-zero"]),
                ("check terraform/", lambdalint + ["check", str(terraform), "--isolated", "--exit-zero"])]
        names = args.sources or ["installed"]
        lines = [f"{args.functions:,} functions, median of {args.runs} fresh processes (time, peak RSS)", "",
                 "| run | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for label, command in runs:
            lines.append(f"| {label} | " + " | ".join(measure(command, args.runs, envs)) + " |")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
