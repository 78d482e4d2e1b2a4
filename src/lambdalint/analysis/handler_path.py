"""The handler path: module-level code, the handler, the functions registered by a decorator at
import (routes, crhelper callbacks: the framework calls them from the handler), and every
module-level function they call, transitively, across the function's own modules
(`handler_path`).  Also import aliases, to name callees by their qualified name
(`from shutil import copy as cp` -> `shutil.copy`)."""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import libcst as cst

from lambdalint.analysis.static_paths import single_assignments


@dataclass
class Scope:
    """A block of code on the handler path and the names bound in it."""

    name: str  # "<module>" or the function's name
    nodes: Sequence[cst.CSTNode]
    bindings: Dict[str, Optional[cst.BaseExpression]]
    function: Optional[cst.FunctionDef] = None


def import_aliases(module: cst.Module, package: str = "") -> Dict[str, str]:
    """Local name -> qualified name for the module's imports, wherever they are (module level,
    `if`/`try` blocks, and imports local to a function, which name the same modules).
    `package`: the module's package, to resolve relative imports."""
    from lambdalint.analysis.cst_walk import statements

    collector = _ImportCollector(package)
    for statement in statements(module.body):
        if isinstance(statement, cst.Import):
            collector.visit_Import(statement)
        elif isinstance(statement, cst.ImportFrom):
            collector.visit_ImportFrom(statement)
    return collector.aliases


class _ImportCollector(cst.CSTVisitor):
    def __init__(self, package: str = "") -> None:
        self.aliases: Dict[str, str] = {}
        self.package = package

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".", 1)[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        base = _dotted(node.module) if node.module is not None else ""
        if node.relative:
            parts = self.package.split(".") if self.package else []
            up = len(node.relative) - 1
            if up > len(parts):
                return
            base = ".".join([p for p in parts[: len(parts) - up]] + ([base] if base else []))
        if not base:
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            self.aliases[local] = f"{base}.{name}"


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def qualified_namer(aliases: Dict[str, str], local_names: Dict[str, object]):
    """A function giving the dotted name a callee expression refers to, or None."""

    def qualified_name(node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, cst.Name):
            if node.value in aliases and node.value not in local_names:
                return aliases[node.value]
            if hasattr(builtins, node.value) and node.value not in local_names:
                return f"builtins.{node.value}"
            return None
        if isinstance(node, cst.Attribute):
            base = qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    return qualified_name


def _is_main_guard(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` never runs on Lambda (the module is imported)."""
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    operands = [test.left] + [c.comparator for c in test.comparisons]
    return (any(isinstance(o, cst.Name) and o.value == "__name__" for o in operands)
            and any(isinstance(o, cst.SimpleString) and o.evaluated_value == "__main__" for o in operands))


def _parameters(function: cst.FunctionDef) -> List[cst.Param]:
    params = function.params
    extra = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return [*params.posonly_params, *params.params, *params.kwonly_params, *extra]


def _without_methods(statement: cst.CSTNode) -> cst.CSTNode:
    """Class bodies run at import; their methods do not (unless called, which we do not follow)."""
    if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
        return statement.body.with_changes(
            body=[s for s in statement.body.body if not isinstance(s, cst.FunctionDef)])
    return statement


@dataclass
class PathScope:
    """A scope of the handler path and the module it belongs to."""

    source: object  # sources.SourceModule
    scope: Scope
    module_bindings: Dict[str, Optional[cst.BaseExpression]]
    aliases: Dict[str, str]
    facts: object = None  # state.FunctionFacts: the one walk of this scope
    is_handler: bool = False  # the scope is a handler function (its first parameter is the event)

    def tools(self, ctx):
        """(qualified namer, path resolver, writes) of this scope, computed once per run."""
        def make():
            from lambdalint.analysis.state import scope_facts
            from lambdalint.analysis.static_paths import PathResolver
            from lambdalint.analysis.writes import WriteFinder

            scope, module_bindings = self.scope, self.module_bindings

            def lookup(name):
                return scope.bindings[name] if name in scope.bindings else module_bindings.get(name)

            namer = qualified_namer(self.aliases, scope.bindings if scope.function is not None else {})
            resolver = PathResolver(lookup, namer)
            writes = WriteFinder(resolver, namer, self).collect(c for c, _, _ in scope_facts(ctx, self).calls).writes
            return namer, resolver, writes

        return ctx.memo(("scope-tools", id(self.source), self.scope.name), make)


class _ModuleFacts:
    def __init__(self, source, name: str):
        tree = source.module
        self.source = source
        self.tree = tree
        self.functions = {s.name.value: s for s in tree.body if isinstance(s, cst.FunctionDef)}
        is_package = source.relpath.endswith("__init__.py")
        package = name if is_package else name.rpartition(".")[0]
        self.aliases = import_aliases(tree, package)
        self.module_scope = Scope("<module>", [_without_methods(s) for s in tree.body
                                               if not isinstance(s, cst.FunctionDef) and not _is_main_guard(s)],
                                  single_assignments(tree.body))


def handler_path(fn, ctx) -> List[PathScope]:
    """Memoised per function: every run-time rule walks the same path."""
    return ctx.memo(("handler-path", ctx.code_key(fn)), lambda: _handler_path(fn, ctx))


def _handler_path(fn, ctx) -> List[PathScope]:
    """The handler path across the function's own modules: each handler, the functions it calls
    in its module and in the own modules it imports (transitively), and the module-level code of
    every own module in the handler's import closure."""
    from lambdalint.analysis.coldstart import module_name_of
    from lambdalint.analysis.state import collect_facts

    loaded: Dict[str, Optional[_ModuleFacts]] = {}

    def load(source) -> Optional[_ModuleFacts]:
        name = module_name_of(source.relpath)
        if name not in loaded:
            loaded[name] = _ModuleFacts(source, name) if source.module is not None else None
        return loaded[name]

    graph = ctx.cold_start().graph(fn)

    def registered(facts: _ModuleFacts) -> List[str]:
        """Functions registered by a decorator at import (routes, crhelper callbacks): once per module."""
        from lambdalint.analysis.registrations import registered_functions

        return ctx.memo(("registered-functions", id(facts.source)),
                        lambda: sorted(registered_functions(facts.tree)))

    def own_source(module_name: str):
        module = graph.find(module_name)
        if module.bundle is fn.code and module.path and module.path.endswith(".py") \
                and module.path in set(fn.code.own_python_files()):
            return ctx.sources.get(fn.code, module.path, fn.python_version)
        return None

    result: List[PathScope] = []
    queued = set()
    pending = []
    handler_keys = {(source.relpath, name) for source, name in ctx.handlers(fn)}
    imports_followed = set()  # handler modules whose imports were followed (once, not per handler)
    for source, handler in ctx.handlers(fn):
        module_facts = load(source)
        if module_facts is None:
            continue
        pending.append((module_facts, handler))
        if source.relpath in imports_followed:
            continue
        imports_followed.add(source.relpath)
        pending.extend((module_facts, name) for name in registered(module_facts))
        for module in ctx.cold_start().handler_imports(fn, source.relpath, handler).init_modules:
            own = own_source(module.name) if module.origin == "bundle" else None
            own_facts = load(own) if own is not None else None
            if own_facts is not None and ("<module>", own_facts.source.relpath) not in queued:
                queued.add(("<module>", own_facts.source.relpath))
                result.append(PathScope(own_facts.source, own_facts.module_scope,
                                        own_facts.module_scope.bindings, own_facts.aliases))
                # routes registered at import with a router the handler's app includes
                pending.extend((own_facts, name) for name in registered(own_facts))
    while pending:
        module_facts, name = pending.pop()
        key = (name, module_facts.source.relpath)
        if key in queued or name not in module_facts.functions:
            continue
        queued.add(key)
        function = module_facts.functions[name]
        body = function.body.body if isinstance(function.body, cst.IndentedBlock) else [function.body]
        facts = collect_facts([function.body])
        bindings = single_assignments(body)
        bindings.update({name: None for name in facts.comprehension_names})
        bindings.update({p.name.value: None for p in _parameters(function)})
        result.append(PathScope(module_facts.source, Scope(name, [function.body], bindings, function),
                                module_facts.module_scope.bindings, module_facts.aliases, facts,
                                (module_facts.source.relpath, name) in handler_keys))
        for call, _, _ in facts.calls:
            target = _callee(call.func, module_facts, bindings)
            if target is None:
                continue
            module_name, function_name = target
            if module_name is None:
                pending.append((module_facts, function_name))
                continue
            own = own_source(module_name)
            own_facts = load(own) if own is not None else None
            if own_facts is not None:
                pending.append((own_facts, function_name))
    return result


def _callee(func, module_facts: "_ModuleFacts", local_names):
    """(module or None for this module, function name) of a call to a module-level function."""
    if isinstance(func, cst.Name):
        name = func.value
        if name in local_names:
            return None
        if name in module_facts.functions:
            return None, name
        qualified = module_facts.aliases.get(name)
        if qualified and "." in qualified:
            module_name, _, function_name = qualified.rpartition(".")
            return module_name, function_name
        return None
    if isinstance(func, cst.Attribute) and isinstance(func.value, (cst.Name, cst.Attribute)):
        base = _dotted(func.value)
        head = base.split(".", 1)[0]
        if head in local_names:
            return None
        qualified = module_facts.aliases.get(head)
        if qualified:
            module_name = qualified + base[len(head):]
            return module_name, func.attr.value
    return None
