from lambdalint.findings import FileAt, Report, Severity, TemplateAt
from lambdalint.rules.base import SOURCE, Option, Rule
from lambdalint.rules.examples import python


class InitBudgetExceededRule(Rule):
    code = "LL103"
    name = "init-budget-exceeded"
    severity = Severity.WARNING
    summary = "The estimated init cost of the handler module's import closure exceeds the budget"
    needs = frozenset({SOURCE})
    options = (Option("init-budget-ms", int, 1000,
                      "Estimated init milliseconds (reference machine) above which LL103 reports"),)
    invalid = (
        python("import sklearn\nimport pandas\nimport torch\n\n"
               "def handler(event, context):\n    return sklearn, pandas, torch\n",
               "scikit-learn, pandas and torch (measured costs, source checked alone)"),
    )
    valid = (
        python("import json\nimport boto3\n\ndef handler(event, context):\n    return json.dumps({})\n",
               "boto3 and the standard library stay well under a second"),
    )

    def check_function(self, fn, ctx):
        budget = self.option("init-budget-ms")
        for module, imports in ctx.handler_imports(fn):
            if imports.estimated_init_ms <= budget:
                continue
            largest = ", ".join(f"{i.module} {i.estimated_ms:,.0f} ms" for i in imports.top_contributors(3))
            message = (f"handler module {imports.module_name} has an estimated init cost of "
                       f"{imports.estimated_init_ms:,.0f} ms on the reference machine, over the "
                       f"{budget:,} ms budget; largest imports: {largest}. Import what only some "
                       "requests need inside the functions that need it (see LL101)")
            if fn.handler is not None and fn.config is not None:
                yield Report(message, TemplateAt(fn.config.template, fn.handler.path),
                             resources=(fn.config.logical_id,))
            else:
                yield Report(message, FileAt(module.filename, 1, 1, module.member, key="init-budget"))
