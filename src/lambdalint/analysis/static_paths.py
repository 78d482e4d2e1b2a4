"""Static values of path expressions, as far as they can be known without running anything.

A path is resolved to the text it starts with and whether that text is the whole path: literals,
f-strings, `+`, `os.path.join`, `pathlib` `/`, `Path(...)`, simple local constants,
`tempfile.gettempdir()`, and `__file__` (a module of the code folder, `/var/task/…`) with
`os.path.dirname` or `.parent`.  Parameters are known only when the caller gives their values
(`known`, see writes.helper_calls).  Anything else (environment variables, attributes) is unknown,
and an unknown path is never reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import libcst as cst

MAX_DEPTH = 20
PATH_CONSTRUCTORS = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
JOIN_FUNCTIONS = {"os.path.join", "posixpath.join"}
TEMP_DIR_FUNCTIONS = {"tempfile.gettempdir", "tempfile.mkdtemp"}
DIRNAME_FUNCTIONS = {"os.path.dirname", "posixpath.dirname"}
SAME_PATH_FUNCTIONS = {"os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "builtins.str"}
SAME_PATH_METHODS = ("resolve", "absolute", "expanduser")
CODE_FOLDER = "/var/task/"  # where Lambda unpacks the function's code (LAMBDA_TASK_ROOT); read-only
WRITABLE_ROOTS = {"tmp"}
NOT_REPORTED_ROOTS = {"dev", "proc", "mnt"}  # devices, procfs, and EFS mount points (/mnt/...)


@dataclass(frozen=True)
class PathValue:
    prefix: str  # the text the path is known to start with
    complete: bool  # the prefix is the whole path

    def then(self, other: "PathValue") -> "PathValue":
        if not self.complete:
            return self
        return PathValue(self.prefix + other.prefix, other.complete)

    def join(self, other: "PathValue") -> "PathValue":
        if other.prefix.startswith("/"):
            return other
        if not self.complete or (other.complete and other.prefix in (".", "./")):
            return self
        if not other.prefix and not other.complete:
            return PathValue(self.prefix.rstrip("/") + "/", False)
        separator = "" if not self.prefix or self.prefix.endswith("/") else "/"
        return PathValue(self.prefix + separator + other.prefix, other.complete)


UNKNOWN = PathValue("", False)


def dirname(value: PathValue) -> PathValue:
    """The folder of a path: exact when the path is known, else what it surely starts with."""
    cut = value.prefix.rstrip("/").rfind("/") if value.complete else value.prefix.rfind("/")
    if cut > 0:
        return PathValue(value.prefix[:cut], value.complete)
    return PathValue("/", True) if cut == 0 and value.complete else UNKNOWN
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def classify(value: PathValue) -> str:
    """'tmp' (writable), 'outside' (read-only: absolute elsewhere, or relative), or 'unknown'."""
    prefix = value.prefix
    if not prefix or _URL.match(prefix) or prefix.startswith("file:"):
        return "unknown"  # s3://…, gs://… (pandas, awswrangler) and sqlite `file:` URIs
    if not prefix.startswith("/"):
        return "outside"  # relative: resolved against the read-only code folder
    root, slash, _ = prefix[1:].partition("/")
    if not slash and not value.complete:
        return "unknown"  # the first component is not fully known
    if root in WRITABLE_ROOTS:
        return "tmp"
    if root in NOT_REPORTED_ROOTS:
        return "unknown"
    return "outside"


Lookup = Callable[[str], Optional[cst.BaseExpression]]
QualName = Callable[[cst.BaseExpression], Optional[str]]


class PathResolver:
    def __init__(self, lookup: Lookup, qualified_name: QualName, known: Optional[Dict[str, PathValue]] = None):
        self._lookup = lookup  # a local constant's value expression, or None
        self._qualified_name = qualified_name  # dotted name of a callee after import aliases
        self._known = known or {}  # parameters whose value the caller gave

    def with_known(self, known: Dict[str, PathValue]) -> "PathResolver":
        """The same resolver where the given names (a callee's parameters) have known values."""
        return PathResolver(self._lookup, self._qualified_name, known)

    def lookup(self, name: str) -> Optional[cst.BaseExpression]:
        """The expression a name is bound to once in the scope or its module, or None."""
        return self._lookup(name)

    def resolve(self, node: cst.BaseExpression, depth: int = 0) -> PathValue:
        if depth > MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return PathValue(value, True) if isinstance(value, str) else UNKNOWN
        if isinstance(node, cst.ConcatenatedString):
            return self.resolve(node.left, depth + 1).then(self.resolve(node.right, depth + 1))
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, depth)
        if isinstance(node, cst.BinaryOperation):
            left = self.resolve(node.left, depth + 1)
            right = self.resolve(node.right, depth + 1)
            if isinstance(node.operator, cst.Add):
                return left.then(right)
            if isinstance(node.operator, cst.Divide):
                return left.join(right)
            return UNKNOWN
        if isinstance(node, cst.Name):
            if node.value in self._known:
                return self._known[node.value]
            value = self._lookup(node.value)
            if value is None and node.value == "__file__":
                return PathValue(CODE_FOLDER, False)
            return self.resolve(value, depth + 1) if value is not None else UNKNOWN
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent" and self.is_path_object(node.value, depth + 1):
            return dirname(self.resolve(node.value, depth + 1))
        return UNKNOWN

    def is_path_object(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """True for expressions that evaluate to a pathlib path (so `.write_text` writes a file)."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in SAME_PATH_METHODS:
                return self.is_path_object(node.func.value, depth + 1)
            return self._qualified_name(node.func) in PATH_CONSTRUCTORS
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return self.is_path_object(node.left, depth + 1)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            return self.is_path_object(node.value, depth + 1)
        if isinstance(node, cst.Name):
            value = self._lookup(node.value)
            return value is not None and self.is_path_object(value, depth + 1)
        return False

    def _fstring(self, node: cst.FormattedString, depth: int) -> PathValue:
        value = PathValue("", True)
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                value = value.then(PathValue(part.value, True))
            elif isinstance(part, cst.FormattedStringExpression):
                inner = self.resolve(part.expression, depth + 1)
                if part.format_spec or part.conversion:
                    inner = PathValue(inner.prefix, False) if inner.prefix else UNKNOWN
                value = value.then(inner)
            if not value.complete:
                break
        return value

    def _call(self, node: cst.Call, depth: int) -> PathValue:
        name = self._qualified_name(node.func)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if name in TEMP_DIR_FUNCTIONS and not any(a.keyword and a.keyword.value == "dir" for a in node.args):
            return PathValue("/tmp", True) if name == "tempfile.gettempdir" else PathValue("/tmp/", False)
        if name in JOIN_FUNCTIONS or name in PATH_CONSTRUCTORS:
            if not positional:
                return PathValue(".", True) if name in PATH_CONSTRUCTORS else UNKNOWN
            value = self.resolve(positional[0], depth + 1)
            for arg in positional[1:]:
                value = value.join(self.resolve(arg, depth + 1))
            return value
        if name in DIRNAME_FUNCTIONS and positional:
            return dirname(self.resolve(positional[0], depth + 1))
        if name in SAME_PATH_FUNCTIONS and len(positional) == 1:
            return self.resolve(positional[0], depth + 1)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in SAME_PATH_METHODS:
            return self.resolve(node.func.value, depth + 1)
        return UNKNOWN


def single_assignments(body) -> Dict[str, Optional[cst.BaseExpression]]:
    """Names bound in a block (not nested functions or classes): the value for names assigned
    exactly once with `=`, None for names bound any other way (parameters, loops, twice...)."""
    from lambdalint.analysis.cst_walk import statements

    collector = _BindingCollector()
    skip = set()
    for statement in statements(body):
        if id(statement) in skip:
            continue
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            collector._bind(statement.name.value, None)
            skip.update(id(s) for s in statements(statement.body.body if isinstance(
                statement.body, cst.IndentedBlock) else statement.body.body))
        elif isinstance(statement, cst.Assign):
            collector.visit_Assign(statement)
        elif isinstance(statement, cst.AnnAssign):
            collector.visit_AnnAssign(statement)
        elif isinstance(statement, cst.AugAssign):
            collector.visit_AugAssign(statement)
        elif isinstance(statement, (cst.For,)):
            collector.visit_For(statement)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    collector._bind_target(item.asname.name, None)
        elif isinstance(statement, cst.ExceptHandler) and statement.name is not None:
            collector._bind_target(statement.name.name, None)
    return collector.bindings


class _BindingCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.bindings: Dict[str, Optional[cst.BaseExpression]] = {}

    def _bind(self, name: str, value: Optional[cst.BaseExpression]) -> None:
        self.bindings[name] = None if name in self.bindings else value

    def _bind_target(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        single = len(node.targets) == 1
        for target in node.targets:
            self._bind_target(target.target, node.value if single else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind_target(node.name, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None)  # comprehension variables shadow constants

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name.value, None)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value, None)
        return False
