"""YAML and JSON documents as plain Python values plus the line and column of every node.

PyYAML composes the node graph (the C parser when available); we build the values ourselves so
that we can (1) record a mark for every path, (2) turn CloudFormation short-form tags into their
long form, and (3) stop alias bombs: aliases are expanded under a node budget.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from lambdalint.limits import MAX_TEMPLATE_BYTES, MAX_TEMPLATE_DEPTH, MAX_TEMPLATE_NODES
from lambdalint.model.marks import Mark

Path_ = Tuple[Any, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.constructor.SafeConstructor()

# Short-form intrinsic function tags and the key of their long form.
INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "GetAtt", "Sub", "Join", "If", "Select", "Split", "FindInMap", "ImportValue", "Base64",
        "Cidr", "GetAZs", "Equals", "And", "Or", "Not", "Transform", "Length", "ToJsonString",
        "ForEach",
    )},
}


class DocumentError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class MarkedDocument:
    data: Any
    marks: Dict[Path_, Mark]  # where each value is; for mapping values, starting at their key


# A line holding only blanks and tabs is an empty line in YAML 1.2 (and for js-yaml, which the
# Serverless Framework uses); PyYAML rejects the tab.  Emptying such lines keeps every position.
_BLANK_LINE_WITH_TAB = re.compile(r"^[ ]*\t[ \t]*$", re.M)


def read_text(path: Path, what: str = "template") -> str:
    """The text of a configuration file: size-capped, UTF-8 (DocumentError with the line otherwise)."""
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise DocumentError(f"{what} larger than {MAX_TEMPLATE_BYTES // 2**20} MB")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line) from None


def load_yaml(text: str) -> MarkedDocument:
    text = _BLANK_LINE_WITH_TAB.sub("", text)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = ", ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise DocumentError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    _check_expanded_size(root)
    builder = _Builder(text.splitlines())
    data = builder.build(root, (), 0) if root is not None else None
    return MarkedDocument(data, builder.marks)


def load_json(text: str) -> MarkedDocument:
    """JSON through the YAML composer (JSON is YAML's flow style) to keep marks.

    Documents the YAML parser rejects although they are valid JSON (tabs, odd escapes) are loaded
    with `json` and have no marks beyond the first line.
    """
    try:
        json.loads(text)
    except ValueError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    try:
        return load_yaml(text)
    except DocumentError:
        return MarkedDocument(json.loads(text), {(): Mark(1, 1, 1, 1)})


def _check_expanded_size(root) -> None:
    """Count the nodes the document expands to (aliases included) on the composed graph, where
    each shared node is visited once, so that an alias bomb is refused before anything is built."""
    sizes: Dict[int, int] = {}
    stack = [(root, False)] if root is not None else []
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = ([v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 0) for child in children)
            if sizes[id(node)] > MAX_TEMPLATE_NODES:
                raise DocumentError(
                    f"document expands to more than {MAX_TEMPLATE_NODES:,} nodes "
                    "(YAML aliases nested like an alias bomb?)")
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)


class _Builder:
    def __init__(self, lines: List[str]) -> None:
        self.lines = lines
        self.marks: Dict[Path_, Mark] = {}
        self.count = 0

    def _end(self, node: yaml.Node, start_line: int) -> Tuple[int, int]:
        """1-based end.  A block collection's own end mark is the start of the next token (after
        comments and blank lines), so it ends where its last child ends."""
        for _ in range(MAX_TEMPLATE_DEPTH):
            if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) or node.flow_style or not node.value:
                break
            node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
        line, column = node.end_mark.line, node.end_mark.column
        while column == 0 and line > start_line:
            line -= 1
            column = len(self.lines[line]) if line < len(self.lines) else 0
        return line + 1, column + 1

    def build(self, node: yaml.Node, path: Path_, depth: int, key_node: yaml.Node = None) -> Any:
        self.count += 1
        if self.count > MAX_TEMPLATE_NODES:
            raise DocumentError(
                f"document expands to more than {MAX_TEMPLATE_NODES:,} nodes "
                "(YAML aliases nested like an alias bomb?)"
            )
        if depth > MAX_TEMPLATE_DEPTH:
            raise DocumentError(f"document nests deeper than {MAX_TEMPLATE_DEPTH} levels")
        start = (key_node or node).start_mark
        self.marks[path] = Mark(start.line + 1, start.column + 1, *self._end(node, start.line))
        if node.tag in INTRINSIC_TAGS:
            return self._intrinsic(node, path, depth)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> Dict[Any, Any]:
        result: Dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, path, depth + 1)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for key, value in part.items():
                            result.setdefault(key, value)
                continue
            # Keys are text in CloudFormation (a logical id `123` is the string "123").
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            result[key] = self.build(value_node, path + (key,), depth + 1, key_node)
        return result

    def _intrinsic(self, node: yaml.Node, path: Path_, depth: int) -> Dict[str, Any]:
        name = INTRINSIC_TAGS[node.tag]
        inner_path = path + (name,)
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
            self.marks[inner_path] = self.marks[path]
        elif isinstance(node, yaml.SequenceNode):
            value = [self.build(item, inner_path + (i,), depth + 1) for i, item in enumerate(node.value)]
            self.marks[inner_path] = self.marks[path]
        else:
            value = self._mapping(node, inner_path, depth)
            self.marks[inner_path] = self.marks[path]
        return {name: value}


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    tag = node.tag
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
               "tag:yaml.org,2002:null"):
        try:
            return _SCALARS.yaml_constructors[tag](_SCALARS, node)
        except (ValueError, yaml.YAMLError):
            return node.value
    return node.value  # strings, timestamps (kept as text, as CloudFormation reads them), unknown tags
