"""Serverless Framework variables, resolved as far as a static reader can.

`${self:a.b}` reads the file itself, `${sls:stage}` is `provider.stage` or "dev", `${opt:x, 'd'}`
and `${env:X, d}` take their default (command-line options and the deploy machine's environment are
not ours to guess).  Anything else — `${ssm:…}`, `${file(…)}`, `${cf:…}`, an option without a
default — is unresolved: the value becomes `Fn::Unresolved` and no rule judges it.
"""
from __future__ import annotations

import re
from typing import Any, List

from lambdalint.loaders.translation import larger_than, unresolved
from lambdalint.model.template import MISSING, dig

_INNERMOST = re.compile(r"\$\{([^${}]*)\}")
_UNKNOWN = "\x00unknown\x00"  # stands for an unresolved variable inside a larger string
_MAX_DEPTH = 10  # `${self:}` chains deeper than this (or cycles) are unresolved
_DEFAULT_STAGE = "dev"


_MAX_NODES = 10_000  # a value that expands to more nodes than this is unresolved (alias-bomb-like)
_MAX_STEPS = 100_000  # variables replaced in one file; beyond this the rest is unresolved
_DEFAULTS_APPLY = ("self:", "sls:", "opt:", "env:")  # sources whose default is what deploys


class Variables:
    def __init__(self, document: dict):
        self.document = document
        self._resolved_self: dict = {}  # `${self:a.b}` → value, so that shared references resolve once
        self._steps = 0

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """`value` with every variable replaced; the structure (and so the marks) is kept."""
        if isinstance(value, dict):
            return {key: self.resolve(child, depth) for key, child in value.items()}
        if isinstance(value, list):
            return [self.resolve(child, depth) for child in value]
        if isinstance(value, str) and "${" in value:
            return self._string(value, depth)
        return value

    def _string(self, text: str, depth: int) -> Any:
        current = text
        for _ in range(100):  # each pass replaces one innermost variable
            match = _INNERMOST.search(current)
            if match is None:
                break
            self._steps += 1
            if self._steps > _MAX_STEPS:
                return unresolved(text)
            value = self._evaluate(match.group(1), depth)
            if match.group(0) == current:  # the whole value is one variable: keep its type
                return unresolved(text) if value is MISSING else value
            if value is MISSING or isinstance(value, (dict, list)):
                value = _UNKNOWN
            current = current[:match.start()] + _scalar_text(value) + current[match.end():]
        if _UNKNOWN in current or "${" in current:
            return unresolved(text)
        return current

    def _evaluate(self, expression: str, depth: int) -> Any:
        source, *defaults = _split_top_level(expression)
        value = self._source(source.strip(), depth)
        if not source.strip().startswith(_DEFAULTS_APPLY):
            return value  # `${ssm:/x, 45}`: the parameter's value deploys, not the default
        for default in defaults:
            if value is not MISSING:
                break
            value = self._literal(default.strip(), depth)
        return value

    def _source(self, reference: str, depth: int) -> Any:
        if _UNKNOWN in reference or depth >= _MAX_DEPTH:
            return MISSING
        if reference.startswith("self:"):
            if reference not in self._resolved_self:
                self._resolved_self[reference] = MISSING  # a cycle back to here is unresolved
                keys = tuple(part for part in reference[len("self:"):].split(".") if part)
                found = dig(self.document, keys)
                if found is not MISSING:
                    found = self.resolve(found, depth + 1)
                if isinstance(found, dict) and "Fn::Unresolved" in found or larger_than(found, _MAX_NODES):
                    found = MISSING
                self._resolved_self[reference] = found
            return self._resolved_self[reference]
        if reference == "sls:stage":
            stage = self._source("self:provider.stage", depth + 1)
            return _DEFAULT_STAGE if stage is MISSING or not isinstance(stage, str) else stage
        return MISSING  # opt:, env:, ssm:, file(), cf:, s3:, aws:, param: ... not known here

    def _literal(self, text: str, depth: int) -> Any:
        if text == _UNKNOWN or not text:
            return MISSING
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if text in ("true", "false"):
            return text == "true"
        if ":" in text:  # another variable written without ${}: `${opt:stage, self:provider.stage}`
            return self._source(text, depth)
        return MISSING


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _split_top_level(expression: str) -> List[str]:
    """Split `source, default` at commas outside quotes."""
    parts, current, quote = [], [], None
    for char in expression:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
