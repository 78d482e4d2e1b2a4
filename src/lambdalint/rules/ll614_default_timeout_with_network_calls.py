from typing import Optional, Tuple

from lambdalint.data import quota, table
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, SOURCE, Example, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

CLIENT_CALL = ("import boto3\n\ns3 = boto3.client('s3')\n\n"
               "def handler(event, context):\n    return s3.list_buckets()\n")
HTTP_CALL = ("import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n\n"
             "def handler(event, context):\n    return fetch(event['url'])\n")
LOCAL_ONLY = ("import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
              "    return s3.generate_presigned_url('get_object', Params={'Bucket': 'b', 'Key': event['key']})\n")


def _sam(properties: str = "", code: str = CLIENT_CALL, description: str = "") -> Example:
    return template(function_with(properties, code_uri="src/"), description, **{"src/app.py": code})


def _serverless(function: str, code: str = CLIENT_CALL, description: str = "") -> Example:
    example = serverless(f"fn:\n  handler: app.handler\n{function}", description)
    return Example({**example.files, "app.py": code}, description)


def _terraform(attributes: str = "", code: str = CLIENT_CALL, description: str = "") -> Example:
    example = terraform('filename = "src"\n' + attributes, description)
    return Example({**example.files, "src/app.py": code}, description)


class DefaultTimeoutWithNetworkCallsRule(Rule):
    code = "LL614"
    name = "default-timeout-with-network-calls"
    severity = Severity.WARNING
    summary = "A function left at the default timeout (3 s, 6 s in Serverless) whose handler makes network calls"
    needs = frozenset({SOURCE, CONFIG})
    invalid = (
        _sam(description="an SDK call with no Timeout"),
        _sam(code=HTTP_CALL, description="an HTTP request in a helper the handler calls"),
        _sam(code="import boto3\n\ndef handler(event, context):\n"
                  "    table = boto3.resource('dynamodb').Table('orders')\n    return table.get_item(Key={'id': 1})\n",
             description="a resource's sub-resource"),
        _sam(code="import os\nimport pymysql\n\nconn = None\n\ndef handler(event, context):\n"
                  "    return pymysql.connect(host=os.environ['DB_HOST'])\n", description="a database connection"),
        _serverless("", description="serverless.yml: the framework's 6 s default"),
        _terraform(description="Terraform without timeout"),
    )
    valid = (
        _sam("Timeout: 3", description="a timeout written out, even the default value"),
        _sam(code=LOCAL_ONLY, description="presigned URLs are signed locally"),
        template(function_with(globals_="Timeout: 30", code_uri="src/"), "Timeout from Globals",
                 **{"src/app.py": CLIENT_CALL}),
        _sam("Timeout: !Ref Timeout", description="a timeout known at deploy time"),
        _sam(code="import boto3\n\ns3 = boto3.client('s3')\nBUCKETS = s3.list_buckets()\n\n"
                  "def handler(event, context):\n    return BUCKETS\n", description="calls at init only"),
        _serverless("  timeout: 6\n", description="serverless.yml timeout written out"),
        _terraform("timeout = var.timeout", description="Terraform timeout unknown"),
    )

    def check_function(self, fn, ctx):
        default = _default_timeout(fn.config)
        if default is None:
            return
        found = ctx.memo((self.code, ctx.code_key(fn)), lambda: _network_call(fn, ctx))  # once per code
        if found is None:
            return
        what, where = found
        config = fn.config
        yield Report(
            f"{config.name} runs with the default timeout of {default} s ({config.template.term('Timeout')} is "
            f"not set) but its handler makes network calls: {what} at {where} can take longer than that "
            "in the worst case (connection set-up, a slow or retried request, a cold start on top), and "
            f"the invocation is cut off. Set {config.template.term('Timeout')} to what the calls need",
            TemplateAt(config.template, config.resource_path), resources=(config.logical_id,))


def _default_timeout(config) -> Optional[int]:
    """The default timeout the function runs with, or None when one is set (whatever the value,
    also a value known only at deploy time).  Serverless writes its default in; the loader says so."""
    from lambdalint.loaders.serverless import DEFAULT_TIMEOUT_KEY, FRAMEWORK_DEFAULT_TIMEOUT_S

    metadata = config.template.resource(config.logical_id).get("Metadata")
    if isinstance(metadata, dict) and metadata.get(DEFAULT_TIMEOUT_KEY) is True:
        return FRAMEWORK_DEFAULT_TIMEOUT_S
    if config.get("Timeout") is not None:
        return None
    return quota("timeout_default_s")


def _network_call(fn, ctx) -> Optional[Tuple[str, str]]:
    """(what, file:line) of the first network call in a function of the handler path (module-level
    code runs at init, under its own limit, not the function's timeout)."""
    from lambdalint.analysis.handler_path import handler_path, qualified_namer
    from lambdalint.analysis.state import scope_facts

    for part in handler_path(fn, ctx):
        if part.scope.function is None:
            continue
        namer = qualified_namer(part.aliases, part.scope.bindings)

        def lookup(name, part=part):
            return part.scope.bindings[name] if name in part.scope.bindings else part.module_bindings.get(name)

        for call, _, _ in scope_facts(ctx, part).calls:
            what = _what(call, namer, lookup)
            if what is not None:
                row = part.source.position(call)[0]
                return what, f"{part.source.filename}:{row}"
    return None


def _what(call, namer, lookup) -> Optional[str]:
    import libcst as cst  # here, not at import: configuration-only runs never load libcst

    name = namer(call.func)
    network = table("clients")["network_calls"]
    if name in network:
        return f"{name}() ({network[name]})"
    func = call.func
    if isinstance(func, cst.Attribute) and _sends_request(func.attr.value) and _is_sdk_object(func.value, namer, lookup):
        # `s3.list_buckets()`; a chained call (`boto3.client("s3").list_buckets()`) by its method
        owner = f"{func.value.value}." if isinstance(func.value, cst.Name) else ""
        return f"{owner}{func.attr.value}() (an AWS SDK request)"
    return None


def _sends_request(method: str) -> bool:
    return method[:1].islower() and not method.startswith("_") \
        and method not in table("clients")["sdk_local_methods"]["names"]


def _is_sdk_object(node, namer, lookup, depth: int = 0) -> bool:
    """A boto3 client or resource (or a sub-resource of one: `dynamodb.Table('t')`), created in the
    expression or bound once to the name it uses."""
    import libcst as cst

    if depth > 4:
        return False
    if isinstance(node, cst.Name):
        value = lookup(node.value)
        return value is not None and _is_sdk_object(value, namer, lookup, depth + 1)
    if not isinstance(node, cst.Call):
        return False
    if namer(node.func) in ("boto3.client", "boto3.resource"):
        return True
    func = node.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in ("client", "resource") or method[:1].isupper():  # session.client(), resource.Table()
            return _is_sdk_object(func.value, namer, lookup, depth + 1) or _is_session(func.value, namer, lookup)
    return False


def _is_session(node, namer, lookup) -> bool:
    import libcst as cst

    if isinstance(node, cst.Name):
        node = lookup(node.value)
    return isinstance(node, cst.Call) and namer(node.func) in ("boto3.Session", "boto3.session.Session")
