"""Functions registered with a router or dispatcher at import: Powertools resolvers
(`@app.get("/todos")`, `@app.resolver(...)`), crhelper (`@helper.create`), Flask/FastAPI apps
behind Mangum (`@app.route`, `@router.post`).  The framework calls them from inside the handler
(`app.resolve(event, context)`, `helper(event, context)`), on any invocation, although no code of
the module calls them by name.

A decorator only *registers* when it is a method of a module-level object (`app.get(...)`,
`helper.create`) whose name is not a known wrapping decorator (data/decorators.toml), and the
module never names the function otherwise.  A function the handler path calls by name is followed
through the call graph as usual, whatever wraps it (`@tracer.capture_method`, `@lru_cache`): a
wrapper must not make every function "may run" and hide the imports only one branch needs."""
from __future__ import annotations

import functools
from typing import FrozenSet, Set

import libcst as cst


@functools.lru_cache(maxsize=None)
def wrapping_methods() -> FrozenSet[str]:
    from lambdalint.data import table

    return frozenset(table("decorators")["wrapping"]["methods"])


def registered_functions(module: cst.Module) -> Set[str]:
    """Names of the top-level functions registered by a decorator and never named in the module."""
    decorated = {statement.name.value: statement for statement in module.body
                 if isinstance(statement, cst.FunctionDef) and statement.decorators}
    if not decorated:
        return set()
    objects, modules = _module_level_names(module)
    candidates = {name for name, function in decorated.items()
                  if any(_registers(d.decorator, objects, modules) for d in function.decorators)}
    if not candidates:
        return set()
    return candidates - _named(module, candidates)


def _registers(decorator: cst.BaseExpression, objects: Set[str], modules: Set[str]) -> bool:
    target = decorator.func if isinstance(decorator, cst.Call) else decorator
    if not isinstance(target, cst.Attribute) or target.attr.value in wrapping_methods():
        return False
    root = target.value
    while isinstance(root, (cst.Attribute, cst.Call)):
        root = root.value if isinstance(root, cst.Attribute) else root.func
    # `functools.wraps`, `backoff.on_exception`: a method of a module wraps
    return isinstance(root, cst.Name) and root.value in objects and root.value not in modules


def _module_level_names(module: cst.Module):
    """(objects, modules): names bound at module level by assignment or `from x import y`, and
    names bound by `import x` (a module, whose decorators wrap rather than register)."""
    from lambdalint.analysis.cst_walk import statements

    objects: Set[str] = set()
    modules: Set[str] = set()
    for statement in statements(module.body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(statement, cst.Assign):
            for target in statement.targets:
                if isinstance(target.target, cst.Name):
                    objects.add(target.target.value)
        elif isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
            objects.add(statement.target.value)
        elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
            for alias in statement.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name):
                    objects.add(bound.value)
        elif isinstance(statement, cst.Import):
            for alias in statement.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(bound, cst.Attribute):
                    bound = bound.value
                if isinstance(bound, cst.Name):
                    modules.add(bound.value)
    return objects, modules


def _named(module: cst.Module, names: Set[str]) -> Set[str]:
    """Which of `names` the module uses as a name anywhere (a call, a value, a reassignment)."""
    from lambdalint.analysis.cst_walk import children

    found: Set[str] = set()
    stack = [module]
    while stack:
        node = stack.pop()
        if type(node) is cst.Name and node.value in names:
            found.add(node.value)
        elif type(node) is cst.FunctionDef:
            # the def's own name is a binding, not a use; its decorators and body are walked
            stack.extend(child for child in children(node) if child is not node.name)
            continue
        stack.extend(children(node))
    return found
