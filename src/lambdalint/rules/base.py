"""What a rule is: metadata, typed options, embedded examples and up to three check methods.

The engine calls, for each enabled rule whose inputs are present:
- `check_function(fn, ctx)` once per function (from configuration, or a bundle checked alone);
- `check_bundle(bundle, ctx)` once per artifact (zip or folder) seen;
- `check_module(module, ctx)` once per Python module of a function's own code;
- `check_project(project, ctx)` once per run (inputs that belong to no function).
Rules never do I/O themselves and never compute line numbers: they yield `Report`s that point at
a template path, a libcst node or a file, and `locations.resolve` does the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, FrozenSet, Iterable, Mapping, Tuple, Type, Union

from lambdalint.findings import Report, Severity

SOURCE = "source"
BUNDLE = "bundle"
CONFIG = "config"


@dataclass(frozen=True)
class Option:
    name: str  # kebab-case, as written in configuration
    type: Type
    default: Any
    help: str

    def validate(self, value: Any) -> Any:
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise TypeError(f"expected {self.type.__name__}, got {type(value).__name__} {value!r}")
        return value


@dataclass(frozen=True)
class Zip:
    """An archive inside an example project: member name → text, or `Member` for modes/sizes."""

    members: Mapping[str, Any]


@dataclass(frozen=True)
class Member:
    content: Union[str, bytes] = ""
    mode: int = 0o644
    size: int = 0  # > 0: content is this many incompressible bytes
    is_dir: bool = False
    date_time: Tuple[int, int, int, int, int, int] = (2024, 5, 1, 12, 0, 0)  # in a zip
    method: int = -1  # zip compression method to record (-1: deflate); only the header says it


@dataclass(frozen=True)
class Example:
    """A tiny project (relative path → text, `Member` or `Zip`) that the rule must (not) flag."""

    files: Mapping[str, Any]
    description: str = ""
    args: Tuple[str, ...] = ()  # extra `lambdalint check` options (e.g. --runtime)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, for `lambdalint rules` and SARIF shortDescription
    needs: ClassVar[FrozenSet[str]]
    options: ClassVar[Tuple[Option, ...]] = ()
    valid: ClassVar[Tuple[Example, ...]] = ()
    invalid: ClassVar[Tuple[Example, ...]] = ()
    # True when check_function reads only the function's code (through ctx: its handler path,
    # imports, bundles) and reports only at source locations: the engine then runs it once for
    # all the functions that share code, layers, runtime and handler (ctx.code_key).
    code_only: ClassVar[bool] = False

    def __init__(self, values: Mapping[str, Any] = ()) -> None:
        values = dict(values)
        self.settings: Dict[str, Any] = {o.name: values.get(o.name, o.default) for o in self.options}

    def option(self, name: str) -> Any:
        return self.settings[name]

    @classmethod
    def fixable(cls) -> bool:
        return False

    @classmethod
    def scopes(cls) -> FrozenSet[str]:
        return frozenset(
            scope for scope in ("function", "bundle", "module", "project")
            if getattr(cls, f"check_{scope}") is not getattr(Rule, f"check_{scope}")
        )

    def check_function(self, fn, ctx) -> Iterable[Report]:
        return ()

    def check_bundle(self, bundle, ctx) -> Iterable[Report]:
        return ()

    def check_module(self, module, ctx) -> Iterable[Report]:
        return ()

    def check_project(self, project, ctx) -> Iterable[Report]:
        return ()


RuleClass = Type[Rule]
