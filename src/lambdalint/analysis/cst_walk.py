"""Fast walks over libcst trees for read-only analyses.

libcst's visitor rebuilds every node it passes (visit-and-replace), which costs about twice a
plain walk over the dataclass fields; the handler-path analyses only read, so they walk fields."""
from __future__ import annotations

import dataclasses
from typing import Dict, Iterator, Tuple, Type

import libcst as cst

_FIELDS: Dict[Type, Tuple[str, ...]] = {}
# Field values that are never nodes.  CSTNode is an ABC: the first isinstance() of a type that is
# not a node walks all ~250 node classes, so plain values are told apart before asking it.
_PLAIN = (str, int, float, bool, type(None), cst.MaybeSentinel)


def children(node: cst.CSTNode):
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    for name in names:
        value = getattr(node, name)
        if isinstance(value, _PLAIN):
            continue
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def statements(body) -> Iterator[cst.CSTNode]:
    """Every statement (compound ones and the small statements of simple lines) reachable through
    statement bodies only, not expressions; nested function and class bodies included."""
    stack = list(reversed(list(body)))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, cst.SimpleStatementLine):
            stack.extend(reversed(node.body))
            continue
        nested = []
        for name in ("body", "orelse", "handlers", "finalbody"):
            part = getattr(node, name, None)
            if part is None or isinstance(part, cst.MaybeSentinel):
                continue
            if isinstance(part, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                nested.extend(part.body)
            elif isinstance(part, (cst.Else, cst.Finally)):
                nested.extend(part.body.body if isinstance(part.body, cst.IndentedBlock) else part.body.body)
            elif isinstance(part, cst.If):  # elif
                nested.append(part)
            elif isinstance(part, (list, tuple)):  # except handlers, match cases
                nested.extend(part)
        stack.extend(reversed(nested))


def parent_map(root: cst.CSTNode) -> Dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, as libcst's ParentNodeProvider gives it, in a tenth of its time (a plain
    walk, without recursion: deep trees cost no stack)."""
    parents: Dict[cst.CSTNode, cst.CSTNode] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for child in children(node):
            parents[child] = node
            stack.append(child)
    return parents
