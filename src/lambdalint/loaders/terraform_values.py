"""Terraform expressions → CloudFormation-shaped values, as far as a static reader can go.

Literals stay literals; `var.x` is the variable's value from `terraform.tfvars`/`*.auto.tfvars` or
its default; `local.x` is evaluated; `path.module` is the configuration folder ("."); a reference
to a resource that the translation knows becomes `Ref`/`Fn::GetAtt` of its address (so rules can
follow `aws_sqs_queue.jobs.arn` to the queue); `data.archive_file.x.output_path` is the zip, or
its source folder when the zip has not been built.  Everything else is `Fn::Unresolved`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional

from lambdalint.loaders.hcl import Call, Interpolated, Opaque, Reference
from lambdalint.loaders.translation import larger_than, unresolved

_MAX_DEPTH = 20
_PASS_THROUGH_CALLS = frozenset({"jsonencode", "tolist", "toset", "tomap", "tostring", "tonumber"})


_MAX_NODES = 10_000


class Values:
    def __init__(self, config: Dict[str, Any], folder: Path, variables: Dict[str, Any],
                 reference: Callable[[tuple], Optional[Any]], use_defaults: bool = True):
        self.use_defaults = use_defaults  # False in a module another configuration calls
        self.config = config
        self.folder = folder
        self.variables = variables  # from tfvars files, over the defaults
        self._reference = reference  # resource address parts → Ref/GetAtt, or None
        self._named: Dict[str, Any] = {}  # "local.x" / "var.x" → value, each evaluated once

    def evaluate(self, value: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            return unresolved("(too deep)")
        if isinstance(value, dict):
            return {key: self.evaluate(child, depth + 1) for key, child in value.items()}
        if isinstance(value, list):
            return [self.evaluate(child, depth + 1) for child in value]
        if isinstance(value, Reference):
            return self._traversal(value, depth)
        if isinstance(value, Interpolated):
            return self._interpolated(value, depth)
        if isinstance(value, Call):
            if value.name in _PASS_THROUGH_CALLS and len(value.args) == 1:
                return self.evaluate(value.args[0], depth + 1)
            return unresolved(f"{value.name}(...)")
        if isinstance(value, Opaque):
            return unresolved(value.text)
        return value

    def _traversal(self, ref: Reference, depth: int) -> Any:
        parts = ref.parts
        head = parts[0]
        if head == "path" and len(parts) == 2 and parts[1] in ("module", "root", "cwd"):
            return "."
        if head in ("var", "local") and len(parts) >= 2:
            return self._attribute(self._named_value(head, parts[1], depth), parts[2:], ref)
        if head == "data" and parts[1:2] == ("archive_file",) and len(parts) == 4:
            return self._archive(parts[2], parts[3], depth)
        found = self._reference(parts)
        return found if found is not None else unresolved(ref.text)

    def _named_value(self, kind: str, name: str, depth: int) -> Any:
        key = f"{kind}.{name}"
        if key not in self._named:
            self._named[key] = unresolved(key)  # a cycle back to here is unresolved
            if kind == "var":
                self._named[key] = self._variable(name, depth)
            elif name in self.config.get("locals", {}):
                self._named[key] = self.evaluate(self.config["locals"][name], depth + 1)
            if larger_than(self._named[key], _MAX_NODES):
                self._named[key] = unresolved(key)  # values that expand like a YAML alias bomb
        return self._named[key]

    def _variable(self, name: str, depth: int) -> Any:
        if name in self.variables:
            return self.evaluate(self.variables[name], depth + 1)
        declared = self.config.get("variable", {}).get(name)
        if self.use_defaults and isinstance(declared, dict) and "default" in declared:
            return self.evaluate(declared["default"], depth + 1)
        return unresolved(f"var.{name}")

    @staticmethod
    def _attribute(value: Any, keys: tuple, ref: Reference) -> Any:
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return unresolved(ref.text)
            value = value[key]
        return value

    def _archive(self, name: str, attribute: str, depth: int) -> Any:
        archive = self.config.get("data", {}).get("archive_file", {}).get(name)
        if not isinstance(archive, dict) or attribute != "output_path":
            return unresolved(f"data.archive_file.{name}.{attribute}")
        output = self.evaluate(archive.get("output_path"), depth + 1)
        if isinstance(output, str) and (self.folder / output).is_file():
            return output
        source_dir = self.evaluate(archive.get("source_dir"), depth + 1)
        if isinstance(source_dir, str):
            return source_dir  # not built yet: its source folder is what will be zipped
        source_file = self.evaluate(archive.get("source_file"), depth + 1)
        if isinstance(source_file, str):
            return source_file  # one file, zipped alone
        return output

    def _interpolated(self, value: Interpolated, depth: int) -> Any:
        parts = [self.evaluate(part, depth + 1) for part in value.parts]
        if len(parts) == 1:
            return parts[0]  # "${aws_sqs_queue.q.arn}" is the reference itself
        if all(isinstance(part, (str, int, float)) and not isinstance(part, bool) for part in parts):
            return "".join(str(part) for part in parts)
        return unresolved("".join(p if isinstance(p, str) else "${...}" for p in parts))
