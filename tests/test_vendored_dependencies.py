"""Packages copied into a code folder without their metadata (issue 12): declared by the folder's
requirements (requirements*.txt, pyproject.toml, Pipfile) or under site-packages, they are
dependencies, not the function's own code (no LL001, no handler-path findings in them), yet still
part of the import graph (cold-start costs).  Each case is checked as a folder and as a zip of the
same files; both give the same findings.  Also: functions sharing code share one analysis, and the
import-name table holds only rows it needs."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from lambdalint.analysis.requirements import normalise
from lambdalint.data import table
from support import check_json, materialize, run_cli, write_zip

HANDLER = ("import requests\n"
           "import mine\n\n\n"
           "def handler(event, context):\n"
           "    return requests.get(event)\n")
REQUESTS = {  # a copy of a distribution, without its .dist-info
    "requests/__init__.py": "from . import api, compat\n",
    "requests/api.py": "def get(url):\n    return url\n",
    "requests/compat.py": "def broken(:\n    pass\n",
}
CODE = {"app.py": HANDLER, **REQUESTS, "mine/__init__.py": "x = (\n"}
OWN_ERROR = ("LL001", "mine/__init__.py", 1, 5, "syntax error for Python 3.12: '(' was never closed")
VENDORED_ERROR = ("LL001", "requests/compat.py", 1, 12, "syntax error for Python 3.12: invalid syntax")

Finding = Tuple[str, str, int, int, str]


def findings_of(target: str, *options: str) -> List[Finding]:
    """(code, path in the bundle, row, column, message): the same for a folder and a zip."""
    return [(f["code"], f["member"] or f["filename"], f["location"]["row"], f["location"]["column"],
             f["message"]) for f in check_json([target], *options)]


def as_folder_and_zip(tmp_path: Path, files: Dict[str, str], monkeypatch, *options: str) -> List[Finding]:
    """The findings of `files` as a source folder, asserted equal to those of the same files
    zipped (a built bundle)."""
    materialize(files, tmp_path / "code")
    write_zip(tmp_path / "fn.zip", files)
    monkeypatch.chdir(tmp_path / "code")
    in_folder = findings_of(".", *options)
    monkeypatch.chdir(tmp_path)
    in_zip = findings_of("fn.zip", *options)
    assert in_zip == in_folder
    return in_folder


# -- declared by the folder's requirements --------------------------------------------------------
DECLARATIONS = {
    "requirements.txt": {"requirements.txt": "requests==2.31.0\n"},
    "requirements with options": {
        "requirements-lambda.txt": ("-r base.txt\n--index-url https://pypi.example/simple\n"
                                    "# pinned for the function\n"
                                    "Requests[socks] >= 2.31 ; python_version > '3.8'  # a comment\n")},
    "pyproject PEP 621": {"pyproject.toml": ('[project]\nname = "orders"\nversion = "1.0"\n'
                                             'dependencies = ["requests>=2.31", "boto3"]\n')},
    "pyproject Poetry": {"pyproject.toml": ('[tool.poetry]\nname = "orders"\n\n'
                                            '[tool.poetry.dependencies]\npython = "^3.12"\n'
                                            'requests = {version = "^2.31", extras = ["socks"]}\n')},
    "Pipfile": {"Pipfile": '[packages]\nrequests = "*"\n\n[dev-packages]\npytest = "*"\n'},
}


@pytest.mark.parametrize("declaration", DECLARATIONS.values(), ids=list(DECLARATIONS))
def test_a_declared_package_copied_in_is_a_dependency(tmp_path, monkeypatch, declaration):
    assert as_folder_and_zip(tmp_path, {**CODE, **declaration}, monkeypatch) == [OWN_ERROR]


def test_an_undeclared_package_copied_in_is_own_code(tmp_path, monkeypatch):
    assert as_folder_and_zip(tmp_path, CODE, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]
    other = {**CODE, "requirements.txt": "urllib3==2.2\nboto3\n"}  # requirements naming others
    assert as_folder_and_zip(tmp_path / "other", other, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]


def test_a_declaration_in_a_subfolder_is_not_the_folders(tmp_path, monkeypatch):
    files = {**CODE, "docs/requirements.txt": "requests\n"}
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]


def test_an_import_name_that_differs_from_the_distribution_name(tmp_path, monkeypatch):
    files = {
        "app.py": "import yaml\nimport dateutil\n\n\ndef handler(event, context):\n    return yaml, dateutil\n",
        "yaml/__init__.py": "from .loader import *\n",
        "yaml/loader.py": "def load(:\n",
        "dateutil/__init__.py": "x = (\n",
        "requirements.txt": "PyYAML==6.0.1\npython_dateutil==2.9\n",  # spelt as pip freeze may not
    }
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == []
    del files["requirements.txt"]
    assert as_folder_and_zip(tmp_path / "undeclared", files, monkeypatch) == [
        ("LL001", "dateutil/__init__.py", 1, 5, "syntax error for Python 3.12: '(' was never closed"),
        ("LL001", "yaml/loader.py", 1, 10, "syntax error for Python 3.12: invalid syntax"),
    ]


def test_a_declared_single_module_copied_in_is_a_dependency(tmp_path, monkeypatch):
    files = {"app.py": "import six\n\n\ndef handler(event, context):\n    return six\n",
             "six.py": "x = (\n", "requirements.txt": "six==1.16.0\n"}
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == []


def test_the_projects_own_name_does_not_make_its_package_a_dependency(tmp_path, monkeypatch):
    files = {
        "app.py": "import orders\nimport requests\n\n\ndef handler(event, context):\n    return orders\n",
        "orders/__init__.py": "x = (\n",
        **REQUESTS,
        "pyproject.toml": '[project]\nname = "Orders"\ndependencies = ["requests"]\n',
        "requirements.txt": "orders==0.1.0\nrequests==2.31.0\n",  # pip freeze lists the project
    }
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == [
        ("LL001", "orders/__init__.py", 1, 5, "syntax error for Python 3.12: '(' was never closed")]


def test_the_project_named_by_poetry_stays_own_code(tmp_path, monkeypatch):
    files = {
        "app.py": "import orders_api\n\n\ndef handler(event, context):\n    return orders_api\n",
        "orders_api/__init__.py": "x = (\n",
        "pyproject.toml": '[tool.poetry]\nname = "orders-api"\n\n[tool.poetry.dependencies]\npython = "^3.12"\n',
        "Pipfile": '[packages]\norders-api = {path = ".", editable = true}\n',
    }
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == [
        ("LL001", "orders_api/__init__.py", 1, 5, "syntax error for Python 3.12: '(' was never closed")]


# -- a site-packages layout -----------------------------------------------------------------------
def test_site_packages_content_is_a_dependency(tmp_path, monkeypatch):
    files = {
        "app.py": "def handler(event, context):\n    return 1\n",
        "lib/python3.12/site-packages/x/bad.py": "x = (\n",
        "lib/python3.12/site-packages/x/__init__.py": "",
        "venv/lib/python3/dist-packages/y.py": "def f(:\n",
        "lib/mine.py": "x = (\n",  # own code: not under site-packages
    }
    assert as_folder_and_zip(tmp_path, files, monkeypatch) == [
        ("LL001", "lib/mine.py", 1, 5, "syntax error for Python 3.12: '(' was never closed")]


# -- no handler-path analysis into a dependency ----------------------------------------------------
SAVE = "def save(event):\n    open('out.txt', 'w')\n"
WRITES = ("open(…, 'w') writes to 'out.txt', relative to the read-only code folder /var/task; only "
          "/tmp is writable on Lambda ([Errno 30] Read-only file system): write under tempfile.gettempdir()")


def test_the_handler_path_does_not_go_into_a_dependency(tmp_path, monkeypatch):
    files = {
        "app.py": ("import requests\nimport helpers\n\n\n"
                   "def handler(event, context):\n"
                   "    helpers.save(event)\n"
                   "    requests.save(event)\n"),
        "requests/__init__.py": SAVE,
        "helpers/__init__.py": SAVE,
    }
    undeclared = as_folder_and_zip(tmp_path / "undeclared", files, monkeypatch)
    assert undeclared == [("LL301", "helpers/__init__.py", 2, 5, WRITES),
                          ("LL301", "requests/__init__.py", 2, 5, WRITES)]
    files["requirements.txt"] = "requests\n"
    assert as_folder_and_zip(tmp_path / "declared", files, monkeypatch) == [
        ("LL301", "helpers/__init__.py", 2, 5, WRITES)]


# -- still in the import graph --------------------------------------------------------------------
def coldstart_imports(target: str) -> List[dict]:
    result = run_cli(["coldstart", target, "--output-format", "json", "--isolated"])
    assert result.exit_code == 0, result.output
    (function,) = json.loads(result.stdout)["functions"]
    return [{key: value for key, value in item.items() if key != "filename"} for item in function["imports"]]


def test_a_dependency_is_still_counted_in_the_import_closure(tmp_path, monkeypatch):
    files = {**CODE, "requirements.txt": "requests==2.31.0\n"}
    materialize(files, tmp_path / "code")
    write_zip(tmp_path / "fn.zip", files)
    monkeypatch.chdir(tmp_path / "code")
    in_folder = coldstart_imports(".")
    monkeypatch.chdir(tmp_path)
    assert coldstart_imports("fn.zip") == in_folder
    requests, mine = in_folder
    assert (requests["module"], requests["modules"], requests["bytes"], requests["source"]) == \
        ("requests", 3, sum(len(text) for text in REQUESTS.values()), "bundle")
    assert (mine["module"], mine["modules"], mine["source"]) == ("mine", 1, "bundle")


# -- functions sharing code -----------------------------------------------------------------------
SHARED_CODE = '''import boto3

RESULTS = []


def handler(event, context):
    RESULTS.append(event["id"])
    client = boto3.client("s3")
    open("out.txt", "w")
    return client


def second(event, context):
    open("second.txt", "w")
    return {}
'''


def sam(*functions: Tuple[str, str]) -> str:
    lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for name, handler in functions:
        lines += [f"  {name}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  "      CodeUri: src/", f"      Handler: {handler}", "      Runtime: python3.12",
                  "      Timeout: 1000"]
    return "\n".join(lines) + "\n"


def source_findings(tmp_path: Path, template: str) -> Tuple[List[Finding], List[Finding]]:
    """(findings in app.py, findings in template.yaml)."""
    materialize({"template.yaml": template, "src/app.py": SHARED_CODE}, tmp_path)
    found = findings_of(str(tmp_path / "template.yaml"))
    return [finding for finding in found if finding[1].endswith("app.py")], \
        [finding for finding in found if finding[1].endswith("template.yaml")]


@pytest.fixture
def analysed(monkeypatch) -> List[str]:
    """The functions whose handler path was computed (analysis.handler_path), in order."""
    from lambdalint.analysis import handler_path

    names = []
    real = handler_path._handler_path

    def spy(fn, ctx):
        names.append(fn.name)
        return real(fn, ctx)

    monkeypatch.setattr(handler_path, "_handler_path", spy)
    return names


def test_functions_sharing_code_report_each_source_finding_once(tmp_path, analysed):
    one_code, one_config = source_findings(tmp_path / "one", sam(("First", "app.handler")))
    three_code, three_config = source_findings(
        tmp_path / "three", sam(("First", "app.handler"), ("Second", "app.handler"), ("Third", "app.handler")))
    assert [(code, row, column) for code, _, row, column, _ in one_code] == [
        ("LL401", 7, 5), ("LL104", 8, 14), ("LL301", 9, 5)]
    assert [f[0] for f in three_code] == [f[0] for f in one_code]
    assert [f[2:] for f in three_code] == [f[2:] for f in one_code]
    assert [(code, row) for code, _, row, _, _ in three_config] == [("LL601", 9), ("LL601", 16), ("LL601", 23)]
    assert analysed == ["First", "First"]  # once for the one function, once for the three


def test_functions_with_different_handlers_of_one_module_each_get_their_findings(tmp_path, analysed):
    code, _ = source_findings(tmp_path, sam(("First", "app.handler"), ("Second", "app.second")))
    assert [(code_, row, column) for code_, _, row, column, _ in code] == [
        ("LL401", 7, 5), ("LL104", 8, 14), ("LL301", 9, 5), ("LL301", 14, 5)]
    assert code[3][4] == WRITES.replace("out.txt", "second.txt")
    assert sorted(analysed) == ["First", "Second"]


# -- the import-name table ------------------------------------------------------------------------
def test_every_import_name_row_is_needed():
    names = table("import_names")["names"]
    redundant = [distribution for distribution, imports in names.items()
                 if [normalise(name) for name in imports] == [normalise(distribution)]]
    assert redundant == []
    assert all(isinstance(imports, list) and imports and all(isinstance(n, str) and n.isidentifier() for n in imports)
               for imports in names.values())
    assert len({normalise(distribution) for distribution in names}) == len(names)  # no row twice


def test_the_import_name_table_says_where_it_comes_from():
    meta = table("import_names")["meta"]
    assert meta["source"].strip() and "pypi.org" in meta["source"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta["checked"]))


# -- declarations that cannot be read declare nothing ---------------------------------------------
@pytest.mark.parametrize("declaration", [
    {"pyproject.toml": "[project\nname = "},  # not TOML
    {"pyproject.toml": b"[project]\nname = \"\xff\xfe\"\ndependencies = [\"\xffrequests\"]\n"},  # not UTF-8
    {"Pipfile": "[packages]\nrequests = \n"},
    {"pyproject.toml": '[project]\ndependencies = "requests"\n[tool]\npoetry = 5\n'},  # wrong types
    {"requirements.txt": b"\x00\xff\xfe\n--\n@\n://requests\n"},
], ids=["not TOML", "not UTF-8", "Pipfile not TOML", "wrong types", "requirements of garbage"])
def test_a_declaration_that_cannot_be_read_declares_nothing(tmp_path, monkeypatch, declaration):
    assert as_folder_and_zip(tmp_path, {**CODE, **declaration}, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]


@pytest.mark.parametrize("declaration", [
    {"pyproject.toml": "x = " + "[" * 50_000 + "]" * 50_000 + "\n"},
    {"Pipfile": "[packages]\nx = " + "{a=" * 50_000 + "1" + "}" * 50_000 + "\n"},
], ids=["pyproject nested too deeply", "Pipfile nested too deeply"])
def test_a_declaration_nested_too_deeply_declares_nothing(tmp_path, monkeypatch, declaration):
    assert as_folder_and_zip(tmp_path, {**CODE, **declaration}, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]


def test_a_requirement_on_a_local_path_is_not_a_copied_dependency(tmp_path, monkeypatch):
    """`requests @ file:///home/u/requests` (pip freeze of a project installed from its folder)
    may name this very folder's package: it stays the user's code."""
    declaration = {"requirements.txt": "requests @ file:///home/u/src/requests\n"}
    assert as_folder_and_zip(tmp_path, {**CODE, **declaration}, monkeypatch) == [OWN_ERROR, VENDORED_ERROR]
