"""The import graph of a function, resolved the way Lambda's `sys.path` resolves it.

Search order: the function's code folder, then each layer's `python/` and
`python/lib/pythonX.Y/site-packages/` in order, then the runtime (the standard library of the
runtime's Python, and the SDK packages the runtime provides).  Only module-level imports are
followed (also inside `try`/`if`/`with`/class bodies; not in function bodies, not under
`if TYPE_CHECKING:`).  Dependency scanning uses the stdlib `ast` parser (much faster than libcst);
each file is read and parsed at most once, and files that are not reachable are never read.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set

from lambdalint.model.bundle import Bundle, BundleError, FolderBundle

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
NATIVE_SUFFIXES = (".so", ".pyd")
MAX_MODULES = 50_000  # a closure larger than this is cut (and says so)


@dataclass(frozen=True)
class ImportRef:
    """One module a module imports at its top level, as an absolute dotted name."""

    module: str
    line: int
    column: int  # 0-based, as ast gives it


@dataclass
class Module:
    name: str
    origin: str  # "bundle" | "layer" | "stdlib" | "runtime" | "unknown"
    bundle: Optional[Bundle] = None
    path: Optional[str] = None  # inside the bundle
    is_package: bool = False
    is_native: bool = False
    size: int = 0  # bytes of source (or of the native extension)
    imports: List[ImportRef] = field(default_factory=list)
    parsed: bool = False


@dataclass(frozen=True)
class Root:
    bundle: Bundle
    prefix: str  # "" or "python/" or "python/lib/python3.12/site-packages/"
    origin: str  # "bundle" | "layer"


class _Index:
    """Directories and native extensions of a bundle, indexed once."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.files: Dict[str, object] = {}
        self.dirs: Set[str] = set()
        self.natives: Dict[str, object] = {}  # "pkg/mod" -> entry of pkg/mod.cpython-312-….so
        for entry in bundle.entries:
            if entry.is_dir:
                self.dirs.add(entry.path)
                continue
            self.files[entry.path] = entry
            parent = entry.path.rpartition("/")[0]
            while parent and parent not in self.dirs:
                self.dirs.add(parent)
                parent = parent.rpartition("/")[0]
            if entry.path.endswith(NATIVE_SUFFIXES):
                folder, _, filename = entry.path.rpartition("/")
                stem = filename.split(".", 1)[0]
                key = f"{folder}/{stem}" if folder else stem
                self.natives.setdefault(key, entry)


class ImportGraph:
    """Modules found from a set of roots; shared by every function with the same roots."""

    def __init__(self, roots: Sequence[Root], python_version: str):
        self.roots = list(roots)
        self.python_version = python_version
        self.modules: Dict[str, Module] = {}
        self._indexes: Dict[int, _Index] = {}
        self.parsed_files = 0

    # -- finding modules -------------------------------------------------------------------------
    def _index(self, bundle: Bundle) -> _Index:
        if id(bundle) not in self._indexes:
            self._indexes[id(bundle)] = _Index(bundle)
        return self._indexes[id(bundle)]

    def find(self, name: str) -> Module:
        if name not in self.modules:
            self.modules[name] = self._locate(name)
        return self.modules[name]

    def _locate(self, name: str) -> Module:
        relative = name.replace(".", "/")
        top = name.split(".", 1)[0]
        for root in self._roots_for(top):
            index = self._index(root.bundle)
            base = root.prefix + relative
            for candidate, is_package in ((base + "/__init__.py", True), (base + ".py", False)):
                entry = index.files.get(candidate)
                if entry is not None:
                    return Module(name, root.origin, root.bundle, candidate, is_package, False, entry.size)
            native = index.natives.get(base)
            if native is not None:
                return Module(name, root.origin, root.bundle, native.path, False, True, native.size)
            if base in index.dirs:  # a namespace package
                return Module(name, root.origin, root.bundle, base, True, False, 0, parsed=True)
        if top in RUNTIME_PROVIDED:
            return Module(name, "runtime", parsed=True)
        if top in stdlib_names():
            return Module(name, "stdlib", parsed=True)
        return Module(name, "unknown", parsed=True)

    def _roots_for(self, top: str) -> Iterable[Root]:
        """A top-level name comes from the first root that has it (as `sys.path` does)."""
        for root in self.roots:
            index = self._index(root.bundle)
            base = root.prefix + top
            if (base + ".py" in index.files or base in index.dirs or base in index.natives):
                yield root
                return

    # -- following imports -----------------------------------------------------------------------
    def imports_of(self, module: Module) -> List[ImportRef]:
        if not module.parsed:
            module.parsed = True
            module.imports = self._scan(module)
        return module.imports

    def _scan(self, module: Module) -> List[ImportRef]:
        if module.is_native or module.bundle is None or module.path is None:
            return []
        try:
            source = module.bundle.read(module.path)
            tree = ast.parse(source, filename=module.path)
        except (BundleError, OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        self.parsed_files += 1
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        refs: List[ImportRef] = []
        for node in _module_level_imports(tree.body):
            refs.extend(self._refs(node, package))
        return refs

    def _refs(self, node: ast.stmt, package: str) -> List[ImportRef]:
        if isinstance(node, ast.Import):
            return [ImportRef(alias.name, node.lineno, node.col_offset) for alias in node.names]
        assert isinstance(node, ast.ImportFrom)
        base = _absolute(node.module, node.level, package)
        if base is None:
            return []
        refs = [ImportRef(base, node.lineno, node.col_offset)]
        for alias in node.names:
            if alias.name == "*":
                continue
            sub = f"{base}.{alias.name}"
            if self._is_submodule(sub):  # `from pkg import submodule`
                refs.append(ImportRef(sub, node.lineno, node.col_offset))
        return refs

    def _is_submodule(self, name: str) -> bool:
        if name in self.modules:
            return self.modules[name].origin in ("bundle", "layer")
        module = self._locate(name)
        if module.origin in ("bundle", "layer"):
            self.modules[name] = module
            return True
        return False

    def closure(self, start: Iterable[str]) -> List[Module]:
        """Every module loaded by importing `start` (dotted names), parents included."""
        seen: Dict[str, Module] = {}
        pending = list(start)
        while pending and len(seen) < MAX_MODULES:
            name = pending.pop()
            for part in _with_parents(name):
                if part in seen:
                    continue
                module = self.find(part)
                seen[part] = module
                pending.extend(ref.module for ref in self.imports_of(module))
        return list(seen.values())


def _with_parents(name: str) -> List[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _absolute(module: Optional[str], level: int, package: str) -> Optional[str]:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base) or None


def _module_level_imports(body: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """Imports that run when the module is imported: not in functions, not for type checkers."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from _module_level_imports(node.body)
            for handler in node.handlers:
                yield from _module_level_imports(handler.body)
            yield from _module_level_imports(node.orelse)
            yield from _module_level_imports(node.finalbody)
        elif isinstance(node, (ast.With, ast.ClassDef, ast.For, ast.While)):
            yield from _module_level_imports(node.body)
            yield from _module_level_imports(getattr(node, "orelse", []))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def stdlib_names() -> frozenset:
    names = getattr(sys, "stdlib_module_names", None)
    if names is None:  # pragma: no cover - Python 3.9
        from lambdalint.data import table

        names = table("stdlib_modules")["modules"]["names"]
    return frozenset(names)


def function_roots(code: Optional[Bundle], layers: Sequence[Optional[Bundle]], python_version: str) -> List[Root]:
    roots = [Root(code, "", "bundle")] if code is not None else []
    for layer in layers:
        if layer is not None:
            roots.append(Root(layer, "python/", "layer"))
            roots.append(Root(layer, f"python/lib/python{python_version}/site-packages/", "layer"))
    return roots


def closure_features(roots: Sequence[Path], module_name: str, python_version: str = "") -> dict:
    """Static features of importing `module_name` from folders `roots` (used by the calibration
    benchmark): modules, source bytes, native modules and bytes, standard-library modules."""
    version = python_version or f"{sys.version_info[0]}.{sys.version_info[1]}"
    graph = ImportGraph([Root(FolderBundle(Path(r), str(r)), "", "bundle") for r in roots], version)
    return features(graph.closure([module_name]))


def features(modules: Iterable[Module]) -> dict:
    result = {"modules": 0, "source_bytes": 0, "native_modules": 0, "native_bytes": 0,
              "stdlib_modules": 0, "runtime_modules": 0, "unknown_modules": 0}
    for module in modules:
        if module.origin in ("bundle", "layer"):
            if module.is_native:
                result["native_modules"] += 1
                result["native_bytes"] += module.size
            elif module.path and module.path.endswith(".py"):
                result["modules"] += 1
                result["source_bytes"] += module.size
        else:
            result[f"{module.origin}_modules"] += 1
    return result
