"""Functions sharing one built folder (issue 12): what a bundle check finds for one artifact is
found once, then judged per function by that function's runtime, architecture and layers.  Each
function gets exactly the findings it gets when it is the template's only function, and the
per-bundle scans run once however many functions ship the folder."""
from __future__ import annotations

from typing import Dict, List, Set, Tuple

import pytest

from lambdalint.rules.base import Member
from lambdalint.rules.native_examples import elf, wheel_info
from support import check_json, materialize

HANDLER = "import requests\n\n\ndef handler(event, context):\n    return requests.__version__\n"
SO = "fastlib/_speed.cpython-312-x86_64-linux-gnu.so"
CODE = {
    "src/app.py": HANDLER,
    # an x86_64 extension for CPython 3.12 needing glibc 2.28 (AL2023 has 2.34, AL2 2.26)
    **{f"src/{path}": value for path, value in wheel_info(
        "fastlib", "cp312-cp312-manylinux_2_28_x86_64",
        files={"fastlib/__init__.py": "", SO: Member(elf("x86_64", "2.28"), mode=0o755),
               "fastlib/tests/test_speed.py": "def test():\n    pass\n" * 60_000}).items()},  # LL211
    **{f"src/{path}": value for path, value in wheel_info("requests", "py3-none-any", "2.32.3").items()},
    **{f"layer/python/{path}": value for path, value in wheel_info("requests", "py3-none-any", "2.31.0").items()},
}
FUNCTIONS = {  # name: (runtime, architecture, uses the layer)
    "X86": ("python3.12", "x86_64", False),
    "Arm": ("python3.12", "arm64", False),
    "Old": ("python3.9", "x86_64", False),
    "WithLayer": ("python3.12", "x86_64", True),
}
RULES = "LL106,LL204,LL205,LL206,LL209,LL210,LL211,LL213,LL614"
LAYER = """\
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
"""


def template(names: List[str]) -> str:
    lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for name in names:
        runtime, architecture, layer = FUNCTIONS[name]
        lines += [f"  {name}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  "      CodeUri: src/", "      Handler: app.handler", f"      Runtime: {runtime}",
                  f"      Architectures: [{architecture}]"] + (["      Layers: [!Ref Deps]"] if layer else [])
    return "\n".join(lines) + "\n" + LAYER


Seen = Set[Tuple[str, str, str]]


def findings(tmp_path, monkeypatch, names: List[str]) -> Seen:
    """(code, file, message) of each finding; template rows differ between the templates compared."""
    root = tmp_path / "-".join(names)
    materialize({**CODE, "template.yaml": template(names)}, root)
    monkeypatch.chdir(root)
    return {(f["code"], f["member"] or f["filename"], f["message"]) for f in check_json(["."], "--select", RULES)}


def test_each_function_gets_the_findings_it_gets_alone(tmp_path, monkeypatch):
    together = findings(tmp_path, monkeypatch, list(FUNCTIONS))
    alone: Dict[str, Seen] = {name: findings(tmp_path, monkeypatch, [name]) for name in FUNCTIONS}
    assert together == set().union(*alone.values())
    codes = {name: sorted(code for code, _, _ in seen) for name, seen in alone.items()}
    assert codes == {"X86": ["LL211"], "Arm": ["LL204", "LL211"], "Old": ["LL205", "LL206", "LL211"],
                     "WithLayer": ["LL210", "LL211"]}
    assert any("Arm runs on Linux aarch64" in message for _, _, message in alone["Arm"])
    assert any("python3.9 runs CPython 3.9" in message for _, _, message in alone["Old"])


@pytest.mark.parametrize("module, name", [
    ("lambdalint.analysis.bloat", "removable"),
    ("lambdalint.analysis.distributions", "distributions"),
    ("lambdalint.rules.ll205_python_abi_mismatch", "_problems"),
    ("lambdalint.rules.ll209_layer_layout", "_layout"),
    ("lambdalint.rules.ll210_shadowed_package", "_import_names"),
])
def test_functions_sharing_code_and_layers_add_no_scans(tmp_path, monkeypatch, module, name):
    import importlib

    target = importlib.import_module(module)
    real, calls = getattr(target, name), []

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, spy)
    kinds = list(FUNCTIONS)
    findings(tmp_path, monkeypatch, kinds)
    scans_for_the_kinds = len(calls)
    calls.clear()
    copies = [f"Copy{number}" for number in range(20)]
    for number, copy in enumerate(copies):
        monkeypatch.setitem(FUNCTIONS, copy, FUNCTIONS[kinds[number % len(kinds)]])
    findings(tmp_path, monkeypatch, kinds + copies)
    assert scans_for_the_kinds > 0 and len(calls) == scans_for_the_kinds


# -- what a shared analysis must still tell apart (found in review) -------------------------------
def _two_functions(first: str, second: str) -> str:
    return "Transform: AWS::Serverless-2016-10-31\nResources:\n" + first + second


def test_ll107_names_each_function_s_own_layer_resource(tmp_path, monkeypatch):
    """Two layer resources on one folder: the shared verdict must not name only the first."""
    from lambdalint.rules.base import Zip

    layer = "    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: layer/\n"
    function = ("    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: function.zip\n"
                "      Handler: app.handler\n      Runtime: python3.12\n      Layers: [!Ref {}]\n")
    text = _two_functions("  First:\n" + function.format("LayerA") + "  Second:\n" + function.format("LayerB"),
                          "  LayerA:\n" + layer + "  LayerB:\n" + layer)
    materialize({"template.yaml": text, "function.zip": Zip({"app.py": "import helpers\n\n\ndef handler(event, context):\n    return 1\n"}),
                 "layer/python/other.py": "", "layer/lib/helpers.py": ""}, tmp_path)
    monkeypatch.chdir(tmp_path)
    messages = sorted(f["message"] for f in check_json(["."], "--select", "LL107"))
    assert len(messages) == 2
    assert "layer LayerA has it as lib/helpers.py" in messages[0]
    assert "layer LayerB has it as lib/helpers.py" in messages[1]


@pytest.mark.parametrize("order", ["no handler first", "string 'None' first"])
def test_no_handler_and_a_handler_named_none_are_analysed_apart(tmp_path, monkeypatch, order):
    from lambdalint.rules.base import Zip

    function = ("    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: function.zip\n"
                "      Runtime: python3.12\n")
    unset, named_none = "  Unset:\n" + function, "  NamedNone:\n" + function + "      Handler: \"None\"\n"
    pair = (unset, named_none) if order == "no handler first" else (named_none, unset)
    code = Zip({"app.py": "import os\n\nCACHE = {}\n\n\ndef handler(event, context):\n"
                          "    CACHE[event['id']] = event\n    return len(CACHE)\n"})
    materialize({"template.yaml": _two_functions(*pair), "function.zip": code}, tmp_path / "both")
    materialize({"template.yaml": _two_functions(unset, ""), "function.zip": code}, tmp_path / "unset")
    monkeypatch.chdir(tmp_path / "unset")
    alone = {(f["code"], f["message"]) for f in check_json(["."], "--select", "LL401")}
    monkeypatch.chdir(tmp_path / "both")
    together = {(f["code"], f["message"]) for f in check_json(["."], "--select", "LL401")}
    assert alone and alone <= together  # the function without a handler keeps its handler's findings
