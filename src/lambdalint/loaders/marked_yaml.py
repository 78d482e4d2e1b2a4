"""YAML and JSON documents as plain Python values plus the line and column of every node.

PyYAML parses (the C parser when available); we build the values from its events ourselves so
that we can (1) record a mark for every path, (2) turn CloudFormation short-form tags into their
long form, and (3) bound what a document expands to: nodes, characters and depth are counted as
the events arrive, aliases included, and an alias inside its own anchor is refused.  That one pass
over the events is the only walk over the document: the marks are read from the tree it leaves
(`MarkTree`), never copied into a table of every path.
"""
from __future__ import annotations

import codecs
import collections.abc
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

from lambdalint.files import UnreadableFile, read_file
from lambdalint.limits import (MAX_EXPANDED_CHARS, MAX_TEMPLATE_BYTES, MAX_TEMPLATE_DEPTH,
                               MAX_TEMPLATE_NODES)
from lambdalint.loaders.expansion import copy_value, number_from_text, value_size
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
    marks: Mapping[Path_, Mark]  # where each value is; for mapping values, starting at their key


# A line holding only blanks and tabs is an empty line in YAML 1.2 (and for js-yaml, which the
# Serverless Framework uses); PyYAML rejects the tab.  Emptying such lines keeps every position.
_BLANK_LINE_WITH_TAB = re.compile(r"^[ ]*\t[ \t]*$", re.M)


def read_text(path: Path, what: str = "template") -> str:
    """The text of a configuration file: a regular file, size-capped, UTF-8 text (DocumentError
    with the message for LL002, and the line where it applies, otherwise)."""
    try:
        raw = read_file(path, MAX_TEMPLATE_BYTES, what)
    except UnreadableFile as exc:  # a FIFO, a device, permission denied, too large
        raise DocumentError(str(exc)) from None
    problem = utf8_problem(raw)
    if problem is not None:
        raise DocumentError(*problem)
    return raw.decode("utf-8-sig")


# Byte order marks of the other encodings YAML allows (mark, codec, name); lambdalint reads UTF-8
# only, as CloudFormation, Terraform and JSON do.  UTF-32 comes first: its little-endian mark
# begins with UTF-16's.
OTHER_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
                          (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
                          (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
                          (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"))


def utf8_problem(raw: bytes, complete: bool = True) -> Optional[Tuple[str, int]]:
    """Why these bytes are not UTF-8 text a configuration parser can take, and on which line; None
    when they are.  With `complete` false, `raw` is the head of a longer file, and a character cut
    at its end is not an error."""
    for bom, _, name in OTHER_BYTE_ORDER_MARKS:
        if raw.startswith(bom):
            return f"not valid UTF-8: {name} text (byte order mark)", 1
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if complete or exc.reason != "unexpected end of data":
            line = raw[: exc.start].count(b"\n") + 1
            return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line
    nul = raw.find(b"\0")
    if nul >= 0:  # neither YAML, JSON nor HCL accepts one: binary content
        return "not a text file (a NUL byte)", raw[:nul].count(b"\n") + 1
    return None


class ExpansionError(DocumentError):
    """A well-formed document that expands past a limit, or into itself (a recursive alias)."""


def load_yaml(text: str) -> MarkedDocument:
    """Build the document from PyYAML's event stream (the C parser when available).

    Building from events rather than from `yaml.compose` keeps every limit ahead of the memory it
    protects: nodes, characters and depth are counted as the events arrive (an alias counts the
    whole value it copies), so a document is refused before its expansion exists, and an alias to
    a node that is still open (`a: &a [*a]`) is refused as a recursive alias on its own line."""
    text = _BLANK_LINE_WITH_TAB.sub("", text)
    builder = _Builder(text)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.add(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = ", ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise DocumentError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    except RecursionError:  # PyYAML's pure-Python parser (no libyaml) on deeply nested collections
        raise ExpansionError(f"document nests deeper than {MAX_TEMPLATE_DEPTH} levels") from None
    return builder.document()


def load_json(text: str) -> MarkedDocument:
    """JSON through the YAML parser (JSON is YAML's flow style) to keep marks.

    The text is first checked as strict JSON.  Documents the YAML parser rejects although they are
    valid JSON (keys over 1,024 characters; with libyaml, escaped surrogate pairs) are taken from
    `json` under the same limits, with no marks beyond the first line."""
    data = _strict_json(text)
    try:
        return load_yaml(text)
    except ExpansionError:
        raise
    except DocumentError:
        pass
    _check_limits(data)
    return MarkedDocument(data, {(): Mark(1, 1, 1, 1)})


def _strict_json(text: str) -> Any:
    # json.loads builds every value at once (a list costs 56 bytes, `[[],[],...]` 20 times its
    # text).  It makes at most two objects (a key and a value) for each `,`, `[` or `{`: a text
    # with more of these than a document may have nodes is refused unread.  (Counting them in
    # strings too errs on the safe side; a deployable template is far from the limit.)
    if sum(map(text.count, ",[{")) > MAX_TEMPLATE_NODES:
        raise ExpansionError(f"document has more than {MAX_TEMPLATE_NODES:,} values")
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:  # json's own guard against deep nesting (`[[[[...` 100,000 deep)
        raise ExpansionError(f"document nests deeper than {MAX_TEMPLATE_DEPTH} levels") from None
    except (ValueError, MemoryError) as exc:
        raise DocumentError(f"invalid JSON: {exc}") from None


def _json_int(text: str) -> Any:
    return number_from_text(text, int)


def _json_float(text: str) -> Any:
    return number_from_text(text, float)


def _check_limits(data: Any) -> None:
    """The limits load_yaml applies as it reads, on a value built by other means (json)."""
    nodes, chars = value_size(data, MAX_TEMPLATE_NODES, MAX_EXPANDED_CHARS)
    if nodes > MAX_TEMPLATE_NODES:
        raise ExpansionError(f"document has more than {MAX_TEMPLATE_NODES:,} values")
    if chars > MAX_EXPANDED_CHARS:
        raise ExpansionError(f"document holds more than {MAX_EXPANDED_CHARS:,} characters of text")
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_TEMPLATE_DEPTH:
            raise ExpansionError(f"document nests deeper than {MAX_TEMPLATE_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_CONSTANT_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=4096)
def _resolve(text: str, implicit: Tuple[bool, bool]) -> str:
    """The tag of an untagged scalar (str, int, bool...), as PyYAML resolves it: a pure function of
    the text, remembered because templates repeat the same keys and values thousands of times."""
    return _RESOLVER.resolve(yaml.ScalarNode, text, implicit)


_NO_KEY = object()  # a mapping waiting for its next key
_OPEN = object()  # an anchor whose node has not ended yet: an alias to it is recursive


# Where a built value is, and where its children are: (mark, children), children being a list
# (sequence items) or a dict (mapping keys; the long-form key of an intrinsic).  Never changed once
# made, so every alias of a node shares it; `_flatten` turns it into the path -> mark table.
_Marked = Tuple[Mark, Any]


@dataclass(frozen=True)
class _Anchored:
    """A node that has an anchor, as its aliases copy it."""

    value: Any
    marked: _Marked
    nodes: int  # what one copy adds to the expanded document
    chars: int
    height: int  # levels of nesting inside it
    key_text: Optional[str]  # a scalar's text, when an alias of it is a mapping key


class _Open:
    """A sequence or mapping whose end has not been read yet."""

    def __init__(self, event, start, nodes_before: int, chars_before: int):
        self.is_mapping = isinstance(event, yaml.MappingStartEvent)
        self.value: Any = {} if self.is_mapping else []
        self.children: Any = {} if self.is_mapping else []
        self.intrinsic = INTRINSIC_TAGS.get(event.tag)
        self.flow = event.flow_style
        self.anchor = event.anchor
        self.start = start  # of the node, or of its key for a mapping value
        self.height = 0
        self.nodes_before = nodes_before
        self.chars_before = chars_before
        self.last_end = None  # end of the last child: where a block collection really ends
        self.key: Any = _NO_KEY
        self.key_start = None
        self.key_is_merge = False


class _Builder:
    """Values and marks from YAML events, under the node, character and depth limits."""

    def __init__(self, text: str) -> None:
        self.text = text  # not split into lines: a list of 10 million short lines is 600 MB
        self.stack: List[_Open] = []
        self.anchors: Dict[str, Any] = {}
        self.root: Optional[Tuple[Any, _Marked]] = None
        self.nodes = 0
        self.chars = 0
        self.aliases = 0
        self.documents = 0
        self._text_end_before: Dict[int, Tuple[int, int]] = {}

    def document(self) -> MarkedDocument:
        if self.root is None:
            return MarkedDocument(None, {})
        value, marked = self.root
        return MarkedDocument(value, MarkTree(marked))

    def add(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._scalar(event)
        elif kind is yaml.AliasEvent:
            self._alias(event)
        elif kind in (yaml.MappingStartEvent, yaml.SequenceStartEvent):
            self._open(event)
        elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            self._close(event)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise DocumentError("invalid YAML: expected a single document in the stream, but "
                                    "found another document", *_position(event))

    # -- the four kinds of node --------------------------------------------------------------
    def _scalar(self, event: yaml.ScalarEvent) -> None:
        parent, is_key, start = self._position(event)
        self._count(1, len(event.value), event)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(event.value, event.implicit)
        if is_key:
            self._key(parent, event.value, tag == _MERGE_TAG, start)
            value, marked = event.value, (self._mark(start, event.end_mark), ())
        else:
            self._check_depth(len(self.stack), event)
            marked = (self._mark(start, event.end_mark), ())
            value = _scalar_value(tag, event.value)
            if tag in INTRINSIC_TAGS:
                marked = (marked[0], {INTRINSIC_TAGS[tag]: marked})
        if event.anchor is not None:
            self._define(event, _Anchored(value, marked, 1, len(event.value), 0, event.value))
        if not is_key:
            self._attach(parent, value, marked, event.end_mark, 0)

    def _alias(self, event: yaml.AliasEvent) -> None:
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            raise DocumentError(f"invalid YAML: found undefined alias *{event.anchor}", *_position(event))
        if anchored is _OPEN:
            raise ExpansionError(f"recursive alias: *{event.anchor} is inside the node anchored "
                                 f"&{event.anchor}, which would contain itself forever", *_position(event))
        parent, is_key, start = self._position(event)
        self.aliases += 1
        self._count(anchored.nodes, anchored.chars, event)
        if is_key:
            if anchored.key_text is None:
                raise DocumentError("a mapping key must be text, not a list or a mapping", *_position(event))
            self._key(parent, anchored.key_text, False, start)
            return
        self._check_depth(len(self.stack) + anchored.height, event)
        marked = (self._mark(start, event.end_mark), anchored.marked[1])
        self._attach(parent, copy_value(anchored.value), marked, event.end_mark, anchored.height)

    def _open(self, event) -> None:
        parent, is_key, start = self._position(event)
        if is_key:
            raise DocumentError("a mapping key must be text, not a list or a mapping", *_position(event))
        self._check_depth(len(self.stack), event)
        self._count(1, 0, event)
        if event.anchor is not None:
            self._define(event, _OPEN)
        self.stack.append(_Open(event, start, self.nodes - 1, self.chars))

    def _close(self, event) -> None:
        node = self.stack.pop()
        # A block collection's own end is the start of the next token (after comments and blank
        # lines), so it ends where its last child ends.
        end = node.last_end if not node.flow and node.last_end is not None else event.end_mark
        marked = (self._mark(node.start, end), node.children)
        value = node.value
        if node.intrinsic:
            value = {node.intrinsic: value}
            marked = (marked[0], {node.intrinsic: marked})
        if node.anchor is not None:
            self.anchors[node.anchor] = _Anchored(value, marked, self.nodes - node.nodes_before,
                                                  self.chars - node.chars_before, node.height, None)
        self._attach(self.stack[-1] if self.stack else None, value, marked, end, node.height)

    # -- placing nodes -------------------------------------------------------------------------
    def _position(self, event) -> Tuple[Optional[_Open], bool, Any]:
        """The open collection a node goes into (None for the root), whether it is a mapping key,
        and where it starts (a mapping value starts at its key)."""
        parent = self.stack[-1] if self.stack else None
        if parent is None or not parent.is_mapping:
            return parent, False, event.start_mark
        if parent.key is _NO_KEY:
            return parent, True, event.start_mark
        return parent, False, parent.key_start

    @staticmethod
    def _key(parent: _Open, key: str, is_merge: bool, start) -> None:
        # Keys are text in CloudFormation (a logical id `123` is the string "123").
        parent.key, parent.key_is_merge, parent.key_start = key, is_merge, start

    def _attach(self, parent: Optional[_Open], value: Any, marked: _Marked, end, height: int) -> None:
        if parent is None:
            self.root = (value, marked)
            return
        parent.height = max(parent.height, height + 1)
        parent.last_end = end
        if not parent.is_mapping:
            parent.value.append(value)
            parent.children.append(marked)
            return
        key, parent.key = parent.key, _NO_KEY
        if parent.key_is_merge:
            _merge(parent, value, marked)
        else:
            parent.value[key] = value
            parent.children[key] = marked

    def _define(self, event, anchored: Any) -> None:
        if event.anchor in self.anchors:
            raise DocumentError(f"invalid YAML: found duplicate anchor &{event.anchor}", *_position(event))
        self.anchors[event.anchor] = anchored

    # -- limits and marks ----------------------------------------------------------------------
    def _count(self, nodes: int, chars: int, event) -> None:
        self.nodes += nodes
        self.chars += chars
        why = " (YAML aliases nested like an alias bomb?)" if self.aliases else ""
        if self.nodes > MAX_TEMPLATE_NODES:
            raise ExpansionError(f"document expands to more than {MAX_TEMPLATE_NODES:,} nodes{why}",
                                 *_position(event))
        if self.chars > MAX_EXPANDED_CHARS:
            raise ExpansionError(f"document expands to more than {MAX_EXPANDED_CHARS:,} characters "
                                 f"of text{why}", *_position(event))

    @staticmethod
    def _check_depth(depth: int, event) -> None:
        if depth > MAX_TEMPLATE_DEPTH:
            raise ExpansionError(f"document nests deeper than {MAX_TEMPLATE_DEPTH} levels", *_position(event))

    def _mark(self, start, end) -> Mark:
        return Mark(start.line + 1, start.column + 1, *self._end(end, start.line))

    def _end(self, end, start_line: int) -> Tuple[int, int]:
        """1-based end; an end at the start of a line (block scalars, block collections) is moved
        back to the end of the last line with text, not before the node's first line."""
        line, column = end.line, end.column
        if column == 0 and line > start_line:
            line, column = self._end_of_text_before(end.index, line)
            if line < start_line:
                line, column = start_line, 0
        return line + 1, column + 1

    def _end_of_text_before(self, index: int, line: int) -> Tuple[int, int]:
        """0-based line and column just after the last character that is not a line break
        before `index`, the start of 0-based `line`.  Remembered: every node ending there (a block
        scalar and all its ancestors) asks again."""
        if index not in self._text_end_before:
            text = self.text
            last = index - 1
            while last >= 0 and text[last] in "\r\n":
                last -= 1
            breaks = text.count("\n", last + 1, index) + text.count("\r", last + 1, index) \
                - text.count("\r\n", last + 1, index)
            line_start = max(text.rfind("\n", 0, last + 1), text.rfind("\r", 0, last + 1)) + 1
            self._text_end_before[index] = (line - breaks, last + 1 - line_start)
        return self._text_end_before[index]


def _position(event) -> Tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _merge(mapping: _Open, value: Any, marked: _Marked) -> None:
    """`<<: *base` or `<<: [*a, *b]`: keys the mapping does not have yet are taken from each
    part in turn; keys written later in the mapping replace them."""
    if isinstance(value, list):
        parts = zip(value, marked[1])
    else:
        parts = [(value, marked)]
    for part, part_marked in parts:
        if not isinstance(part, dict):
            continue
        for key, child in part.items():
            if key not in mapping.value:
                mapping.value[key] = child
                mapping.children[key] = part_marked[1].get(key, part_marked)


class MarkTree(collections.abc.Mapping):
    """The marks of a document by path, read from the tree the builder made as the events came:
    no second walk over the document to fill a table of every path (each alias's copy would need
    its own entries), and no such table in memory.  A lookup follows the path from the root,
    starting from the last parent looked up (a translation reads a mapping's keys one by one)."""

    def __init__(self, root: _Marked) -> None:
        self._root = root
        # (path, node) of the last parent looked up: one attribute, so that a thread never reads
        # one lookup's path with another's node
        self._last_parent: Tuple[Path_, _Marked] = ((), root)
        self._table: Optional[Dict[Path_, Mark]] = None  # made only when the marks are listed

    def _find(self, path: Path_) -> Optional[_Marked]:
        if not isinstance(path, tuple) or not path:
            return self._root if path == () else None
        parent_path = path[:-1]
        last_path, parent = self._last_parent
        if parent_path != last_path:
            parent = self._walk(self._root, parent_path)
            if parent is None:
                return None
            self._last_parent = (parent_path, parent)
        return self._walk(parent, path[-1:])

    @staticmethod
    def _walk(node: Optional[_Marked], path: Path_) -> Optional[_Marked]:
        for key in path:
            children = node[1]
            if isinstance(children, dict):  # mapping keys are text
                node = children.get(key)
            elif isinstance(key, int) and 0 <= key < len(children):  # sequence items by index
                node = children[key]
            else:
                return None
            if node is None:
                return None
        return node

    def __getitem__(self, path: Path_) -> Mark:
        node = self._find(path)
        if node is None:
            raise KeyError(path)
        return node[0]

    def get(self, path: Path_, default: Any = None) -> Any:
        node = self._find(path)
        return default if node is None else node[0]

    def __contains__(self, path: object) -> bool:
        return self._find(path) is not None  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def _all(self) -> Dict[Path_, Mark]:
        if self._table is None:
            self._table = _flatten(self._root)
        return self._table


def _flatten(root: _Marked) -> Dict[Path_, Mark]:
    marks: Dict[Path_, Mark] = {}
    pending = [((), root)]
    while pending:
        path, (mark, children) = pending.pop()
        marks[path] = mark
        items = children.items() if isinstance(children, dict) else enumerate(children)
        pending.extend((path + (key,), child) for key, child in items)
    return marks


def _scalar_value(tag: str, text: str) -> Any:
    if tag in INTRINSIC_TAGS:
        name = INTRINSIC_TAGS[tag]
        return {name: text.split(".", 1) if name == "Fn::GetAtt" else text}
    if tag in _NUMBER_TAGS:
        if text.isdigit() and text.isascii() and (text[0] != "0" or text == "0"):
            return number_from_text(text, int)  # the common case, without YAML 1.1's forms
        return number_from_text(text, lambda number: _construct(tag, number))
    if tag in _CONSTANT_TAGS:
        try:
            return _construct(tag, text)
        except (ValueError, KeyError, yaml.YAMLError):  # `!!bool maybe`
            return text
    if tag.startswith("!") and tag != "!":
        # an application tag no loader here knows (`!Rain::Embed app.py`, a preprocessor's): its
        # value is made before deployment, so it is unknown, never the text as written
        return {"Fn::Unresolved": f"{tag} {text}"}
    return text  # strings, timestamps (kept as text, as CloudFormation reads them)


def _construct(tag: str, text: str) -> Any:
    return _SCALARS.yaml_constructors[tag](_SCALARS, yaml.ScalarNode(tag, text))
