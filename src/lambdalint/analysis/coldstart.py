"""Per handler: its module's top-level imports, each with the estimated cost of its closure, and
the estimated init cost of the whole handler module (the union of all closures)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lambdalint.analysis.costs import LOCAL, CostModel
from lambdalint.analysis.imports import ImportGraph, ImportRef, Module, ScanCache, features, function_roots


@dataclass
class TopImport:
    module: str
    line: int
    column: int  # 1-based
    estimated_ms: float
    source: str  # "bundle" | "layer" | "table" | "stdlib" | "runtime" | "unknown"
    closure: List[Module] = field(repr=False, default_factory=list)
    features: dict = field(repr=False, default_factory=dict)  # of the closure (modules, bytes...)


@dataclass
class HandlerImports:
    module_name: str
    module_path: str  # relative path of the handler module inside the code bundle
    handler: str  # function name
    imports: List[TopImport]
    init_modules: List[Module] = field(repr=False, default_factory=list)
    estimated_init_ms: float = 0.0

    def top_contributors(self, count: int = 3) -> List[TopImport]:
        """The costliest imports, one per top-level package (`sklearn`, not also `sklearn.svm`)."""
        best: Dict[str, TopImport] = {}
        for item in self.imports:
            top = item.module.split(".", 1)[0]
            if top not in best or item.estimated_ms > best[top].estimated_ms:
                best[top] = item
        return sorted(best.values(), key=lambda i: (-i.estimated_ms, i.module))[:count]


def module_name_of(relpath: str) -> str:
    name = relpath[:-3] if relpath.endswith(".py") else relpath
    if name.endswith("/__init__"):
        name = name[: -len("/__init__")]
    return name.replace("/", ".")


class ColdStartAnalysis:
    """Import graphs shared by functions with the same code and layers; one cost model."""

    def __init__(self, model: Optional[CostModel] = None, store=None):
        self.model = model or CostModel.default()
        self._graphs: Dict[Tuple, ImportGraph] = {}
        self._scans = ScanCache(store)  # each file parsed once across the graphs of every function
        self._module_imports: Dict[Tuple, HandlerImports] = {}
        self._marginal: Dict[Tuple, float] = {}

    def graph(self, fn) -> ImportGraph:
        layers = [layer.bundle for layer in fn.layers]
        key = (id(fn.code), tuple(id(b) for b in layers), fn.python_version)
        if key not in self._graphs:
            self._graphs[key] = ImportGraph(function_roots(fn.code, layers, fn.python_version),
                                            fn.python_version, self._scans)
        return self._graphs[key]

    def handler_imports(self, fn, relpath: str, handler: str) -> HandlerImports:
        """The imports of the handler's module: computed once per module (a module may hold
        thousands of handlers), the same lists shared by each of its handlers."""
        graph = self.graph(fn)
        key = (id(graph), relpath)
        if key not in self._module_imports:
            name = module_name_of(relpath)
            module = graph.find(name)
            refs = _deduplicated(graph.imports_of(module)) if module.origin in LOCAL else []
            imports = [self._top_import(graph, ref) for ref in refs]
            init_modules = graph.closure([name])
            direct = [ref.module for ref in refs]
            self._module_imports[key] = HandlerImports(name, relpath, "", imports, init_modules,
                                                       round(self.model.estimate(init_modules, direct), 1))
        return dataclasses.replace(self._module_imports[key], handler=handler)

    def _top_import(self, graph: ImportGraph, ref: ImportRef) -> TopImport:
        closure = graph.closure([ref.module])
        total, external_sources = self.model.breakdown(closure, [ref.module])
        head = graph.find(ref.module)
        if head.origin in LOCAL:
            source = head.origin
        else:
            source = external_sources.get(ref.module.split(".", 1)[0], head.origin)
        return TopImport(ref.module, ref.line, ref.column + 1, round(total, 1), source, closure,
                         features(closure))

    def marginal_ms(self, fn, imports: "HandlerImports", positions) -> float:
        """What the handler module's init would save without the imports at these (line, column)."""
        graph = self.graph(fn)
        key = (id(graph), imports.module_path, frozenset(positions))
        if key not in self._marginal:
            rest = [top.module for top in imports.imports if (top.line, top.column) not in positions]
            loaded = rest + _loaded_by_unshipped(graph, rest)
            self._marginal[key] = max(0.0, round(imports.estimated_init_ms
                                                 - self.model.estimate(graph.closure(loaded), rest), 1))
        return self._marginal[key]


def _loaded_by_unshipped(graph: ImportGraph, modules: List[str]) -> List[str]:
    """What packages that are not shipped (only the source is checked) load when imported, from
    data/package_loads.toml: `from crhelper import CfnResource` loads boto3, so moving
    `import boto3` out of init saves nothing.  A shipped package's own imports are read instead."""
    from lambdalint.data import table

    loads = table("package_loads")["loads"]
    extra: List[str] = []
    for name in modules:
        top = name.split(".", 1)[0]
        if top in loads and graph.find(top).origin not in LOCAL:
            extra.extend(loads[top])
    return extra


def _deduplicated(refs: List[ImportRef]) -> List[ImportRef]:
    """One entry per imported module (the first place it is imported)."""
    seen, result = set(), []
    for ref in refs:
        if ref.module not in seen:
            seen.add(ref.module)
            result.append(ref)
    return result
