"""Shared by LL101 and LL102: the heavy module-level imports of each handler module, with how
their names are used."""
from dataclasses import dataclass
from typing import Dict, Iterator, List, Set


@dataclass
class HeavyImport:
    source: object  # sources.SourceModule
    statement: object  # analysis.import_uses.ImportStatement
    estimated_ms: float
    modules: List[str]
    summary: object  # analysis.import_uses.UseSummary
    other_handlers_need_it: bool = False  # another function's handler in this module needs it


def heavy_imports(fn, ctx, threshold_ms: float) -> List[HeavyImport]:
    """Once per run for functions sharing their code (LL101 and LL102 both ask, for each of them)."""
    return ctx.memo(("heavy-imports", ctx.code_key(fn), threshold_ms),
                    lambda: list(_heavy_imports(fn, ctx, threshold_ms)))


def _heavy_imports(fn, ctx, threshold_ms: float) -> Iterator[HeavyImport]:
    for source, imports in ctx.handler_imports(fn):
        if max((top.estimated_ms for top in imports.imports), default=0.0) < threshold_ms:
            continue  # nothing heavy: the scope analysis is not needed
        wrapper = source.wrapper
        if wrapper is None:
            continue
        from lambdalint.analysis.import_uses import ModuleScopes  # libcst: only with a handler module

        module = ctx.memo(("module-scopes", id(source)), lambda: ModuleScopes(wrapper))
        uses = module.for_handler(imports.handler)
        tops_of = _tops_by_statement(source, module.imports, imports.imports)
        for statement in module.imports:
            tops = tops_of.get(id(statement.node), [])
            if max((t.estimated_ms for t in tops), default=0.0) < threshold_ms:
                continue
            # What removing it from init would save: packages that other imports also load
            # (numpy under pandas) are not counted.
            cost = ctx.cold_start().marginal_ms(fn, imports, {(t.line, t.column) for t in tops})
            if cost >= threshold_ms:
                needed_by = _handlers_needing(ctx, source, module, statement)
                yield HeavyImport(source, statement, cost, [t.module for t in tops], uses.uses(statement),
                                  bool(needed_by - {imports.handler}))


def _tops_by_statement(source, statements, tops) -> Dict[int, List]:
    """The cold-start entries (from `ast`) of each import statement (from libcst).  Both number
    lines alike; columns differ (bytes against characters), so the statements sharing a line
    (`import os; import pandas`) are matched in the order they appear."""
    tops_by_line: Dict[int, Dict[int, List]] = {}
    for top in tops:
        tops_by_line.setdefault(top.line, {}).setdefault(top.column, []).append(top)
    statements_by_line: Dict[int, List] = {}
    for statement in statements:
        row, column = source.position(statement.node)[:2]
        statements_by_line.setdefault(row, []).append((column, statement))
    matched: Dict[int, List] = {}
    for row, placed in statements_by_line.items():
        groups = [tops_by_line.get(row, {})[column] for column in sorted(tops_by_line.get(row, {}))]
        for (_, statement), group in zip(sorted(placed, key=lambda item: item[0]), groups):
            matched[id(statement.node)] = group
    return matched


def _handlers_needing(ctx, source, module, statement) -> Set[str]:
    """The handlers in this module (of any function) that need the import on every invocation:
    computed once per import, so that each of a module's handlers costs only its own analysis."""
    def collect():
        return {name for name in ctx.handler_names(source)
                if module.for_handler(name).uses(statement).needed_every_invocation}

    return ctx.memo(("import-needed-by", id(source), id(statement.node)), collect)
