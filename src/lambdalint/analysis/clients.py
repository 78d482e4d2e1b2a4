"""Calls that create an SDK client, a database connection or an HTTP session (data/clients.toml),
functions whose result is cached (so a client they create is made once per execution
environment), and the clients the handler path creates on every invocation (LL104, and LL101 so
that both never give opposite advice)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

CACHE_DECORATORS = {"functools.cache", "functools.lru_cache", "functools.cached_property",
                    "cachetools.cached", "cache", "lru_cache"}


@functools.lru_cache(maxsize=None)
def client_factories() -> Dict[str, str]:
    """Qualified name of a factory call -> what it creates."""
    from lambdalint.data import table

    return dict(table("clients")["factories"])


@functools.lru_cache(maxsize=None)
def _session_methods() -> Tuple[frozenset, Dict[str, str]]:
    from lambdalint.data import table

    data = table("clients")["session_methods"]
    return frozenset(data["sessions"]), dict(data["methods"])


def is_cached_function(function: cst.FunctionDef, qualified_name) -> bool:
    for decorator in function.decorators:
        target = decorator.decorator
        target = target.func if isinstance(target, cst.Call) else target
        name = qualified_name(target) or (target.value if isinstance(target, cst.Name) else "")
        if name in CACHE_DECORATORS or name.rsplit(".", 1)[-1] in ("cache", "lru_cache", "cached"):
            return True
    return False


@dataclass(frozen=True)
class ClientCreation:
    """A client created on every invocation in a function of the handler path."""

    part: object  # handler_path.PathScope
    call: cst.Call
    factory: str  # "boto3.client", or "session.client" for a method of a module-level session
    package: str  # top-level package whose import it needs ("boto3")
    what: str  # "an AWS SDK client"
    from_event: bool  # its arguments carry values of the event: one per key is legitimate


def per_invocation_clients(fn, ctx) -> List[ClientCreation]:
    """Memoised per function: LL104 reports them, LL101 defers to them."""
    return ctx.memo(("per-invocation-clients", ctx.code_key(fn)), lambda: _per_invocation_clients(fn, ctx))


def _per_invocation_clients(fn, ctx) -> List[ClientCreation]:
    from lambdalint.analysis.handler_path import handler_path, qualified_namer
    from lambdalint.analysis.state import lazy_guard, names_in, scope_facts

    parts = handler_path(fn, ctx)
    event_values = _event_values(ctx, parts)
    found: List[ClientCreation] = []
    for part in parts:
        function = part.scope.function
        if function is None:
            continue  # module level: created once per execution environment
        namer = qualified_namer(part.aliases, {})
        if is_cached_function(function, namer):
            continue
        facts = scope_facts(ctx, part)
        stored = _stored_into(facts)
        or_defaults = _or_defaults(facts)
        event = event_values.get(id(part), set())
        for call, tests, _ in facts.calls:
            made = _creation(call, namer, part)
            if made is None:
                continue
            guarded = {name for name in facts.globals | stored.get(id(call), set())
                       if any(lazy_guard(test, name) for test in tests)}
            if guarded or id(call) in or_defaults:
                continue  # lazy initialisation into a global, or a keyed cache
            factory, package, what = made
            from_event = any(names_in(arg.value) & event for arg in call.args)
            found.append(ClientCreation(part, call, factory, package, what, from_event))
    return found


def _creation(call: cst.Call, namer, part) -> Optional[Tuple[str, str, str]]:
    """(factory, package, what) when the call creates a client, else None."""
    factory = namer(call.func)
    if factory in client_factories():
        return factory, factory.split(".", 1)[0], client_factories()[factory]
    func = call.func
    sessions, methods = _session_methods()
    if not isinstance(func, cst.Attribute) or func.attr.value not in methods \
            or not isinstance(func.value, cst.Name):
        return None  # `boto3.Session().client()`: the session itself is reported
    name = func.value.value
    if name in part.scope.bindings:
        return None  # a session made in this function is reported itself; a parameter is unknown
    value = part.module_bindings.get(name)
    session = namer(value.func) if isinstance(value, cst.Call) else None
    if session not in sessions:
        return None
    return f"{name}.{func.attr.value}", session.split(".", 1)[0], methods[func.attr.value]


# -- which names carry values of the event, per function of the handler path ----------------------
def _event_values(ctx, parts) -> Dict[int, Set[str]]:
    """id(part) -> names in that function that may hold values of the event.  A handler's first
    parameter is the event; a helper's parameters carry it when a call on the handler path passes
    a value of the event to them.  A helper called in ways we cannot follow (registered routes,
    functions passed as values) gets every parameter."""
    from lambdalint.analysis.coldstart import module_name_of
    from lambdalint.analysis.handler_path import qualified_namer
    from lambdalint.analysis.state import scope_facts

    functions = [part for part in parts if part.scope.function is not None]
    index = {(module_name_of(part.source.relpath), part.scope.name): part for part in functions}
    callers: Dict[int, List[Tuple[object, cst.Call]]] = {id(part): [] for part in functions}
    for part in functions:
        module_name = module_name_of(part.source.relpath)
        namer = qualified_namer(part.aliases, part.scope.bindings)
        for call, _, _ in scope_facts(ctx, part).calls:
            callee = _callee_key(call.func, module_name, namer, part.scope.bindings, index)
            if callee is not None and callee is not part:
                callers[id(callee)].append((part, call))
    seeds: Dict[int, Set[str]] = {}
    for part in functions:
        params = _parameter_names(part.scope.function)
        if part.is_handler:
            seeds[id(part)] = set(params[:1])
        elif not callers[id(part)]:
            seeds[id(part)] = set(params) - {"self", "cls"}
        else:
            seeds[id(part)] = set()
    values: Dict[int, Set[str]] = {}
    for _ in range(len(functions) + 1):  # until nothing changes (a call chain at most this long)
        values = {id(part): _derived(seeds[id(part)], scope_facts(ctx, part)) for part in functions}
        changed = False
        for part in functions:
            for caller, call in callers[id(part)]:
                for param in _parameters_fed(call, part.scope.function, values[id(caller)]):
                    if param not in seeds[id(part)]:
                        seeds[id(part)].add(param)
                        changed = True
        if not changed:
            break
    return values


def _callee_key(func, module_name: str, namer, local_names, index):
    if isinstance(func, cst.Name) and func.value not in local_names and (module_name, func.value) in index:
        return index[(module_name, func.value)]
    qualified = namer(func)
    if qualified and "." in qualified:
        owner, _, name = qualified.rpartition(".")
        return index.get((owner, name))
    return None


def _parameter_names(function: cst.FunctionDef) -> List[str]:
    params = function.params
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    names += [p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return names


def _parameters_fed(call: cst.Call, function: cst.FunctionDef, values: Set[str]) -> Set[str]:
    """The callee's parameters that receive a value of the event at this call."""
    from lambdalint.analysis.state import names_in

    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    everything = set(_parameter_names(function))
    fed: Set[str] = set()
    for position, arg in enumerate(call.args):
        if not names_in(arg.value) & values:
            continue
        if arg.star:  # `f(*args)`, `f(**kwargs)`: any parameter
            return everything
        if arg.keyword is not None:
            name = arg.keyword.value
            fed.add(name if name in everything else (
                params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else name))
        elif position < len(positional):
            fed.add(positional[position])
        elif isinstance(params.star_arg, cst.Param):
            fed.add(params.star_arg.name.value)
    return fed


def _derived(seed: Set[str], facts) -> Set[str]:
    """The seed names and the local names assigned from them."""
    from lambdalint.analysis.state import names_in

    derived = set(seed)
    if not derived:
        return derived
    for _ in range(3):
        for target, value, _, _ in facts.assignments:
            if value is not None and names_in(value) & derived:
                derived |= names_in(target)
    return derived


def _or_defaults(facts) -> set:
    """Calls in `X = X or factory()`: lazy initialisation without an `if`."""
    return {id(value.right) for target, value, _, _ in facts.assignments
            if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or)
            and isinstance(target, cst.Name) and isinstance(value.left, cst.Name)
            and value.left.value == target.value}


def _stored_into(facts):
    """id(call) -> names the call's result is stored into (`X = f()`, `CACHE[k] = f()`, `X = X or f()`)."""
    stored = {}
    for target, value, _, _ in facts.assignments:
        calls = [value] if isinstance(value, cst.Call) else (
            [value.right] if isinstance(value, cst.BooleanOperation) and isinstance(value.right, cst.Call) else [])
        name = target.value.value if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
            else target.value if isinstance(target, cst.Name) else None
        for call in calls:
            if name:
                stored.setdefault(id(call), set()).add(name)
    return stored
