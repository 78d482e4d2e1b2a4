"""The source rules over a 5,000-line handler package: 25 modules of 200 lines that the handler
reaches (helpers calling helpers across modules, file writes, module-level dicts, caches).

Prints the wall time of `lambdalint check` (median of 5 fresh processes) with only the source rules
selected, and an in-process split: libcst parsing vs the rules (which share one traversal of each
handler-path scope).

    python benchmarks/handler_package.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import LAMBDALINT, describe, time_command

MODULES = 25
FUNCTIONS_PER_MODULE = 20  # about 10 lines each


def build(root: Path) -> int:
    lines = 0
    package = root / "orders"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for m in range(MODULES):
        body = ["import json", "import os", "import tempfile", "", f"CACHE_{m} = {{}}", f"LOG_{m} = []", ""]
        for f in range(FUNCTIONS_PER_MODULE):
            callee = f"step_{f + 1}(data)" if f + 1 < FUNCTIONS_PER_MODULE else "data"
            body += [
                f"def step_{f}(data):",
                f"    key = data.get('id', {f})",
                f"    if key not in CACHE_{m}:",
                f"        CACHE_{m}[key] = json.dumps(data)",
                f"    path = os.path.join(tempfile.gettempdir(), 'part-{m}-{f}.json')",
                "    with open(path, 'w') as out:",
                "        out.write(json.dumps(data))",
                f"    total = sum(range({f + 3}))",
                f"    return {callee}",
                "",
            ]
        (package / f"mod{m:02d}.py").write_text("\n".join(body) + "\n")
        lines += len(body)
    handler = ["from orders import " + ", ".join(f"mod{m:02d}" for m in range(MODULES)), "", "",
               "def handler(event, context):", "    data = dict(event)"]
    handler += [f"    data = mod{m:02d}.step_0(data)" for m in range(MODULES)] + ["    return data", ""]
    (root / "app.py").write_text("\n".join(handler))
    return lines + len(handler)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "fn"
        root.mkdir()
        lines = build(root)
        print(f"package: {MODULES + 1} modules, {lines:,} lines")
        select = ["--select", "LL1,LL3,LL4", "--isolated", "--exit-zero"]
        print(describe("lambdalint check (source rules)", time_command(LAMBDALINT + ["check", str(root)] + select, runs=5)))

        from lambdalint.config import Settings
        from lambdalint.discovery import discover
        from lambdalint.engine import Context, lint, make_rules
        from lambdalint.registry import default_registry

        registry = default_registry()
        settings = Settings()
        rules = make_rules(registry.select(["LL1", "LL3", "LL4"], [], []), settings)
        project = discover([str(root)], settings)
        ctx = Context(project, settings)
        start = time.perf_counter()
        for module in ctx.own_modules(project.functions[0]):
            module.wrapper  # noqa: B018 - parse
        parse = time.perf_counter() - start
        start = time.perf_counter()
        result = lint(discover([str(root)], settings), rules, settings, registry)
        total = time.perf_counter() - start
        print(f"in-process: libcst parse of {len(ctx.own_modules(project.functions[0]))} modules {parse:.2f} s; "
              f"whole lint (parse included) {total:.2f} s; findings {len(result.findings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
