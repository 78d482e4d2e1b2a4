from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Option, Rule
from lambdalint.rules.examples import function_with, python, template

HEAVY_IMPORT_MS = Option("heavy-import-ms", int, 50,
                         "Estimated import cost (ms, reference machine) from which an import is heavy")
EXPORT = """\
import json
import pandas as pd


def export_csv(rows):
    return pd.DataFrame(rows).to_csv(index=False)


def handler(event, context):
    if event.get("format") == "csv":
        return export_csv(event["rows"])
    return json.dumps(event["rows"])
"""


class HeavyImportNotNeededAtInitRule(Rule):
    code = "LL101"
    name = "heavy-import-not-needed-at-init"
    severity = Severity.WARNING
    summary = "A heavy module-level import used only in code that does not run on every invocation"
    needs = frozenset({SOURCE})
    code_only = True
    options = (HEAVY_IMPORT_MS,)
    invalid = (
        python(EXPORT, "used only in a helper the handler calls under a condition"),
        python("import pandas as pd\n\ndef report(rows):\n    return pd.DataFrame(rows)\n\n"
               "def handler(event, context):\n    return 1\n", "used only in a function the handler never calls"),
        python("import json\nimport pandas as pd\nSUPPORTED = ('json',)\n\ndef handler(event, context):\n"
               "    if event['format'] not in SUPPORTED:\n        return pd.DataFrame(event['rows']).to_csv()\n"
               "    return json.dumps(event['rows'])\n", "a `not in` test that is not lazy initialisation"),
        python("import sklearn\n\ndef handler(event, context):\n    try:\n        return 1 / 0\n"
               "    except ZeroDivisionError:\n        return sklearn.__version__\n", "used only in an except handler"),
        python("import pandas as pd\nfrom aws_lambda_powertools import Tracer\n\ntracer = Tracer()\n\n"
               "@tracer.capture_method\ndef export(rows):\n    return pd.DataFrame(rows)\n\n"
               "@tracer.capture_lambda_handler\ndef handler(event, context):\n    if event.get('csv'):\n"
               "        return export(event['rows'])\n", "wrapping decorators do not register a function"),
    )
    valid = (
        python("import pandas as pd\n\ndef handler(event, context):\n    return pd.DataFrame(event['rows'])\n",
               "used on every invocation: moving it would only make it slower"),
        python("import pandas as pd\n\nEMPTY = pd.DataFrame()\n\ndef handler(event, context):\n"
               "    if event:\n        return pd.concat([EMPTY])\n", "used at module level"),
        python("import pandas as pd\n\ndef load(rows):\n    return pd.DataFrame(rows)\n\n"
               "def handler(event, context):\n    for row in event['rows']:\n        load([row])\n",
               "a loop body counts as running"),
        python("import json\n\ndef handler(event, context):\n    if event:\n        return json.dumps(event)\n",
               "a light import"),
        python("import pandas as pd\n\ndef handler(event, context) -> pd.DataFrame:\n    if event:\n"
               "        return pd.DataFrame()\n", "an annotation evaluated at definition time"),
        python("import boto3\n\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n"
               "    if _s3 is None:\n        _s3 = boto3.client('s3')\n    return _s3\n",
               "lazy initialisation runs on every cold start"),
        python("import pandas as pd\n\ndef export(event, context):\n    return pd.DataFrame(event)\n\n"
               "def ping(event, context):\n    return 'pong'\n",
               "another handler in the same module needs it on every invocation"),
        python("import pandas as pd\n\ndef transform(row):\n    return pd.Series(row)\n\n"
               "def handler(event, context):\n    return list(map(transform, event['rows']))\n",
               "a helper passed as a value (map, dispatch tables) may run on every invocation"),
        python("import boto3\n\ndef make():\n    return boto3.client('s3')\n\nS3 = make()\n\n"
               "def handler(event, context):\n    return S3.list_buckets()\n",
               "a helper called at module level runs at init"),
        python("import pandas as pd\n\ndef handler(event, context):\n    def frame():\n"
               "        return pd.DataFrame(event)\n    return frame()\n", "a nested function the handler calls"),
        python("import requests\nfrom aws_lambda_powertools.event_handler import APIGatewayRestResolver\n\n"
               "app = APIGatewayRestResolver()\n\n@app.get('/todos')\ndef todos():\n"
               "    return requests.get('https://example.com').json()\n\n"
               "def handler(event, context):\n    return app.resolve(event, context)\n",
               "a route registered by a decorator may run on any invocation"),
        python("import pandas as pd\nfrom crhelper import CfnResource\n\nhelper = CfnResource()\n\n"
               "def frame(rows):\n    return pd.DataFrame(rows)\n\n@helper.create\n@helper.update\n"
               "def create(event, context):\n    frame(event['ResourceProperties'])\n\n"
               "def handler(event, context):\n    helper(event, context)\n",
               "a helper of a crhelper callback"),
        python("import pandas\nfrom pandas import DataFrame\n\nEMPTY = pandas.DataFrame()\n\n"
               "def frame(rows):\n    return DataFrame(rows)\n\ndef handler(event, context):\n"
               "    if event:\n        return frame(event)\n", "another import already loads it: moving saves nothing"),
        python("import boto3\n\ndef archive(key):\n    s3 = boto3.client('s3')\n"
               "    return s3.delete_object(Bucket='b', Key=key)\n\ndef handler(event, context):\n"
               "    if event.get('archive'):\n        return archive(event['key'])\n",
               "LL104 advises creating the client at module level: no opposite advice"),
        template(function_with(code_uri="src/"), "the handler is an assignment (a wrapped function)",
                 **{"src/app.py": "import pandas as pd\n\ndef wrap(f):\n    return f\n\n"
                                  "def _handler(event, context):\n    return pd.DataFrame(event)\n\n"
                                  "handler = wrap(_handler)\n"}),
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def check_function(self, fn, ctx):
        from lambdalint.rules.heavy_imports import heavy_imports

        for heavy in heavy_imports(fn, ctx, self.option("heavy-import-ms")):
            from lambdalint.analysis.import_fix import move_import  # libcst: only when there is a finding
            summary = heavy.summary
            if not summary.used or summary.needed_every_invocation or heavy.other_handlers_need_it:
                continue
            if _client_made_per_invocation(fn, ctx, heavy):
                continue  # LL104 advises a module-level client, which needs the import at init
            places = [f"a conditional branch of {name}()" if name in summary.branch_functions else f"{name}()"
                      for name in sorted(summary.conditional_functions)]
            fix = None
            # Moving the import to the top of a function the handler always runs would import it
            # on every invocation anyway (with less CPU than init has): no fix then.
            if not summary.rebound and not summary.exported and not summary.branch_functions:
                fix = move_import(heavy.source, heavy.statement, summary.functions)
            message = (f"{', '.join(heavy.modules)} costs an estimated {heavy.estimated_ms:,.0f} ms at "
                       f"every cold start (reference machine) but is needed only in {', '.join(places)}, "
                       "which does not run on every invocation: import it where it is needed")
            yield Report(message, NodeAt(heavy.source, heavy.statement.node), fix=fix)


def _client_made_per_invocation(fn, ctx, heavy) -> bool:
    """LL104 reports a client of this import's package created on every invocation in a function
    the import would move into: its advice (create the client once, at module level) needs the
    import at init, so LL101 must not advise the opposite."""
    from lambdalint.analysis.clients import per_invocation_clients

    packages = {module.lstrip(".").split(".", 1)[0] for module in heavy.modules}
    return any(created.part.source is heavy.source and created.part.scope.name in heavy.summary.functions
               and created.package in packages for created in per_invocation_clients(fn, ctx))
