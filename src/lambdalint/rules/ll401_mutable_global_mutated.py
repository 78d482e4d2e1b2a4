from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python


class MutableGlobalMutatedRule(Rule):
    code = "LL401"
    name = "mutable-global-mutated"
    severity = Severity.WARNING
    summary = "A module-level mutable container mutated on the handler path (grows, leaks between requests)"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("RESULTS = []\n\ndef handler(event, context):\n    RESULTS.append(event['id'])\n    return len(RESULTS)\n",
               "a list that grows with every invocation"),
        python("SEEN = {}\n\ndef handler(event, context):\n    SEEN[event['user']] = event\n    return 1\n",
               "a dict keyed by the event"),
        python("import collections\nCOUNTS = collections.Counter()\n\ndef count(word):\n    COUNTS.update([word])\n\n"
               "def handler(event, context):\n    count(event['word'])\n", "through a helper"),
    )
    valid = (
        python("RESULTS = []\nRESULTS.append(1)\n\ndef handler(event, context):\n    return RESULTS\n",
               "mutation at module level"),
        python("RESULTS = []\n\ndef handler(event, context):\n    RESULTS.clear()\n    RESULTS.append(event)\n"
               "    return RESULTS\n", "cleared at the start of each invocation"),
        python("import boto3\nCLIENTS = {}\n\ndef handler(event, context):\n    if event['region'] not in CLIENTS:\n"
               "        CLIENTS[event['region']] = boto3.client('s3', region_name=event['region'])\n"
               "    return CLIENTS[event['region']]\n", "a cache of clients"),
        python("CONFIG = {}\n\ndef handler(event, context):\n    CONFIG['table'] = 'orders'\n    return CONFIG\n",
               "configuration keyed by a constant"),
        python("LOG = []\n\ndef handler(event, context):\n    LOG[:] = []\n    return LOG\n", "a reset"),
        python("import collections\nRECENT = collections.deque(maxlen=10)\n\ndef handler(event, context):\n"
               "    RECENT.append(event)\n", "a bounded deque"),
        python("RESULTS = []\n\ndef handler(event, context):\n    RESULTS = []\n    RESULTS.append(event)\n"
               "    return RESULTS\n", "a local variable that shadows the global"),
    )

    def check_function(self, fn, ctx):
        import libcst as cst

        from lambdalint.analysis.clients import client_factories
        from lambdalint.analysis.handler_path import handler_path, qualified_namer
        from lambdalint.analysis.state import (GROWING_METHODS, handler_event_names, is_constant,
                                               names_in, scope_facts)

        for part in handler_path(fn, ctx):
            function = part.scope.function
            if function is None:
                continue
            namer = qualified_namer(part.aliases, {})
            containers = ctx.memo(("mutable-globals", id(part.source)), lambda: _mutable_globals(part))
            local = {name for name in part.scope.bindings}
            facts = scope_facts(ctx, part)
            visible = (containers - local) | (containers & facts.globals)
            if not visible:
                continue
            cleared = {call.func.value.value for call, _, branch in facts.calls
                       if not branch and isinstance(call.func, cst.Attribute) and call.func.attr.value == "clear"
                       and isinstance(call.func.value, cst.Name)}
            from_event = handler_event_names(ctx, part)
            mutations = []
            for call, _, _ in facts.calls:
                func = call.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                        and func.value.value in visible and func.attr.value in GROWING_METHODS:
                    args = [a.value for a in call.args]
                    if func.attr.value == "setdefault" and args and is_constant(args[0]):
                        continue
                    mutations.append((call, func.value.value, f".{func.attr.value}()", args))
            for target, value, _, node in facts.assignments:
                if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
                        and target.value.value in visible:
                    if any(isinstance(s.slice, cst.Slice) for s in target.slice):
                        continue  # `X[:] = []` resets it
                    keys = [s.slice.value for s in target.slice if isinstance(s.slice, cst.Index)]
                    if keys and all(is_constant(k) for k in keys):
                        continue  # configuration keyed by a constant
                    if isinstance(value, cst.Call) and namer(value.func) in client_factories():
                        continue  # a cache of clients (what LL104 recommends)
                    mutations.append((node, target.value.value, "[key] = ...", [value] + keys))
            for node, name, how, values in mutations:
                if name in cleared:
                    continue
                source_note = (" with values from the event" if any(names_in(v) & from_event for v in values if v is not None)
                               else "")
                yield Report(
                    f"{function.name.value}() mutates the module-level {name} ({how}) on every invocation"
                    f"{source_note}: it keeps growing for the life of the execution environment and "
                    "carries one request's data into the next. Build it inside the function, or clear it "
                    "at the start of each invocation", NodeAt(part.source, node))


def _mutable_globals(part):
    """The module-level names bound to a mutable container (once per module, not per function)."""
    from lambdalint.analysis.handler_path import qualified_namer
    from lambdalint.analysis.state import is_mutable_value

    namer = qualified_namer(part.aliases, {})
    return {name for name, value in part.module_bindings.items() if is_mutable_value(value, namer)}
