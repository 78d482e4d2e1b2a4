"""The project model rules see: functions, their code, layers, settings and triggers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from lambdalint.model.bundle import Bundle
from lambdalint.model.template import (MISSING, Template, as_mapping, dig, int_value, number_value,
                                       referenced_id, refers_to)


@dataclass(frozen=True)
class Setting:
    """A resolved setting and the template path it came from (the function's own, or Globals)."""

    value: Any
    path: Tuple[Any, ...]

    @property
    def from_globals(self) -> bool:
        return bool(self.path) and self.path[0] == "Globals"

    def as_int(self) -> Optional[int]:
        """The value as an integer, or None when not statically known (`!Ref Param`), of another
        type, or integer text too long to convert (unknown: see `as_number` for range checks)."""
        return int_value(self.value)

    def as_number(self) -> Optional[Union[int, float]]:
        """The value as an integer for a range check: integer text too long to convert is
        ±infinity (out of every range), anything else not an integer is None."""
        return number_value(self.value)


@dataclass(frozen=True)
class Event:
    name: str
    type: str  # SAM event type, or the service of an AWS::Lambda::Permission principal
    kind: str  # "async" | "sync" | "poll" | "unknown"
    path: Tuple[Any, ...]  # where the trigger is declared
    # the trigger's own dead-letter queue keeps what it fails to deliver (EventBridge rule and
    # Scheduler targets)
    keeps_failures: bool = False
    # an OpenAPI integration's `timeoutInMillis` (read outside the template; None when absent)
    timeout_millis: Any = None


@dataclass
class FunctionConfig:
    """A function as declared in a template, with SAM `Globals` resolved key by key."""

    template: Template
    logical_id: str
    resource_type: str
    events: List[Event] = field(default_factory=list)

    @property
    def resource_path(self) -> Tuple[Any, ...]:
        return ("Resources", self.logical_id)

    @property
    def properties_path(self) -> Tuple[Any, ...]:
        return self.resource_path + ("Properties",)

    @property
    def name(self) -> str:
        """The function as the user calls it (its logical id, serverless key or Terraform address)."""
        return self.template.name_of(self.logical_id)

    def origin(self, setting: Setting) -> str:
        """" (set in Globals)" for a value inherited from the defaults, else ""."""
        return f" (set in {self.template.dialect.defaults})" if setting.from_globals else ""

    @property
    def is_sam(self) -> bool:
        return self.resource_type == "AWS::Serverless::Function"

    def get(self, *keys: Any) -> Optional[Setting]:
        """The function's own value for `keys`, else the SAM `Globals.Function` value, else None.

        Scalars override, so the first one found wins; this keeps the origin of each leaf value.
        """
        own = dig(self.template.properties(self.logical_id), keys)
        if own is not MISSING:
            return Setting(own, self.properties_path + keys)
        if self.is_sam:
            globals_ = dig(self.template.data, ("Globals", "Function") + keys)
            if globals_ is not MISSING:
                return Setting(globals_, ("Globals", "Function") + keys)
        return None

    def is_named_by(self, value: Any) -> bool:
        """True when a `FunctionName` value (Ref, GetAtt, Sub or the literal name) is this function."""
        if refers_to(value, self.logical_id):
            return True
        if not isinstance(value, str):
            return False
        name = self.get("FunctionName")
        return name is not None and value == name.value

    def is_reached_by(self, value: Any) -> bool:
        """True when `value` names this function, or an alias or version of it (`!Ref LiveAlias`,
        `aws_lambda_alias.live.arn`): a trigger, mapping or invoke config there is this function's."""
        target = referenced_id(value)
        if self.is_named_by(value) or target == self.logical_id:
            return True
        return self.template.resource_type(target) in ("AWS::Lambda::Alias", "AWS::Lambda::Version") \
            and self.is_named_by(self.template.properties(target).get("FunctionName"))

    def targeting(self, resource_type: str, unqualified: bool = False) -> List[Tuple[str, Dict[str, Any]]]:
        """The resources of a type whose `FunctionName` is this function (with `unqualified`: the
        function itself, not an alias or version of it), in template order."""
        index = self.template.resources_by_target(resource_type)
        targets = [self.logical_id, None]
        if not unqualified:
            for kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                targets += [alias_id for alias_id, _ in self.template.resources_by_target(kind).get(self.logical_id, [])]
        matches = self.is_named_by if unqualified else self.is_reached_by
        found = [(logical_id, resource) for target in dict.fromkeys(targets)
                 for logical_id, resource in index.get(target, [])
                 if matches(as_mapping(resource.get("Properties")).get("FunctionName"))]
        return sorted(found, key=lambda item: self.template.position(item[0]))

    def get_map(self, *keys: Any) -> Dict[str, Setting]:
        """A map setting as SAM merges it: Globals entries, overridden by the function's own."""
        merged: Dict[str, Setting] = {}
        sources = [self.properties_path]
        if self.is_sam:
            sources.insert(0, ("Globals", "Function"))
        for base in sources:
            value = dig(self.template.data, base + keys)
            if isinstance(value, dict):
                merged.update({str(k): Setting(v, base + keys + (k,)) for k, v in value.items()})
        return merged

    def get_list(self, *keys: Any) -> List[Setting]:
        """A list setting as SAM merges it: Globals entries first, then the function's own."""
        items: List[Setting] = []
        sources = [self.properties_path]
        if self.is_sam:
            sources.insert(0, ("Globals", "Function"))
        for base in sources:
            value = dig(self.template.data, base + keys)
            if isinstance(value, list):
                items.extend(Setting(v, base + keys + (i,)) for i, v in enumerate(value))
        return items


@dataclass
class Layer:
    name: str  # logical id, ARN or path
    bundle: Optional[Bundle]  # None for layers we cannot see (ARNs, S3 locations)
    path: Optional[Tuple[Any, ...]] = None  # template path of the reference


# Where a function's code is, as far as the configuration lets lambdalint follow it.
CODE_FOUND = "found"  # `Function.code` holds it (a folder, a zip, or inline code)
CODE_REMOTE = "remote"  # an S3 object, a container image, a value known at deploy time
CODE_NOT_SET = "not-set"  # the configuration names no code at all
CODE_MISSING = "missing"  # it names a folder or file that does not exist
CODE_NOT_BUILT = "not-built"  # it names a zip that no build has produced yet
CODE_UNREADABLE = "unreadable"  # it exists but cannot be read (LL002 says why)


@dataclass(frozen=True)
class CodeLocation:
    """How a function from configuration found (or did not find) its code."""

    status: str  # one of the CODE_* values above
    written: Optional[str] = None  # the location as the configuration writes it
    path: Tuple[Any, ...] = ()  # template path of the setting that gives it
    default_folder: bool = False  # SAM without CodeUri: the template's folder, as SAM CLI takes it


@dataclass
class Function:
    """A deployable function: from a template, or a bundle checked without configuration."""

    name: str
    runtime: str
    architecture: str
    code: Optional[Bundle] = None
    layers: List[Layer] = field(default_factory=list)
    handler: Optional[Setting] = None  # configured handler string and where it is set
    config: Optional[FunctionConfig] = None
    package_type: str = "Zip"
    code_location: Optional[CodeLocation] = None  # None for a bundle checked without configuration

    @property
    def is_python(self) -> bool:
        return self.runtime.startswith("python")

    @property
    def python_version(self) -> str:
        return self.runtime[len("python"):] if self.is_python else ""


@dataclass
class CodeCounts:
    with_code: int = 0
    config_only: int = 0
    without_code: int = 0

    @property
    def total(self) -> int:
        return self.with_code + self.config_only + self.without_code


@dataclass
class Project:
    functions: List[Function] = field(default_factory=list)
    bundles: List[Bundle] = field(default_factory=list)  # every artifact seen, once each
    templates: List[Template] = field(default_factory=list)
    input_errors: List[Any] = field(default_factory=list)  # findings.Report of LL002

    def code_counts(self) -> "CodeCounts":
        """How many functions had their Python code analysed, were checked from their
        configuration only (remote code, images, other languages), or had no code to analyse."""
        counts = CodeCounts()
        for fn in self.functions:
            if fn.code is not None and fn.is_python and fn.package_type == "Zip":
                counts.with_code += 1
            elif fn.is_python and fn.package_type == "Zip" and fn.code_location is not None \
                    and fn.code_location.status not in (CODE_FOUND, CODE_REMOTE):
                counts.without_code += 1
            else:
                counts.config_only += 1
        return counts

    def attached_bundles(self) -> set:
        attached = set()
        for fn in self.functions:
            if fn.code is not None:
                attached.add(id(fn.code))
            attached.update(id(layer.bundle) for layer in fn.layers if layer.bundle is not None)
        return attached
