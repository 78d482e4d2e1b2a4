"""LL107 unresolved-import: installs fabricated the way pip writes them (dist-info and package
files) in zips, build folders and source folders, with each configuration format."""
import textwrap

import pytest

from lambdalint.rules.base import Zip
from lambdalint.rules.native_examples import wheel_info
from support import check_json, materialize

HANDLER = "import json\nimport requests\n\n\ndef handler(event, context):\n    return json.dumps(requests.get('u').json())\n"
REQUESTS = wheel_info("requests", "py3-none-any", "2.32.3")
STRIPE = "import json\nimport stripe\n\n\ndef handler(event, context):\n    return json.dumps(stripe.api_key)\n"
ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:deps:3"


def _under(folder, members):
    return {f"{folder}/{path}": value for path, value in members.items()}


def _check(tmp_path, monkeypatch, files, *args):
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return check_json(["."], "--select", "LL107", *args)


def _where(findings):
    return [(f["filename"], f["member"], f["location"]["row"], f["location"]["column"]) for f in findings]


# -- built zips and folders, checked without configuration ------------------------------------------
def test_dependency_installed_at_the_root_of_the_zip_resolves(tmp_path, monkeypatch):
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": HANDLER, **REQUESTS})}) == []


def test_dependency_installed_under_package_in_a_zip(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": HANDLER, **_under("package", REQUESTS)})})
    assert _where(findings) == [("fn.zip", "app.py", 2, 1)]
    (finding,) = findings
    assert finding["severity"] == "error"
    message = finding["message"]
    assert message.startswith("'requests' imported at app.py:2 resolves nowhere")
    assert "No module named 'requests'" in message
    assert "found under package/requests: installed into a subfolder that is not on sys.path" in message
    assert "zip the content of package/" in message


def test_dependency_installed_under_package_in_a_build_folder(tmp_path, monkeypatch):
    files = {f".aws-sam/build/Fn/{path}": value
             for path, value in {"app.py": HANDLER, **_under("package", REQUESTS)}.items()}
    files.update({"template.yaml": _sam("src/"), "src/app.py": HANDLER, "src/requirements.txt": "requests\n"})
    findings = _check(tmp_path, monkeypatch, files)
    assert _where(findings) == [(".aws-sam/build/Fn/app.py", None, 2, 1)]
    assert "found under package/requests" in findings[0]["message"]


def test_dependency_installed_at_the_root_of_a_folder_resolves(tmp_path, monkeypatch):
    assert _check(tmp_path, monkeypatch, {"app.py": HANDLER, **REQUESTS}) == []


def test_dependency_installed_under_package_in_a_source_folder(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": HANDLER, **_under("package", REQUESTS)})
    assert _where(findings) == [("app.py", None, 2, 1)]
    assert "found under package/requests: installed into a subfolder" in findings[0]["message"]


def test_package_folder_of_a_source_folder_whose_requirements_declare_it(tmp_path, monkeypatch):
    # the build (sam build, serverless-python-requirements) installs the requirements at the root
    files = {"app.py": HANDLER, "requirements.txt": "requests==2.32.3\n", **_under("package", REQUESTS)}
    assert _check(tmp_path, monkeypatch, files) == []


def test_code_that_puts_package_on_sys_path_itself(tmp_path, monkeypatch):
    handler = "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'package'))\n" + HANDLER
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler, **_under("package", REQUESTS)})}) == []


def test_src_prefix_missing_from_the_zip(tmp_path, monkeypatch):
    handler = "from src.utils import VALUE\n\n\ndef handler(event, context):\n    return VALUE\n"
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler, "utils.py": "VALUE = 1\n"})})
    assert _where(findings) == [("fn.zip", "app.py", 1, 1)]
    assert "the zip has no src/ folder but has utils at its root" in findings[0]["message"]


def test_src_prefix_without_anything_to_point_at(tmp_path, monkeypatch):
    handler = "import src.settings\n\n\ndef handler(event, context):\n    return src\n"
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})})
    assert findings[0]["message"].endswith("the zip has no src/ folder")


def test_module_in_a_subfolder_that_is_not_on_sys_path(tmp_path, monkeypatch):
    handler = "import helpers\n\n\ndef handler(event, context):\n    return helpers\n"
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler, "lib/helpers.py": ""})})
    assert "found as lib/helpers.py: only the zip's root is on sys.path" in findings[0]["message"]


def test_sibling_package_missing_is_reported_where_it_is_imported(tmp_path, monkeypatch):
    handler = "import orders\n\n\ndef handler(event, context):\n    return orders\n"
    members = {"app.py": handler, "orders/__init__.py": '"""Orders."""\nfrom shared import db\n'}
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip(members)})
    assert _where(findings) == [("fn.zip", "orders/__init__.py", 2, 1)]
    assert findings[0]["message"].startswith("'shared' imported at orders/__init__.py:2 resolves nowhere")
    assert "a dependency or sibling package missing from the build" in findings[0]["message"]


def test_dependency_of_a_dependency_missing(tmp_path, monkeypatch):
    lib = wheel_info("lib", "py3-none-any", "1.0", {"lib/__init__.py": "import helperdep\n"})
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": "import lib\n" + HANDLER, **lib, **REQUESTS})})
    assert _where(findings) == [("fn.zip", "lib/__init__.py", 1, 1)]


def test_each_missing_name_is_reported_once(tmp_path, monkeypatch):
    handler = "import yaml\nimport yaml.loader\nfrom yaml import safe_load\n\n\ndef handler(event, context):\n    pass\n"
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})})
    assert _where(findings) == [("fn.zip", "app.py", 1, 1)]


@pytest.mark.parametrize("guarded", [
    "try:\n    import requests\nexcept ImportError:\n    requests = None\n",
    "try:\n    import requests\nexcept Exception:\n    requests = None\n",
    "try:\n    import requests\nexcept:\n    requests = None\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import requests\n",
    "import typing\nif typing.TYPE_CHECKING:\n    import requests\n",
    "import sys\nif sys.platform == 'win32':\n    import requests\n",
    "if __name__ == '__main__':\n    import requests\n",
    "import sys\nif sys.version_info < (3, 8):\n    import requests\n",
    "def later():\n    import requests\n",
])
def test_imports_that_may_not_run_are_not_reported(tmp_path, monkeypatch, guarded):
    handler = guarded + "\n\ndef handler(event, context):\n    return None\n"
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})}) == []


def test_a_package_imported_only_under_a_guard_is_not_followed(tmp_path, monkeypatch):
    handler = "try:\n    import lib\nexcept ImportError:\n    lib = None\n\n\ndef handler(event, context):\n    pass\n"
    members = {"app.py": handler, "lib/__init__.py": "import missingdep\n"}
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip(members)}) == []


def test_fallback_import_is_judged_only_when_its_try_fails(tmp_path, monkeypatch):
    handler = ("try:\n    import ujson as json\nexcept ImportError:\n    import simplejson as json\n\n\n"
               "def handler(event, context):\n    return json.dumps(event)\n")
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})})
    assert _where(findings) == [("fn.zip", "app.py", 4, 5)]
    assert findings[0]["message"].startswith("'simplejson' imported at app.py:4")
    assert _check(tmp_path / "ok", monkeypatch, {"fn.zip": Zip({"app.py": handler, "ujson.py": ""})}) == []


@pytest.mark.parametrize("runtime", ["python3.9", "python3.12", "python3.14"])
def test_the_runtime_sdk_and_standard_library_resolve(tmp_path, monkeypatch, runtime):
    handler = ("import boto3, botocore.exceptions, s3transfer, jmespath, urllib3, six\n"
               "from dateutil import parser\nimport asyncio, sqlite3, xml.etree.ElementTree\nimport imp\n"
               "from snapshot_restore_py import register_after_restore\n\n\n"
               "def handler(event, context):\n    return boto3\n")
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})}, "--runtime", runtime) == []


def test_python2_runtime_is_not_judged(tmp_path, monkeypatch):
    handler = "import urllib2\nimport requests\n\n\ndef handler(event, context):\n    pass\n"
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip({"app.py": handler})}, "--runtime", "python2.7") == []


# -- source folders: only what is neither in the project nor declared -------------------------------
def test_source_folder_with_undeclared_import(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": STRIPE, "requirements.txt": "pydantic\n"})
    assert _where(findings) == [("app.py", None, 2, 1)]
    message = findings[0]["message"]
    assert message.startswith("'stripe' imported at app.py:2 is neither in the project nor declared in its requirements")
    assert message.endswith("add it to requirements")


def test_source_folder_without_any_requirements_is_not_judged(tmp_path, monkeypatch):
    # a Makefile, a CI step or a file not in the checkout may install them: unknown
    assert _check(tmp_path, monkeypatch, {"app.py": HANDLER}) == []


def test_source_folder_with_empty_requirements(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": HANDLER, "requirements.txt": "# none\n"})
    assert [f["code"] for f in findings] == ["LL107"]


def test_a_name_many_distributions_require_may_come_with_a_declared_one(tmp_path, monkeypatch):
    # moto requires requests: what a declared distribution pulls in is not known from sources
    assert _check(tmp_path, monkeypatch, {"app.py": HANDLER, "requirements.txt": "moto\n"}) == []
    handler = "import stripe\n\n\ndef handler(event, context):\n    pass\n"
    findings = _check(tmp_path / "other", monkeypatch, {"app.py": handler, "requirements.txt": "moto\n"})
    assert [f["message"].split(" imported")[0] for f in findings] == ["'stripe'"]


def test_source_folder_next_to_configuration_that_does_not_link_it(tmp_path, monkeypatch):
    files = {"template.yaml": _sam("functions/api/"), "functions/api/app.py": "def handler(e, c):\n    pass\n",
             "scripts/job/app.py": "import stripe\n\n\ndef handler(event, context):\n    pass\n",
             "scripts/job/requirements.txt": "# none\n"}
    assert _check(tmp_path, monkeypatch, files) == []


def test_requirements_in_a_layer_python_folder(tmp_path, monkeypatch):
    files = {"template.yaml": _sam("src/", "Layers: [!Ref Deps]") + LAYER_SAM.format(layer="deps/"),
             "src/app.py": "import demo\n\n\ndef handler(event, context):\n    pass\n",
             "deps/python/demo.py": "import stripe\n", "deps/python/requirements.txt": "stripe==9\n"}
    assert _check(tmp_path, monkeypatch, files) == []
    files["deps/python/requirements.txt"] = "boto3\n"
    findings = _check(tmp_path / "undeclared", monkeypatch, files)
    assert _where(findings) == [("deps/python/demo.py", None, 1, 1)]


@pytest.mark.parametrize("files", [
    {"requirements.txt": "requests==2.32.3  # http\n"},
    {"requirements-prod.txt": "Requests>=2\n"},
    {"pyproject.toml": '[project]\nname = "fn"\ndependencies = ["requests>=2"]\n'},
    {"pyproject.toml": '[tool.poetry]\nname = "fn"\n[tool.poetry.dependencies]\npython = "^3.12"\nrequests = "^2"\n'},
    {"Pipfile": '[packages]\nrequests = "*"\n'},
], ids=["requirements.txt", "requirements-prod.txt", "pep621", "poetry", "pipfile"])
def test_source_folder_that_declares_it(tmp_path, monkeypatch, files):
    assert _check(tmp_path, monkeypatch, {"app.py": HANDLER, **files}) == []


def test_declared_under_a_distribution_name_that_contains_it(tmp_path, monkeypatch):
    handler = "import psycopg2\nimport opensearchpy\n\n\ndef handler(event, context):\n    pass\n"
    files = {"app.py": handler, "requirements.txt": "psycopg2-binary\nopensearch-py\n"}
    assert _check(tmp_path, monkeypatch, files) == []


def test_own_package_in_a_subfolder_of_the_source_folder(tmp_path, monkeypatch):
    # how the build lays it out is not known from sources: never reported
    handler = "import helpers\n\n\ndef handler(event, context):\n    pass\n"
    assert _check(tmp_path, monkeypatch, {"app.py": handler, "lib/helpers.py": "", "requirements.txt": ""}) == []


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.handler
      Runtime: python3.12
{extra}"""


def _sam(code, extra=""):
    return SAM.format(code=code, extra="".join(f"      {line}\n" for line in extra.splitlines()))


def test_requirements_in_the_template_folder_count_for_a_code_folder_below(tmp_path, monkeypatch):
    files = {"template.yaml": _sam("functions/api/"), "functions/api/app.py": HANDLER,
             "requirements.txt": "requests\n"}
    assert _check(tmp_path, monkeypatch, files) == []


def test_undeclared_import_of_a_sam_source_folder(tmp_path, monkeypatch):
    files = {"template.yaml": _sam("functions/api/"), "functions/api/app.py": STRIPE,
             "requirements.txt": "pydantic\n"}
    findings = _check(tmp_path, monkeypatch, files)
    assert _where(findings) == [("functions/api/app.py", None, 2, 1)]


def test_shared_package_elsewhere_in_the_project(tmp_path, monkeypatch):
    handler = "import shared\n\n\ndef handler(event, context):\n    pass\n"
    files = {"template.yaml": _sam("functions/api/"), "functions/api/app.py": handler,
             "functions/shared/__init__.py": "", "requirements.txt": ""}
    assert _check(tmp_path, monkeypatch, files) == []


def test_pythonpath_in_the_environment_is_not_judged(tmp_path, monkeypatch):
    files = {"template.yaml": _sam("fn.zip", "Environment:\n  Variables:\n    PYTHONPATH: /var/task/package"),
             "fn.zip": Zip({"app.py": HANDLER, **_under("package", REQUESTS)})}
    assert _check(tmp_path, monkeypatch, files) == []


# -- layers, in each configuration format -----------------------------------------------------------
LAYER_SAM = """\
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: {layer}
"""


def _sam_with_layer(layer):
    return _sam("fn.zip", "Layers: [!Ref Deps]") + LAYER_SAM.format(layer=layer)


def _serverless(layers):
    return textwrap.dedent(f"""\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          api:
            handler: app.handler
            layers:
              - {layers}
            package:
              artifact: fn.zip
        layers:
          deps:
            package:
              artifact: layer.zip
        """)


def _terraform(layers):
    return textwrap.dedent(f"""\
        resource "aws_lambda_layer_version" "deps" {{
          layer_name = "deps"
          filename   = "layer.zip"
        }}
        resource "aws_lambda_function" "fn" {{
          function_name = "fn"
          runtime       = "python3.12"
          handler       = "app.handler"
          filename      = "fn.zip"
          layers        = [{layers}]
        }}
        """)


CONFIGS = {
    "sam": lambda: {"template.yaml": _sam_with_layer("layer.zip")},
    "serverless": lambda: {"serverless.yml": _serverless("{ Ref: DepsLambdaLayer }")},
    "terraform": lambda: {"main.tf": _terraform("aws_lambda_layer_version.deps.arn")},
}
ARN_CONFIGS = {
    "sam": lambda: {"template.yaml": _sam("fn.zip", f"Layers: [{ARN}]")},
    "serverless": lambda: {"serverless.yml": _serverless(ARN)},
    "terraform": lambda: {"main.tf": _terraform(f'"{ARN}"')},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_dependency_in_the_layer_python_folder(tmp_path, monkeypatch, config):
    files = {**CONFIGS[config](), "fn.zip": Zip({"app.py": HANDLER}), "layer.zip": Zip(_under("python", REQUESTS))}
    assert _check(tmp_path, monkeypatch, files) == []


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_dependency_in_the_layer_site_packages_folder(tmp_path, monkeypatch, config):
    files = {**CONFIGS[config](), "fn.zip": Zip({"app.py": HANDLER}),
             "layer.zip": Zip(_under("python/lib/python3.12/site-packages", REQUESTS))}
    assert _check(tmp_path, monkeypatch, files) == []


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_dependency_neither_in_code_nor_layer(tmp_path, monkeypatch, config):
    files = {**CONFIGS[config](), "fn.zip": Zip({"app.py": HANDLER}),
             "layer.zip": Zip(_under("python", wheel_info("idna", "py3-none-any", "3.7")))}
    findings = _check(tmp_path, monkeypatch, files)
    assert _where(findings) == [("fn.zip", "app.py", 2, 1)]


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_dependency_under_package_with_each_configuration(tmp_path, monkeypatch, config):
    files = {**CONFIGS[config](), "fn.zip": Zip({"app.py": HANDLER, **_under("package", REQUESTS)}),
             "layer.zip": Zip({"python/other.py": ""})}
    findings = _check(tmp_path, monkeypatch, files)
    assert _where(findings) == [("fn.zip", "app.py", 2, 1)]
    assert "found under package/requests" in findings[0]["message"]


@pytest.mark.parametrize("config", sorted(ARN_CONFIGS))
def test_a_layer_given_by_arn_makes_the_verdict_unknown(tmp_path, monkeypatch, config):
    files = {**ARN_CONFIGS[config](), "fn.zip": Zip({"app.py": HANDLER})}
    assert _check(tmp_path, monkeypatch, files) == []


def test_a_layer_zip_with_content_outside_python(tmp_path, monkeypatch):
    files = {"template.yaml": _sam_with_layer("layer.zip"), "fn.zip": Zip({"app.py": HANDLER}),
             "layer.zip": Zip(REQUESTS)}
    findings = _check(tmp_path, monkeypatch, files)
    assert "layer Deps has it as requests" in findings[0]["message"]
    assert "outside python/" in findings[0]["message"]


def test_native_extension_module_at_the_root_resolves(tmp_path, monkeypatch):
    handler = "import _speedups\nimport orjson\n\n\ndef handler(event, context):\n    pass\n"
    members = {"app.py": handler, "_speedups.cpython-312-x86_64-linux-gnu.so": b"\x7fELF",
               "orjson/__init__.py": "from .orjson import *\n", "orjson/orjson.abi3.so": b"\x7fELF"}
    assert _check(tmp_path, monkeypatch, {"fn.zip": Zip(members)}) == []


def test_declared_in_the_zip_but_not_installed(tmp_path, monkeypatch):
    members = {"app.py": STRIPE, "requirements.txt": "stripe==9.0\n"}
    findings = _check(tmp_path, monkeypatch, {"fn.zip": Zip(members)})
    assert "declared in the bundle's requirements but was not installed into it" in findings[0]["message"]


def test_a_layer_folder_the_code_puts_on_sys_path_itself(tmp_path, monkeypatch):
    # review of fecd279: `sys.path.append('/opt/lib')` reaches a layer's lib/ folder; only the
    # function's own code was searched for the name, so this was reported as an error
    handler = "import sys\nsys.path.append('/opt/lib')\n" + HANDLER
    files = {"template.yaml": _sam_with_layer("layer.zip"), "fn.zip": Zip({"app.py": handler}),
             "layer.zip": Zip(_under("lib", REQUESTS))}
    assert _check(tmp_path, monkeypatch, files) == []
    files["fn.zip"] = Zip({"app.py": HANDLER})  # without the edit: still reported with its cause
    (finding,) = _check(tmp_path, monkeypatch, files)
    assert "layer Deps has it as lib/requests" in finding["message"]
