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
        python("import boto3\n\ndef get_client(service, event):\n    creds = event['credentials']\n"
               "    return boto3.client(service, aws_access_key_id=creds['AccessKeyId'])\n\n"
               "def handler(event, context):\n    return get_client('s3', event)\n",
               "a helper creating clients from its arguments (per-tenant credentials): info"),
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
        python("import boto3\n\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n"
               "    _s3 = _s3 or boto3.client('s3')\n    return _s3\n", "`X = X or factory()`"),
        python("import boto3\n\nCLIENTS = {}\n\ndef client(region):\n    if region not in CLIENTS:\n"
               "        CLIENTS[region] = boto3.client('s3', region_name=region)\n    return CLIENTS[region]\n\n"
               "def handler(event, context):\n    return client(event['region'])\n", "a keyed cache"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.clients import CLIENT_FACTORIES, is_cached_function
        from lambdalint.analysis.handler_path import handler_path, qualified_namer
        from lambdalint.analysis.state import event_names, lazy_guard, names_in, scope_facts

        for part in handler_path(fn, ctx):
            function = part.scope.function
            if function is None:
                continue  # module level: created once per execution environment
            namer = qualified_namer(part.aliases, {})
            if is_cached_function(function, namer):
                continue
            facts = scope_facts(ctx, part)
            is_handler = part.is_handler
            # values of the event (a helper's parameters may carry them): a client per key
            event = event_names(function, facts, every_parameter=not is_handler)
            stored = _stored_into(facts)
            for call, tests, _ in facts.calls:
                factory = namer(call.func)
                if factory not in CLIENT_FACTORIES:
                    continue
                guarded = {name for name in facts.globals | stored.get(id(call), set())
                           if any(lazy_guard(test, name) for test in tests)}
                if guarded or id(call) in _or_defaults(facts):
                    continue  # lazy initialisation into a global, or a keyed cache
                what = CLIENT_FACTORIES[factory]
                if any(names_in(arg.value) & event for arg in call.args):
                    origin = "values of the event" if is_handler else f"the arguments of {function.name.value}()"
                    yield Report(
                        f"{factory}() creates {what} on every invocation from {origin}; "
                        "keep one per key in a module-level dict (or functools.lru_cache) so warm "
                        "invocations reuse it", NodeAt(part.source, call), severity=Severity.INFO)
                else:
                    cost = " (the first boto3 client costs about 100 ms)" if factory.startswith("boto") else ""
                    yield Report(
                        f"{factory}() creates {what} on every invocation (in {function.name.value}()): "
                        "create it once at module level, or lazily into a global, so warm invocations "
                        f"reuse it{cost}", NodeAt(part.source, call))


def _or_defaults(facts) -> set:
    """Calls in `X = X or factory()`: lazy initialisation without an `if`."""
    import libcst as cst

    return {id(value.right) for target, value, _, _ in facts.assignments
            if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or)
            and isinstance(target, cst.Name) and isinstance(value.left, cst.Name)
            and value.left.value == target.value}


def _stored_into(facts):
    """id(call) -> names the call's result is stored into (`X = f()`, `CACHE[k] = f()`, `X = X or f()`)."""
    import libcst as cst

    stored = {}
    for target, value, _, _ in facts.assignments:
        calls = [value] if isinstance(value, cst.Call) else (
            [value.right] if isinstance(value, cst.BooleanOperation) and isinstance(value.right, cst.Call) else [])
        name = target.value.value if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
            else target.value if isinstance(target, cst.Name) else None
        for call in calls:
            if name:
                stored.setdefault(id(call), set()).add(name)
            if isinstance(value, cst.BooleanOperation) and name:
                stored.setdefault(id(call), set()).add(name)
    return stored
