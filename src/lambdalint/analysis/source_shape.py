"""How big and how nested a Python module is, measured on its tokens before any parser sees it.

CPython's parser and libcst's cost explode on nesting and on long chains (`1 + 1 + ...`,
`a[0][0]...`, `- - - 1`): a few KB can take gigabytes.  One linear pass over the text (strings
and comments skipped, like a tokenizer) measures what the limits of `lambdalint.limits` bound:

- tokens: names, numbers, strings, operators and comments (the count stops past `token_limit`);
- bracket depth: CPython refuses more than 200 nested brackets ("too many nested parentheses");
- nesting weight: the depth of every opening bracket, summed (libcst's memory grows with it);
- chain weight: for every token, its place in the comma-free run of tokens at its bracket level,
  summed (a chain of n tokens weighs n * (n + 1) / 2: libcst's time and memory grow that way).

Brackets in the replacement fields of f-strings count as nested too (they are code), but such a
depth is not reported as CPython's syntax error: a 3.11 tokenizer does not see them as brackets.
The measure does not need to be exact, only linear and never much below the real figure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from lambdalint.limits import CPYTHON_MAX_NESTING as CPYTHON_MAX_DEPTH

_QUOTED = (
    r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'?"
    r'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"?'
)
# Linear whatever the input (no alternative can backtrack over a long run).  A run of blank lines
# is one match; comments and line continuations count as tokens, so that the Python loop below
# never runs more than about twice the token limit, even on millions of comment lines.
_TOKEN = re.compile(
    r"(?P<newline>[\r\n]\s*)"
    r"|(?P<comment>\#[^\r\n]*)"
    rf"|(?P<string>(?P<prefix>[rRbBuUfFtT]{{0,2}})(?:{_QUOTED}))"
    r"|(?P<word>\w+)"
    r"|(?P<continuation>\\(?:\r\n|[\r\n]))"
    r"|(?P<op>[^\s\w])",
    re.DOTALL,
)
_FIELD_PART = re.compile(r"\{\{|\}\}|[{}()\[\]]")
OPENING, CLOSING, SEPARATORS = "([{", ")]}", ",;"


@dataclass
class SourceShape:
    tokens: int = 0
    complete: bool = True  # False: counting stopped at the token limit
    depth: int = 0  # deepest bracket nesting in code (f-string fields not included)
    depth_offset: int = -1  # where a bracket first went past CPython's limit
    fstring_depth: int = 0  # deepest nesting reached through f-string replacement fields
    nesting_weight: int = 0
    chain_weight: int = 0
    longest_chain: int = 0


def measure(text: str, token_limit: int) -> SourceShape:
    """The shape of `text`; counting stops once more than `token_limit` tokens were seen."""
    shape = SourceShape()
    runs: List[int] = [0]  # tokens since the last separator, per open bracket level

    def count_token() -> None:
        runs[-1] += 1
        shape.chain_weight += runs[-1]
        if runs[-1] > shape.longest_chain:
            shape.longest_chain = runs[-1]

    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "newline":
            if len(runs) == 1:
                runs[0] = 0  # a logical line ends
            continue
        shape.tokens += 1
        if shape.tokens > token_limit:
            shape.complete = False
            return shape
        if kind in ("comment", "continuation"):
            continue
        if kind != "op":
            count_token()
            if kind == "string" and any(letter in "fFtT" for letter in match.group("prefix")):
                _measure_fields(match.group(), len(runs) - 1, shape)
            continue
        char = match.group()
        if char in SEPARATORS:
            runs[-1] = 0
        elif char in OPENING:
            count_token()
            runs.append(0)
            depth = len(runs) - 1
            shape.nesting_weight += depth
            if depth > shape.depth:
                shape.depth = depth
                if depth > CPYTHON_MAX_DEPTH and shape.depth_offset < 0:
                    shape.depth_offset = match.start()
        elif char in CLOSING:
            if len(runs) > 1:
                runs.pop()
            count_token()
        else:
            count_token()
    return shape


def _measure_fields(literal: str, depth: int, shape: SourceShape) -> None:
    """Brackets inside the replacement fields of an f-string (or t-string), nested under `depth`."""
    fields = 0  # open replacement fields and brackets inside them
    for match in _FIELD_PART.finditer(literal):
        part = match.group()
        if fields == 0 and part != "{":
            continue  # literal text: doubled braces, brackets
        if part[0] in OPENING:
            fields += 1
            shape.nesting_weight += depth + fields
            shape.fstring_depth = max(shape.fstring_depth, depth + fields)
        elif fields > 0:
            fields -= 1


def offset_position(text: str, offset: int):
    """1-based (row, column) of a character offset (lines end as Python ends them)."""
    before = text[:offset]
    row = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return row, offset - line_start + 1
