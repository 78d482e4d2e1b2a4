"""A loaded deployment template: its data, the marks of its nodes, and its text lines."""
from __future__ import annotations

import collections.abc
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from lambdalint.limits import MAX_INT_TEXT_DIGITS
from lambdalint.model.marks import Mark

MISSING = object()


@dataclass
class Dialect:
    """The format a template was written in, and how to speak about it in messages."""

    name: str  # "cloudformation" | "serverless" | "terraform"
    defaults: str = "Globals"  # where function defaults live, for "(set in ...)"
    names: Dict[str, str] = field(default_factory=dict)  # logical id -> the user's name
    terms: Dict[str, str] = field(default_factory=dict)  # CloudFormation key path -> the user's key


CLOUDFORMATION = Dialect("cloudformation")


class TextLines(collections.abc.Sequence):
    """The lines of a text, as `str.splitlines()` gives them, without keeping them all.

    A list of every line costs ~60 bytes a line on top of the text (a 30 MB template of short
    lines: hundreds of MB), while the suppression comments are read once, line by line.  Iterating
    splits the text a chunk at a time; only indexing (inline code's lines) keeps the list."""

    _CHUNK = 1 << 20  # characters split at once, cut just after a line feed

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: Optional[List[str]] = None
        self._count: Optional[int] = None

    def __iter__(self) -> Iterator[str]:
        if self._lines is not None:
            yield from self._lines
            return
        for chunk in self._chunks():
            yield from chunk

    def __len__(self) -> int:  # list() and enumerate() ask for it first: counted, not kept
        if self._lines is not None:
            return len(self._lines)
        if self._count is None:
            self._count = sum(map(len, self._chunks()))
        return self._count

    def _chunks(self) -> Iterator[List[str]]:
        text, start = self._text, 0
        while start < len(text):
            # cut after a "\n": no line (nor a "\r\n" pair) is split between two chunks
            end = text.find("\n", start + self._CHUNK)
            end = len(text) if end < 0 else end + 1
            yield text[start:end].splitlines()
            start = end

    def __getitem__(self, index):  # an int or a slice, as a list's
        return self._all()[index]

    def _all(self) -> List[str]:
        if self._lines is None:
            self._lines = self._text.splitlines()
        return self._lines


class Template:
    """A CloudFormation-shaped document.  Serverless Framework and Terraform configurations are
    translated into this shape, their marks pointing back into the files the user wrote."""

    def __init__(self, path: Path, display: str, data: Any, marks: Dict[tuple, Mark], text: str,
                 dialect: Optional["Dialect"] = None,
                 other_files: Sequence[Tuple[str, str]] = ()):
        self.path = path
        self.display = display
        self.data = data if isinstance(data, dict) else {}
        self.marks = marks
        self.lines: Sequence[str] = TextLines(text)
        self.dialect = dialect or CLOUDFORMATION
        # (display, text) of further files the document was read from, for their comments
        self.other_files = [(name, TextLines(body)) for name, body in other_files]
        self._by_type: Optional[Dict[Any, List[Tuple[str, Dict[str, Any]]]]] = None
        self._indexes: Dict[tuple, Any] = {}
        self.problems: List[Tuple[Optional[Mark], str]] = []  # read, but not as the user meant (LL002)

    @property
    def source_files(self) -> List[Tuple[str, Sequence[str]]]:
        return [(self.display, self.lines)] + self.other_files

    def name_of(self, logical_id: str) -> str:
        """How the user calls a resource: its logical id, or its name in the original format."""
        return self.dialect.names.get(logical_id, logical_id)

    def term(self, cloudformation_key: str) -> str:
        """A CloudFormation property path in the words of the format the user wrote."""
        return self.dialect.terms.get(cloudformation_key, cloudformation_key)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def display_folder(self) -> str:
        parent = str(Path(self.display).parent)
        return "" if parent == "." else parent

    @property
    def resources(self) -> Dict[str, Any]:
        resources = self.data.get("Resources")
        return resources if isinstance(resources, dict) else {}

    def resources_of_type(self, *types: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        by_type = self._resources_by_type()
        if len(types) == 1:
            yield from by_type.get(types[0], ())
            return
        for logical_id, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") in types:
                yield str(logical_id), resource

    def position(self, logical_id: str) -> int:
        """The resource's place in the template (for reporting in the order the user wrote)."""
        if "order" not in self._indexes:
            self._indexes["order"] = {str(rid): index for index, rid in enumerate(self.resources)}
        return self._indexes["order"].get(logical_id, 0)

    def resources_by_target(self, resource_type: str) -> Dict[Optional[str], List[Tuple[str, Dict[str, Any]]]]:
        """Resources of a type grouped by the logical id their `FunctionName` refers to (None when
        it is a literal name or anything else): rules look up one function's without a scan."""
        key = ("by-target", resource_type)
        if key not in self._indexes:
            index: Dict[Optional[str], List[Tuple[str, Dict[str, Any]]]] = {}
            for logical_id, resource in self.resources_of_type(resource_type):
                props = resource.get("Properties")
                target = referenced_id(props.get("FunctionName")) if isinstance(props, dict) else None
                index.setdefault(target, []).append((logical_id, resource))
            self._indexes[key] = index
        return self._indexes[key]

    def _resources_by_type(self) -> Dict[Any, List[Tuple[str, Dict[str, Any]]]]:
        """Rules ask for one type per function: index once (templates are not changed after loading)."""
        if self._by_type is None:
            self._by_type = {}
            for logical_id, resource in self.resources.items():
                if isinstance(resource, dict):
                    kind = resource.get("Type")
                    if isinstance(kind, str):
                        self._by_type.setdefault(kind, []).append((str(logical_id), resource))
        return self._by_type

    def resource(self, logical_id: Any) -> Dict[str, Any]:
        """The resource's mapping; empty when there is no such resource or it is not a mapping
        (`Queue: ~`): rules read every part of a template as untrusted."""
        resource = self.resources.get(logical_id) if isinstance(logical_id, str) else None
        return as_mapping(resource)

    def resource_type(self, logical_id: Any) -> Optional[str]:
        """The resource's `Type` when it is text; None when absent or mis-typed (`Type: {...}`)."""
        kind = self.resource(logical_id).get("Type")
        return kind if isinstance(kind, str) else None

    def properties(self, logical_id: Any) -> Dict[str, Any]:
        return as_mapping(self.resource(logical_id).get("Properties"))

    def get_value(self, path: tuple) -> Any:
        """The value at a path, or None."""
        value = dig(self.data, tuple(path))
        return None if value is MISSING else value

    def mark(self, path: tuple) -> Mark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, Mark(1, 1, 1, 1))


def dig(node: Any, keys: tuple) -> Any:
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


# Every value below comes from a file the user (or an attacker) wrote: any node may have any type.
# These helpers turn a node of the wrong type into "unknown" (an empty mapping, None) so that a
# rule never calls `.get` on a string, `int()` on a word or hashes a mapping.

def as_mapping(value: Any) -> Dict[Any, Any]:
    """`value` when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def int_value(value: Any) -> Optional[int]:
    """An integer setting: an int, an integral float, or integer text (`"900"`, `" -1 "`).  None
    when not statically known (`!Ref Param`), of another type (`true`, `1.5`, `"²"`) or too long
    to convert (see `number_value`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    parts = _integer_text(value)
    if parts is None or len(parts[1]) > MAX_INT_TEXT_DIGITS:
        return None
    sign, digits = parts
    return int(sign + digits)


def number_value(value: Any) -> Optional[Union[int, float]]:
    """Like `int_value`, but integer text too long to convert is ±infinity: larger than any limit,
    so a range check reports it as out of range instead of treating it as unknown."""
    number = int_value(value)
    parts = _integer_text(value) if number is None else None
    if parts is not None:
        return -math.inf if parts[0] else math.inf
    return number


_HUGE = 10 ** 18  # beyond every Lambda quota: a message says "over 10^18", not 5,000 digits


def format_number(value: Union[int, float]) -> str:
    """A number for a message (`1,200`); absurdly large ones by their size (`over 10^18`)."""
    if abs(value) < _HUGE:
        return f"{value:,}"
    return "under -10^18" if value < 0 else "over 10^18"


def _integer_text(value: Any) -> Optional[Tuple[str, str]]:
    """(sign, significant digits) of integer text in ASCII digits, else None.  Linear in the
    length of the text, whatever it holds (no regular expression to backtrack)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    sign = "-" if text.startswith("-") else ""
    digits = text[len(sign):]
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return sign, digits.lstrip("0") or "0"


def is_intrinsic(value: Any) -> bool:
    """A value only known at deploy time (`Fn::If`, `Ref`, `Fn::Sub`...)."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSICS


# `Fn::Unresolved` is ours: a Serverless or Terraform expression lambdalint cannot evaluate.
_INTRINSICS = frozenset({"Ref", "Condition", "Fn::Unresolved"}) | {f"Fn::{n}" for n in (
    "If", "Sub", "GetAtt", "Join", "Select", "Split", "FindInMap", "ImportValue", "Base64", "Cidr",
    "GetAZs", "Transform", "ToJsonString", "Length")}


def may_be_set(value: Any, keys: tuple) -> bool:
    """True when `keys` lead to a value, or to an intrinsic that may produce one (`!If`)."""
    for key in keys:
        if is_intrinsic(value):
            return True
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return value is not None


def refers_to(value: Any, logical_id: str) -> bool:
    """True when a template value names the resource `logical_id` (Ref, GetAtt, or Sub of either)."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref":
            return inner == logical_id
        if key == "Fn::GetAtt":  # `QualifiedArn` (Terraform's qualified_arn) is a version, not the function
            return isinstance(inner, list) and bool(inner) and inner[0] == logical_id \
                and inner[1:2] != ["QualifiedArn"]
        if key == "Fn::Sub" and isinstance(inner, str):
            return inner in (f"${{{logical_id}}}", f"${{{logical_id}.Arn}}")
    return False


def referenced_id(value: Any) -> Optional[str]:
    """The logical id a `Ref`/`GetAtt` value points to, if any."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref" and isinstance(inner, str):
            return inner
        if key == "Fn::GetAtt" and isinstance(inner, list) and inner and isinstance(inner[0], str):
            return inner[0]
        if key == "Fn::GetAtt" and isinstance(inner, str):  # JSON long form "Resource.Attribute"
            return inner.split(".", 1)[0]
    return None
