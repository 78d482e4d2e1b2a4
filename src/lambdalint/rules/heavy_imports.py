"""Shared by LL101 and LL102: the heavy module-level imports of each handler module, with how
their names are used."""
from dataclasses import dataclass
from typing import Iterator, List


@dataclass
class HeavyImport:
    source: object  # sources.SourceModule
    statement: object  # analysis.import_uses.ImportStatement
    estimated_ms: float
    modules: List[str]
    summary: object  # analysis.import_uses.UseSummary
    other_handlers_need_it: bool = False  # another function's handler in this module needs it


def heavy_imports(fn, ctx, threshold_ms: float) -> Iterator[HeavyImport]:
    for source, imports in ctx.handler_imports(fn):
        from lambdalint.analysis.import_uses import ModuleUses  # libcst: only with a handler module

        wrapper = source.wrapper
        if wrapper is None:
            continue
        cost_by_line = {}
        for top in imports.imports:
            cost_by_line.setdefault(top.line, []).append(top)
        def uses_for(handler):
            return ctx.memo(("module-uses", id(source), handler), lambda: ModuleUses(wrapper, handler))

        uses = uses_for(imports.handler)
        others = [uses_for(name) for name in ctx.handler_names(source) if name != imports.handler]
        for statement in uses.module_level_imports():
            row = source.position(statement.node)[0]
            tops = cost_by_line.get(row, [])
            if max((t.estimated_ms for t in tops), default=0.0) < threshold_ms:
                continue
            # What removing it from init would save: packages that other imports also load
            # (numpy under pandas) are not counted.
            cost = ctx.cold_start().marginal_ms(fn, imports, {row})
            if cost >= threshold_ms:
                needed_elsewhere = any(o.uses(o_statement).needed_every_invocation
                                       for o in others for o_statement in o.module_level_imports()
                                       if o_statement.node is statement.node)
                yield HeavyImport(source, statement, cost, [t.module for t in tops], uses.uses(statement),
                                  needed_elsewhere)
