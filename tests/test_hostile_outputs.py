"""Hostile inputs against the output contracts, the configuration, baselines and `--output-file`
(issue 10: F09, F25, F26, F27).

Every report is valid UTF-8 with one line per finding whatever the file names hold; a wrongly
typed configuration or baseline is a clear exit-2 message naming the file; the report never
replaces an input and is written whole or not at all."""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from lambdalint.config import ConfigError, find_config, load_settings
from lambdalint.output import printable
from lambdalint.registry import default_registry
from support import materialize, run_bounded, run_cli

HANDLER = "def handler(event, context):\n    open('out', 'w')\n    return 1\n"  # one LL301
UNDECODABLE = os.fsdecode(b"bad\xff\xfe.py")  # 'bad\udcff\udcfe.py'
ESCAPED = "bad\\udcff\\udcfe.py"


def _assert_clean_error(result, *words: str) -> None:
    """Exit 2 with a one-line `lambdalint: error:` message holding these words."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("lambdalint: error: "), result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def _write_name(folder: Path, name: str, text: str) -> Path:
    """A file whose name the file system may refuse (macOS refuses bytes that are not UTF-8)."""
    path = folder / name
    try:
        path.write_text(text, encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip(f"this file system refuses the name {name!r}")
    return path


# -- F09: names that are not UTF-8, control characters ----------------------------------------------

def test_printable_escapes_what_could_corrupt_or_disguise_a_report():
    assert printable(UNDECODABLE) == ESCAPED  # surrogate escapes of undecodable bytes
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"  # no forged lines
    assert printable("\x00\x1b[31m\x7f\x85") == "\\x00\\x1b[31m\\x7f\\x85"  # C0, DEL, C1 controls
    assert printable("x\u2028y\u202ez\u2066") == "x\\u2028y\\u202ez\\u2066"  # separators, bidi
    assert printable("\ud800") == "\\ud800"  # a lone surrogate from a template's "\ud800"
    ordinary = "naïve café/日本/emoji 👍 ~!@#$%^&*()[]{}:;,'\"\\ spaces"
    assert printable(ordinary) == ordinary


@pytest.fixture
def undecodable_project(tmp_path, monkeypatch):
    if sys.platform == "darwin":
        pytest.skip("APFS refuses file names that are not UTF-8")
    (tmp_path / "proj").mkdir()
    _write_name(tmp_path / "proj", UNDECODABLE, HANDLER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_F09_invalid_utf8_filename_outputs(undecodable_project, fmt):
    result = run_cli(["check", "proj", "--isolated", "--output-format", fmt])
    assert result.exit_code == 1, result.output
    report = result.stdout_bytes.decode("utf-8")  # valid UTF-8, or this raises
    if fmt == "json":
        assert json.loads(report)[0]["filename"] == f"proj/{ESCAPED}"
    elif fmt == "sarif":
        result_0 = json.loads(report)["runs"][0]["results"][0]
        uri = result_0["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "proj/bad%FF%FE.py"  # the exact bytes of the name, percent-encoded
    elif fmt == "github":
        assert report.startswith(f"::error title=lambdalint (LL301),file=proj/{ESCAPED},line=2,")
    else:
        assert report.startswith(f"proj/{ESCAPED}:2:5: LL301 ")

    written = run_cli(["check", "proj", "--isolated", "--output-format", fmt, "--output-file", f"out.{fmt}"])
    assert written.exit_code == 1, written.output
    assert (undecodable_project / f"out.{fmt}").read_bytes() == result.stdout_bytes


@pytest.mark.parametrize("command,fmt", [("size", "text"), ("size", "json"), ("size", "html"),
                                         ("coldstart", "text"), ("coldstart", "json")])
def test_F09_size_and_coldstart_reports(undecodable_project, command, fmt):
    result = run_cli([command, "proj", "--isolated", "--output-format", fmt])
    assert result.exit_code == 0, result.output
    report = result.stdout_bytes.decode("utf-8")
    if fmt == "json":
        document = json.loads(report)
        shown = document["functions"][0]["handler" if command == "coldstart" else "function"]
        assert shown == ("bad\\udcff\\udcfe.handler" if command == "coldstart" else "proj")
    elif command == "coldstart":
        assert report.startswith("proj  bad\\udcff\\udcfe.handler  python3.12")
    if command == "size":
        written = run_cli([command, "proj", "--isolated", "--output-format", fmt, "--output-file", "size.out"])
        assert written.exit_code == 0, written.output
        assert (undecodable_project / "size.out").read_bytes() == result.stdout_bytes


FORGED = "a\n::error title=forged::pwned\r\u202e.py"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_F09_control_characters_in_names_cannot_forge_lines(tmp_path, monkeypatch, fmt):
    (tmp_path / "proj").mkdir()
    _write_name(tmp_path / "proj", FORGED, HANDLER)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["check", "proj", "--isolated", "--output-format", fmt])
    assert result.exit_code == 1, result.output
    lines = result.stdout_bytes.decode("utf-8").split("\n")
    assert lines[-1] == "" and "\r" not in result.stdout
    if fmt == "github":
        assert len(lines) == 2 and lines[0].startswith("::error title=lambdalint (LL301),file=proj/a\\n")
        assert "%3A%3Aerror title=forged%3A%3Apwned\\r\\u202e.py," in lines[0]
    else:
        assert lines[0].startswith("proj/a\\n::error title=forged::pwned\\r\\u202e.py:2:5: LL301 ")
        assert lines[1].startswith("Found 1 finding")


def test_F09_json_keeps_names_printable_and_parses(tmp_path, monkeypatch):
    (tmp_path / "proj").mkdir()
    _write_name(tmp_path / "proj", FORGED, HANDLER)
    monkeypatch.chdir(tmp_path)
    for fmt in ("json", "sarif"):
        document = json.loads(run_cli(["check", "proj", "--isolated", "--output-format", fmt]).stdout_bytes)
        assert document


# -- F26: SARIF URIs --------------------------------------------------------------------------------

def _sarif_uris(args):
    document = json.loads(run_cli(["check", *args, "--isolated", "--output-format", "sarif"]).stdout_bytes)
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]]


def test_F26_sarif_uri_not_encoded(tmp_path, monkeypatch):
    names = ["sp ace#frag?q.py", "100%.py", "é.py", "a:b.py"]
    (tmp_path / "proj").mkdir()
    for name in names:
        _write_name(tmp_path / "proj", name, HANDLER)
    monkeypatch.chdir(tmp_path)
    locations = _sarif_uris(["proj"])
    assert sorted(location["uri"] for location in locations) == sorted(
        ["proj/sp%20ace%23frag%3Fq.py", "proj/100%25.py", "proj/%C3%A9.py", "proj/a%3Ab.py"])
    for location in locations:
        assert location["uriBaseId"] == "%SRCROOT%"  # relative to the repository root
        parts = urlsplit(location["uri"])
        assert not parts.scheme and not parts.query and not parts.fragment
        assert unquote(parts.path).split("/", 1)[1] in names


def test_F26_sarif_uri_outside_the_working_folder_is_an_absolute_file_uri(tmp_path, monkeypatch):
    (tmp_path / "elsewhere dir").mkdir()
    (tmp_path / "cwd").mkdir()
    _write_name(tmp_path / "elsewhere dir", "app#1.py", HANDLER)
    monkeypatch.chdir(tmp_path / "cwd")
    [location] = _sarif_uris([str(tmp_path / "elsewhere dir")])
    assert "uriBaseId" not in location
    assert location["uri"] == (tmp_path / "elsewhere dir" / "app#1.py").as_uri()


# -- F25: configuration and baselines of the wrong shape ------------------------------------------

def test_F25_tool_not_a_table_found_automatically_is_not_ours(tmp_path, monkeypatch):
    """`tool = 1` in a pyproject.toml above the checked path configures other tools or nothing:
    it holds no lambdalint configuration, so the check runs with the defaults."""
    materialize({"pyproject.toml": "tool = 1\n", "src/app.py": HANDLER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert find_config(tmp_path / "src") is None
    result = run_cli(["check", "src", "--output-format", "json"])
    assert result.exit_code == 1 and [f["code"] for f in json.loads(result.stdout)] == ["LL301"]


@pytest.mark.parametrize("text,key", [('[tool]\nlambdalint = "x"\n', "'tool.lambdalint': expected a table"),
                                      ("[tool]\nlambdalint = [1]\n", "'tool.lambdalint': expected a table")])
def test_F25_config_baseline_internal_errors(tmp_path, monkeypatch, text, key):
    materialize({"pyproject.toml": text, "src/app.py": HANDLER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    _assert_clean_error(run_cli(["check", "src"]), "pyproject.toml", key)  # found automatically
    _assert_clean_error(run_cli(["check", "src", "--config", "pyproject.toml"]), "pyproject.toml", key)


def test_F25_tool_not_a_table_named_with_config(tmp_path, monkeypatch):
    materialize({"cfg/pyproject.toml": 'tool = "x"\n', "src/app.py": HANDLER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    _assert_clean_error(run_cli(["check", "src", "--config", "cfg/pyproject.toml"]),
                        "cfg/pyproject.toml", "invalid configuration key 'tool': expected a table")


_WRONG_VALUES = {
    "list of strings": ["1", "1.5", "true", '"LL301"', "[1]", '["LL301", 2]', "[[]]", "{}", "1979-05-27"],
    "string": ["1", "true", "[]", '["python3.12"]', "{}", "1979-05-27T07:32:00Z", "nan"],
    "table": ["1", '"x"', "[]", "true", '["a"]'],
    "int": ['"50"', "1.5", "true", "[]", "{}", "-1", "1979-05-27", "[1]"],
    "float": ['"1"', "true", "[]", "{}", "nan", "inf", "-inf", "-1.0", "1" + "0" * 400],
    "severity": ["1", '"fatal"', "[]", '["error"]', "{}", "true"],
}
_SCHEMA = [
    ("select", "list of strings"), ("extend-select", "list of strings"), ("ignore", "list of strings"),
    ("exclude", "list of strings"), ("runtime", "string"), ("architecture", "string"),
    ("per-file-ignores", "table"), ('per-file-ignores."src/*"', "list of strings"),
    ("rules", "table"), ("rules.LL101", "table"), ("rules.LL101.heavy-import-ms", "int"),
    ("rules.LL103.init-budget-ms", "int"), ("rules.LL211.bloat-threshold-mb", "float"),
    ("rules.LL101.severity", "severity"),
]


def _documents():
    for key, kind in _SCHEMA:
        for value in _WRONG_VALUES[kind]:
            if kind == "list of strings" and key == "exclude" and value == '"LL301"':
                continue
            yield key, value


@pytest.mark.parametrize("flavour", ["lambdalint.toml", "pyproject.toml"])
def test_F25_every_key_with_wrong_types(tmp_path, flavour):
    """Every key of the schema with values of every wrong type: a ConfigError naming the file and
    the key, never another exception (which the command line would show as an internal error)."""
    registry = default_registry()
    prefix = "tool.lambdalint." if flavour == "pyproject.toml" else ""
    count = 0
    for index, (key, value) in enumerate(_documents()):
        path = tmp_path / str(index) / flavour
        path.parent.mkdir()
        path.write_text(f"{prefix}{key} = {value}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as error:
            load_settings(path, registry)
        message = str(error.value)
        assert message.startswith(f"{path}: invalid configuration key '{prefix}"), message
        assert key.split(".")[0].strip('"') in message, message
        count += 1
    assert count > 90


def test_F25_wrong_types_on_the_command_line(tmp_path, monkeypatch):
    materialize({"src/app.py": HANDLER}, tmp_path)
    monkeypatch.chdir(tmp_path)
    for text in ["select = 1\n", "[rules.LL211]\nbloat-threshold-mb = 1" + "0" * 400 + "\n",
                 "[rules]\nLL101 = 5\n", "runtime = [\"python3.12\"]\n", "x = [" * 5000 + "]" * 5000]:
        Path("lambdalint.toml").write_text(text, encoding="utf-8")
        result = run_cli(["check", "src"])
        _assert_clean_error(result, "lambdalint.toml")


_NOT_BASELINES = {
    "count-infinite": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": null, '
                      '"key": "x", "count": 1e400}]}',
    "count-nan": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": null, '
                 '"key": "x", "count": NaN}]}',
    "count-huge": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": null, '
                  '"key": "x", "count": 1' + "0" * 5000 + "}]}",
    "count-bool": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": null, '
                  '"key": "x", "count": true}]}',
    "count-negative": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": null, '
                      '"key": "x", "count": -1}]}',
    "deep": "[" * 100_000 + "]" * 100_000,
    "array": "[]",
    "no-version": '{"findings": []}',
    "findings-not-list": '{"version": 1, "findings": {}}',
    "entry-not-object": '{"version": 1, "findings": [1]}',
    "code-not-string": '{"version": 1, "findings": [{"code": 1, "filename": "f", "key": "x", "count": 1}]}',
    "member-not-string": '{"version": 1, "findings": [{"code": "LL301", "filename": "f", "member": [], '
                         '"key": "x", "count": 1}]}',
    "not-json": "version = 1\n",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(_NOT_BASELINES))
def test_F25_not_a_baseline(tmp_path, monkeypatch, name):
    materialize({"src/app.py": HANDLER, "baseline.json": _NOT_BASELINES[name]}, tmp_path)
    monkeypatch.chdir(tmp_path)
    _assert_clean_error(run_cli(["check", "src", "--isolated", "--baseline", "baseline.json"]),
                        "baseline.json: not a lambdalint baseline (")


def test_F25_baseline_not_utf8(tmp_path, monkeypatch):
    materialize({"src/app.py": HANDLER}, tmp_path)
    (tmp_path / "baseline.json").write_bytes(b'{"version": 1, "findings": ["\xff"]}')
    monkeypatch.chdir(tmp_path)
    _assert_clean_error(run_cli(["check", "src", "--isolated", "--baseline", "baseline.json"]),
                        "not a lambdalint baseline (not valid UTF-8")


def test_F25_baseline_round_trip_with_an_undecodable_name(undecodable_project):
    written = run_cli(["check", "proj", "--isolated", "--write-baseline", "baseline.json"])
    assert written.exit_code == 0, written.output
    (undecodable_project / "baseline.json").read_bytes().decode("ascii")
    result = run_cli(["check", "proj", "--isolated", "--baseline", "baseline.json"])
    assert result.exit_code == 0, result.output


def test_F25_special_files_as_config_and_baseline(tmp_path):
    """A FIFO, /dev/zero or a symlink to one as --config or --baseline: exit 2 at once (F04)."""
    if not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"):
        pytest.skip("needs FIFOs and /dev/zero")
    materialize({"src/app.py": HANDLER}, tmp_path)
    os.mkfifo(tmp_path / "fifo.toml")
    os.symlink("/dev/zero", tmp_path / "zero.json")
    for option, path, words in [("--config", "fifo.toml", "cannot read configuration: not a regular file (a FIFO)"),
                                ("--baseline", "zero.json", "not a lambdalint baseline (not a regular file")]:
        outcome = run_bounded(["check", "src", option, path], cwd=tmp_path, timeout=20)
        assert outcome["rc"] == 2 and not outcome["timed_out"], outcome
        assert outcome["stderr"].startswith(f"lambdalint: error: {path}: {words}"), outcome["stderr"]
        assert outcome["seconds"] < 5 and outcome["maxrss_kb"] < 300 * 1024, outcome


def test_F25_config_too_large(tmp_path, monkeypatch):
    materialize({"src/app.py": HANDLER, "lambdalint.toml": "# padding\n" * 200_000}, tmp_path)
    monkeypatch.chdir(tmp_path)
    _assert_clean_error(run_cli(["check", "src"]), "lambdalint.toml: cannot read configuration: larger than 1 MiB")


# -- F27: where the report goes ---------------------------------------------------------------------

@pytest.fixture
def checked(tmp_path, monkeypatch):
    materialize({"proj/src/app.py": HANDLER, "afile": "x\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob(".lambdalint-*")]


def test_F27_minor_cli_file_handling(checked):
    os.symlink(checked / "nowhere" / "x.txt", checked / "dangling.txt")
    for target, reason in [("afile/out.json", "afile is a file, not a folder"),
                           ("a" * 300, "a component of the path is longer than 255 bytes"),
                           ("dangling.txt", "No such file or directory (a symbolic link to ")]:
        result = run_cli(["check", "proj", "--isolated", "--output-file", target])
        _assert_clean_error(result, f"lambdalint: error: cannot write {target}: {reason}")
    assert _no_temporary_files(checked) and not (checked / "nowhere").exists()


@pytest.mark.parametrize("command", ["check", "size"])
def test_F27_output_file_never_replaces_an_input(checked, command):
    os.symlink(checked / "proj" / "src" / "app.py", checked / "link.py")
    os.link(checked / "proj" / "src" / "app.py", checked / "hardlink.txt")
    os.symlink(checked / "proj" / "src" / "app.py", checked / "report.txt")
    for paths, target in [(["proj/src/app.py"], "proj/src/app.py"),  # the named input itself
                          (["proj/src/app.py"], "link.py"),  # through a symlink
                          (["proj/src/app.py"], "hardlink.txt"),  # through a hard link
                          (["proj"], "proj/src/app.py"),  # a source inside a named folder
                          (["proj"], "report.txt")]:  # the same, through a symlink
        result = run_cli([command, *paths, "--isolated", "--output-file", target])
        _assert_clean_error(result, f"refusing to write the report to {target}: it is")
    assert (checked / "proj" / "src" / "app.py").read_text(encoding="utf-8") == HANDLER


def test_F27_baseline_and_config_are_inputs_too(checked):
    Path("lambdalint.toml").write_text('ignore = ["LL601"]\n', encoding="utf-8")
    _assert_clean_error(run_cli(["check", "proj", "--write-baseline", "lambdalint.toml"]),
                        "refusing to write the report to lambdalint.toml: it is an input")
    assert run_cli(["check", "proj", "--write-baseline", "base.json"]).exit_code == 0
    _assert_clean_error(run_cli(["check", "proj", "--baseline", "base.json", "--output-file", "base.json"]),
                        "it is an input (base.json)")
    assert Path("lambdalint.toml").read_text(encoding="utf-8") == 'ignore = ["LL601"]\n'


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_F27_a_new_report_replaces_an_old_one_in_the_checked_folder(checked, fmt):
    materialize({"proj/template.json": json.dumps({"Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "src/", "Timeout": 1000}}}})},
        checked)
    for _ in range(2):  # the second run finds the first report inside the checked folder
        result = run_cli(["check", "proj", "--isolated", "--output-format", fmt, "--output-file", "proj/report.json"])
        assert result.exit_code == 1 and result.stdout == "", result.output
    json.loads((checked / "proj" / "report.json").read_text(encoding="utf-8"))
    result = run_cli(["check", "proj", "--isolated", "--output-file", "proj/template.json"])  # but not a template
    _assert_clean_error(result, "it is a file lambdalint checks in proj")


def test_F27_output_file_dash_is_stdout(checked):
    result = run_cli(["check", "proj", "--isolated", "--output-file", "-"])
    assert result.exit_code == 1 and result.stdout.startswith("proj/src/app.py:2:5: LL301 ")
    assert not (checked / "-").exists()


def test_F27_report_written_atomically_keeping_mode_and_symlink(checked):
    report = checked / "reports" / "out.txt"
    report.parent.mkdir()
    report.write_text("old report\n", encoding="utf-8")
    report.chmod(0o640)
    os.symlink(report, checked / "current.txt")
    result = run_cli(["check", "proj", "--isolated", "--output-file", "current.txt"])
    assert result.exit_code == 1, result.output
    assert (checked / "current.txt").is_symlink()  # the link stays, its target is replaced
    assert report.read_text(encoding="utf-8").startswith("proj/src/app.py:2:5: LL301 ")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert _no_temporary_files(checked)
    if os.path.exists("/dev/null"):  # a device is written in place, never replaced
        assert run_cli(["check", "proj", "--isolated", "--output-file", "/dev/null"]).exit_code == 1
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_F27_new_folders_for_the_report_are_made(checked):
    result = run_cli(["size", "proj", "--isolated", "--output-format", "json", "--output-file", "a/b/size.json"])
    assert result.exit_code == 0, result.output
    json.loads((checked / "a" / "b" / "size.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_F27_standard_output_that_cannot_be_written(checked):
    """A full disk behind standard output, or a reader that went away: a clear exit 2."""
    import subprocess

    command = [sys.executable, "-m", "lambdalint", "check", "proj", "--isolated"]
    with open("/dev/full", "wb") as full:
        outcome = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, timeout=60, check=False)
    assert outcome.returncode == 2
    assert outcome.stderr.decode() == ("lambdalint: error: cannot write the report to standard output: "
                                       "No space left on device\n")
    with subprocess.Popen(command + ["--output-format", "sarif"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as reader_gone:
        reader_gone.stdout.close()
        assert reader_gone.wait(timeout=60) == 2
        assert reader_gone.stderr.read().decode() == ("lambdalint: error: cannot write the report: "
                                                      "standard output was closed by its reader\n")
