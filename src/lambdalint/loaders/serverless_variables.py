"""Serverless Framework variables, resolved as far as a static reader can.

`${self:a.b}` reads the file itself, `${sls:stage}` is `provider.stage` or "dev", `${opt:x, 'd'}`
and `${env:X, d}` take their default (command-line options and the deploy machine's environment are
not ours to guess).  Anything else — `${ssm:…}`, `${file(…)}`, `${cf:…}`, an option without a
default — is unresolved: the value becomes `Fn::Unresolved` and no rule judges it.

Variables copy values, so a few KB of them can stand for gigabytes (`v1` is 50 x `${self:v0}`, `v2`
50 x `${self:v1}` ...).  Resolution is bounded: a string longer than a template can hold, or
anything past the file's expansion budget, is left unresolved and reported (LL002) where it
happens; the rest of the file is resolved and checked as usual.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from lambdalint.limits import (MAX_TEMPLATE_DEPTH, MAX_VARIABLE_CHAIN, MAX_VARIABLE_STEPS,
                               MAX_VARIABLE_STRING_CHARS)
from lambdalint.loaders.expansion import (ExpansionBudget, copy_value, number_from_text,
                                          too_long_message)
from lambdalint.loaders.translation import unresolved
from lambdalint.model.template import MISSING, dig

_INNERMOST = re.compile(r"\$\{([^${}]*)\}")
_UNKNOWN = "\x00unknown\x00"  # stands for an unresolved variable inside a larger string
_DEFAULT_STAGE = "dev"
_SUBSTITUTIONS_PER_STRING = 100  # `${a}${b}...` in one value; each pass replaces one
_DEFAULTS_APPLY = ("self:", "sls:", "opt:", "env:")  # sources whose default is what deploys
# A quoted part or a top-level comma of `source, default` (an unclosed quote runs to the end)
_QUOTED_OR_COMMA = re.compile(r"'[^']*(?:'|$)|\"[^\"]*(?:\"|$)|,")


class Variables:
    def __init__(self, document: dict):
        self.document = document
        # (path of the value, message): values left unresolved because they expand too far (LL002)
        self.problems: List[Tuple[tuple, str]] = []
        self._problem_categories: set = set()
        self._resolved_self: Dict[tuple, Any] = {}  # keys of `${self:a.b}` → value, resolved once
        self._steps = 0
        self._nesting = 0  # mappings, lists and references being resolved, one inside the other
        self._budget = ExpansionBudget()

    def resolve(self, value: Any, depth: int = 0, path: tuple = ()) -> Any:
        """`value` with every variable replaced; the structure (and so the marks) is kept.
        `depth` counts the `${self:}` references followed to get here, `path` is where the value
        is in the file (for problems)."""
        if isinstance(value, str):
            return self._string(value, depth, path) if "${" in value else value
        if not isinstance(value, (dict, list)):
            return value
        if self._nesting > MAX_TEMPLATE_DEPTH:  # values inserted by references, inside others ...
            self._problem("nesting", path, f"variables nest values deeper than {MAX_TEMPLATE_DEPTH} "
                                           "levels: left unresolved")
            return unresolved("(nested too deeply)")
        self._nesting += 1
        try:
            if isinstance(value, dict):
                resolved: Any = {}
                for key, child in value.items():  # a loop, not a comprehension: one frame a level
                    resolved[key] = self.resolve(child, depth, path + (key,))
                return resolved
            items = []
            for index, child in enumerate(value):
                items.append(self.resolve(child, depth, path + (index,)))
            return items
        finally:
            self._nesting -= 1

    def _string(self, text: str, depth: int, path: tuple) -> Any:
        if len(text) > MAX_VARIABLE_STRING_CHARS:
            self._too_long(path)
            return unresolved(text)
        current = text
        for _ in range(_SUBSTITUTIONS_PER_STRING):
            match = _INNERMOST.search(current)
            if match is None:
                break
            self._steps += 1
            if self._steps > MAX_VARIABLE_STEPS:
                self._problem("steps", path, f"more than {MAX_VARIABLE_STEPS:,} variables to replace: "
                                             "this value and the rest are left unresolved")
                return unresolved(text)
            value = self._evaluate(match.group(1), depth, path)
            if match.group(0) == current:  # the whole value is one variable: keep its type
                return unresolved(text) if value is MISSING else value
            known = value is not MISSING and not isinstance(value, (dict, list))
            replacement = _scalar_text(value) if known else _UNKNOWN
            if len(current) - len(match.group(0)) + len(replacement) > MAX_VARIABLE_STRING_CHARS:
                self._too_long(path)
                return unresolved(text)
            current = current[:match.start()] + replacement + current[match.end():]
        if _UNKNOWN in current or "${" in current:
            return unresolved(text)
        if not self._budget.charge(current):
            self._over_budget(path)
            return unresolved(text)
        return current

    def _evaluate(self, expression: str, depth: int, path: tuple) -> Any:
        """The value of `${expression}`, used at `path` (MISSING when unknown)."""
        source, *defaults = _split_top_level(expression)
        value = self._source(source.strip(), depth, path)
        if not source.strip().startswith(_DEFAULTS_APPLY):
            return value  # `${ssm:/x, 45}`: the parameter's value deploys, not the default
        for default in defaults:
            if value is not MISSING:
                break
            value = self._literal(default.strip(), depth, path)
        return value

    def _source(self, reference: str, depth: int, path: tuple) -> Any:
        if _UNKNOWN in reference or depth >= MAX_VARIABLE_CHAIN:
            return MISSING
        if reference.startswith("self:"):
            keys = tuple(part for part in reference[len("self:"):].split(".") if part)
            found = self._self_value(keys, depth)
            if found is MISSING:
                return MISSING
            if not self._budget.charge(found):  # each use is one more copy for the rules to read
                self._over_budget(path)
                return MISSING
            return copy_value(found)
        if reference == "sls:stage":
            stage = self._source("self:provider.stage", depth + 1, path)
            return _DEFAULT_STAGE if stage is MISSING or not isinstance(stage, str) else stage
        return MISSING  # opt:, env:, ssm:, file(), cf:, s3:, aws:, param: ... not known here

    def _self_value(self, keys: tuple, depth: int) -> Any:
        """The resolved value at `keys` in the file (MISSING when absent or unresolved), each
        resolved once however often it is used."""
        if keys not in self._resolved_self:
            self._resolved_self[keys] = MISSING  # a cycle back to here is unresolved
            found = dig(self.document, keys)
            if found is not MISSING:
                found = self.resolve(found, depth + 1, keys)
            if isinstance(found, dict) and "Fn::Unresolved" in found:
                found = MISSING
            self._resolved_self[keys] = found
        return self._resolved_self[keys]

    def _literal(self, text: str, depth: int, path: tuple) -> Any:
        if text == _UNKNOWN or not text:
            return MISSING
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        if re.fullmatch(r"-?\d+", text):
            return number_from_text(text, int)  # over-long: kept as text (out of every range)
        if text in ("true", "false"):
            return text == "true"
        if ":" in text:  # another variable written without ${}: `${opt:stage, self:provider.stage}`
            return self._source(text, depth, path)
        return MISSING

    # -- problems --------------------------------------------------------------------------------
    def _too_long(self, path: tuple) -> None:
        self._problem("string", path, too_long_message("variables make this value"))

    def _over_budget(self, path: tuple) -> None:
        self._problem("budget", path, self._budget.spent_message())

    def _problem(self, category: str, path: tuple, message: str) -> None:
        """Report the first place of each category; what follows from it is unresolved silently."""
        if category not in self._problem_categories:
            self._problem_categories.add(category)
            self.problems.append((path, message))


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _split_top_level(expression: str) -> List[str]:
    """Split `source, default` at commas outside quotes."""
    parts, start = [], 0
    for match in _QUOTED_OR_COMMA.finditer(expression):
        if match.group(0) == ",":
            parts.append(expression[start:match.start()])
            start = match.end()
    parts.append(expression[start:])
    return parts
