"""Which names a module binds at its top level (what `getattr(module, name)` finds after import)."""
from __future__ import annotations

from typing import Optional

import libcst as cst


def binds_name(module: cst.Module, name: str) -> Optional[bool]:
    """True or False; None when it cannot be known (star imports, module `__getattr__`)."""
    finder = _TopLevelBindings()
    for statement in module.body:
        statement.visit(finder)
    if name in finder.names:
        return True
    if finder.unknowable or "__getattr__" in finder.names:
        return None
    return False


class _TopLevelBindings(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names = set()
        self.unknowable = False

    def _target(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._target(element.value)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False  # names bound inside a function are not module attributes

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is None:
                top = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value
                self._target(top)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self.unknowable = True
            return
        for alias in node.names:
            if alias.asname is None:
                self._target(alias.name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.names.add(item.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("globals", "exec", "setattr"):
            self.unknowable = True
