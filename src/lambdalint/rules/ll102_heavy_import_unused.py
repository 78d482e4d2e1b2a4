from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python
from lambdalint.rules.ll101_heavy_import_not_needed_at_init import HEAVY_IMPORT_MS


class HeavyImportUnusedRule(Rule):
    code = "LL102"
    name = "heavy-import-unused"
    severity = Severity.WARNING
    summary = "A heavy module-level import whose names are never used"
    needs = frozenset({SOURCE})
    code_only = True
    options = (HEAVY_IMPORT_MS,)
    invalid = (
        python("import pandas as pd\nimport json\n\ndef handler(event, context):\n    return json.dumps(event)\n"),
    )
    valid = (
        python("import pandas as pd\n\ndef handler(event, context):\n    return pd.DataFrame()\n"),
        python("import pandas as pd\n\n__all__ = ['pd']\n\ndef handler(event, context):\n    return 1\n",
               "re-exported through __all__"),
        python("import os\n\ndef handler(event, context):\n    return 1\n", "a light import"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.rules.heavy_imports import heavy_imports

        for heavy in heavy_imports(fn, ctx, self.option("heavy-import-ms")):
            if heavy.summary.used or heavy.summary.exported:
                continue
            statement = heavy.statement
            code = heavy.source.module.code_for_node(statement.node).strip()
            fix = None
            if statement.line is not None:
                row, _, end_row, _ = heavy.source.position(statement.line)
                fix = {"applicability": "unsafe", "message": f"Remove `{code}` (it may have side effects)",
                       "edits": [{"content": "", "location": {"row": row, "column": 1},
                                  "end_location": {"row": end_row + 1, "column": 1}}]}
            yield Report(f"{', '.join(heavy.modules)} costs an estimated {heavy.estimated_ms:,.0f} ms at "
                         "every cold start (reference machine) and none of its names is used: remove "
                         "the import", NodeAt(heavy.source, statement.node), fix=fix)
