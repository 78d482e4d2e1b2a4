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

    ctx = Context(project, settings)
    ll101 = HeavyImportNotNeededAtInitRule(settings.rule_options.get("LL101", {}))
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
                                  "not_analysed": f"{problem.code} {problem}", "imports": []})
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
            })
    return printable_tree(functions)


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
        out.append("")
    return "\n".join(out)
