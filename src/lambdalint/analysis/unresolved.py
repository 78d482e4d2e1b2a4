"""Imports of a handler's import closure that resolve nowhere (LL107).

The walk replays the module-level imports from the handler module the way `ImportGraph` finds
them (function code, then each layer's `python/` folders, then the runtime), but follows only
imports whose failure would end the import of the handler module: an import inside a `try` body
(whatever its `except` catches), under an `if` Lambda may not run (`TYPE_CHECKING`, another
platform, a test that cannot be known) or reached only through such an import is never judged.
An import in an `except` block is judged only when an import of its `try` body is itself missing.
Only the top-level name counts: a submodule we cannot see may be made at run time (`six.moves`).
"""
from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from lambdalint.analysis.imports import ImportGraph, ImportRef, Module, MAX_MODULES

LOCAL = ("bundle", "layer")


@dataclass(frozen=True)
class Missing:
    """A top-level name that resolves nowhere, and the first import of it the walk met."""

    name: str
    importer: Module  # the module whose import statement names it
    ref: ImportRef


@functools.lru_cache(maxsize=None)
def provided_by_runtime(runtime: str) -> Optional[FrozenSet[str]]:
    """Import names the runtime provides besides the standard library (data/runtime_modules.toml);
    None for a runtime the table does not know (its imports are never judged).  Once per runtime."""
    from lambdalint.data import table

    data = table("runtime_modules")
    extra = data["runtimes"].get(runtime)
    if extra is None:
        return None
    return frozenset(data["sdk"]["common"]) | frozenset(data["sdk"]["not_judged"]) | frozenset(extra)


def removed_stdlib() -> FrozenSet[str]:
    from lambdalint.data import table

    return frozenset(table("runtime_modules")["stdlib"]["other_versions"])


def missing_imports(graph: ImportGraph, start: str, provided: FrozenSet[str]) -> Tuple[List[Missing], List[Module]]:
    """Top-level names imported on the handler module's unguarded import paths that resolve in
    no root of the graph, not in the standard library and not in `provided` (first import of
    each), and the modules of the function walked to find them."""
    found: Dict[str, Missing] = {}
    removed = removed_stdlib()

    def is_missing(name: str) -> bool:
        top = name.split(".", 1)[0]
        if not top or top.startswith("__") or top in provided or top in removed:
            return False
        module = graph.find(top)
        return module.origin == "unknown" or (module.origin == "runtime" and top not in provided)

    queue, seen, walked = deque([start]), set(), []
    while queue and len(seen) < MAX_MODULES:
        name = queue.popleft()
        if name in seen:
            continue
        seen.add(name)
        module = graph.find(name)
        if module.origin not in LOCAL:
            continue
        walked.append(module)
        refs = graph.imports_of(module)
        failing_trys = {ref.guard for ref in refs if ref.guard and is_missing(ref.module)}
        for ref in refs:
            if ref.guard or (ref.fallback and ref.fallback not in failing_trys):
                continue
            if is_missing(ref.module):
                top = ref.module.split(".", 1)[0]
                found.setdefault(top, Missing(top, module, ref))
                continue
            parts = ref.module.split(".")
            queue.extend(".".join(parts[: i + 1]) for i in range(len(parts)))
    return list(found.values()), walked


def places_of(bundle, name: str, limit: int = 3) -> List[str]:
    """Where a bundle holds a package or module called `name` below its root (`package/requests`,
    `src/utils.py`): the likely reason it does not resolve.  Shortest paths first."""
    places: Set[str] = set()
    for entry in bundle.entries:
        path = entry.path
        parts = path.split("/")
        for depth, part in enumerate(parts[1:], start=1):
            folder = "/".join(parts[:depth])
            if part == name and (depth < len(parts) - 1 or entry.is_dir):
                places.add(f"{folder}/{name}")
            elif depth == len(parts) - 1 and (part == name + ".py" or _native_stem(part) == name):
                places.add(f"{folder}/{part}")
    return sorted(places, key=lambda p: (p.count("/"), p))[:limit]


def _native_stem(filename: str) -> Optional[str]:
    return filename.split(".", 1)[0] if filename.endswith((".so", ".pyd")) else None


def mentions_sys_path(bundle, modules: List[Module]) -> bool:
    """Whether one of these modules edits the import path itself (`sys.path.insert`, `site.
    addsitedir`): then a package in a subfolder may well be found at run time."""
    from lambdalint.model.bundle import BundleError

    for module in modules:
        if module.bundle is not bundle or not module.path or not module.path.endswith(".py"):
            continue
        try:
            source = bundle.read(module.path)
        except (BundleError, OSError):
            return True  # cannot tell: assume it might
        if b"sys.path" in source or b"addsitedir" in source:
            return True
    return False


def in_folders_above(folder, stop, name: str) -> bool:
    """Whether a folder above `folder`, up to `stop` included, holds a package or module `name`
    (a shared package that the build copies into each function)."""
    from pathlib import Path

    folder, stop = Path(folder).absolute(), Path(stop).absolute()
    while folder != stop and stop in folder.parents:
        folder = folder.parent
        if (folder / name).is_dir() or (folder / f"{name}.py").is_file():
            return True
    return False
