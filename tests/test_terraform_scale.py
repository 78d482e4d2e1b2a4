"""A Terraform configuration of many functions (issue 12): each archive_file's output_path is
evaluated once per configuration, not once per function (4 million evaluations for 2,000
functions, whose expansions used up the billion-laughs budget and gave a false LL002)."""
from __future__ import annotations

from support import check_json, materialize

FUNCTIONS = 600


def configuration() -> str:
    blocks = ['variable "stage" {\n  default = "prod"\n}\n', 'locals {\n  prefix = "svc-${var.stage}"\n}\n']
    for i in range(FUNCTIONS):
        blocks.append(
            f'data "archive_file" "fn{i}" {{\n  type        = "zip"\n  source_dir  = "${{path.module}}/src"\n'
            f'  output_path = "${{path.module}}/build/${{local.prefix}}-fn{i}.zip"\n}}\n'
            f'resource "aws_lambda_function" "fn{i}" {{\n  function_name = "${{local.prefix}}-fn{i}"\n'
            f'  filename      = "build/svc-prod-fn{i}.zip"\n  handler       = "app.handler"\n  runtime       = "python3.12"\n'
            f'  role          = "arn:aws:iam::123456789012:role/r"\n  timeout       = 30\n}}\n')
    return "\n".join(blocks)


def test_many_functions_whose_archives_are_named_by_string_are_linked_without_running_out_of_budget(tmp_path):
    materialize({"main.tf": configuration(),
                 "src/app.py": "def handler(event, context):\n    open('out.txt', 'w')\n"}, tmp_path)
    findings = check_json([str(tmp_path)], "--select", "LL002,LL004,LL301")
    assert [f["code"] for f in findings] == ["LL301"]  # the one source, linked to all 600 functions
    assert findings[0]["filename"].endswith("src/app.py")
