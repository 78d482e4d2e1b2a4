"""Paths on disk that can never be read: devices, FIFOs and sockets (themselves or behind a
symlink), names the system refuses (a NUL byte, an over-long name, a lone surrogate), text that is
not UTF-8, folders that cannot be listed, files that cannot be opened.

Wherever such a path comes from (the command line, a template's CodeUri, Terraform `filename`, a
CDK asset path, serverless `package.artifact`, an entry of a code folder), it is one LL002 finding
where it was named (on the configuration's line when a configuration names it), it is never
opened, nothing blocks or reads without end, and everything else is still checked (the function's
configuration: LL601 on `Timeout: 5000`).  Runs that would hang or fill memory if the class came
back run in a child process with a timeout (`run_bounded`).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from support import materialize, run_bounded, run_cli

TIMEOUT_S = 30
MAX_SECONDS = 5
MAX_RSS_KB = 300 * 1024

HANDLER = "def handler(event, context):\n    return 1\n"

# Line 7 names the code, line 10 sets a timeout Lambda refuses (LL601 shows the function checked).
SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.handler
      Runtime: python3.12
      Timeout: 5000
"""
SAM_CODE_LINE, SAM_TIMEOUT_LINE = 7, 10

# Line 3 names the code, line 6 sets the timeout.
TERRAFORM = """\
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  filename      = {code}
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 5000
}}
"""

Finding = Tuple[str, str, int]  # code, file, line


def _sam(code: str) -> str:
    return SAM.format(code=code)


def _json_sam(code_uri: str) -> str:
    """A JSON template (one line) whose CodeUri is any string, NUL bytes and surrogates included."""
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": code_uri, "Handler": "app.handler", "Runtime": "python3.12",
                       "Timeout": 5000}}}})


def _bounded(args: List[str], cwd: Path) -> dict:
    """Run lambdalint in a child process; it finished in time, within memory, without crashing."""
    result = run_bounded(args, cwd, TIMEOUT_S)
    assert not result["timed_out"], f"blocked: lambdalint {' '.join(args)}"
    assert result["seconds"] < MAX_SECONDS, result["seconds"]
    assert result["maxrss_kb"] < MAX_RSS_KB, result["maxrss_kb"]
    assert "internal error" not in result["stderr"] and "Traceback" not in result["stderr"], result["stderr"]
    return result


def _check(paths: List[str], cwd: Path) -> Tuple[int, List[dict]]:
    result = _bounded(["check", *paths, "--isolated", "--output-format", "json"], cwd)
    return result["rc"], json.loads(result["stdout"])


def _where(findings: List[dict]) -> List[Finding]:
    return sorted((f["code"], f["filename"], f["location"]["row"]) for f in findings)


def _line(path: Path, text: str) -> int:
    """The line of `path` that holds `text` (once)."""
    rows = [row for row, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(rows) == 1, (path, text)
    return rows[0]


def _message(findings: List[dict], filename: str) -> str:
    messages = [f["message"] for f in findings if f["filename"] == filename and f["code"] == "LL002"]
    assert len(messages) == 1, (filename, findings)
    return messages[0]


# -- F04: configured code paths that are devices or FIFOs --------------------------------------------
def _f04_projects(root: Path) -> None:
    for name, code in (("sam-symlink", "code.zip"), ("sam-abs", "/dev/zero"), ("sam-fifo", "code.zip")):
        materialize({f"{name}/template.yaml": _sam(code), f"{name}/src/app.py": HANDLER}, root)
    os.symlink("/dev/zero", root / "sam-symlink/code.zip")
    os.mkfifo(root / "sam-fifo/code.zip")
    materialize({
        "tf-filename/main.tf": TERRAFORM.format(code='"/dev/zero"'),
        # the built archive is a FIFO (the output path is what Terraform deploys)
        "tf-archive/main.tf": 'data "archive_file" "zip" {\n  type = "zip"\n  output_path = "out.zip"\n}\n'
                              + TERRAFORM.format(code="data.archive_file.zip.output_path"),
        # not built yet: the source folder stands for the archive
        "tf-source/main.tf": 'data "archive_file" "zip" {\n  type = "zip"\n  source_dir = "/dev/zero"\n'
                             '  output_path = "missing.zip"\n}\n'
                             + TERRAFORM.format(code="data.archive_file.zip.output_path"),
        "tf-module/main.tf": 'module "fn" {\n  source = "terraform-aws-modules/lambda/aws"\n'
                             '  function_name = "fn"\n  handler = "app.handler"\n  runtime = "python3.12"\n'
                             '  source_path = "/dev/zero"\n  timeout = 5000\n}\n',
        "cdk/template.json": json.dumps({"Resources": {"Fn": {
            "Type": "AWS::Lambda::Function", "Metadata": {"aws:asset:path": "asset.zip"},
            "Properties": {"Code": {"S3Bucket": "b", "S3Key": "k"}, "Handler": "app.handler",
                           "Runtime": "python3.12", "Timeout": 5000}}}}, indent=1),
        "sls/serverless.yml": "service: s\nprovider: {name: aws, runtime: python3.12}\n"
                              "package: {artifact: /dev/zero}\n"
                              "functions: {f: {handler: app.handler, timeout: 5000}}\n",
        "layer/template.yaml": _sam("src/") + "      Layers: [!Ref Deps]\n  Deps:\n"
                               "    Type: AWS::Serverless::LayerVersion\n    Properties:\n"
                               "      ContentUri: deps.zip\n",
        "layer/src/app.py": HANDLER,
    }, root)
    os.mkfifo(root / "tf-archive/out.zip")
    os.symlink("/dev/zero", root / "cdk/asset.zip")
    os.mkfifo(root / "layer/deps.zip")


def test_F04_code_path_is_a_device_or_fifo(tmp_path):
    _f04_projects(tmp_path)
    projects = ["sam-symlink", "sam-abs", "sam-fifo", "tf-filename", "tf-archive", "tf-source",
                "tf-module", "cdk", "sls", "layer"]
    rc, findings = _check(projects, tmp_path)
    assert rc == 1
    cdk = tmp_path / "cdk/template.json"
    sam = [(code, f"{name}/template.yaml", line) for name in ("sam-symlink", "sam-abs", "sam-fifo")
           for code, line in (("LL002", SAM_CODE_LINE), ("LL601", SAM_TIMEOUT_LINE))]
    assert _where(findings) == sorted(sam + [
        ("LL002", "tf-filename/main.tf", 3), ("LL601", "tf-filename/main.tf", 6),
        ("LL002", "tf-archive/main.tf", 7), ("LL601", "tf-archive/main.tf", 10),
        ("LL002", "tf-source/main.tf", 8), ("LL601", "tf-source/main.tf", 11),
        ("LL002", "tf-module/main.tf", 6), ("LL601", "tf-module/main.tf", 7),
        ("LL002", "cdk/template.json", _line(cdk, "aws:asset:path")),
        ("LL601", "cdk/template.json", _line(cdk, "Timeout")),
        ("LL002", "sls/serverless.yml", 3), ("LL601", "sls/serverless.yml", 4),
        ("LL002", "layer/template.yaml", 15), ("LL601", "layer/template.yaml", SAM_TIMEOUT_LINE),
    ])
    device, fifo = "not a regular file (a character device)", "not a regular file (a FIFO)"
    assert _message(findings, "sam-symlink/template.yaml") == f"sam-symlink/code.zip: {device}"
    assert _message(findings, "sam-abs/template.yaml") == f"/dev/zero: {device}"
    assert _message(findings, "sam-fifo/template.yaml") == f"sam-fifo/code.zip: {fifo}"
    assert _message(findings, "tf-archive/main.tf") == f"tf-archive/out.zip: {fifo}"
    assert _message(findings, "layer/template.yaml") == f"layer/deps.zip: {fifo}"
    for name in ("tf-filename/main.tf", "tf-source/main.tf", "tf-module/main.tf", "sls/serverless.yml"):
        assert _message(findings, name) == f"/dev/zero: {device}"
    assert _message(findings, "cdk/template.json") == f"cdk/asset.zip: {device}"


def test_F04_size_and_coldstart_never_open_a_configured_fifo(tmp_path):
    _f04_projects(tmp_path)
    size = _bounded(["size", "sam-fifo", "sam-abs", "--isolated"], tmp_path)
    assert size["rc"] == 0
    assert "sam-fifo/code.zip: not a regular file (a FIFO)" in size["stderr"]
    assert "/dev/zero: not a regular file (a character device)" in size["stderr"]
    assert _bounded(["coldstart", "sam-fifo", "sam-abs", "--isolated"], tmp_path)["rc"] == 0


# -- F14: configured code paths the system refuses as file names -------------------------------------
def test_F14_code_path_that_is_not_a_valid_file_name(tmp_path, monkeypatch):
    materialize({
        "src/app.py": HANDLER,
        "nul.json": _json_sam("src\0/"),
        "too-long.json": _json_sam("a" * 5000),
        "long-component.json": _json_sam("src/" + "b" * 300),
        "surrogate.json": _json_sam("src/\ud800"),
        "cdk-nul.json": json.dumps({"Resources": {"Fn": {
            "Type": "AWS::Lambda::Function", "Metadata": {"aws:asset:path": "asset\0"},
            "Properties": {"Code": {"S3Bucket": "b"}, "Handler": "app.handler", "Runtime": "python3.12",
                           "Timeout": 5000}}}}),
        "tf/main.tf": TERRAFORM.format(code='"' + "x" * 5000 + '"'),
        "sls/serverless.yml": 'service: s\nprovider: {name: aws, runtime: python3.12}\n'
                              'package: {artifact: "a\\0b.zip"}\n'
                              'functions: {f: {handler: app.handler, timeout: 5000}}\n',
    }, tmp_path)
    paths = ["nul.json", "too-long.json", "long-component.json", "surrogate.json", "cdk-nul.json", "tf", "sls"]
    monkeypatch.chdir(tmp_path)
    result = run_cli(["check", *paths, "--isolated", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    findings = json.loads(result.stdout)
    names = ["nul.json", "too-long.json", "long-component.json", "surrogate.json", "cdk-nul.json",
             "tf/main.tf", "sls/serverless.yml"]
    assert sorted((f["code"], f["filename"]) for f in findings) == sorted(
        [("LL002", name) for name in names] + [("LL601", name) for name in names])
    assert _message(findings, "nul.json") == "code location: not a valid file name: the path contains a NUL byte"
    assert _message(findings, "too-long.json") == \
        "code location: not a valid file name: the path is longer than 4,096 bytes"
    assert _message(findings, "long-component.json") == \
        "code location: not a valid file name: a component of the path is longer than 255 bytes"
    assert "cannot be encoded as a file name" in _message(findings, "surrogate.json")
    assert [f["location"]["row"] for f in findings if f["filename"] == "tf/main.tf"] == [3, 6]
    assert [f["location"]["row"] for f in findings if f["filename"] == "sls/serverless.yml"] == [3, 4]


def test_F14_names_from_configuration_used_in_paths_never_crash(tmp_path):
    """Logical ids, serverless function keys and archive paths become file names
    (`.aws-sam/build/<LogicalId>`, `.serverless/<key>.zip`): too long for the system, they only
    mean "not built"."""
    long_id = "F" * 300
    materialize({
        "sam/template.yaml": _sam("src/").replace("  Fn:", f"  {long_id}:"),
        "sam/src/app.py": HANDLER,
        "sam/.aws-sam/build/.keep": "",
        "sls/serverless.yml": "service: s\nprovider: {name: aws, runtime: python3.12}\n"
                              f"functions:\n  {'g' * 300}: {{handler: app.handler, timeout: 5000}}\n",
        "sls/app.py": HANDLER,
        "tf/main.tf": 'data "archive_file" "zip" {\n  type = "zip"\n  output_path = "' + "o" * 300 + '.zip"\n'
                      '  source_dir = "src"\n}\n' + TERRAFORM.format(code="data.archive_file.zip.output_path"),
        "tf/src/app.py": HANDLER,
    }, tmp_path)
    result = run_cli(["check", str(tmp_path / "sam"), str(tmp_path / "sls"), str(tmp_path / "tf"),
                      "--isolated", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    assert sorted(f["code"] for f in json.loads(result.stdout)) == ["LL601", "LL601", "LL601"]


# -- F18: FIFOs inside a code folder, behind symlinks ----------------------------------------------
def _f18_folders(root: Path) -> None:
    materialize({"record/app.py": HANDLER, "record/pkg-1.0.dist-info/METADATA": "Name: pkg\nVersion: 1.0\n\n",
                 "module/app.py": "import helper\n" + HANDLER}, root)
    os.mkfifo(root / "record/fifo-target")
    os.symlink("../fifo-target", root / "record/pkg-1.0.dist-info/RECORD")
    os.mkfifo(root / "module/fifo-target")
    os.symlink("fifo-target", root / "module/helper.py")


def test_F18_fifo_behind_a_symlink_in_a_code_folder(tmp_path):
    _f18_folders(tmp_path)
    rc, findings = _check(["record", "module"], tmp_path)
    assert rc == 1
    fifos = [f for f in findings if f["code"] == "LL002"]
    assert sorted(f["filename"] for f in fifos) == [
        "module/fifo-target", "module/helper.py", "record/fifo-target", "record/pkg-1.0.dist-info/RECORD"]
    assert {f["message"] for f in fifos} == {"not a regular file (a FIFO)"}


def test_F18_size_and_coldstart_on_fifos_in_a_code_folder(tmp_path):
    _f18_folders(tmp_path)
    size = _bounded(["size", "record", "module", "--isolated"], tmp_path)
    assert size["rc"] == 0
    for name in ("record/pkg-1.0.dist-info/RECORD", "module/helper.py"):
        assert f"{name}: not a regular file (a FIFO)" in size["stderr"]
    coldstart = _bounded(["coldstart", "record", "module", "--isolated"], tmp_path)
    assert coldstart["rc"] == 0 and "app.handler" in coldstart["stdout"]


def test_F18_a_code_folder_with_too_many_entries_is_not_walked(tmp_path, monkeypatch):
    """`CodeUri: /` must not list the whole disk: the walk stops at MAX_FOLDER_ENTRIES."""
    monkeypatch.setattr("lambdalint.model.bundle.MAX_FOLDER_ENTRIES", 20)
    materialize({"template.yaml": _sam("src/"), "src/app.py": HANDLER,
                 **{f"src/data/{index}.txt": "x" for index in range(30)}}, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run_cli(["check", "template.yaml", "--isolated", "--output-format", "json"]).stdout)
    assert _where(findings) == [("LL002", "src", 1), ("LL601", "template.yaml", SAM_TIMEOUT_LINE)]
    assert "more than 20 files and folders" in _message(findings, "src")


# -- F20: inputs named on the command line that cannot be read or recognised -------------------------
TEMPLATE = _sam("src/")


def test_F20_explicit_input_that_cannot_be_read_is_reported(tmp_path):
    materialize({
        "src/app.py": HANDLER,
        "utf16.yaml": TEMPLATE.encode("utf-16"),  # with its byte order mark
        "utf32.yaml": TEMPLATE.encode("utf-32"),
        "junk.yaml": bytes(range(128, 256)) * 8,
        "zeros.json": b"\0" * 64,
    }, tmp_path)
    os.mkfifo(tmp_path / "fifo.py")
    os.mkfifo(tmp_path / "fifo.yaml")
    for name in ("zero.py", "zero.zip", "zero.yaml"):
        os.symlink("/dev/zero", tmp_path / name)
    named = ["utf16.yaml", "utf32.yaml", "junk.yaml", "zeros.json", "fifo.py", "fifo.yaml",
             "zero.py", "zero.zip", "zero.yaml", "/dev/zero"]
    rc, findings = _check(named, tmp_path)
    assert rc == 1
    assert sorted((f["code"], f["filename"]) for f in findings) == sorted(("LL002", name) for name in named)
    assert _message(findings, "utf16.yaml") == "not valid UTF-8: UTF-16 text (byte order mark)"
    assert _message(findings, "utf32.yaml") == "not valid UTF-8: UTF-32 text (byte order mark)"
    assert _message(findings, "junk.yaml") == "not valid UTF-8 (byte 0x80)"
    assert _message(findings, "zeros.json") == "not a text file (a NUL byte)"
    for name in ("fifo.py", "fifo.yaml"):
        assert _message(findings, name) == "not a regular file (a FIFO)"
    for name in ("zero.py", "zero.zip", "zero.yaml", "/dev/zero"):
        assert _message(findings, name) == "not a regular file (a character device)"


def test_F20_utf16_template_named_alone_fails(tmp_path, monkeypatch):
    materialize({"src/app.py": HANDLER, "template.yaml": TEMPLATE.encode("utf-16")}, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["check", "template.yaml", "--isolated"])
    assert result.exit_code == 1
    assert "template.yaml:1:1: LL002 not valid UTF-8: UTF-16 text (byte order mark)" in result.stdout


def test_F20_readable_yaml_that_is_not_a_template_stays_silent(tmp_path, monkeypatch):
    """pre-commit passes every staged YAML and JSON file: those that are not templates are no finding."""
    materialize({".pre-commit-config.yaml": "repos: []\n",
                 "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
                 "package.json": '{"name": "x", "version": "1.0.0"}\n',
                 "data.json": "[" + "1," * 40_000 + "1]"}, tmp_path)  # longer than the sniffed head
    monkeypatch.chdir(tmp_path)
    result = run_cli(["check", ".pre-commit-config.yaml", "docker-compose.yml", "package.json", "data.json",
                      "--isolated"])
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.stdout


def test_F20_walked_folder_reports_only_templates_it_cannot_read(tmp_path, monkeypatch):
    """In a walked folder a UTF-16 file is reported only when it is a template (recognised through
    its byte order mark); other YAML files, readable or not UTF-8, are not lambdalint's."""
    materialize({"src/app.py": HANDLER,
                 "template.yaml": TEMPLATE.encode("utf-16"),
                 "notes.yaml": "title: notes\n".encode("utf-16"),
                 "junk.yaml": bytes(range(128, 256)),
                 "compose.yml": "services: {}\n"}, tmp_path)
    os.symlink("/dev/zero", tmp_path / "other.yaml")
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run_cli(["check", ".", "--isolated", "--output-format", "json"]).stdout)
    assert _where(findings) == [("LL002", "other.yaml", 1), ("LL002", "template.yaml", 1)]
    assert _message(findings, "template.yaml") == "not valid UTF-8: UTF-16 text (byte order mark)"


# -- F27 (non-root): folders that cannot be listed, files that cannot be opened -------------------------
def _permission_project(root: Path) -> None:
    materialize({"template.yaml": _sam("locked/"), "locked/app.py": HANDLER}, root)


def test_F27_code_folder_that_cannot_be_listed_is_LL002_not_LL207(tmp_path, monkeypatch):
    """As seen by a user who may not list the folder (simulated: runs as any user)."""
    _permission_project(tmp_path)
    real_scandir = os.scandir

    def refusing_scandir(path="."):
        if os.fspath(path).rstrip("/").endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run_cli(["check", ".", "--isolated", "--output-format", "json"]).stdout)
    assert _where(findings) == [("LL002", "locked", 1), ("LL601", "template.yaml", SAM_TIMEOUT_LINE)]
    assert _message(findings, "locked") == "cannot read: Permission denied"


def _without_permission_override(probe: Path) -> List[str]:
    """A command prefix under which file modes apply: none for a normal user; for root, setpriv
    dropping the capabilities that let root read any file (skip where that is not possible)."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, which reads files of any mode, and setpriv is not installed")
    opened = subprocess.run(prefix + [sys.executable, "-c", f"open({str(probe)!r})"],
                            capture_output=True, check=False)
    if opened.returncode == 0 or b"PermissionError" not in opened.stderr:
        pytest.skip("running as root, and setpriv cannot drop the capability to read any file here")
    return prefix


def test_F27_unreadable_folder_and_template_as_a_user_without_permission(tmp_path):
    _permission_project(tmp_path)
    materialize({"walked/secret.yaml": TEMPLATE}, tmp_path)
    os.chmod(tmp_path / "locked", 0)
    os.chmod(tmp_path / "walked/secret.yaml", 0)
    try:
        prefix = _without_permission_override(tmp_path / "walked/secret.yaml")
        command = prefix + [sys.executable, "-m", "lambdalint", "check", ".", "--isolated",
                            "--output-format", "json"]
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                                timeout=TIMEOUT_S, check=False)
    finally:
        os.chmod(tmp_path / "locked", 0o755)
        os.chmod(tmp_path / "walked/secret.yaml", 0o644)
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    findings = json.loads(result.stdout)
    assert _where(findings) == [("LL002", "locked", 1), ("LL002", "walked/secret.yaml", 1),
                                ("LL601", "template.yaml", SAM_TIMEOUT_LINE)]
    assert _message(findings, "locked") == "cannot read: Permission denied"
    assert _message(findings, "walked/secret.yaml") == "cannot read: Permission denied"
