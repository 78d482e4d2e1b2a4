"""Inputs the fuzz suite (tests/test_fuzz.py, benchmarks/fuzz.py) found to crash or mislead, kept
as plain regression tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import check_json

SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: {runtime}
"""


def _project(root: Path, source: bytes, runtime: str = "python3.12") -> Path:
    (root / "template.yaml").write_text(SAM.format(runtime=runtime))
    (root / "app.py").write_bytes(source)
    return root


@pytest.mark.parametrize("runtime", ["python3.99", "python4.0", "python3.2", "python"])
def test_a_runtime_libcst_does_not_know_is_parsed_with_its_newest_grammar(tmp_path, runtime):
    _project(tmp_path, b"def handler(event, context):\n    open('/var/out', 'w')\n", runtime)
    findings = check_json([str(tmp_path)])
    assert "LL301" in {f["code"] for f in findings}, findings


def test_a_nul_byte_in_a_string_literal_is_a_syntax_error(tmp_path):
    _project(tmp_path, b"def handler(event, context):\n    open('/var/x\0y', 'w')\n")
    findings = check_json([str(tmp_path)])
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LL001", 2)], findings
    assert "null bytes" in findings[0]["message"]


def test_a_terraform_module_source_in_a_symlink_loop_is_not_a_crash(tmp_path):
    (tmp_path / "main.tf").write_text('module "fn" {\n  source = "./loop/fn"\n}\n')
    os.symlink("loop", tmp_path / "loop")
    assert check_json([str(tmp_path)]) == []


def test_an_import_statement_sharing_a_line_is_reported_alone(tmp_path):
    _project(tmp_path, b"import os; import pandas as pd\n\ndef handler(event, context):\n    return os.sep\n")
    findings = check_json([str(tmp_path)])
    assert [(f["code"], f["location"]["column"]) for f in findings] == [("LL102", 12)], findings
    assert findings[0]["message"].startswith("pandas costs")


def test_a_dotted_import_used_through_its_full_name_is_used(tmp_path):
    _project(tmp_path, b"import matplotlib.pyplot\nimport os; import pandas as pdx\n\n"
                       b"def handler(event, context):\n    matplotlib.pyplot.plot([1])\n    return pdx.DataFrame()\n")
    assert check_json([str(tmp_path)]) == []
