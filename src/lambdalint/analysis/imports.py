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
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.limits import MAX_PARSED_TOKENS
from lambdalint.model.bundle import Bundle, BundleError, FolderBundle
from lambdalint.source_text import parse_quietly

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
NATIVE_SUFFIXES = (".so", ".pyd")
MAX_MODULES = 50_000  # a closure larger than this is cut (and says so)


@dataclass(frozen=True)
class ImportRef:
    """One module a module imports at its top level, as an absolute dotted name."""

    module: str
    line: int
    column: int  # 0-based, as ast gives it
    guard: int = 0  # > 0: inside that `try` body (a failure skips the rest of the body)
    fallback: int = 0  # > 0: in an `except` of that `try` (runs only when its body failed)


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


class ScanCache:
    """What graphs over the same bundles share within one run: each bundle's index, and each
    file's module-level imports (a file is parsed once, however many functions reach it; with a
    FactStore, once across runs while it is unchanged).
    Keys hold `id(bundle)`: the project keeps every bundle alive for the whole run."""

    def __init__(self, store=None):
        self.indexes: Dict[int, _Index] = {}
        self.imports: Dict[Tuple[int, str, str, bool], List[ImportRef]] = {}
        self.store = store  # file_facts.FactStore or None


class ImportGraph:
    """Modules found from a set of roots; shared by every function with the same roots."""

    def __init__(self, roots: Sequence[Root], python_version: str, cache: Optional[ScanCache] = None):
        self.roots = list(roots)
        self.python_version = python_version
        self.modules: Dict[str, Module] = {}
        self._cache = cache or ScanCache()
        self._indexes = self._cache.indexes
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
            key = (id(module.bundle), module.path or "", module.name, module.is_package)
            if key not in self._cache.imports:
                self._cache.imports[key] = self._scan(module)
            module.imports = self._cache.imports[key]
        return module.imports

    def _scan(self, module: Module) -> List[ImportRef]:
        if module.is_native or module.bundle is None or module.path is None:
            return []
        statements = self._statements(module.bundle, module.path)
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        refs: List[ImportRef] = []
        for statement in statements:
            refs.extend(self._refs(statement, package))
        return refs

    def _statements(self, bundle: Bundle, path: str) -> List[list]:
        """The file's module-level import statements: from the fact store when it knows the
        file, else read and parsed here (and told to the store)."""
        from lambdalint.file_facts import MISSING

        store = self._cache.store
        if store is not None:
            known = store.get(store.known_digest(bundle, path), "imports")
            if known is not MISSING:
                return known
        try:
            source = bundle.read(path)
        except (BundleError, OSError):
            return []
        statements = scan_statements(source, path)
        if statements is None:
            return []
        if b"import" in source:
            self.parsed_files += 1
        if store is not None:
            store.put(store.read_digest(bundle, path, source), "imports", statements)
        return statements

    def _refs(self, statement: list, package: str) -> List[ImportRef]:
        kind, module, level, names, line, column, guard, fallback = statement
        if kind == "import":
            return [ImportRef(name, line, column, guard, fallback) for name in names]
        base = _absolute(module, level, package)
        if base is None:
            return []
        refs = [ImportRef(base, line, column, guard, fallback)]
        for name in names:
            if name == "*":
                continue
            sub = f"{base}.{name}"
            if self._is_submodule(sub):  # `from pkg import submodule`
                refs.append(ImportRef(sub, line, column, guard, fallback))
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
        """Every module loaded by importing `start` (dotted names), parents included.

        Imports are replayed in order, the way the interpreter runs them: inside an installed
        (built) bundle, importing something that is not there fails, which ends the importing
        module (or skips the rest of the `try` body around it, and runs its `except` instead).
        In a plain source folder a missing package is only not shipped yet, so nothing fails.
        """
        walk = _Walk(self)
        for name in start:
            walk.import_(name)
        walk.finish()
        return list(walk.loaded.values())


class _Walk:
    LOADING, DONE, FAILED = 1, 2, 3
    MAX_DEPTH = 100  # deeper chains are resumed from `finish`, to bound the recursion

    def __init__(self, graph: "ImportGraph"):
        self.graph = graph
        self.loaded: Dict[str, Module] = {}
        self.state: Dict[str, int] = {}
        self.depth = 0
        self.deferred: List[Module] = []

    def finish(self) -> None:
        while self.deferred and len(self.loaded) < MAX_MODULES:
            module = self.deferred.pop()
            self.depth = 0
            self._run_imports(module)

    def import_(self, name: str, strict: bool = False) -> bool:
        return all(self._load(part, strict) for part in _with_parents(name))

    def _load(self, name: str, strict: bool) -> bool:
        if name in self.state:
            return self.state[name] != self.FAILED  # LOADING: a circular import, as Python allows
        module = self.graph.find(name)
        # Only a missing top-level package fails: a submodule we cannot see may be made at run
        # time (six.moves) or come from an extension module.  A failed import costs nothing.
        if module.origin == "unknown" and strict and "." not in name:
            self.state[name] = self.FAILED
            return False
        self.loaded[name] = module
        if len(self.loaded) >= MAX_MODULES:
            self.state[name] = self.DONE
            return True
        if self.depth > self.MAX_DEPTH:
            self.state[name] = self.DONE  # taken as imported; its own imports are followed later
            self.deferred.append(module)
            return True
        self.state[name] = self.LOADING
        self.depth += 1
        try:
            ok = self._run_imports(module)
        finally:
            self.depth -= 1
        self.state[name] = self.DONE if ok else self.FAILED
        return ok

    def _run_imports(self, module: Module) -> bool:
        strict = bool(module.bundle is not None and module.bundle.is_built)
        failed_guards, skipped_guard = set(), 0
        for ref in self.graph.imports_of(module):
            if ref.guard and ref.guard == skipped_guard:
                continue
            if ref.fallback and ref.fallback not in failed_guards:
                continue
            if not self.import_(ref.module, strict):
                if ref.guard:
                    failed_guards.add(ref.guard)
                    skipped_guard = ref.guard
                elif not ref.fallback:
                    return False
        return True


def scan_statements(source: bytes, filename: str = "<module>") -> Optional[List[list]]:
    """The module-level import statements of a file's bytes (`import_statements`); [] when it
    cannot have any, None when it cannot be parsed (too large, not Python)."""
    if b"import" not in source:  # no import statement can be written without the word
        return []
    if not _within_parse_budget(source):
        return None
    try:
        tree = parse_quietly(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return import_statements(tree)


def import_statements(tree: ast.Module) -> List[list]:
    """[kind, module, level, names, line, column, guard, fallback] per module-level import, in
    order: plain lists (a FactStore keeps them as JSON); `guard`/`fallback` number the `try`
    blocks of the module in order (0: none), as `ImportRef` uses them."""
    numbers: Dict[int, int] = {}

    def number(block: int) -> int:
        if not block:
            return 0
        return numbers.setdefault(block, len(numbers) + 1)

    statements = []
    for node, guard, fallback in _module_level_imports(tree.body):
        if isinstance(node, ast.Import):
            statements.append(["import", None, 0, [alias.name for alias in node.names], node.lineno,
                               node.col_offset, number(guard), number(fallback)])
        else:
            statements.append(["from", node.module, node.level, [alias.name for alias in node.names],
                               node.lineno, node.col_offset, number(guard), number(fallback)])
    return statements


def _within_parse_budget(source: bytes) -> bool:
    """Whether CPython's parser may take the file: its tree costs ~500 bytes per token, so a
    module of more than MAX_PARSED_TOKENS tokens (only a file of more bytes can have that many)
    is not parsed.  Its imports are then unknown, as for a file that cannot be read."""
    if len(source) <= MAX_PARSED_TOKENS:
        return True
    from lambdalint.analysis.source_shape import measure
    from lambdalint.source_text import decode_source

    try:
        text = decode_source(source).text
    except (UnicodeError, LookupError):
        return False  # ast would refuse it too
    return measure(text, MAX_PARSED_TOKENS).complete


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


def _module_level_imports(body: Sequence[ast.stmt], guard: int = 0,
                          fallback: int = 0) -> Iterable[Tuple[ast.stmt, int, int]]:
    """(import, guard, fallback) for the imports that run when the module is imported: not in
    functions, not for type checkers, not under `__main__` or another platform than Linux."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, guard, fallback
        elif isinstance(node, ast.If):
            # A branch whose test is not known statically (`if PY2:`) may not run: a failing
            # import there ends only that branch, like a `try` body.
            runs = _branch_runs(node.test)
            # Inside a `try`, a failure in the branch still reaches the `try`'s `except`.
            if runs is not False:
                yield from _module_level_imports(node.body, guard if runs else guard or id(node.body),
                                                 fallback)
            if runs is not True:
                yield from _module_level_imports(
                    node.orelse, guard if runs is False else guard or id(node.orelse), fallback)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            own = id(node)
            yield from _module_level_imports(node.body, own, fallback)
            for handler in node.handlers:
                yield from _module_level_imports(handler.body, guard, own)
            yield from _module_level_imports(node.orelse, own, fallback)
            yield from _module_level_imports(node.finalbody, guard, fallback)
        elif isinstance(node, (ast.With, ast.ClassDef, ast.For, ast.While)):
            yield from _module_level_imports(node.body, guard, fallback)
            yield from _module_level_imports(getattr(node, "orelse", []), guard, fallback)


LINUX_VALUES = {"linux", "posix", "Linux"}


def _branch_runs(test: ast.expr) -> Optional[bool]:
    """True/False when an `if` test is known on Lambda (Linux, imported, not type checking)."""
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return False
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        subject, value = ast.unparse(test.left), test.comparators[0].value
        equal = isinstance(test.ops[0], ast.Eq)
        if not equal and not isinstance(test.ops[0], ast.NotEq):
            return None
        if subject == "__name__" and value == "__main__":
            return not equal
        if subject in ("sys.platform", "os.name", "platform.system()") and isinstance(value, str):
            return (value in LINUX_VALUES) == equal
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith" \
            and ast.unparse(test.func.value) == "sys.platform" and test.args \
            and isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str):
        return "linux".startswith(test.args[0].value)
    return None


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
