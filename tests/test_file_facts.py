"""The parse-facts cache (file_facts.FactStore, issue 12): an unchanged tree is not parsed again
(only what the handler analysis needs is read), a changed file always is (even with its old size
and modification time, when it was written just before the run), a cache that cannot be used is
ignored, and parallel parsing (`--jobs`) never changes the output."""
from __future__ import annotations

import ast
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

import lambdalint
from lambdalint import file_facts, limits
from lambdalint.model.bundle import FolderBundle
from support import materialize, run_cli

HANDLER = ("import helpers\n\n\n"
           "def handler(event, context):\n"
           "    open('out.txt', 'w')\n"
           "    return helpers.VALUE\n")
FILES = {
    "app.py": HANDLER,
    "helpers.py": "import json\n\nVALUE = json.dumps(1)  # noqa: LL301\n",
    "broken.py": "x = (\n",
}
WRITE = ("LL301 open(…, 'w') writes to 'out.txt', relative to the read-only code folder /var/task; "
         "only /tmp is writable on Lambda ([Errno 30] Read-only file system): write under "
         "tempfile.gettempdir()")
EXPECTED = [
    f"app.py:5:5: {WRITE}",
    "broken.py:1:5: LL001 syntax error for Python 3.12: '(' was never closed",
    "helpers.py:3:24: LL003 unused suppression: LL301 is not reported on this line",
    "Found 3 findings (2 errors, 1 warning) in 3 files.",
    "Checked 1 function: 1 with code.",
]
AN_HOUR_AGO_NS = time.time_ns() - 3600 * 1_000_000_000


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of this test's own (conftest's is shared by the whole session)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "code"
    materialize(FILES, root)
    make_old(root)
    monkeypatch.chdir(root)
    return root


def make_old(root: Path, mtime_ns: int = AN_HOUR_AGO_NS) -> None:
    """Files modified an hour ago: not "racy", so the cache may know them by size and mtime."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(mtime_ns, mtime_ns))


def another_module_added(root: Path) -> None:
    """A new module with no finding: whatever remembers whole runs must run the rules again,
    while the facts of the files already there stay valid (what these tests are about)."""
    number = len(list(root.glob("unrelated_*.py")))
    (root / f"unrelated_{number}.py").write_text("UNRELATED = 1\n")


def check(*options: str) -> str:
    result = run_cli(["check", ".", "--isolated", *options])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def rows(cache: Path, table: str) -> list:
    with sqlite3.connect(str(cache / file_facts.CACHE_FILE)) as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()


@pytest.fixture
def work(monkeypatch):
    """What lambdalint reads and parses of the project's files, recorded as ("read", path) and
    ("parse", path) while the test runs (in-process CLI runs)."""
    events = []
    texts = {text.encode(): rel for rel, text in FILES.items()}
    texts.update({text: rel for rel, text in FILES.items()})
    texts.update({text: "helpers.py" for text in (SOUND, UNSOUND, SOUND.encode(), UNSOUND.encode())})
    real_parse, real_read = ast.parse, FolderBundle.read

    def parse(source, *args, **kwargs):
        if source in texts:
            events.append(("parse", texts[source]))
        return real_parse(source, *args, **kwargs)

    def read(self, path):
        if path in FILES:
            events.append(("read", path))
        return real_read(self, path)

    monkeypatch.setattr(ast, "parse", parse)
    monkeypatch.setattr(FolderBundle, "read", read)
    return events


# -- an unchanged tree ----------------------------------------------------------------------------
def test_a_second_run_gives_the_same_output_and_parses_nothing(project, cache, work):
    assert check().splitlines() == EXPECTED
    assert {event for event in work if event[0] == "parse"} == {("parse", rel) for rel in FILES}
    # every file is known by its size and mtime, and its facts by its digest
    assert sorted(row[1] for row in rows(cache, "stats")) == sorted(FILES)
    kinds = {row[1] for row in rows(cache, "facts")}
    assert {"verdict:3.12", "hint", "directives", "imports"} <= kinds
    another_module_added(project)
    work.clear()
    assert check().splitlines() == EXPECTED
    # read for the handler's analysis (libcst), never parsed again; broken.py not even read
    assert set(work) == {("read", "app.py"), ("read", "helpers.py")}


def test_the_facts_of_the_cache_are_what_the_second_run_reports(project, cache):
    """The cache is trusted for an unchanged file: a verdict planted in it is what run 2 reports.
    (This is what makes the next tests prove something: a stale cache would show.)"""
    check()
    plant_verdict(cache, "planted for the test")
    another_module_added(project)
    assert "broken.py:1:1: LL001 planted for the test" in check().splitlines()


def plant_verdict(cache: Path, message: str) -> None:
    with sqlite3.connect(str(cache / file_facts.CACHE_FILE)) as db:
        db.execute("UPDATE facts SET value = ? WHERE kind = 'verdict:3.12' AND value != 'null'",
                   (json.dumps(["LL001", message, 1, 1, False]),))


def test_a_cache_written_by_another_lambdalint_is_dropped(project, cache):
    """Another version, other limits (cache_identity): its facts are never used."""
    check()
    plant_verdict(cache, "planted for the test")
    with sqlite3.connect(str(cache / file_facts.CACHE_FILE)) as db:
        db.execute("UPDATE meta SET identity = ?", (json.dumps([file_facts.CACHE_SCHEMA, "0.0.0-other", {}]),))
    another_module_added(project)
    assert check().splitlines() == EXPECTED
    assert rows(cache, "meta") == [(file_facts.cache_identity(),)]


def test_the_cache_identity_holds_the_version_and_the_limits():
    schema, version, bounds = json.loads(file_facts.cache_identity())[:3]
    assert (schema, version) == (file_facts.CACHE_SCHEMA, lambdalint.__version__)
    assert bounds["MAX_PARSED_TOKENS"] == limits.MAX_PARSED_TOKENS
    assert set(bounds) == {name for name in dir(limits) if name.isupper()}


def test_a_verdict_is_kept_per_python_version(project, cache):
    """`match` parses on python3.10 and later only: one file, two cached verdicts."""
    (project / "helpers.py").write_text("def f(x):\n    match x:\n        case _:\n            pass\n")
    make_old(project)
    on_39 = ("helpers.py:4:17: LL001 syntax error for Python 3.9: Pattern matching is only supported in "
             "Python 3.10 and greater")
    for _ in range(2):  # the second time from the cache
        assert on_39 in check("--runtime", "python3.9").splitlines()
        assert not any(line.startswith("helpers.py") for line in check("--runtime", "python3.12").splitlines())
        another_module_added(project)


# -- a changed file is read again -----------------------------------------------------------------
SOUND, UNSOUND = "VALUE = 10\n", "VALUE = (1\n"  # the same size
UNSOUND_FINDING = "helpers.py:1:9: LL001 syntax error for Python 3.12: '(' was never closed"


def test_a_file_changed_in_place_with_its_size_kept_is_read_again(project, cache):
    helpers = project / "helpers.py"
    helpers.write_text(SOUND)
    make_old(project)
    assert UNSOUND_FINDING not in check().splitlines()
    helpers.write_text(UNSOUND)
    os.utime(helpers, ns=(AN_HOUR_AGO_NS, AN_HOUR_AGO_NS + 1))  # old too, 1 ns later
    assert UNSOUND_FINDING in check().splitlines()


def test_a_racy_file_is_read_again_even_with_its_size_and_mtime_kept(project, cache):
    """Written less than RACY_SECONDS before the run: a rewrite in the same clock tick keeps size
    and mtime_ns, so such a file is never known by them."""
    helpers = project / "helpers.py"
    helpers.write_text(SOUND)
    written = os.stat(helpers).st_mtime_ns  # now: racy for the run that follows
    assert UNSOUND_FINDING not in check().splitlines()
    helpers.write_text(UNSOUND)
    os.utime(helpers, ns=(written, written))
    assert UNSOUND_FINDING in check().splitlines()


def test_an_old_file_with_size_and_mtime_kept_is_known_without_reading(project, cache):
    """The other side of the two tests above (git's and ruff's trade-off): a file modified long
    before the run is known by size and mtime_ns, so a rewrite that keeps both is not seen."""
    helpers = project / "helpers.py"
    helpers.write_text(SOUND)
    make_old(project)
    assert UNSOUND_FINDING not in check().splitlines()
    helpers.write_text(UNSOUND)
    os.utime(helpers, ns=(AN_HOUR_AGO_NS, AN_HOUR_AGO_NS))
    another_module_added(project)
    assert UNSOUND_FINDING not in check().splitlines()


# -- a cache that cannot be used ------------------------------------------------------------------
def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot a database\x13" * 64)


def _sqlite_header_then_garbage(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _a_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize("spoil", [_garbage, _sqlite_header_then_garbage, _truncated, _a_folder])
def test_a_corrupt_cache_gives_the_same_findings(project, cache, spoil):
    check()
    spoil(cache / file_facts.CACHE_FILE)
    another_module_added(project)
    assert check().splitlines() == EXPECTED
    another_module_added(project)
    assert check().splitlines() == EXPECTED


def test_a_corrupt_cache_before_the_first_run_gives_the_same_findings(project, cache):
    cache.mkdir()
    _garbage(cache / file_facts.CACHE_FILE)
    assert check().splitlines() == EXPECTED


def test_no_cache_neither_creates_nor_reads_the_cache(project, cache):
    assert check("--no-cache").splitlines() == EXPECTED
    assert not cache.exists()
    check()
    plant_verdict(cache, "planted for the test")
    another_module_added(project)
    assert check("--no-cache").splitlines() == EXPECTED


def test_a_cache_folder_that_cannot_be_created_is_ignored(project, tmp_path, monkeypatch):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(a_file / "cache"))
    assert check().splitlines() == EXPECTED
    another_module_added(project)
    assert check().splitlines() == EXPECTED
    assert a_file.read_text() == "not a folder\n"


# -- parallel parsing -----------------------------------------------------------------------------
MODULES = 260  # over file_facts.PARALLEL_MIN_FILES: the facts are computed in worker processes


def many_modules() -> dict:
    """A handler and MODULES own modules: some unsound, some with a suppression that is used,
    some with one that is not (LL003)."""
    files = {
        "app.py": ("import pkg.mod_000\n\n\ndef handler(event, context):\n"
                   "    open('out.txt', 'w')  # noqa: LL301\n"
                   "    open('other.txt', 'w')\n"
                   "    return pkg.mod_000.VALUE\n"),
        "pkg/__init__.py": "",
    }
    for number in range(MODULES):
        kind = number % 40
        if kind == 7:
            body = f"VALUE = ({number}\n"
        elif kind == 13:
            body = f"VALUE = ({number}  # noqa: LL001\n"
        elif kind == 21:
            body = f"VALUE = {number}  # noqa: LL301\n"
        else:
            body = f"import json\n\nVALUE = json.dumps({number})\n"
        files[f"pkg/mod_{number:03d}.py"] = body
    return files


def expected_many() -> list:
    lines = [f"app.py:6:5: {WRITE.replace('out.txt', 'other.txt')}"]
    for number in range(MODULES):
        if number % 40 == 7:
            lines.append(f"pkg/mod_{number:03d}.py:1:9: LL001 syntax error for Python 3.12: '(' was never closed")
        elif number % 40 == 21:
            column = len(f"VALUE = {number}  ") + 1
            lines.append(f"pkg/mod_{number:03d}.py:1:{column}: LL003 unused suppression: LL301 is not "
                         "reported on this line")
    count = len(lines)
    errors = 1 + sum(1 for number in range(MODULES) if number % 40 == 7)
    return lines + [f"Found {count} findings ({errors} errors, {count - errors} warnings) in {count} files.",
                    "Checked 1 function: 1 with code."]


@pytest.fixture
def big_project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "big"
    materialize(many_modules(), root)
    make_old(root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def computed_in_workers(monkeypatch) -> list:
    """How many files each run had computed in worker processes (engine's prefetch)."""
    counts = []
    real = file_facts.prefetch

    def prefetch(store, modules, jobs):
        counts.append(real(store, modules, jobs))
        return counts[-1]

    monkeypatch.setattr("lambdalint.engine.prefetch", prefetch)
    return counts


def test_jobs_give_byte_identical_output(big_project, tmp_path, monkeypatch, computed_in_workers):
    reference_text = check("-j", "1", "--no-cache")
    assert reference_text.splitlines() == expected_many()
    reference_json = check("-j", "1", "--no-cache", "--output-format", "json")
    assert len(json.loads(reference_json)) == len(expected_many()) - 2
    assert computed_in_workers == [0, 0]

    # each parallel run on an empty cache (or none), so that its workers do the parsing; two
    # runs only (starting workers costs ~1 s), between them both formats, both cache settings
    runs = [("2", "--no-cache", "json"), ("4", "cold", "text")]
    for jobs, cache, output_format in runs:
        monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / f"cache-{jobs}-{output_format}"))
        options = ["-j", jobs, "--output-format", output_format] + (["--no-cache"] if cache == "--no-cache" else [])
        output = check(*options)
        assert output == (reference_text if output_format == "text" else reference_json), (jobs, cache)
    assert computed_in_workers[2:] == [MODULES + 2] * len(runs)

    # the cache written by the workers' facts: a warm run computes nothing, same output
    another_module_added(big_project)
    assert check("-j", "4") == reference_text
    another_module_added(big_project)
    assert check("-j", "4", "--output-format", "json") == reference_json
    assert computed_in_workers[-2:] == [0, 0]


def test_few_files_are_never_sent_to_workers(project, cache, computed_in_workers):
    assert check("-j", "4", "--no-cache").splitlines() == EXPECTED
    assert computed_in_workers == [0]


def test_functions_sharing_a_folder_send_its_modules_to_workers_once(tmp_path, monkeypatch, cache):
    """300 functions on one code folder of 3 modules: 3 modules to parse, never 900 (which would
    start worker processes for nothing)."""
    seen = []
    monkeypatch.setattr("lambdalint.engine.prefetch", lambda store, modules, jobs: seen.append(list(modules)) or 0)
    functions = "".join(f"  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                        "      Handler: app.handler\n      Runtime: python3.12\n      Timeout: 30\n" for i in range(300))
    materialize({"template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n" + functions,
                 "src/app.py": "import helpers\n\ndef handler(event, context):\n    return helpers.go()\n",
                 "src/helpers.py": "def go():\n    return 1\n", "src/other.py": "X = 1\n"}, tmp_path)
    monkeypatch.chdir(tmp_path)
    run_cli(["check", ".", "--isolated", "--no-cache", "-j", "2"])
    assert [sorted(module.relpath for module in modules) for modules in seen] == [["app.py", "helpers.py", "other.py"]]
