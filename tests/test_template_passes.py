"""A YAML template is read in one pass over its events (issue 12): values, marks and the limits on
what it expands to come from the same walk; marks are looked up in the tree the builder made,
never copied into a table of every path; a template's text is not kept split into lines."""
from __future__ import annotations

import random

import pytest

from lambdalint.loaders import marked_yaml
from lambdalint.loaders.marked_yaml import ExpansionError, MarkTree, _flatten, load_json, load_yaml
from lambdalint.model.template import Template, TextLines

DOCUMENTS = [
    "a: 1\n",
    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 30\n"
    "      Role: !GetAtt Role.Arn\n      Env: !Sub\n        - '${A}'\n        - A: !Ref X\n",
    "base: &b\n  env: {A: '1'}\n  t: 3\nfn:\n  <<: *b\n  t: 5\nlist:\n  - *b\n  - *b\n",
    "a: &a [1, 2]\nb: {<<: [{x: 1}, {y: 2}], z: *a}\nc: [[], {}, '', ~]\n",
    "code: |\n  import os\n\n  def handler(e, c):\n    return 1\n\nnext: >-\n  folded\n  text\n",
    "- 1\n- [a, {b: c}]\n- !If [Cond, !Ref A, !Ref AWS::NoValue]\n",
    "k1: v\n'123': number key\n? complex\n: value\n",
    '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 3}}}}',
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_marks_read_from_the_tree_equal_the_table_of_every_path(text: str) -> None:
    marks = load_yaml(text).marks
    assert isinstance(marks, MarkTree)
    table = _flatten(marks._root)
    assert len(table) > 1
    for path, mark in table.items():
        assert marks[path] == mark and path in marks and marks.get(path) == mark
    assert dict(marks) == table and len(marks) == len(table)


def test_paths_that_are_not_in_the_document_have_no_mark() -> None:
    marks = load_yaml(DOCUMENTS[2]).marks
    assert marks[("list", 1)].line == 9 and marks[("list", True)].line == 9  # as a dict finds it
    for missing in [("list", 2), ("list", -1), ("list", "1"), ("base", 0), ("nope",), ("base", "t", "x"),
                    ["list", 1], "list"]:
        assert missing not in marks and marks.get(missing) is None
    with pytest.raises(KeyError):
        marks[("list", 2)]  # noqa: B018
    assert marks[()].line == 1


def test_marks_are_found_in_any_order_of_lookups() -> None:
    marks = load_yaml(DOCUMENTS[1]).marks
    table = _flatten(marks._root)
    paths = list(table)
    random.Random(7).shuffle(paths)
    assert [marks[path] for path in paths] == [table[path] for path in paths]


def test_loading_walks_the_document_once(monkeypatch) -> None:
    def second_walk(root):
        raise AssertionError("the document was walked again after its events")
    monkeypatch.setattr(marked_yaml, "_flatten", second_walk)
    document = load_yaml(DOCUMENTS[2])
    assert document.marks[("fn", "t")].line == 6


def test_limits_are_still_applied_while_reading() -> None:
    with pytest.raises(ExpansionError, match="recursive alias") as error:
        load_yaml("a: 1\nb: &b\n  c: *b\n")
    assert error.value.line == 3
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(99 + i)}: &{chr(99 + i)} [{', '.join(['*' + chr(98 + i if i else 97)] * 10)}]\n" for i in range(6))
    with pytest.raises(ExpansionError, match="alias bomb"):
        load_yaml(bomb)


def test_json_fallback_keeps_a_plain_table() -> None:
    document = load_json('{"' + "k" * 2000 + '": 1}')  # a key too long for the YAML parser
    assert document.marks[()].line == 1


def test_text_lines_are_the_text_split_as_splitlines_does() -> None:
    rng = random.Random(11)
    pieces = ["a", "b c", "# x", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", ""]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        lines = TextLines(text)
        lines._CHUNK = rng.randint(1, 6)  # cut often: no line or "\r\n" is ever split
        assert list(lines) == text.splitlines()
        assert len(lines) == len(text.splitlines()) and lines[1:3] == text.splitlines()[1:3]
        assert list(lines) == text.splitlines()  # again, once indexing kept the list


def test_a_template_does_not_keep_its_lines_unless_indexed(tmp_path) -> None:
    text = "Resources:  # lambdalint: ignore[LL601]\n  Fn:\n    Type: X\n"
    template = Template(tmp_path / "t.yaml", "t.yaml", {"Resources": {}}, {}, text,
                        other_files=[("b.tf", "x = 1\r\ny = 2")])
    assert template.lines._lines is None
    assert [(name, list(lines)) for name, lines in template.source_files] == [
        ("t.yaml", text.splitlines()), ("b.tf", ["x = 1", "y = 2"])]
    assert template.lines._lines is None  # reading the comments kept nothing
    assert template.lines[0].startswith("Resources") and len(template.lines) == 3
