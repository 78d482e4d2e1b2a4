"""Where the names bound by a module-level import are used, and whether that code runs on every
invocation of the handler.

"Runs on every invocation" means: module-level code (it runs at init), the handler, and code the
handler reaches unconditionally: statements not inside an `if`/`elif`/`else` arm, an `except`
handler, a `match` case, a conditional expression or the right side of `and`/`or`, and helper
functions it calls from such unconditional code, transitively.  Loop bodies count as running.
Methods are not followed; a use inside a method is taken as needed (we cannot tell when it runs),
and so is a use in a function registered by a decorator at import (`@app.get(...)`,
`@helper.create`: analysis/registrations.py), which the framework may call on any invocation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import ClassScope, FunctionScope, GlobalScope, ScopeProvider

from lambdalint.analysis.cst_walk import parent_map
from lambdalint.analysis.registrations import registered_functions


@dataclass
class ImportStatement:
    node: cst.CSTNode  # cst.Import or cst.ImportFrom
    line: Optional[cst.SimpleStatementLine]  # the line, when the import is alone on a top-level line
    names: List[str]  # names it binds
    modules: List[str]  # absolute-ish module names it imports (for matching with the import graph)


@dataclass
class UseSummary:
    """How an import's names are used."""

    needed_at_init: bool = False  # module level, class body, decorator, default, method...
    used: bool = False
    always_run_functions: Set[str] = field(default_factory=set)  # uses that run on every invocation
    conditional_functions: Set[str] = field(default_factory=set)  # uses only in conditional code
    branch_functions: Set[str] = field(default_factory=set)  # always-run functions using it in a branch
    functions: Dict[str, cst.FunctionDef] = field(default_factory=dict)  # nearest enclosing defs
    rebound: bool = False  # the name is assigned elsewhere too, or declared `global`
    exported: bool = False  # listed in __all__

    @property
    def needed_every_invocation(self) -> bool:
        return self.needed_at_init or bool(self.always_run_functions)


class ModuleScopes:
    """What does not depend on the handler, computed once per parsed module: scopes, parents, the
    module-level imports and the calls between its module-level functions.  A module may hold
    thousands of handlers; each one's reachability (`for_handler`) then costs only what it reaches."""

    def __init__(self, wrapper: cst.MetadataWrapper):
        self.wrapper = wrapper
        self.module = wrapper.module
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = parent_map(self.module)
        self.global_scope = self.scopes[self.module]
        self.functions = {s.name.value: s for s in self.module.body if isinstance(s, cst.FunctionDef)}
        self._function_nodes = {id(node) for node in self.functions.values()}
        self.exported = _dunder_all(self.module)
        self.imports: List[ImportStatement] = []
        self._collect(self.module.body, self.imports, top=True)
        self.calls, named_outside = self._call_graph()
        self.unknown_at_init = self.reached(named_outside)
        # routes and callbacks registered by a decorator at import (`@app.get(...)`,
        # `@helper.create`): the framework may call them on any invocation
        self.registered = registered_functions(self.module)
        self._registered_reach = self.reached(self.registered - self.unknown_at_init, self.unknown_at_init)
        self._handlers: Dict[str, "ModuleUses"] = {}

    def for_handler(self, handler: str) -> "ModuleUses":
        if handler not in self._handlers:
            self._handlers[handler] = ModuleUses(self, handler)
        return self._handlers[handler]

    # -- imports -------------------------------------------------------------------------------
    def _collect(self, body, found: List[ImportStatement], top: bool) -> None:
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        alone = top and len(statement.body) == 1
                        found.append(_describe(small, statement if alone else None))
            elif isinstance(statement, (cst.If, cst.Try, cst.With)) and isinstance(
                    getattr(statement, "body", None), cst.IndentedBlock):
                self._collect(statement.body.body, found, top=False)
                for handler in getattr(statement, "handlers", ()):
                    self._collect(handler.body.body, found, top=False)
                orelse = getattr(statement, "orelse", None)
                if orelse is not None and isinstance(getattr(orelse, "body", None), cst.IndentedBlock):
                    self._collect(orelse.body.body, found, top=False)

    def top_level_function(self, scope) -> Optional[cst.FunctionDef]:
        while scope is not None and not isinstance(scope, GlobalScope):
            if isinstance(scope, ClassScope):
                return None
            parent = scope.parent
            if isinstance(parent, GlobalScope) and isinstance(scope, FunctionScope):
                node = scope.node
                return node if isinstance(node, cst.FunctionDef) and id(node) in self._function_nodes else None
            scope = parent
        return None

    # -- reachability --------------------------------------------------------------------------
    def conditional(self, node: cst.CSTNode, stop: cst.CSTNode) -> bool:
        """True when `node` sits in a branch of `stop` that does not run every time."""
        child = node
        parent = self.parents.get(child)
        while parent is not None and child is not stop:
            if isinstance(parent, cst.If) and child is not parent.test and child is parent.body \
                    and self._is_lazy_init_guard(parent):
                pass  # `if CLIENT is None:` runs on every cold start: the import is not saved
            elif isinstance(parent, (cst.If, cst.IfExp)) and child is not parent.test:
                return True
            if isinstance(parent, (cst.ExceptHandler, cst.MatchCase)):
                return True
            if isinstance(parent, cst.BooleanOperation) and child is parent.right \
                    and not (isinstance(parent.operator, cst.Or) and self.is_module_name(parent.left)):
                return True  # `X = X or factory()` is lazy initialisation, not a branch
            child, parent = parent, self.parents.get(parent)
        return False

    def _is_lazy_init_guard(self, branch: cst.If) -> bool:
        """`if X is None:`, `if not X:` or `if k not in X:` on a module-level name X whose body
        assigns X (or X[k]): it runs once per execution environment, at the first invocation."""
        test, guarded = branch.test, None
        if self.is_module_name(test) and test.value in falsy_assigned_names(branch.body):
            return True  # `if is_cold_start: ...; is_cold_start = False`: a once-flag
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            guarded = test.expression
        elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if isinstance(target.operator, cst.Is) and isinstance(target.comparator, cst.Name) \
                    and target.comparator.value == "None":
                guarded = test.left
            elif isinstance(target.operator, cst.NotIn):
                guarded = target.comparator
        return (guarded is not None and self.is_module_name(guarded)
                and guarded.value in assigned_names(branch.body))

    def is_module_name(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and any(
            True for _ in self.global_scope[node.value]) and node.value not in self.functions

    def _call_graph(self):
        """(calls, unknown): for each module-level function, the module-level functions it names
        as (callee, is a call that runs every time it runs); and the functions named outside any
        of them (module-level code, class bodies, methods), which may run in ways we cannot follow."""
        calls: Dict[str, List[Tuple[str, bool, bool]]] = {name: [] for name in self.functions}
        unknown: Set[str] = set()
        for callee, function in self.functions.items():
            for assignment in self.global_scope[callee]:
                if getattr(assignment, "node", None) is not function:
                    continue
                for access in assignment.references:
                    caller = self.top_level_function(access.scope) \
                        if not isinstance(access.scope, (GlobalScope, ClassScope)) else None
                    if caller is None:
                        unknown.add(callee)
                        continue
                    parent = self.parents.get(access.node)
                    is_call = isinstance(parent, cst.Call) and parent.func is access.node
                    always = is_call and not self.conditional(access.node, caller)
                    calls[caller.name.value].append((callee, is_call, always))
        return calls, unknown

    def may_run(self, handler: str) -> Set[str]:
        """The functions that may run on an invocation of `handler` in ways we cannot follow:
        named outside any function, or registered by a decorator (unless it is the handler)."""
        if handler not in self.registered:
            return self._registered_reach
        return self.reached(self.registered - {handler} - self.unknown_at_init, self.unknown_at_init)

    def reached(self, names: Set[str], known: Set[str] = frozenset()) -> Set[str]:
        """`names` and every function they name, transitively (`known` is already closed)."""
        result, pending = set(names) | set(known), [name for name in names if name not in known]
        while pending:
            for callee, _, _ in self.calls.get(pending.pop(), ()):
                if callee not in result:
                    result.add(callee)
                    pending.append(callee)
        return result


class ModuleUses:
    """Which code of a module runs on every invocation of one handler, and how each module-level
    import is used with respect to it."""

    def __init__(self, module: ModuleScopes, handler: str):
        self.module = module
        self.handler = handler
        self.always_run, self.unknown_reach = self._reachability()
        self._uses: Dict[int, UseSummary] = {}

    def module_level_imports(self) -> List[ImportStatement]:
        return self.module.imports

    def uses(self, statement: ImportStatement) -> UseSummary:
        key = id(statement.node)
        if key not in self._uses:
            self._uses[key] = self._summarise(statement)
        return self._uses[key]

    def _summarise(self, statement: ImportStatement) -> UseSummary:
        summary = UseSummary()
        for name in statement.names:
            if name in self.module.exported:
                summary.exported = summary.needed_at_init = True
            assignments = list(self.module.global_scope[name])
            if len(assignments) > 1:
                summary.rebound = True
            for assignment in assignments:
                if getattr(assignment, "node", None) is not statement.node:
                    continue
                for access in assignment.references:
                    summary.used = True
                    self._classify(access, summary)
        return summary

    def _classify(self, access, summary: UseSummary) -> None:
        scope = access.scope
        if isinstance(scope, (GlobalScope, ClassScope)):
            summary.needed_at_init = True
            return
        function = self.module.top_level_function(scope)
        if function is None or function.name.value in self.unknown_reach:
            # a method, or a function reached in a way we cannot follow: taken as needed
            summary.needed_at_init = True
            return
        name = function.name.value
        summary.functions[name] = function  # the import goes there; nested closures see it
        if name not in self.always_run:
            summary.conditional_functions.add(name)
        elif self.module.conditional(access.node, function):
            summary.conditional_functions.add(name)
            summary.branch_functions.add(name)
        else:
            summary.always_run_functions.add(name)

    def _reachability(self):
        """(always, unknown): the module-level functions that run on every invocation, and those
        reached in ways we cannot follow statically (passed as values, called from methods, class
        bodies or module-level code, registered by a decorator), whose uses are therefore taken as
        needed."""
        module = self.module
        if self.handler not in module.functions:
            return set(), set(module.functions)  # `handler = Mangum(app)`: the call graph starts elsewhere
        always, pending, passed = {self.handler}, [self.handler], set()
        while pending:
            for callee, is_call, runs_always in module.calls[pending.pop()]:
                if not is_call:
                    passed.add(callee)  # `map(transform, rows)`, `ROUTES = {...}`: may run always
                elif runs_always and callee not in always:
                    always.add(callee)
                    pending.append(callee)
        # what unknown functions call is unknown too
        may_run = module.may_run(self.handler)
        unknown = module.reached(passed - may_run, may_run)
        return always, unknown - {self.handler}


def falsy_assigned_names(node: cst.CSTNode) -> Set[str]:
    """Names a block sets to `False`, `None` or `0` (nested functions excluded)."""
    from lambdalint.analysis.state import is_falsy_constant

    names: Set[str] = set()

    class Assigned(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Assign(self, node: cst.Assign) -> None:
            if is_falsy_constant(node.value):
                names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    node.visit(Assigned())
    return names


def assigned_names(node: cst.CSTNode) -> Set[str]:
    """Names assigned in a block: `X = ...` and `X[key] = ...` (nested functions excluded)."""
    names: Set[str] = set()

    class Assigned(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            target = node.target
            if isinstance(target, cst.Subscript):
                target = target.value
            if isinstance(target, cst.Name):
                names.add(target.value)

    node.visit(Assigned())
    return names


def _describe(node, line) -> ImportStatement:
    names, modules = [], []
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = _dotted(alias.name)
            modules.append(dotted)
            if alias.asname and isinstance(alias.asname.name, cst.Name):
                names.append(alias.asname.name.value)
            else:
                # libcst binds `import a.b` twice: uses of `a.b.x` refer to "a.b", of `a.x` to "a"
                names.extend(dict.fromkeys((dotted, dotted.split(".", 1)[0])))
    else:
        base = "." * len(node.relative) + (_dotted(node.module) if node.module else "")
        modules.append(base)
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                names.append(alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name)
                             else _dotted(alias.name))
                modules.append(f"{base}.{_dotted(alias.name)}")
    return ImportStatement(node, line, names, modules)


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _dunder_all(module: cst.Module) -> Set[str]:
    names: Set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                        value = small.value
                        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                            for element in value.elements:
                                if isinstance(element.value, cst.SimpleString):
                                    names.add(str(element.value.evaluated_value))
    return names
