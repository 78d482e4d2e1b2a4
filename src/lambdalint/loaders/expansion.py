"""Bounds on what a configuration document expands to: numbers, aliases and variables.

A document is untrusted text.  Three things in it cost far more than their size: a number with
thousands of digits (CPython refuses to convert it, or cannot print it), and YAML aliases and
variables (`${self:...}`, Terraform `local.x`), which copy a value at each use.  The loaders share
the helpers here so that YAML, JSON, HCL and serverless.yml treat them the same way.
"""
from __future__ import annotations

from typing import Any, Callable, Tuple

from lambdalint.limits import (MAX_EXPANDED_CHARS, MAX_INT_TEXT_DIGITS, MAX_TEMPLATE_NODES,
                               MAX_VARIABLE_STRING_CHARS)


def number_from_text(text: str, convert: Callable[[str], Any]) -> Any:
    """`convert(text)` for a number as written in a document; the text itself when it is longer
    than MAX_INT_TEXT_DIGITS characters or `convert` refuses it.

    CPython refuses int() on more than 4,300 digits, and a huge integer written another way (hex,
    YAML's `1:30` base 60) could not be printed in a message.  Kept as text, a long integer is what
    every rule reads as "too long to convert: out of range" (`model.template.number_value`), so
    `Timeout: 1000...0` is reported by LL601 like any other timeout over 900 s."""
    if len(text) > MAX_INT_TEXT_DIGITS:
        return text
    try:
        return convert(text)
    except (ValueError, OverflowError):
        return text


def value_size(value: Any, max_nodes: int, max_chars: int) -> Tuple[int, int]:
    """(nodes, characters) of `value` expanded as a tree; counting stops once either passes its
    maximum (so the cost is bounded whatever the value)."""
    nodes = chars = 0
    pending = [value]
    while pending and nodes <= max_nodes and chars <= max_chars:
        node = pending.pop()
        nodes += 1
        if isinstance(node, str):
            chars += len(node)
        elif isinstance(node, dict):
            for key, child in node.items():
                chars += len(key) if isinstance(key, str) else 0
                pending.append(child)
        elif isinstance(node, list):
            pending.extend(node)
    return nodes, chars


def copy_value(value: Any) -> Any:
    """A fresh copy of a value built from a document (dicts, lists, scalars), for each alias or
    variable that uses it: a later change through one path must not show through another.  The
    caller has counted its size; recursion is bounded by the depth limits of the loaders."""
    if isinstance(value, dict):
        copied = {}
        for key, child in value.items():  # a loop, not a comprehension: one frame a level
            copied[key] = copy_value(child)
        return copied
    if isinstance(value, list):
        return list(map(copy_value, value))
    return value


class ExpansionBudget:
    """What the variables of one configuration may add when they are resolved: every resolved
    value is charged at each use (a cached value used 1,000 times is 1,000 copies for the rules
    that read it).  Once spent, every further variable is unresolved."""

    def __init__(self, max_nodes: int = MAX_TEMPLATE_NODES, max_chars: int = MAX_EXPANDED_CHARS):
        self.max_nodes = max_nodes
        self.max_chars = max_chars
        self.nodes = 0
        self.chars = 0

    @property
    def spent(self) -> bool:
        return self.nodes > self.max_nodes or self.chars > self.max_chars

    def charge(self, value: Any) -> bool:
        """Count one more use of `value`; False when the budget is (now) spent."""
        if self.spent:
            return False
        nodes, chars = value_size(value, self.max_nodes - self.nodes, self.max_chars - self.chars)
        self.nodes += nodes
        self.chars += chars
        return not self.spent

    def spent_message(self) -> str:
        """The LL002 message for the first value left unresolved because the budget is spent."""
        return (f"variables expand to more than {self.max_chars:,} characters or {self.max_nodes:,} "
                "values in all (they repeat one another, like a \"billion laughs\" bomb?): this value "
                "and the rest are left unresolved")


def too_long_message(what: str) -> str:
    """The LL002 message for a string that variables would make too long to build."""
    return (f"{what} longer than {MAX_VARIABLE_STRING_CHARS:,} characters (more than any template "
            "can hold; each level repeating the one below, like a \"billion laughs\" bomb?): "
            "left unresolved")
