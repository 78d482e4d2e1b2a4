"""Estimated import cost (ms on the reference machine) of a set of modules.

Modules in the bundle or a layer are costed by the fitted model (module count, source bytes,
native extensions); modules that are not (provided by the runtime, or not shipped because only
the source is checked) by the measured table, per top-level package.  Estimates assume valid
`.pyc` and the unthrottled CPU that Lambda gives the init phase.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from lambdalint.analysis.imports import Module
from lambdalint.data import table

LOCAL = ("bundle", "layer")


@dataclass(frozen=True)
class CostModel:
    per_module: float
    per_kb: float
    per_native: float
    per_stdlib: float
    measured: Dict[str, float]
    includes: Dict[str, List[str]]  # measured package -> top-level packages its time covers

    @classmethod
    def default(cls) -> "CostModel":
        data = table("import_costs")
        model = data["model"]
        return cls(model["per_module"], model["per_kb"], model["per_native"], model["per_stdlib"],
                   dict(data["measured"]), {k: list(v) for k, v in data.get("includes", {}).items()})

    def local_ms(self, module: Module) -> float:
        if module.is_native:
            return self.per_native
        if module.path and module.path.endswith(".py"):
            return self.per_module + self.per_kb * module.size / 1024
        return 0.0  # namespace package folders

    def estimate(self, modules: Iterable[Module], direct: Iterable[str] = ()) -> float:
        total, _ = self.breakdown(modules, direct)
        return total

    def breakdown(self, modules: Iterable[Module], direct: Iterable[str] = ()) -> Tuple[float, Dict[str, str]]:
        """Total ms and, per top-level package outside the bundle, where its cost came from.

        `direct`: modules the handler imports itself; a heavy standard-library module among them
        (`import asyncio`) counts its measured time."""
        direct = set(direct)
        total = 0.0
        external: Dict[str, List[Module]] = {}
        for module in modules:
            if module.origin in LOCAL:
                total += self.local_ms(module)
            else:
                external.setdefault(module.name.split(".", 1)[0], []).append(module)
        sources: Dict[str, str] = {}
        measured_tops = set()
        for top, group in external.items():
            measured = [self.measured[m.name] for m in group if m.name in self.measured]
            if group[0].origin == "stdlib":
                # Per module reached, as the model was fitted (measured times of standard-library
                # modules overlap each other), or the measured time of one the handler imports.
                own = [self.measured[m.name] for m in group if m.name in direct and m.name in self.measured]
                total += max([self.per_stdlib * len(group)] + own)
                sources[top] = "stdlib"
            elif measured:
                measured_tops.add(top)
                sources[top] = "table"
            elif group[0].origin == "runtime":
                total += self.per_stdlib * len(group)
                sources[top] = "runtime"
            else:
                sources[top] = "unknown"
        covered = {dep for top in measured_tops for dep in self.includes.get(top, ())}
        for top in measured_tops - covered:  # a measured time already includes what it loads
            total += max(self.measured[m.name] for m in external[top] if m.name in self.measured)
        return total, sources
