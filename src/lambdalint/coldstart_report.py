"""`lambdalint coldstart`: per function, the estimated init cost of the handler's import closure
and each top-level import with its own closure's cost."""
from __future__ import annotations

import json
from typing import List

from lambdalint.output import printable_tree
from lambdalint.units import mb


def collect(project, settings, registry) -> List[dict]:
    """One entry per handler; names are printable (`output.printable`), as in every report."""
    from lambdalint.engine import Context, needs_met
    from lambdalint.rules.ll101_heavy_import_not_needed_at_init import HeavyImportNotNeededAtInitRule
    from lambdalint.rules.ll103_init_budget_exceeded import InitBudgetExceededRule

    ctx = Context(project, settings)
    ll101 = HeavyImportNotNeededAtInitRule(settings.rule_options.get("LL101", {}))
    budget = InitBudgetExceededRule(settings.rule_options.get("LL103", {})).option("init-budget-ms")
    functions = []
    for fn in project.functions:
        if not needs_met(ll101, fn):
            continue
        moved = {(r.at.module.relpath, r.at.module.position(r.at.node)[0])
                 for r in ll101.check_function(fn, ctx)}
        for source, imports in ctx.handler_imports(fn):
            problem = source.problem()
            if problem is not None:  # an estimate from a module never read would be made up
                functions.append({"function": fn.name, "handler": f"{imports.module_name}.{imports.handler}",
                                  "runtime": fn.runtime, "estimated_init_ms": None,
                                  "not_analysed": f"{problem.code} {problem}", "imports": [],
                                  "snapstart_suggestion": None})
                continue
            functions.append({
                "function": fn.name,
                "handler": f"{imports.module_name}.{imports.handler}",
                "runtime": fn.runtime,
                "estimated_init_ms": imports.estimated_init_ms,
                "not_analysed": None,
                "imports": [{
                    "module": top.module,
                    "filename": source.filename if source.member is None else f"{source.filename}!{source.member}",
                    "line": top.line,
                    "estimated_ms": top.estimated_ms,
                    "modules": top.features["modules"],
                    "bytes": top.features["source_bytes"],
                    "native_bytes": top.features["native_bytes"],
                    "source": top.source,
                    "ll101_would_move": (source.relpath, top.line) in moved,
                } for top in sorted(imports.imports, key=lambda t: (-t.estimated_ms, t.line, t.module))],
                "snapstart_suggestion": _snapstart_suggestion(fn, imports.estimated_init_ms, budget),
            })
    return printable_tree(functions)


def _snapstart_suggestion(fn, estimated_ms: float, budget_ms: int):
    """Over the LL103 budget on a runtime that supports SnapStart not yet turned on: what SnapStart
    (or provisioned concurrency) would take off the cold start; None otherwise."""
    from lambdalint.analysis.snapstart import OFF, runtime_supports_snapstart, snapstart_state

    if estimated_ms <= budget_ms or not runtime_supports_snapstart(fn.runtime) or fn.package_type != "Zip" \
            or snapstart_state(fn) != OFF:
        return None
    return {"estimated_init_ms": estimated_ms, "budget_ms": budget_ms,
            "message": f"estimated init {estimated_ms:,.0f} ms is over the {budget_ms:,} ms budget (LL103) and "
                       f"{fn.runtime} supports SnapStart: with SnapStart (on published versions) new environments "
                       "are restored from a snapshot taken after init instead of paying it (see LL703 for what init "
                       "must not keep); or use provisioned concurrency to keep environments initialised"}


def render_json(functions: List[dict]) -> str:
    return json.dumps({"functions": functions}, indent=2) + "\n"


def render_text(functions: List[dict]) -> str:
    if not functions:
        return "No Python handler found.\n"
    out = []
    for fn in functions:
        if fn["not_analysed"]:
            out.extend([f"{fn['function']}  {fn['handler']}  {fn['runtime']}  not analysed: {fn['not_analysed']}", ""])
            continue
        out.append(f"{fn['function']}  {fn['handler']}  {fn['runtime']}  estimated init "
                   f"{fn['estimated_init_ms']:,.0f} ms (reference machine, valid .pyc)")
        rows = fn["imports"]
        width = max((len(row["module"]) for row in rows), default=0)
        for i, row in enumerate(rows):
            branch = "└──" if i == len(rows) - 1 else "├──"
            mark = "  ← LL101 would move it" if row["ll101_would_move"] else ""
            out.append(f"{branch} {row['module']:<{width}}  {row['estimated_ms']:>8,.1f} ms  "
                       f"{row['modules']:>5} modules  {mb(row['bytes']):>9}  {mb(row['native_bytes']):>9} native  "
                       f"{row['source']:<7}  line {row['line']}{mark}")
        if fn.get("snapstart_suggestion"):
            out.append(f"→ {fn['snapstart_suggestion']['message']}")
        out.append("")
    return "\n".join(out)
