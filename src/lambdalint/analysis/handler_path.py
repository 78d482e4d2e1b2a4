"""The handler path inside one module: module-level code, the handler, and every module-level
function the handler calls, transitively.  Also import aliases, to name callees by their
qualified name (`from shutil import copy as cp` -> `shutil.copy`)."""
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


def import_aliases(module: cst.Module) -> Dict[str, str]:
    """Local name -> qualified name for the module's imports, wherever they are (module level,
    `if`/`try` blocks, and imports local to a function, which name the same modules)."""
    collector = _ImportCollector()
    module.visit(collector)
    return collector.aliases


class _ImportCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.aliases: Dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".", 1)[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _dotted(node.module)
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


def handler_path_scopes(module: cst.Module, handler: str) -> List[Scope]:
    functions = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    module_level = [s for s in module.body
                    if not isinstance(s, cst.FunctionDef) and not _is_main_guard(s)]
    scopes = [Scope("<module>", [_without_methods(s) for s in module_level], single_assignments(module.body))]
    for name in reached_functions(functions, handler):
        function = functions[name]
        body = function.body.body if isinstance(function.body, cst.IndentedBlock) else [function.body]
        bindings = single_assignments(body)
        bindings.update({p.name.value: None for p in _parameters(function)})  # never constants
        scopes.append(Scope(name, [function.body], bindings))
    return scopes


def reached_functions(functions: Dict[str, cst.FunctionDef], handler: str) -> List[str]:
    """The handler and the module-level functions it calls, transitively, in a stable order."""
    if handler not in functions:
        return []
    order, pending = [handler], [handler]
    while pending:
        caller = functions[pending.pop()]
        finder = _CalledNames(set(functions))
        caller.body.visit(finder)
        for name in finder.called:
            if name not in order:
                order.append(name)
                pending.append(name)
    return order


class _CalledNames(cst.CSTVisitor):
    def __init__(self, candidates) -> None:
        self.candidates = candidates
        self.called: List[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in self.candidates:
            self.called.append(node.func.value)


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
