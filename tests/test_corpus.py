"""The handler corpus (tests/corpus/): each entry gives exactly the findings its README row lists.

The README table is the single statement of what is expected, so the documentation and this test
cannot drift apart: a row's "Expected findings" must all be reported and nothing else, and a
finding listed under "Not met yet" must not appear until the row is updated."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, NamedTuple, Set, Tuple

import pytest

from support import check_json

CORPUS = Path(__file__).resolve().parent / "corpus"
HANDLERS = CORPUS / "handlers"
README = CORPUS / "README.md"

TABLE_ROW = re.compile(r"^\| `(?P<entry>[^`]+)` \|(?P<cells>.*)\|$")
FINDING = re.compile(r"(?P<code>LL\d{3}) (?:(?P<file>\S+\.py) )?line (?P<lines>\d+(?: or \d+)*)")


class Row(NamedTuple):
    entry: str
    expected: Set[Tuple[str, str, int]]  # (code, file relative to HANDLERS, line)
    not_met: List[Tuple[str, str, Set[int]]]  # (code, file, lines where it may be placed)


def _findings(cell: str, entry: str) -> List[Tuple[str, str, List[int]]]:
    parsed = []
    for match in FINDING.finditer(cell):
        file = f"{entry.rstrip('/')}/{match['file']}" if match["file"] else entry
        parsed.append((match["code"], file, [int(n) for n in match["lines"].split(" or ")]))
    if not parsed and cell.strip() not in ("", "none"):
        raise AssertionError(f"README row {entry}: cannot read findings from {cell!r}")
    return parsed


def readme_rows() -> Dict[str, Row]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = TABLE_ROW.match(line)
        if not match:
            continue
        cells = match["cells"].split(" | ")
        entry, expected_cell, not_met_cell = match["entry"], cells[-2], cells[-1]
        expected = {(code, file, lines[0]) for code, file, lines in _findings(expected_cell, entry)}
        not_met = [(code, file, set(lines)) for code, file, lines in _findings(not_met_cell, entry)]
        rows[entry.rstrip("/")] = Row(entry.rstrip("/"), expected, not_met)
    return rows


ROWS = readme_rows()


def test_readme_describes_every_entry_and_only_those():
    on_disk = {path.name for path in HANDLERS.iterdir() if path.suffix == ".py" or path.is_dir()}
    on_disk.discard("__pycache__")
    assert set(ROWS) == on_disk


@pytest.mark.parametrize("entry", sorted(ROWS))
def test_corpus_entry_findings_match_readme(entry, monkeypatch):
    monkeypatch.chdir(HANDLERS)
    row = ROWS[entry]
    reported = {(f["code"], f["filename"], f["location"]["row"]) for f in check_json([entry])}
    for code, file, lines in row.not_met:
        closed = {(c, f, n) for c, f, n in reported if c == code and f == file and n in lines}
        assert not closed, f"{code} in {file} is now reported: move it to Expected findings in README"
    assert reported - row.expected == set(), "reported but not in README's Expected findings"
    assert row.expected - reported == set(), "in README's Expected findings but not reported"


def _corpus_files() -> List[Path]:
    return sorted(HANDLERS.rglob("*.py"))


def test_corpus_is_written_for_this_repository():
    """No copied third-party files: no provenance headers, licence lines or links to copied files."""
    for path in [README, *_corpus_files()]:
        text = path.read_text(encoding="utf-8")
        for marker in ("# Source:", "# Licence:", "Copied unmodified", "http://", "https://"):
            assert marker not in text, f"{path.name}: {marker}"


def test_byte_level_properties_are_kept():
    crlf = (HANDLERS / "tmp_unique_names_never_removed.py").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 10
    assert not crlf.endswith(b"\n")
    for name in ("event_mutation_only.py", "clean_greeting.py"):
        assert not (HANDLERS / name).read_bytes().endswith(b"\n"), name
    indents = {len(line) - len(line.lstrip(" "))
               for line in (HANDLERS / "two_space_indent.py").read_text(encoding="utf-8").splitlines()}
    assert 2 in indents and all(width % 2 == 0 for width in indents) and 4 in indents
    assert any(width % 4 for width in indents)


def test_python2_idioms_parse_with_python3_grammar():
    import ast

    source = (HANDLERS / "python2_idioms.py").read_text(encoding="utf-8")
    ast.parse(source)
    assert ".iteritems()" in source and "urllib.unquote_plus" in source


def test_fuzz_seeds_include_the_corpus():
    from fuzz_inputs import python_seeds

    seeds = set(python_seeds())
    assert all(path.read_bytes() in seeds for path in _corpus_files())
