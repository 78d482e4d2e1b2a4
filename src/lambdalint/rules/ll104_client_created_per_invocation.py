from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python


class ClientCreatedPerInvocationRule(Rule):
    code = "LL104"
    name = "client-created-per-invocation"
    severity = Severity.WARNING
    summary = "An SDK client, database connection or HTTP session created on every invocation"
    needs = frozenset({SOURCE})
    invalid = (
        python("import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n"
               "    return s3.list_buckets()\n", "a client per invocation"),
        python("import requests\n\ndef fetch(url):\n    with requests.Session() as session:\n"
               "        return session.get(url)\n\ndef handler(event, context):\n    return fetch(event['url'])\n",
               "an HTTP session in a helper the handler calls"),
        python("import boto3\n\ndef handler(event, context):\n    region = event['region']\n"
               "    return boto3.client('s3', region_name=region).list_buckets()\n",
               "per-region clients: reported at info severity with keyed-cache advice"),
        python("import boto3\n\ndef handler(event, context):\n    if 'Records' not in event:\n"
               "        s3 = boto3.client('s3')\n        return s3.list_buckets()\n",
               "a `not in` test that is not a keyed cache"),
    )
    valid = (
        python("import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
               "    return s3.list_buckets()\n", "created once at module level"),
        python("import boto3\n\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n"
               "    if _s3 is None:\n        _s3 = boto3.client('s3')\n    return _s3.list_buckets()\n",
               "lazy initialisation guarded by `if X is None`"),
        python("import functools\nimport boto3\n\n@functools.lru_cache(maxsize=None)\ndef client(name):\n"
               "    return boto3.client(name)\n\ndef handler(event, context):\n    return client('s3')\n",
               "a cached factory function"),
        python("import sqlite3\n\ndef handler(event, context):\n    return sqlite3.connect(':memory:')\n",
               "sqlite3 is not a network connection"),
        python("import boto3\n\nCLIENTS = {}\n\ndef client(region):\n    if region not in CLIENTS:\n"
               "        CLIENTS[region] = boto3.client('s3', region_name=region)\n    return CLIENTS[region]\n\n"
               "def handler(event, context):\n    return client(event['region'])\n", "a keyed cache"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.clients import (CLIENT_FACTORIES, depends_on, event_names, factory_calls,
                                                 global_names, is_cached_function, is_lazily_cached)
        from lambdalint.analysis.handler_path import import_aliases, qualified_namer, reached_functions
        import libcst as cst
        from libcst.metadata import ParentNodeProvider

        for source, handler in ctx.handlers(fn):
            tree = source.module
            if tree is None:
                continue
            functions = {s.name.value: s for s in tree.body if isinstance(s, cst.FunctionDef)}
            if handler not in functions:
                continue
            aliases = import_aliases(tree)
            parents = source.wrapper.resolve(ParentNodeProvider)
            handler_def = functions[handler]
            params = handler_def.params.params
            event = event_names(handler_def, params[0].name.value if params else None)
            for name in reached_functions(functions, handler):
                function = functions[name]
                namer = qualified_namer(aliases, {})
                if is_cached_function(function, namer):
                    continue
                globals_ = global_names(function)
                for call, factory in factory_calls(function, namer):
                    if is_lazily_cached(call, parents, function, globals_):
                        continue
                    what = CLIENT_FACTORIES[factory]
                    if function is handler_def and depends_on(call, event):
                        yield Report(
                            f"{factory}() creates {what} on every invocation from values of the event; "
                            "keep one per key in a module-level dict (or functools.lru_cache) so warm "
                            "invocations reuse it", NodeAt(source, call), severity=Severity.INFO)
                    else:
                        cost = " (the first boto3 client costs about 100 ms)" if factory.startswith("boto") else ""
                        yield Report(
                            f"{factory}() creates {what} on every invocation (in {name}()): create it once "
                            f"at module level, or lazily into a global, so warm invocations reuse it{cost}",
                            NodeAt(source, call))
