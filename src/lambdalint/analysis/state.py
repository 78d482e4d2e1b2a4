"""What survives between invocations: module-level mutable containers, `global` rebinding,
unbounded caches, and files left in /tmp.  Shared by LL302, LL303, LL401, LL402, LL403."""
from __future__ import annotations

from typing import List, Optional, Set

from dataclasses import dataclass, field

import libcst as cst

MUTABLE_FACTORIES = {"builtins.list", "builtins.dict", "builtins.set", "collections.defaultdict",
                     "collections.OrderedDict", "collections.Counter", "collections.deque"}
GROWING_METHODS = {"append", "extend", "insert", "update", "setdefault", "add", "appendleft",
                   "extendleft", "__setitem__"}
REMOVERS = {"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree", "os.removedirs"}


def is_mutable_value(value: Optional[cst.BaseExpression], qualified_name) -> bool:
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    if not isinstance(value, cst.Call) or qualified_name(value.func) not in MUTABLE_FACTORIES:
        return False
    return not (qualified_name(value.func) == "collections.deque" and any(
        a.keyword is not None and a.keyword.value == "maxlen" for a in value.args))  # bounded


def names_in(node: cst.CSTNode) -> Set[str]:
    """Every name used in an expression (a read-only fields walk)."""
    return names_in_fast(node)


def is_constant(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)) or (
        isinstance(node, cst.Name) and node.value in ("True", "False", "None"))


def is_falsy_constant(value) -> bool:
    """`False`, `None`, `0`: what a once-flag is set to inside its guard."""
    return (isinstance(value, cst.Name) and value.value in ("False", "None")) or \
        (isinstance(value, cst.Integer) and value.value == "0")


def once_flag_guard(test: cst.BaseExpression, once_flags: Set[str]) -> bool:
    """`if is_cold_start:` where the function sets `is_cold_start = False`: runs once per
    execution environment, like a lazy initialisation."""
    return isinstance(test, cst.Name) and test.value in once_flags


def lazy_guard(test: cst.BaseExpression, name: str) -> bool:
    """`X is None`, `not X`, `X is None or ...`, `k not in X`: the test of a lazy initialisation of X."""
    if isinstance(test, cst.BooleanOperation):
        return lazy_guard(test.left, name) or lazy_guard(test.right, name)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name) and test.expression.value == name
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, cst.Is) and isinstance(target.comparator, cst.Name) \
                and target.comparator.value == "None":
            return isinstance(test.left, cst.Name) and test.left.value == name
        if isinstance(target.operator, cst.NotIn):
            return isinstance(target.comparator, cst.Name) and target.comparator.value == name
    return False


@dataclass
class FunctionFacts:
    """What one walk of a scope found (nested functions excluded): `global`s, calls and
    assignments with the tests of their enclosing `if`s, deletes, comprehension variables."""

    globals: Set[str] = field(default_factory=set)
    calls: List[tuple] = field(default_factory=list)  # (call, tests of enclosing ifs, in a branch?)
    assignments: List[tuple] = field(default_factory=list)  # (target, value or None, tests, node)
    deletes: List[tuple] = field(default_factory=list)  # (target, tests)
    comprehension_names: Set[str] = field(default_factory=set)


def collect_facts(roots) -> FunctionFacts:
    """One read-only walk (nested functions and lambdas excluded) filling a FunctionFacts."""
    from lambdalint.analysis.cst_walk import children

    facts = FunctionFacts()
    stack = [(node, (), False) for node in reversed(list(roots))]
    while stack:
        node, tests, branch = stack.pop()
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.Lambda:
            continue
        if kind is cst.Call:
            facts.calls.append((node, list(tests), branch))
        elif kind is cst.Assign:
            for target in node.targets:
                facts.assignments.append((target.target, node.value, list(tests), node))
        elif kind is cst.AugAssign:
            facts.assignments.append((node.target, None, list(tests), node))
        elif kind is cst.AnnAssign and node.value is not None:
            facts.assignments.append((node.target, node.value, list(tests), node))
        elif kind is cst.Global:
            facts.globals.update(item.name.value for item in node.names)
        elif kind is cst.Del:
            facts.deletes.append((node.target, list(tests)))
        elif kind is cst.CompFor:
            facts.comprehension_names |= names_in_fast(node.target)
        if kind is cst.If:
            if node.orelse is not None:  # the else/elif arm runs when the test is false
                stack.append((node.orelse, tests + (cst.UnaryOperation(cst.Not(), node.test),), True))
            stack.append((node.body, tests + (node.test,), True))
            stack.append((node.test, tests, branch))
            continue
        in_branch = branch or kind is cst.ExceptHandler or kind is cst.MatchCase
        stack.extend((child, tests, in_branch) for child in reversed(list(children(node))))
    return facts


def names_in_fast(node) -> Set[str]:
    from lambdalint.analysis.cst_walk import children

    found, stack = set(), [node]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is cst.Name:
            found.add(item.value)
        elif kind is cst.Attribute:
            stack.append(item.value)  # `os.path` uses the variable `os`, not a variable `path`
            continue
        stack.extend(children(item))
    return found


def function_facts(function: cst.FunctionDef) -> FunctionFacts:
    return collect_facts([function.body])


def scope_facts(ctx, part) -> FunctionFacts:
    """The one traversal of a handler-path scope (a function body, or a module's top-level code)
    that every run-time rule reads: calls, assignments, `global`s, with their enclosing tests."""
    if part.facts is not None:
        return part.facts
    return ctx.memo(("scope-facts", id(part.source), part.scope.name), lambda: collect_facts(part.scope.nodes))


def removed_names(facts: FunctionFacts, qualified_name) -> Set[str]:
    """Names passed to a remover (os.remove, shutil.rmtree, Path.unlink...) in the function."""
    removed: Set[str] = set()
    for call, _, _ in facts.calls:
        name = qualified_name(call.func)
        if name in REMOVERS and call.args:
            removed |= names_in(call.args[0].value)
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value in ("unlink", "rmdir", "cleanup"):
            removed |= names_in(call.func.value)
    return removed


def handler_event_names(ctx, part) -> Set[str]:
    """`event_names` of a handler scope of the handler path, once per run (every function sharing
    the code asks); the empty set for other scopes."""
    if not part.is_handler:
        return set()
    return ctx.memo(("event-names", id(part.source), part.scope.name),
                    lambda: event_names(part.scope.function, scope_facts(ctx, part)))


def event_names(function: cst.FunctionDef, facts: "FunctionFacts" = None,
                every_parameter: bool = False) -> Set[str]:
    """The event parameter of a handler (or every parameter of a helper, which the handler may
    feed from the event) and the local names assigned from them."""
    params = function.params.params
    if not params:
        return set()
    derived = {p.name.value for p in params} - {"self", "cls"} if every_parameter else {params[0].name.value}
    facts = facts or function_facts(function)
    for _ in range(3):
        for target, value, _, _ in facts.assignments:
            if value is not None and names_in(value) & derived:
                derived |= names_in(target)
    return derived
