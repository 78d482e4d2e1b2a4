from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python

UNBOUNDED = "unbounded"


class UnboundedCacheRule(Rule):
    code = "LL403"
    name = "unbounded-cache"
    severity = Severity.WARNING
    summary = "An unbounded cache on a function in the handler path whose arguments vary per invocation"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("import functools\n\n@functools.cache\ndef user(user_id):\n    return {'id': user_id}\n\n"
               "def handler(event, context):\n    return user(event['user'])\n", "functools.cache"),
        python("from functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef price(sku):\n    return 1\n\n"
               "def handler(event, context):\n    return price(event['sku'])\n", "lru_cache(maxsize=None)"),
    )
    valid = (
        python("from functools import lru_cache\n\n@lru_cache(maxsize=256)\ndef price(sku):\n    return 1\n\n"
               "def handler(event, context):\n    return price(event['sku'])\n", "a bounded lru_cache"),
        python("from functools import lru_cache\n\n@lru_cache\ndef price(sku):\n    return 1\n\n"
               "def handler(event, context):\n    return price(event['sku'])\n", "bare lru_cache keeps 128 entries"),
        python("import functools\n\n@functools.cache\ndef settings():\n    return {}\n\n"
               "def handler(event, context):\n    return settings()\n", "a function without parameters"),
        python("def cache(fn):\n    return fn\n\n@cache\ndef user(uid):\n    return uid\n\n"
               "def handler(event, context):\n    return user(event['id'])\n", "a decorator of the user's own named cache"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.handler_path import handler_path, qualified_namer

        for part in handler_path(fn, ctx):
            function = part.scope.function
            if function is None or not _has_parameters(function):
                continue
            namer = qualified_namer(part.aliases, {})
            for decorator in function.decorators:
                kind = _cache_kind(decorator.decorator, namer)
                if kind is not None:
                    yield Report(
                        f"{function.name.value}() is cached without a bound ({kind}) and its arguments "
                        "vary per invocation: the cache grows for the life of the execution environment "
                        "until the function runs out of memory. Use functools.lru_cache(maxsize=N) "
                        "or a cachetools TTLCache", NodeAt(part.source, decorator))


def _has_parameters(function) -> bool:
    import libcst as cst

    params = function.params
    names = [p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]]
    names = [n for n in names if n not in ("self", "cls")]
    return bool(names) or isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None


def _cache_kind(node, namer):
    import libcst as cst

    target = node.func if isinstance(node, cst.Call) else node
    name = namer(target) or ""  # qualified through imports: a user's own `cache` is not functools'
    if name == "functools.cache":
        return "functools.cache"
    if name == "functools.lru_cache" and isinstance(node, cst.Call):
        for arg in node.args:
            is_maxsize = arg.keyword is not None and arg.keyword.value == "maxsize"
            if (is_maxsize or arg.keyword is None) and isinstance(arg.value, cst.Name) and arg.value.value == "None":
                return "lru_cache(maxsize=None)"
        return None
    if name in ("cachetools.cached", "cachetools.func.cached") and isinstance(node, cst.Call) and node.args:
        cache = node.args[0].value if node.args[0].keyword is None else next(
            (a.value for a in node.args if a.keyword and a.keyword.value == "cache"), None)
        if isinstance(cache, cst.Dict) or (isinstance(cache, cst.Call) and namer(cache.func) == "builtins.dict"):
            return "cachetools.cached with a plain dict"
    return None
