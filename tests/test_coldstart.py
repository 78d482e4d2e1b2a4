"""Cold start: the import graph, the cost estimate, `coldstart`, the LL101 fix, LL106 for real."""
import ast
import re
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambdalint.analysis.imports import ImportGraph, Root, ScanCache, closure_features, function_roots
from lambdalint.model.bundle import FolderBundle
from support import check_json, materialize, run_cli

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "ll101-fix"


def test_ll101_fix_exact_before_and_after(tmp_path, monkeypatch):
    shutil.copy(FIX / "app.py", tmp_path / "app.py")
    monkeypatch.chdir(tmp_path)
    diff = run_cli(["check", ".", "--isolated", "--diff"])
    assert diff.exit_code == 1 and "+    import pandas as pd" in diff.stdout
    assert (tmp_path / "app.py").read_text() == (FIX / "app.py").read_text()  # --diff writes nothing
    fixed = run_cli(["check", ".", "--isolated", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    after = (tmp_path / "app.py").read_text()
    assert after == (FIX / "expected_fixed.py").read_text()
    ast.parse(after)
    assert check_json(["."]) == []


def test_ll101_message_gives_milliseconds_and_where(tmp_path, monkeypatch):
    shutil.copy(FIX / "app.py", tmp_path / "app.py")
    monkeypatch.chdir(tmp_path)
    (finding,) = check_json(["."])
    assert finding["code"] == "LL101" and finding["location"]["row"] == 6
    assert re.search(r"pandas costs an estimated \d+ ms", finding["message"])
    assert "export_csv(), export_summary()" in finding["message"]
    assert finding["fix"]["applicability"] == "safe"


def package(name, modules, extra_imports=""):
    """A fake installed package: `modules` submodules chained by module-level imports."""
    files = {f"{name}/__init__.py": f"from . import m0\n{extra_imports}"}
    for i in range(modules):
        nxt = f"from . import m{i + 1}\n" if i + 1 < modules else ""
        files[f"{name}/m{i}.py"] = nxt + "X = 1\n" * 700  # about 4 kB
    return files


def test_import_graph_follows_module_level_imports_only(tmp_path):
    materialize({
        "app.py": (
            "import json\nfrom typing import TYPE_CHECKING\n"
            "try:\n    import fast\nexcept ImportError:\n    fast = None\n"
            "if TYPE_CHECKING:\n    import typed_only\n"
            "class K:\n    import in_class\n"
            "with open(__file__):\n    import in_with\n"
            "def f():\n    import in_function\n"
            "from pkg import sub\nfrom .rel import thing\n"),
        "fast.py": "", "typed_only.py": "", "in_class.py": "", "in_with.py": "", "in_function.py": "",
        "pkg/__init__.py": "", "pkg/sub.py": "import boto3\n", "rel.py": "",
        "unreachable.py": "import json\n",
    }, tmp_path)
    graph = ImportGraph([Root(FolderBundle(tmp_path, "b"), "", "bundle")], "3.12")
    names = {m.name: m.origin for m in graph.closure(["app"])}
    assert {"fast", "in_class", "in_with", "pkg", "pkg.sub", "json", "boto3"} <= set(names)
    assert "typed_only" not in names and "in_function" not in names
    assert names["json"] == "stdlib" and names["boto3"] == "runtime"
    assert graph.parsed_files == 2  # app and pkg.sub, once each: the others hold no `import`
    assert "unreachable" not in graph.modules


def test_layers_follow_the_function_code_in_order(tmp_path):
    materialize({"code/app.py": "import shared\n", "code/shared.py": "A = 1\n",
                 "layer/python/shared.py": "B = 1\n", "layer/python/other.py": "",
                 "layer2/python/lib/python3.12/site-packages/other.py": ""}, tmp_path)
    code, layer, layer2 = (FolderBundle(tmp_path / n, n) for n in ("code", "layer", "layer2"))
    graph = ImportGraph(function_roots(code, [layer, layer2], "3.12"), "3.12")
    assert graph.find("shared").origin == "bundle"  # the function's copy wins
    other = graph.find("other")
    assert other.origin == "layer" and other.bundle is layer


def test_closure_features_count_modules_bytes_and_native(tmp_path):
    files = package("heavy", 30)
    files["heavy/_speedups.cpython-312-x86_64-linux-gnu.so"] = b"\x7fELF" + b"\0" * 1000
    files["heavy/__init__.py"] += "from . import _speedups\n"
    materialize(files, tmp_path)
    features = closure_features([tmp_path], "heavy", "3.12")
    assert features["modules"] == 31 and features["native_modules"] == 1
    assert features["native_bytes"] == 1004 and features["source_bytes"] > 30 * 4000


def test_coldstart_json_shape(tmp_path, monkeypatch):
    materialize({**package("heavy", 300), "app.py": (
        "import json\nimport heavy\n\n"
        "def report(rows):\n    return heavy.X\n\n"
        "def handler(event, context):\n    if event:\n        return report(event)\n    return json.dumps({})\n")},
        tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["coldstart", ".", "--isolated", "--output-format", "json"])
    (function,) = json.loads(result.stdout)["functions"]
    assert function["handler"] == "app.handler" and function["runtime"] == "python3.12"
    imports = {i["module"]: i for i in function["imports"]}
    heavy = imports["heavy"]
    assert set(heavy) >= {"module", "filename", "line", "estimated_ms", "modules", "bytes",
                          "native_bytes", "source"}
    assert heavy["modules"] == 301 and heavy["source"] == "bundle" and heavy["line"] == 2
    assert heavy["ll101_would_move"] is True and imports["json"]["source"] == "stdlib"
    assert function["estimated_init_ms"] >= heavy["estimated_ms"]
    text = run_cli(["coldstart", ".", "--isolated"]).stdout
    assert "heavy" in text and "LL101 would move it" in text


def _build_folder(tmp_path, invalidation_mode=None):
    build = tmp_path / ".aws-sam" / "build" / "Fn"
    materialize({"app.py": "import helpers\n\ndef handler(event, context):\n    return helpers.X\n",
                 "helpers.py": "X = 1\n"}, build)
    if invalidation_mode:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode",
                        invalidation_mode, str(build)], check=True)
    return build


def _zip(folder: Path, target: Path, date_time=None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                info = zipfile.ZipInfo.from_file(path, name)
                if date_time:
                    info.date_time = date_time
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return target


RUNTIME = f"python{sys.version_info[0]}.{sys.version_info[1]}"  # the .pyc lambdalint's Python makes


def test_ll106_on_real_compileall_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = _zip(_build_folder(tmp_path / "a"), tmp_path / "plain.zip")
    unchecked = _zip(_build_folder(tmp_path / "b", "unchecked-hash"), tmp_path / "unchecked.zip")
    sam_dates = _zip(_build_folder(tmp_path / "c", "timestamp"), tmp_path / "sam.zip", (1980, 1, 1, 0, 0, 0))

    # two tiny modules cost well under the default threshold: report from 0 ms here
    (tmp_path / "lambdalint.toml").write_text("[rules.LL106]\nmin-extra-ms = 0\n")

    def ll106(path):
        result = run_cli(["check", path.name, "--output-format", "json", "--select", "LL106",
                          "--runtime", RUNTIME, "--config", "lambdalint.toml"])
        return json.loads(result.stdout)

    (missing,) = ll106(plain)
    assert "2 module(s)" in missing["message"] and "2 without .pyc" in missing["message"]
    assert ll106(unchecked) == []
    (stale,) = ll106(sam_dates)
    assert "2 with stale timestamp .pyc" in stale["message"]


def test_import_walk_replays_failing_optional_imports(tmp_path):
    materialize({
        "lib-1.0.dist-info/RECORD": "lib/__init__.py,,\n",  # an installed (built) bundle
        "lib/__init__.py": (
            "try:\n    import missing_accelerator\n    from . import fast_path\nexcept ImportError:\n"
            "    from . import slow_path\n"
            "import sys\nif sys.version_info[0] == 2:\n    import StringIO\n    from . import py2_only\n"
            "if __name__ == '__main__':\n    from . import cli\n"
            "if sys.platform == 'win32':\n    from . import windows\n"),
        "lib/fast_path.py": "", "lib/slow_path.py": "", "lib/py2_only.py": "", "lib/cli.py": "",
        "lib/windows.py": "",
    }, tmp_path)
    graph = ImportGraph([Root(FolderBundle(tmp_path, "b"), "", "bundle")], "3.12")
    names = {m.name for m in graph.closure(["lib"])}
    assert "lib.slow_path" in names and "lib" in names
    assert not names & {"lib.fast_path", "lib.py2_only", "lib.cli", "lib.windows"}


@pytest.mark.network
def test_real_wheels_bundle_gets_ll101_with_milliseconds(tmp_path, monkeypatch):
    """pandas really in the bundle (pip install --target); skipped without PyPI."""
    bundle = tmp_path / "bundle"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(bundle),
                              "--only-binary=:all:", "pandas"], capture_output=True, text=True)
    if install.returncode != 0:
        pytest.skip(f"pip could not install pandas: {install.stderr[-300:]}")
    shutil.copy(FIX / "app.py", bundle / "app.py")
    monkeypatch.chdir(tmp_path)
    findings = [f for f in check_json(["bundle"], "--select", "LL101", "--runtime", RUNTIME)]
    (finding,) = findings
    assert finding["filename"] == "bundle/app.py" and finding["location"]["row"] == 6
    assert re.search(r"pandas costs an estimated \d+ ms", finding["message"])
    report = json.loads(run_cli(["coldstart", "bundle", "--isolated", "--runtime", RUNTIME,
                                 "--output-format", "json"]).stdout)
    pandas = {i["module"]: i for i in report["functions"][0]["imports"]}["pandas"]
    assert pandas["source"] == "bundle" and pandas["modules"] > 100 and pandas["native_bytes"] > 0


FIX_CASES = {
    "tabs": ("import pandas as pd\n\ndef export(rows):\n\treturn pd.DataFrame(rows)\n\n"
             "def handler(event, context):\n\tif event:\n\t\treturn export(event)\n",
             "\ndef export(rows):\n\timport pandas as pd\n\treturn pd.DataFrame(rows)\n"),
    "crlf": ("import pandas as pd\r\n\r\ndef export(rows):\r\n    return pd.DataFrame(rows)\r\n\r\n"
             "def handler(event, context):\r\n    if event:\r\n        return export(event)\r\n",
             "\r\ndef export(rows):\r\n    import pandas as pd\r\n    return pd.DataFrame(rows)\r\n"),
    "nested": ("import pandas as pd\n\ndef export(rows):\n    def frame():\n        return pd.DataFrame(rows)\n"
               "    def empty():\n        return pd.DataFrame()\n    return frame() if rows else empty()\n\n"
               "def handler(event, context):\n    if event:\n        return export(event)\n",
               "\ndef export(rows):\n    import pandas as pd\n    def frame():\n"),
    "trailing-comment": ("import pandas as pd  # heavy\n\ndef export(rows):\n    return pd.DataFrame(rows)\n\n"
                         "def handler(event, context):\n    if event:\n        return export(event)\n",
                         "    import pandas as pd  # heavy\n"),
    "form-feed": ("import pandas as pd\nSEP = '\x0c'\n\ndef export(rows):\n    return pd.DataFrame(rows)\n\n"
                  "def handler(event, context):\n    if event:\n        return export(event)\n",
                  "def export(rows):\n    import pandas as pd\n    return pd.DataFrame(rows)\n"),
}


@pytest.mark.parametrize("case", sorted(FIX_CASES))
def test_ll101_fix_keeps_files_valid(case, tmp_path, monkeypatch):
    before, expected_fragment = FIX_CASES[case]
    (tmp_path / "app.py").write_bytes(before.encode())
    monkeypatch.chdir(tmp_path)
    assert run_cli(["check", ".", "--isolated", "--fix", "--select", "LL101"]).exit_code == 0
    after = (tmp_path / "app.py").read_bytes().decode()
    assert expected_fragment in after
    compile(after, "app.py", "exec")  # still valid Python
    assert ("\r\n" in after) == ("\r\n" in before)


def test_coldstart_says_a_handler_module_it_could_not_read_was_not_analysed(tmp_path, monkeypatch):
    monkeypatch.setattr("lambdalint.model.bundle.MAX_READ_BYTES", 1_000)
    (tmp_path / "app.py").write_text("import pandas\n\ndef handler(event, context):\n    return 1\n" + "#" * 2_000 + "\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n")
    result = run_cli(["coldstart", str(tmp_path), "--isolated", "--output-format", "json"])
    (function,) = json.loads(result.stdout)["functions"]
    assert function["estimated_init_ms"] is None and function["imports"] == []
    assert function["not_analysed"].startswith("LL002 file too large to analyse")
    text = run_cli(["coldstart", str(tmp_path), "--isolated"]).stdout
    assert "not analysed: LL002" in text and "estimated init" not in text


def test_a_module_reached_by_several_functions_is_parsed_once(tmp_path):
    materialize({"code/app.py": "import shared\n", "code/shared.py": "import json\n",
                 "layer/python/extra.py": "import os\n"}, tmp_path)
    code, layer = FolderBundle(tmp_path / "code", "code"), FolderBundle(tmp_path / "layer", "layer")
    cache = ScanCache()
    alone = ImportGraph(function_roots(code, [], "3.12"), "3.12", cache)
    with_layer = ImportGraph(function_roots(code, [layer], "3.12"), "3.12", cache)
    assert {m.name for m in alone.closure(["app"])} == {m.name for m in with_layer.closure(["app"])}
    assert (alone.parsed_files, with_layer.parsed_files) == (2, 0)
