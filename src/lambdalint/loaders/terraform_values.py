"""Terraform expressions → CloudFormation-shaped values, as far as a static reader can go.

Literals stay literals; `var.x` is the variable's value from `terraform.tfvars`/`*.auto.tfvars` or
its default; `local.x` is evaluated; `path.module` is the configuration folder ("."); a reference
to a resource that the translation knows becomes `Ref`/`Fn::GetAtt` of its address (so rules can
follow `aws_sqs_queue.jobs.arn` to the queue); `data.archive_file.x.output_path` is the zip, or
its source folder when the zip has not been built.  Everything else is `Fn::Unresolved`.

Locals and variables copy values at each use, so a few KB can stand for gigabytes (`s1` is 30 x
`"${local.s0}"`, `s2` 30 x `"${local.s1}"` ...).  Evaluation is bounded: a string longer than a
template can hold, or anything past the configuration's expansion budget, is unresolved and
reported in `problems` (LL002 on the local that expands); the rest is evaluated as usual.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from lambdalint.files import FILE, kind
from lambdalint.limits import MAX_EXPRESSION_DEPTH, MAX_VARIABLE_STRING_CHARS
from lambdalint.loaders.expansion import ExpansionBudget, copy_value, too_long_message
from lambdalint.loaders.hcl import Call, Interpolated, Opaque, Reference
from lambdalint.loaders.translation import unresolved

_PASS_THROUGH_CALLS = frozenset({"jsonencode", "tolist", "toset", "tomap", "tostring", "tonumber"})


class Values:
    def __init__(self, config: Dict[str, Any], folder: Path, variables: Dict[str, Any],
                 reference: Callable[[tuple], Optional[Any]], use_defaults: bool = True):
        self.use_defaults = use_defaults  # False in a module another configuration calls
        self.config = config
        self.folder = folder
        self.variables = variables  # from tfvars files, over the defaults
        self._reference = reference  # resource address parts → Ref/GetAtt, or None
        self._named: Dict[str, Any] = {}  # "local.x" / "var.x" → value, each evaluated once
        # (configuration path or None, message): values left unresolved because they expand too
        # far (LL002)
        self.problems: List[Tuple[Optional[tuple], str]] = []
        self._problem_categories: set = set()
        self._budget = ExpansionBudget()
        self._evaluating: List[tuple] = []  # where the locals and variables being evaluated are

    def evaluate(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_EXPRESSION_DEPTH:
            return unresolved("(too deep)")
        if isinstance(value, dict):
            evaluated: Any = {}
            for key, child in value.items():  # a loop, not a comprehension: one frame a level
                evaluated[key] = self.evaluate(child, depth + 1)
            return evaluated
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
            self._evaluating.append(("locals", name) if kind == "local" else ("variable", name))
            try:
                if kind == "var":
                    self._named[key] = self._variable(name, depth)
                elif name in self.config.get("locals", {}):
                    self._named[key] = self.evaluate(self.config["locals"][name], depth + 1)
            finally:
                self._evaluating.pop()
        value = self._named[key]
        if not self._budget.charge(value):  # each use is one more copy for the rules to read
            self._problem("budget", self._budget.spent_message(),
                          ("locals", name) if kind == "local" else ("variable", name))
            return unresolved(key)
        return copy_value(value)

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
        if isinstance(output, str) and kind(self.folder / output) == FILE:  # any string: kind() copes
            return output
        source_dir = self.evaluate(archive.get("source_dir"), depth + 1)
        if isinstance(source_dir, str):
            return source_dir  # not built yet: its source folder is what will be zipped
        source_file = self.evaluate(archive.get("source_file"), depth + 1)
        if isinstance(source_file, str):
            return source_file  # one file, zipped alone
        if any(key in archive for key in ("source", "source_dir", "source_file")):
            # sources known only when applied (`source { content = ... }` blocks, a module's
            # variable without a default): where the code comes from is unknown, not missing
            return unresolved(f"data.archive_file.{name}.{attribute} (its sources are not known here)")
        return output

    def _interpolated(self, value: Interpolated, depth: int) -> Any:
        parts = [self.evaluate(part, depth + 1) for part in value.parts]
        if len(parts) == 1:
            return parts[0]  # "${aws_sqs_queue.q.arn}" is the reference itself
        # as written (not as evaluated: that may be megabytes), for the unresolved value's text
        written = "".join(p if isinstance(p, str) else f"${{{p.text}}}" if isinstance(p, Reference) else "${...}"
                          for p in value.parts)
        if not all(isinstance(part, (str, int, float)) and not isinstance(part, bool) for part in parts):
            return unresolved(written)
        texts = [str(part) for part in parts]  # numbers from the parser have at most 600 digits
        if sum(map(len, texts)) > MAX_VARIABLE_STRING_CHARS:
            self._problem("string", too_long_message("interpolation makes a string"))
            return unresolved(written)
        text = "".join(texts)
        if not self._budget.charge(text):
            self._problem("budget", self._budget.spent_message())
            return unresolved(written)
        return text

    def _problem(self, category: str, message: str, used: Optional[tuple] = None) -> None:
        """Report the first place of each category: on the local being evaluated, else on the
        local or variable `used`, else on the file."""
        if category not in self._problem_categories:
            self._problem_categories.add(category)
            self.problems.append((self._evaluating[-1] if self._evaluating else used, message))

