"""Estimated import cost (ms on the reference machine) of a set of modules.

Modules in the bundle or a layer are costed by the fitted model; modules that are not (provided
by the runtime, or not shipped because only the source is checked) by the measured table, per
top-level package.  Estimates assume valid `.pyc` and the unthrottled CPU that Lambda gives the
init phase.

The model (coefficients in data/import_costs.toml, fitted by benchmarks/calibrate_import_costs.py):

    ms = per_package * top-level packages reached     (finding and initialising a distribution)
       + per_module  * Python modules                 (find, read .pyc, create the module)
       + per_kb      * source kB                      (executing module bodies)
       + per_native  * extension modules              (dlopen and module init)
       + per_native_mb * MB of extensions and of the shared libraries shipped with them
         (`numpy.libs/`, `pyarrow/libarrow.so.*`: the dynamic loader maps and relocates them)
       + per_stdlib_ms * measured ms of the standard-library modules loaded (the modules
         reached and everything they import, less what the interpreter loaded at start; each
         module's own time, measured once: data/import_costs.toml [stdlib_ms], [stdlib_imports])
       + per_stdlib  * standard-library modules reached that the table does not know
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Tuple

from lambdalint.analysis.imports import Module
from lambdalint.data import table

LOCAL = ("bundle", "layer")
FEATURES = ("packages", "modules", "source_kb", "native_modules", "native_mb", "stdlib_ms",
            "stdlib_modules")
COEFFICIENTS = ("per_package", "per_module", "per_kb", "per_native", "per_native_mb",
                "per_stdlib_ms", "per_stdlib")
# A shared object that is not an importable extension: `libarrow.so.2600`, `libgeos_c.so.1`.
_SHARED_LIBRARY = re.compile(r"^lib[^/]*\.so(\.[0-9]+)*$")


@dataclass(frozen=True)
class CostModel:
    per_module: float
    per_kb: float
    per_native: float
    per_stdlib: float
    measured: Dict[str, float]
    includes: Dict[str, List[str]]  # measured package -> top-level packages its time covers
    per_package: float = 0.0
    per_native_mb: float = 0.0
    preloaded: FrozenSet[str] = frozenset()  # standard-library modules loaded at start-up
    per_stdlib_ms: float = 0.0
    stdlib_ms: Dict[str, float] = field(default_factory=dict)  # module -> its own import ms
    stdlib_imports: Dict[str, List[str]] = field(default_factory=dict)  # module -> what it loads
    per_runtime_module: float = 1.0  # an SDK module the runtime provides that the table lacks
    # id(bundle) -> top-level package -> bytes of shared libraries shipped with it
    _libraries: Dict[int, Dict[str, int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def default(cls) -> "CostModel":
        data = table("import_costs")
        model = data["model"]
        return cls(model["per_module"], model["per_kb"], model["per_native"], model["per_stdlib"],
                   dict(data["measured"]), {k: list(v) for k, v in data.get("includes", {}).items()},
                   model.get("per_package", 0.0), model.get("per_native_mb", 0.0),
                   frozenset(data.get("preloaded", {}).get("modules", ())),
                   model.get("per_stdlib_ms", 0.0), dict(data.get("stdlib_ms", {})),
                   {k: list(v) for k, v in data.get("stdlib_imports", {}).items()},
                   model.get("per_runtime_module", 1.0))

    def coefficients(self) -> List[float]:
        return [getattr(self, name) for name in COEFFICIENTS]

    def local_ms(self, module: Module) -> float:
        """One bundle module's own cost (without the per-package and shared-library terms)."""
        if module.is_native:
            return self.per_native + self.per_native_mb * module.size / 1e6
        if module.path and module.path.endswith(".py"):
            return self.per_module + self.per_kb * module.size / 1024
        return 0.0  # namespace package folders

    def features(self, modules: Iterable[Module]) -> Dict[str, float]:
        """The model's inputs for the bundle and standard-library modules of a closure."""
        out = dict.fromkeys(FEATURES, 0.0)
        tops, native_tops, stdlib = set(), set(), []
        for module in modules:
            top = module.name.split(".", 1)[0]
            if module.origin == "stdlib":
                stdlib.append(module.name)
                continue
            if module.origin not in LOCAL:
                continue
            if module.is_native:
                out["native_modules"] += 1
                out["native_mb"] += module.size / 1e6
                native_tops.add((id(module.bundle), top, module.bundle))
            elif module.path and module.path.endswith(".py"):
                out["modules"] += 1
                out["source_kb"] += module.size / 1024
            tops.add(top)
        out["packages"] = len(tops)
        out["stdlib_ms"], out["stdlib_modules"] = self.stdlib_load(stdlib)
        for _, top, bundle in native_tops:
            out["native_mb"] += self.shared_library_bytes(bundle, top) / 1e6
        return out

    def stdlib_load(self, names: Iterable[str]) -> Tuple[float, int]:
        """Measured ms of loading standard-library modules `names` with everything they import
        (each module once, none that start-up loaded), and how many of them the table lacks."""
        seen, unknown, total = set(self.preloaded), 0, 0.0
        pending = list(names)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name not in self.stdlib_ms:
                unknown += 1
                continue
            total += self.stdlib_ms[name]
            pending.extend(self.stdlib_imports.get(name, ()))
        return total, unknown

    def local_total(self, features: Dict[str, float]) -> float:
        return sum(getattr(self, c) * features[f] for c, f in zip(COEFFICIENTS, FEATURES))

    def shared_library_bytes(self, bundle, top: str) -> int:
        """Bytes of the shared libraries shipped with top-level package `top`: `lib*.so*` files
        inside its folder, and the `<distribution>.libs/` folder auditwheel vendors beside it
        (loaded by the dynamic linker when one of its extensions is imported)."""
        if bundle is None:
            return 0
        key = id(bundle)
        if key not in self._libraries:
            self._libraries[key] = _shared_libraries(bundle)
        return self._libraries[key].get(top, 0)

    def estimate(self, modules: Iterable[Module], direct: Iterable[str] = ()) -> float:
        total, _ = self.breakdown(modules, direct)
        return total

    def breakdown(self, modules: Iterable[Module], direct: Iterable[str] = ()) -> Tuple[float, Dict[str, str]]:
        """Total ms and, per top-level package outside the bundle, where its cost came from.

        `direct` (the modules the handler imports itself) is no longer needed: a heavy
        standard-library module (`import asyncio`) counts the measured times of what it loads."""
        modules = list(modules)
        # bundle modules and the standard library: the fitted model (the standard library once
        # for the whole closure: modules shared by several imports are loaded once)
        total = self.local_total(self.features(m for m in modules if m.origin in LOCAL + ("stdlib",)))
        external: Dict[str, List[Module]] = {}
        for module in modules:
            if module.origin not in LOCAL:
                external.setdefault(module.name.split(".", 1)[0], []).append(module)
        sources: Dict[str, str] = {}
        measured_tops = set()
        for top, group in external.items():
            measured = [self.measured[m.name] for m in group if m.name in self.measured]
            if group[0].origin == "stdlib":
                sources[top] = "stdlib"  # costed with the bundle modules above
            elif measured:
                measured_tops.add(top)
                sources[top] = "table"
            elif group[0].origin == "runtime":
                total += self.per_runtime_module * len(group)
                sources[top] = "runtime"
            else:
                sources[top] = "unknown"
        covered = {dep for top in measured_tops for dep in self.includes.get(top, ())}
        for top in measured_tops - covered:  # a measured time already includes what it loads
            total += max(self.measured[m.name] for m in external[top] if m.name in self.measured)
        return total, sources


def _shared_libraries(bundle) -> Dict[str, int]:
    """Top-level package -> bytes of the shared libraries shipped with it, from the listing (and
    the RECORD of a `.libs` folder's distribution, to know which packages it serves)."""
    sizes: Dict[str, int] = {}
    libs_folders: Dict[str, int] = {}  # "numpy.libs" -> bytes
    dist_infos: Dict[str, str] = {}  # normalised distribution name -> dist-info folder
    try:
        entries = bundle.entries
    except Exception:  # noqa: BLE001 - an unlistable bundle ships nothing we can see
        return {}
    for entry in entries:
        head, _, rest = entry.path.partition("/")
        if entry.is_dir:
            if head.endswith(".dist-info") and not rest:
                dist_infos[_normalise(head[: -len(".dist-info")].split("-", 1)[0])] = head
            continue
        if head.endswith(".libs") and rest:
            libs_folders[head] = libs_folders.get(head, 0) + entry.size
        elif rest and _SHARED_LIBRARY.match(entry.path.rpartition("/")[2]):
            sizes[head] = sizes.get(head, 0) + entry.size
    for folder, size in libs_folders.items():
        for top in _tops_served(bundle, folder, dist_infos):
            sizes[top] = sizes.get(top, 0) + size
    return sizes


def _tops_served(bundle, folder: str, dist_infos: Dict[str, str]) -> List[str]:
    """The top-level packages of the distribution that vendored `folder` ("pillow.libs" serves
    `PIL`), from its RECORD; the folder's own name when there is none."""
    name = folder[: -len(".libs")]
    dist_info = dist_infos.get(_normalise(name))
    if dist_info is not None:
        try:
            record = bundle.read_head(f"{dist_info}/RECORD", 1 << 20).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - unreadable metadata: fall back on the folder's name
            record = ""
        tops = set()
        for line in record.splitlines():
            head, sep, _ = line.partition("/")
            if sep and not head.endswith((".libs", ".dist-info", ".data")) and head != "..":
                tops.add(head)
        if tops:
            return sorted(tops)
    return [name]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()
