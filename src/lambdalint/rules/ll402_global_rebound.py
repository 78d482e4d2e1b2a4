from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python


class GlobalReboundRule(Rule):
    code = "LL402"
    name = "global-rebound"
    severity = Severity.WARNING
    summary = "A `global` name rebound on the handler path (counters, flags, accumulated results)"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("COUNT = 0\n\ndef handler(event, context):\n    global COUNT\n    COUNT += 1\n    return COUNT\n",
               "a counter"),
        python("LAST_USER = None\n\ndef handler(event, context):\n    global LAST_USER\n"
               "    LAST_USER = event['user']\n    return LAST_USER\n", "one request's data kept for the next"),
        python("_last = None\n\ndef handler(event, context):\n    global _last\n    if _last is None:\n"
               "        _last = 'x'\n    else:\n        _last = event['user']\n", "the else arm of a guard"),
        python("_config = None\n_user = None\n\ndef handler(event, context):\n    global _config, _user\n"
               "    if _config is None:\n        _config = {}\n        _user = event['user']\n    return _user\n",
               "one request's data kept under a sibling global's guard"),
    )
    valid = (
        python("import boto3\n\n_client = None\n\ndef handler(event, context):\n    global _client\n"
               "    if _client is None:\n        _client = boto3.client('s3')\n    return _client\n",
               "lazy initialisation under `if _client is None:`"),
        python("_config = {}\n\ndef handler(event, context):\n    global _config\n    if not _config:\n"
               "        _config = {'a': 1}\n    return _config\n", "lazy initialisation under `if not X:`"),
        python("COUNT = 0\n\ndef handler(event, context):\n    COUNT = 1\n    return COUNT\n",
               "a local variable that shadows a global"),
        python("import json\n_config = None\n_data = None\n\ndef handler(event, context):\n"
               "    global _config, _data\n    if _config is None:\n        _data = json.loads('{}')\n"
               "        _config = dict(_data)\n    return _config, _data\n",
               "two globals initialised together under one guard (Cloud Custodian)"),
        python("import boto3\n\n_api = None\n\ndef handler(event, context):\n    global _api\n"
               "    domain = event['requestContext']['domainName']\n    if _api is None:\n"
               "        _api = boto3.client('apigatewaymanagementapi', endpoint_url=f'https://{domain}')\n"
               "    return _api\n", "lazy initialisation whose value depends on the event"),
    )

    def check_function(self, fn, ctx):
        import libcst as cst

        from lambdalint.analysis.handler_path import handler_path
        from lambdalint.analysis.state import (handler_event_names, is_falsy_constant, lazy_guard, names_in, once_flag_guard,
                                               scope_facts)

        for part in handler_path(fn, ctx):
            function = part.scope.function
            if function is None:
                continue
            facts = scope_facts(ctx, part)
            request = handler_event_names(ctx, part)
            once_flags = {target.value for target, value, _, _ in facts.assignments
                          if isinstance(target, cst.Name) and target.value in facts.globals
                          and is_falsy_constant(value)}
            for target, value, tests, node in facts.assignments:
                if not isinstance(target, cst.Name) or target.value not in facts.globals:
                    continue
                name = target.value
                # Lazy initialisation: under a guard that this global is still unset, whatever the
                # value (a client for the event's endpoint is made once, at the first invocation),
                # or `X = X or make()`.  Under a sibling global's guard only when the value does not
                # come from the request (else one request's data is kept for all the next).
                if any(lazy_guard(test, name) or once_flag_guard(test, once_flags) for test in tests) \
                        or _or_default(value, name):
                    continue  # a once-flag guard (`if is_cold_start:`) runs once, whatever the value
                from_request = value is not None and bool(names_in(value) & request)
                if not from_request and any(lazy_guard(test, other) for test in tests for other in facts.globals):
                    continue
                yield Report(
                    f"{function.name.value}() rebinds the global {name} on every invocation: the value "
                    "survives into the next invocation of the same execution environment, so counters, "
                    "flags and results leak from one request to the next. Keep per-request state in "
                    "local variables, or initialise once under `if "
                    f"{name} is None:`", NodeAt(part.source, node))


def _or_default(value, name: str) -> bool:
    """`X = X or make()`: lazy initialisation too."""
    import libcst as cst

    return (isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or)
            and isinstance(value.left, cst.Name) and value.left.value == name)
