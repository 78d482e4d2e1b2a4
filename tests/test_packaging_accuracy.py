"""Issue 11, packaging accuracy: built content checked into a source tree is a built artifact, and
the packaging rules' false positives and noise found on real projects stay gone.  Each regression
test is named after its reproduction (`fp_*` false positive, `deb_*` noise) and checks both the
case that must stay silent and a close case that must still be reported."""
import json
from pathlib import Path

from lambdalint.model.bundle import FolderBundle
from lambdalint.rules.base import Member, Zip
from lambdalint.rules.native_examples import elf, macho, pe, wheel_info
from support import check_json, materialize, run_cli

HANDLER = "def handler(event, context):\n    return 1\n"
PY2_SERVERLESS = """\
service: s
provider:
  name: aws
  runtime: python2.7
functions:
  main:
    handler: app.handler
"""
PY312_SERVERLESS = PY2_SERVERLESS.replace("python2.7", "python3.12")


def _codes(findings, code):
    return [f for f in findings if f["code"] == code]


def _check_with_options(paths, options_toml: str, *args):
    """`lambdalint check` with rule options from a config file (check_json runs --isolated)."""
    config = Path("lambdalint.toml")
    config.write_text(options_toml)
    result = run_cli(["check", *paths, "--output-format", "json", "--config", str(config), *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# -- LL209: layers that sam build lays out, extension layers, one finding per layer ---------------
LAYERS_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ClientLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.13]
    Metadata:
      BuildMethod: python3.13
  ExtensionLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: ext/
  Fn1:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      Layers: [!Ref ClientLayer, !Ref ExtensionLayer]
  Fn2:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      Layers: [!Ref ClientLayer]
"""
LAYER_FILES = {
    "src/app.py": HANDLER,
    "layer/opensearch_client.py": "def helper():\n    return 1\n",
    "layer/requirements.txt": "requests\n",
    "ext/extensions/my-extension.py": "#!/usr/bin/env python3\nprint('extension')\n",
}


def test_fp_ll209_buildmethod_and_extension(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": LAYERS_TEMPLATE, **LAYER_FILES}, tmp_path)
    assert _codes(check_json(["."], "--select", "LL209"), "LL209") == []


def test_ll209_misplaced_layer_used_by_two_functions_is_one_finding_on_the_layer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = LAYERS_TEMPLATE.replace("    Metadata:\n      BuildMethod: python3.13\n", "")
    materialize({"template.yaml": text, **LAYER_FILES}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL209")
    assert finding["location"]["row"] == 7  # ClientLayer's ContentUri, not each function's Layers
    assert "layer ClientLayer has Python content outside python/ (opensearch_client.py)" in finding["message"]


def test_ll209_build_method_layer_is_checked_once_built(tmp_path, monkeypatch):
    """`sam build` output is what Lambda gets: a wrong layout there is still reported."""
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": LAYERS_TEMPLATE, **LAYER_FILES,
                 ".aws-sam/build/ClientLayer/opensearch_client.py": "X = 1\n"}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL209")
    assert "layer ClientLayer has Python content outside python/" in finding["message"]


# -- LL205 and LL106 on python2.7 ----------------------------------------------------------------
def _py2_wheel(tag: str) -> dict:
    return {"pkg-1.0.dist-info/METADATA": "Name: pkg\nVersion: 1.0\n",
            "pkg-1.0.dist-info/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n",
            "pkg/__init__.py": ""}


def test_fp_ll205_cp27mu(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY2_SERVERLESS, "app.py": HANDLER,
                 **_py2_wheel("cp27-cp27mu-manylinux1_x86_64")}, tmp_path)
    assert _codes(check_json(["."]), "LL205") == []


def test_ll205_python3_wheel_on_python27_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY2_SERVERLESS, "app.py": HANDLER,
                 **_py2_wheel("cp36-cp36m-manylinux1_x86_64")}, tmp_path)
    (finding,) = _codes(check_json(["."]), "LL205")
    assert finding["filename"] == "pkg-1.0.dist-info/WHEEL"
    assert "a wheel tagged cp36-cp36m" in finding["message"] and "CPython 2.7" in finding["message"]


PY2_APP = "import helper\n\ndef handler(event, context):\n    return helper.x()\n"
PY2_PYC = b"\x03\xf3\r\n" + bytes(4)  # Python 2.7's magic, then the source mtime


def test_fp_ll106_py2_adjacent_pyc(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY2_SERVERLESS, "app.py": PY2_APP, "helper.py": "def x():\n    return 1\n",
                 "app.pyc": PY2_PYC, "helper.pyc": PY2_PYC, **_py2_wheel("py2-none-any")}, tmp_path)
    findings = _check_with_options(["."], "[rules.LL106]\nmin-extra-ms = 0\n", "--select", "LL106")
    assert findings == []


def test_ll106_py2_without_pyc_is_reported_with_python2_advice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY2_SERVERLESS, "app.py": PY2_APP, "helper.py": "def x():\n    return 1\n",
                 **_py2_wheel("py2-none-any")}, tmp_path)
    (finding,) = _check_with_options(["."], "[rules.LL106]\nmin-extra-ms = 0\n", "--select", "LL106")
    assert "2 module(s) of app's import closure have no valid bytecode for python2.7 (2 without .pyc)" \
        in finding["message"]
    assert "next to its source" in finding["message"]


# -- LL106: report only what matters -------------------------------------------------------------
ONE_MODULE_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: app.zip
      Handler: app.handler
      Runtime: python3.13
"""
BIG_MODULE = "VALUE = 1\n" + ("# " + "x" * 78 + "\n") * 2_500  # about 200 kB of source


def test_deb_ll106_single_module_zip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": ONE_MODULE_TEMPLATE,
                 "app.zip": Zip({"app.py": "def handler(event, context):\n    return 1\n"})}, tmp_path)
    assert check_json(["."], "--select", "LL106") == []


def test_ll106_threshold_is_an_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": ONE_MODULE_TEMPLATE,
                 "app.zip": Zip({"app.py": "def handler(event, context):\n    return 1\n"})}, tmp_path)
    (finding,) = _check_with_options(["."], "[rules.LL106]\nmin-extra-ms = 0\n", "--select", "LL106")
    assert finding["member"] == "app.py" and "1 without .pyc" in finding["message"]


def test_ll106_modules_costing_more_than_10_ms_are_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = "import a\nimport b\nimport c\n\ndef handler(event, context):\n    return a.VALUE\n"
    materialize({"template.yaml": ONE_MODULE_TEMPLATE,
                 "app.zip": Zip({"app.py": app, "a.py": BIG_MODULE, "b.py": BIG_MODULE, "c.py": BIG_MODULE})},
                tmp_path)
    (finding,) = check_json(["."], "--select", "LL106")
    assert "4 module(s) of app's import closure" in finding["message"]
    assert "an estimated 1" in finding["message"] and " ms more" in finding["message"]


# -- LL210: a top-level __init__.py is no package ------------------------------------------------
INIT_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      Layers: [!Ref Shared]
"""


def test_fp_ll210_init_py(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": INIT_TEMPLATE, "src/__init__.py": "", "src/app.py": HANDLER,
                 "layer/python/__init__.py": "", "layer/python/util.py": "X = 1\n"}, tmp_path)
    assert check_json(["."], "--select", "LL210") == []


def test_ll210_a_module_in_code_and_layer_is_still_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": INIT_TEMPLATE, "src/__init__.py": "", "src/app.py": HANDLER,
                 "src/util.py": "X = 2\n", "layer/python/__init__.py": "", "layer/python/util.py": "X = 1\n"},
                tmp_path)
    (finding,) = check_json(["."], "--select", "LL210")
    assert "package 'util' is shipped by the function's code and by layer Shared" in finding["message"]


# -- LL105: once per distribution ----------------------------------------------------------------
def test_ll105_once_per_distribution_without_record(tmp_path, monkeypatch):
    """A dist-info without RECORD still owns its folders (`pytest/`, `_pytest/`)."""
    monkeypatch.chdir(tmp_path)
    materialize({"function.zip": Zip({
        "app.py": HANDLER, "pytest-8.3.0.dist-info/METADATA": "Name: pytest\nVersion: 8.3.0\n",
        "pytest/__init__.py": "", "_pytest/main.py": Member(size=200_000)})}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL105")
    assert finding["member"] == "pytest-8.3.0.dist-info"
    assert finding["message"].startswith("pytest 8.3.0 is a development tool")


def test_ll105_a_dev_folder_without_distribution_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"function.zip": Zip({"app.py": HANDLER, "moto/__init__.py": "",
                                      "moto/core.py": Member(size=50_000)})}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL105")
    assert finding["member"] == "moto" and finding["message"].startswith("moto is a development tool")


# -- built content checked into a source tree ----------------------------------------------------
def test_serverless_requirements_folder_is_checked_as_built_content(tmp_path, monkeypatch):
    """serverless-python-requirements installs into .serverless/requirements/: wheels for
    another platform there, and dev tools, are reported; the service's own tests are not."""
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY312_SERVERLESS, "app.py": HANDLER,
                 "tests/test_app.py": Member(size=2_000_000),
                 **{f".serverless/requirements/{path}": value for path, value in {
                     **wheel_info("fast", "cp312-cp312-macosx_11_0_arm64", "1.0",
                                  {"fast/__init__.py": "", "fast/_speed.cpython-312-darwin.so": Member(macho())}),
                     **wheel_info("pytest", "py3-none-any", "8.3.0")}.items()}}, tmp_path)
    findings = check_json(["."], "--select", "LL105,LL204,LL211")
    assert [(f["code"], f["filename"]) for f in findings] == [
        ("LL204", ".serverless/requirements/fast-1.0.dist-info/WHEEL"),
        ("LL105", ".serverless/requirements/pytest-8.3.0.dist-info")], findings
    assert "a wheel tagged for macOS" in findings[0]["message"]


def test_pip_target_folder_console_scripts_and_wheels_for_another_python(tmp_path, monkeypatch):
    """`pip install -t package/` on Windows: `bin/*.exe` launchers (no execute bit recorded) and
    a wheel built for another CPython."""
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY312_SERVERLESS, "app.py": HANDLER,
                 **{f"package/{path}": value for path, value in {
                     **wheel_info("fast", "cp311-cp311-manylinux2014_x86_64"),
                     "bin/normalizer.exe": Member(pe("x86_64"))}.items()}}, tmp_path)
    findings = check_json(["."], "--select", "LL204,LL205")
    assert [(f["code"], f["filename"]) for f in findings] == [
        ("LL204", "package/bin/normalizer.exe"), ("LL205", "package/fast-1.0.dist-info/WHEEL")], findings
    assert "Windows" in findings[0]["message"] and "cp311-cp311" in findings[1]["message"]


def test_plain_source_folder_is_not_built_content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"serverless.yml": PY312_SERVERLESS, "app.py": HANDLER,
                 "tests/test_app.py": Member(size=2_000_000), "pytest/__init__.py": ""}, tmp_path)
    assert check_json(["."], "--select", "LL105,LL211") == []


def test_layer_folder_is_a_built_artifact(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": INIT_TEMPLATE, "src/app.py": HANDLER,
                 "layer/python/numpy/__init__.py": "",
                 "layer/python/numpy/tests/test_big.py": Member(size=1_500_000),
                 "layer/python/numpy/_core.cpython-313-x86_64-linux-gnu.so": Member(elf())}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL211")
    assert finding["filename"] == "layer" and "tests folders 1.4 MB (numpy/tests" in finding["message"]


def test_is_built_is_judged_once_per_bundle(tmp_path):
    materialize({"app.py": HANDLER, **wheel_info("requests", "py3-none-any", "2.32.3")}, tmp_path)
    bundle = FolderBundle(tmp_path, "b")
    assert bundle.is_built and bundle.install_roots() == [""]
    bundle._entries = bundle._files = []  # a second scan would now find nothing
    assert bundle.is_built
    assert "requests/__init__.py" not in bundle.own_python_files()


# -- LL213: runtime-sdk-shadowed -----------------------------------------------------------------
def _sdk(version="1.26.90", core="1.29.90"):
    return {**wheel_info("boto3", "py3-none-any", version, requires=["botocore"]),
            **wheel_info("botocore", "py3-none-any", core)}


def test_ll213_vendored_sdk_in_the_code_is_reported_with_its_versions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"function.zip": Zip({"app.py": HANDLER, **_sdk()})}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL213")
    assert (finding["filename"], finding["member"]) == ("function.zip", "boto3-1.26.90.dist-info")
    assert "the function's code ships boto3 1.26.90 and botocore 1.29.90" in finding["message"]
    assert "newer services" in finding["message"] and "cold start" in finding["message"]


def test_ll213_vendored_sdk_in_a_template_layer_names_the_layer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": INIT_TEMPLATE, "src/app.py": HANDLER,
                 **{f"layer/python/{path}": value for path, value in {
                     **_sdk(), **wheel_info("requests", "py3-none-any", "2.32.3")}.items()}}, tmp_path)
    (finding,) = check_json(["."], "--select", "LL213")
    assert finding["filename"] == "layer/python/boto3-1.26.90.dist-info"
    assert finding["message"].startswith("layer Shared ships boto3 1.26.90 and botocore 1.29.90")


def test_ll213_sdk_only_layer_and_source_folders_are_not_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    materialize({"template.yaml": INIT_TEMPLATE, "src/app.py": HANDLER,
                 "src/boto3/__init__.py": "__version__ = '1.9.42'\n",
                 **{f"layer/python/{path}": value for path, value in _sdk("1.35.0", "1.35.0").items()}},
                tmp_path)
    assert check_json(["."], "--select", "LL213") == []


def test_exe_files_inside_packages_are_data_not_binaries(tmp_path, monkeypatch):
    """setuptools and pip's distlib ship Windows launcher templates: never loaded on Lambda."""
    monkeypatch.chdir(tmp_path)
    materialize({"function.zip": Zip({"app.py": HANDLER, **wheel_info("setuptools", "py3-none-any", "75.0.0", {
        "setuptools/__init__.py": "", "setuptools/cli-64.exe": Member(pe("x86_64"))})})}, tmp_path)
    assert check_json(["."], "--select", "LL204") == []
