"""Calls that create an SDK client, a database connection or an HTTP session, and whether the
result is cached (created once per execution environment) or created on every call."""
from __future__ import annotations

from typing import Iterable, List, Optional, Set, Tuple

import libcst as cst

CLIENT_FACTORIES = {
    "boto3.client": "an AWS SDK client", "boto3.resource": "an AWS SDK resource",
    "boto3.Session": "an AWS SDK session", "boto3.session.Session": "an AWS SDK session",
    "botocore.session.get_session": "a botocore session", "aioboto3.Session": "an aioboto3 session",
    "psycopg2.connect": "a PostgreSQL connection", "psycopg.connect": "a PostgreSQL connection",
    "pymysql.connect": "a MySQL connection", "redis.Redis": "a Redis client",
    "redis.from_url": "a Redis client", "redis.StrictRedis": "a Redis client",
    "pymongo.MongoClient": "a MongoDB client", "requests.Session": "an HTTP session",
    "httpx.Client": "an HTTP client", "httpx.AsyncClient": "an HTTP client",
    "urllib3.PoolManager": "an HTTP connection pool",
}
CACHE_DECORATORS = {"functools.cache", "functools.lru_cache", "functools.cached_property",
                    "cachetools.cached", "cache", "lru_cache"}


class _FactoryCalls(cst.CSTVisitor):
    def __init__(self, qualified_name):
        self.qualified_name = qualified_name
        self.calls: List[Tuple[cst.Call, str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested functions run only when called

    def visit_Call(self, node: cst.Call) -> None:
        name = self.qualified_name(node.func)
        if name in CLIENT_FACTORIES:
            self.calls.append((node, name))


def factory_calls(function: cst.FunctionDef, qualified_name) -> List[Tuple[cst.Call, str]]:
    finder = _FactoryCalls(qualified_name)
    function.body.visit(finder)
    return finder.calls


def is_cached_function(function: cst.FunctionDef, qualified_name) -> bool:
    for decorator in function.decorators:
        target = decorator.decorator
        target = target.func if isinstance(target, cst.Call) else target
        name = qualified_name(target) or (target.value if isinstance(target, cst.Name) else "")
        if name in CACHE_DECORATORS or name.rsplit(".", 1)[-1] in ("cache", "lru_cache", "cached"):
            return True
    return False


def global_names(function: cst.FunctionDef) -> Set[str]:
    names: Set[str] = set()

    class Globals(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> None:
            names.update(item.name.value for item in node.names)

    function.body.visit(Globals())
    return names


def names_in(node: cst.CSTNode) -> Set[str]:
    found: Set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def is_lazily_cached(call: cst.Call, parents, function: cst.FunctionDef, globals_: Set[str]) -> bool:
    """The lazy-initialisation idiom: `global X` and the call assigned to X under a guard on X
    (`if X is None:`, `if not X:`), `X = X or factory()`, or a keyed cache
    (`if key not in CLIENTS: CLIENTS[key] = factory()`)."""
    child, parent = call, parents.get(call)
    while parent is not None and child is not function:
        if isinstance(parent, cst.If) and (names_in(parent.test) & globals_
                                           or _is_key_check(parent.test, _stored_into(call, parents))):
            return True
        if isinstance(parent, cst.BooleanOperation) and names_in(parent.left) & globals_:
            return True
        child, parent = parent, parents.get(parent)
    return False


def _stored_into(call: cst.Call, parents) -> Set[str]:
    """Containers the call's result is stored into: `CLIENTS[key] = factory()` -> {"CLIENTS"}."""
    parent = parents.get(call)
    if not isinstance(parent, cst.Assign):
        return set()
    return {t.target.value.value for t in parent.targets
            if isinstance(t.target, cst.Subscript) and isinstance(t.target.value, cst.Name)}


def _is_key_check(test: cst.BaseExpression, containers: Set[str]) -> bool:
    """`if key not in CLIENTS:` where the client is then stored into CLIENTS."""
    return isinstance(test, cst.Comparison) and any(
        isinstance(c.operator, cst.NotIn) and isinstance(c.comparator, cst.Name)
        and c.comparator.value in containers for c in test.comparisons)


def depends_on(call: cst.Call, names: Iterable[str]) -> bool:
    wanted = set(names)
    return any(names_in(arg.value) & wanted for arg in call.args)


def event_names(function: cst.FunctionDef, event_param: Optional[str]) -> Set[str]:
    """The event parameter and local names assigned from expressions that use it."""
    if not event_param:
        return set()
    derived = {event_param}

    class Assignments(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if names_in(node.value) & derived:
                for target in node.targets:
                    derived.update(names_in(target.target))

    for _ in range(3):  # a few rounds reach `region = body["region"]` from `body = event[...]`
        function.body.visit(Assignments())
    return derived
