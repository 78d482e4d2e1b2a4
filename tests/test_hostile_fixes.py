"""`--fix` never loses or corrupts data; `--diff` shows exactly what `--fix` writes.

One test per reproduction of issue 10 (F01, F02, F11, F16, F21-F24), each building its input here,
plus the contract every fix keeps: the fixed file compiles, a second `--fix` changes nothing, and
the diff printed by `--diff` is the change `--fix` makes.
"""
from __future__ import annotations

import difflib
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from lambdalint import fixes
from support import run_cli

HEAVY_IN_HELPER = """\
import json
import os

# pandas is only needed for CSV exports
import pandas as pd

TABLE = os.environ.get("TABLE", "orders")


def export_csv(rows):
    \"\"\"Render rows as CSV.\"\"\"
    frame = pd.DataFrame(rows)  # the heavy part
    return frame.to_csv(index=False)


def handler(event, context):
    rows = event.get("rows", [])
    if event.get("format") == "csv":
        return {"body": export_csv(rows)}
    return {"body": json.dumps(rows), "table": TABLE}
"""

HEAVY_IN_HELPER_FIXED = """\
import json
import os


TABLE = os.environ.get("TABLE", "orders")


def export_csv(rows):
    \"\"\"Render rows as CSV.\"\"\"
    # pandas is only needed for CSV exports
    import pandas as pd
    frame = pd.DataFrame(rows)  # the heavy part
    return frame.to_csv(index=False)


def handler(event, context):
    rows = event.get("rows", [])
    if event.get("format") == "csv":
        return {"body": export_csv(rows)}
    return {"body": json.dumps(rows), "table": TABLE}
"""

SIMPLE = "import json\nimport pandas as pd\n\n\ndef export(rows):\n    return pd.DataFrame(rows).to_csv()\n\n\n" \
         "def handler(event, context):\n    return json.dumps(event)\n"
SIMPLE_FIXED = "import json\n\n\ndef export(rows):\n    import pandas as pd\n    return pd.DataFrame(rows).to_csv()\n" \
               "\n\ndef handler(event, context):\n    return json.dumps(event)\n"


def sam_template(*functions: str, code_uri: str = "src/") -> str:
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for name in functions:
        lines += [f"  {name}:", "    Type: AWS::Serverless::Function",
                  f"    Properties: {{CodeUri: {code_uri}, Handler: app.handler, Runtime: python3.12, Timeout: 10}}"]
    return "\n".join(lines) + "\n"


def write(root: Path, files: Dict[str, object]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def snapshot(root: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_fix_contract(project: Path, *options: str) -> Dict[str, bytes]:
    """--diff writes nothing and shows what --fix then writes; fixed files compile; a second --fix
    changes nothing.  Returns the files after the fix."""
    before = snapshot(project)
    diff = run_cli(["check", str(project), "--isolated", "--diff", *options])
    assert "internal error" not in diff.output, diff.output
    assert snapshot(project) == before
    fixed = run_cli(["check", str(project), "--isolated", "--fix", *options])
    assert "internal error" not in fixed.output, fixed.output
    after = snapshot(project)
    written = []
    for rel, data in after.items():
        if data != before.get(rel):
            compile(data, rel, "exec")
            name = f"{project}/{rel}".replace(os.sep, "/")
            old, new = before[rel], data
            written.extend(difflib.unified_diff(_text(old).splitlines(keepends=True),
                                                _text(new).splitlines(keepends=True),
                                                fromfile=f"a/{name}", tofile=f"b/{name}"))
    assert diff.stdout_bytes.decode() == "".join(written)  # (stdout turns \r\n into \n)
    again = run_cli(["check", str(project), "--isolated", "--fix", *options])
    assert snapshot(project) == after, again.output
    return after


def _text(raw: bytes) -> str:
    from lambdalint.source_text import decode_source

    return decode_source(raw).text


# -- F01: one module shared by two functions -------------------------------------------------------
def test_F01_identical_edits_of_two_functions_are_applied_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    layer = {f"layer/python/pandas/m{i}.py": "#" * 60_000 + "\n" for i in range(60)}
    layer["layer/python/pandas/__init__.py"] = "".join(f"from . import m{i}\n" for i in range(60))
    template = sam_template("FnA", "FnB") + (
        "  Layer:\n    Type: AWS::Serverless::LayerVersion\n    Properties: {ContentUri: layer/}\n")
    template = template.replace("Timeout: 10}\n", "Timeout: 10, Layers: [!Ref Layer]}\n", 1)
    write(tmp_path / "project", {"template.yaml": template, "src/app.py": HEAVY_IN_HELPER, **layer})

    report = run_cli(["check", "project", "--isolated", "--select", "LL101"])
    assert report.output.count("project/src/app.py:5:1: LL101") == 2, report.output  # two estimates

    after = assert_fix_contract(Path("project"), "--select", "LL101")
    assert after["src/app.py"].decode() == HEAVY_IN_HELPER_FIXED


def test_F01_merge_keeps_each_distinct_edit_and_skips_overlaps():
    def finding(row, *edits):
        from lambdalint.findings import Finding, FixTarget, Position, Severity

        return Finding("app.py", Position(row, 1), "LL101", Position(row, 2), f"m{row}", name="n",
                       severity=Severity.WARNING, fix={"applicability": "safe", "edits": list(edits)},
                       fix_target=FixTarget("app.py", ""))

    def edit(content, row, end_row):
        return {"content": content, "location": {"row": row, "column": 1},
                "end_location": {"row": end_row, "column": 1}}

    delete_2 = edit("", 2, 3)
    same = finding(2, delete_2, edit("    import a\n", 6, 6))
    twin = finding(2, delete_2, edit("    import a\n", 6, 6))
    other_function = finding(2, delete_2, edit("    import a\n", 9, 9))
    overlapping = finding(3, edit("", 1, 3), edit("    import b\n", 6, 6))
    edits, count = fixes.merge_edits([same, twin, other_function, overlapping])
    assert count == 3  # the overlapping one waits for the next pass
    assert sorted((e["location"]["row"], e["content"]) for e in edits) == [
        (2, ""), (6, "    import a\n"), (9, "    import a\n")]


# -- F02: a file too large to analyse is never fixed -----------------------------------------------
def test_F02_file_over_the_read_limit_is_ll002_and_never_fixed(tmp_path):
    from lambdalint.limits import MAX_READ_BYTES

    filler = ("# " + "x" * 77 + "\n") * (MAX_READ_BYTES // 80 + 1)
    source = SIMPLE + filler + "EMPTY = pd.DataFrame()  # still needs the module-level import\n"
    write(tmp_path / "big", {"app.py": source})
    result = run_cli(["check", str(tmp_path / "big"), "--isolated", "--fix"])
    assert (tmp_path / "big" / "app.py").read_text() == source
    assert "LL002" in result.output and "too large to analyse" in result.output, result.output
    assert "LL001" not in result.output and "LL101" not in result.output
    assert result.exit_code == 1


# -- F11: only files under the paths named on the command line are written ------------------------
@pytest.mark.parametrize("how", ["relative", "absolute", "folder-symlink"])
def test_F11_fix_never_writes_outside_the_named_paths(tmp_path, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "outside" / "src", {"app.py": SIMPLE})
    if how == "folder-symlink":
        (tmp_path / "proj").mkdir()
        os.symlink(tmp_path / "outside" / "src", tmp_path / "proj" / "src")
        code_uri = "src/"
    else:
        code_uri = "../outside/src" if how == "relative" else str(tmp_path / "outside" / "src")
    write(tmp_path / "proj", {"template.yaml": sam_template("F", code_uri=code_uri)})

    result = run_cli(["check", "proj", "--isolated", "--fix"])
    assert (tmp_path / "outside" / "src" / "app.py").read_text() == SIMPLE
    assert "LL101" in result.stdout  # still reported
    assert "not fixed" in result.stderr and "outside the paths given on the command line" in result.stderr
    assert result.exit_code == 1
    # named explicitly, the same file is fixed
    run_cli(["check", "proj", "outside", "--isolated", "--fix"])
    assert (tmp_path / "outside" / "src" / "app.py").read_text() == SIMPLE_FIXED


# -- F16: two --fix processes at once --------------------------------------------------------------
def test_F16_concurrent_fix_processes_never_corrupt_files(tmp_path):
    tree = {f"f{i}/app.py": HEAVY_IN_HELPER.replace('"orders"', f'"t{i}"') for i in range(6)}
    expected = {rel: HEAVY_IN_HELPER_FIXED.replace('"orders"', f'"t{i}"').encode()
                for i, rel in enumerate(tree)}
    command = [sys.executable, "-m", "lambdalint", "check", "tree", "--isolated", "--fix", "-q"]
    for trial in range(2):
        root = write(tmp_path / f"trial{trial}", {f"tree/{rel}": text for rel, text in tree.items()})
        processes = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for _ in range(2)]
        outputs = [process.communicate(timeout=60) for process in processes]
        assert all(b"internal error" not in err for _, err in outputs), outputs
        assert snapshot(root / "tree") == expected


def test_F16_a_file_changed_after_planning_is_not_overwritten(tmp_path, monkeypatch):
    from lambdalint.cli import _settings
    from lambdalint.discovery import discover
    from lambdalint.engine import lint, make_rules

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "proj", {"app.py": SIMPLE})
    registry, settings = _settings(["proj"], None, True, None, None)
    rules = make_rules(registry.select(None, [], []), settings)
    plan = fixes.plan_fixes(lambda: lint(discover(["proj"], settings), rules, settings, registry), ["proj"])
    assert [f.display for f in plan.changed] == ["proj/app.py"]
    edited_meanwhile = SIMPLE.replace("export", "export_rows")
    (tmp_path / "proj" / "app.py").write_text(edited_meanwhile)
    assert fixes.write_fixes(plan) == 0
    assert plan.refused == {"proj/app.py": "the file changed on disk since it was checked"}
    assert (tmp_path / "proj" / "app.py").read_text() == edited_meanwhile


def test_F16_fix_replaces_atomically_and_keeps_the_mode(tmp_path):
    write(tmp_path / "proj", {"app.py": SIMPLE})
    os.chmod(tmp_path / "proj" / "app.py", 0o751)
    run_cli(["check", str(tmp_path / "proj"), "--isolated", "--fix"])
    assert (tmp_path / "proj" / "app.py").read_text() == SIMPLE_FIXED
    assert stat.S_IMODE(os.stat(tmp_path / "proj" / "app.py").st_mode) == 0o751
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == ["app.py"]  # no temporary left


def test_read_only_files_are_not_fixed(tmp_path):
    write(tmp_path / "proj", {"app.py": SIMPLE})
    os.chmod(tmp_path / "proj" / "app.py", 0o444)
    result = run_cli(["check", str(tmp_path / "proj"), "--isolated", "--fix"])
    assert (tmp_path / "proj" / "app.py").read_text() == SIMPLE
    assert "not fixed" in result.stderr and "read-only" in result.stderr
    assert "internal error" not in result.output


# -- F21-F24: --diff is --fix; encodings, BOM and line endings are kept byte for byte ---------------
def test_F21_diff_shows_every_pass_that_fix_applies(tmp_path):
    source = ("import json\nimport pandas as pd\nfrom pandas import DataFrame\n\n\n"
              "def export(rows):\n    return pd.DataFrame(rows).to_csv()\n\n\n"
              "def summary(rows):\n    return DataFrame(rows).describe()\n\n\n"
              "def handler(event, context):\n    return json.dumps(event)\n")
    write(tmp_path / "proj", {"app.py": source})
    diff = run_cli(["check", str(tmp_path / "proj"), "--isolated", "--diff"])
    assert "Would fix 2 findings." in diff.stderr
    after = assert_fix_contract(tmp_path / "proj")
    assert "    from pandas import DataFrame\n" in after["app.py"].decode()
    assert "    import pandas as pd\n" in after["app.py"].decode()


@pytest.mark.parametrize("name, before, after", [
    ("F22-latin-1-cookie",
     "# -*- coding: latin-1 -*-\n# Auteur: Fran\xe7ois\n".encode("latin-1") + SIMPLE.encode(),
     "# -*- coding: latin-1 -*-\n# Auteur: Fran\xe7ois\n".encode("latin-1") + SIMPLE_FIXED.encode()),
    ("F23-bom", b"\xef\xbb\xbf" + SIMPLE.replace("import json\nimport pandas as pd\n",
                                                   "import pandas as pd\nimport json\n").encode(),
     b"\xef\xbb\xbf" + SIMPLE_FIXED.encode()),
    ("F24-mixed-line-endings", SIMPLE.replace("import json\n", "import json\r\n").encode(),
     SIMPLE_FIXED.replace("import json\n", "import json\r\n").encode()),
    ("crlf-only-in-the-function", SIMPLE.replace("export(rows):\n", "export(rows):\r\n").encode(),
     SIMPLE_FIXED.replace("export(rows):\n    import pandas as pd\n",
                          "export(rows):\r\n    import pandas as pd\n").encode()),
])
def test_F22_F23_F24_bytes_outside_the_edit_are_kept(tmp_path, name, before, after):
    write(tmp_path / "proj", {"app.py": before})
    fixed = assert_fix_contract(tmp_path / "proj")
    assert fixed["app.py"] == after


def test_a_file_that_cannot_be_written_back_byte_for_byte_is_not_fixed(tmp_path):
    # UTF-7 decodes, but "+-" and "+AD0-" spellings do not survive a round trip: refuse
    source = ("# coding: utf-7\n# a +AD0- b\n" + SIMPLE).encode("ascii")
    write(tmp_path / "proj", {"app.py": source})
    result = run_cli(["check", str(tmp_path / "proj"), "--isolated", "--fix"])
    assert (tmp_path / "proj" / "app.py").read_bytes() == source
    assert "byte for byte" in result.stderr, result.output
