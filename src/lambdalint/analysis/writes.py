"""File-system writes in Python code: which calls write, and to which path expression.

Shared by the run-time file-system rules (LL301 now; LL302/LL303 build on it)."""
from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

# Calls that write to the path in the given argument (position, keyword).
WRITE_FUNCTIONS = {
    "os.mkdir": (0, "path"), "os.makedirs": (0, "name"), "os.remove": (0, "path"),
    "os.unlink": (0, "path"), "os.rmdir": (0, "path"), "os.rename": (1, "dst"),
    "os.replace": (1, "dst"), "os.symlink": (1, "dst"),
    "shutil.copy": (1, "dst"), "shutil.copy2": (1, "dst"), "shutil.copyfile": (1, "dst"),
    "shutil.copytree": (1, "dst"), "shutil.move": (1, "dst"), "shutil.rmtree": (0, "path"),
}
OPEN_FUNCTIONS = {"builtins.open", "io.open", "codecs.open"}
PATH_WRITE_METHODS = {"write_text", "write_bytes", "touch", "mkdir", "unlink", "rmdir"}
WRITE_MODE_LETTERS = set("wax+")

Write = Tuple[cst.Call, cst.BaseExpression, str]  # the call, its path expression, what it is


class WriteFinder(cst.CSTVisitor):
    def __init__(self, resolver, qualified_name) -> None:
        self.resolver = resolver
        self.qualified_name = qualified_name
        self.writes: List[Write] = []

    def visit_Call(self, node: cst.Call) -> None:
        found = self._target(node)
        if found is not None:
            self.writes.append((node, *found))

    def _target(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        name = self.qualified_name(node.func)
        if name in OPEN_FUNCTIONS:
            if _writing_mode(argument(node, 1, "mode")):
                target = argument(node, 0, "file") or argument(node, 0, "filename")
                return (target, f"{name.split('.')[-1]}(…, {_mode_text(node)})") if target is not None else None
            return None
        if name in WRITE_FUNCTIONS:
            position, keyword = WRITE_FUNCTIONS[name]
            target = argument(node, position, keyword)
            return (target, f"{name}()") if target is not None else None
        if isinstance(node.func, cst.Attribute) and self.resolver.is_path_object(node.func.value):
            method = node.func.attr.value
            if method in PATH_WRITE_METHODS:
                return node.func.value, f"Path.{method}()"
            if method == "open" and _writing_mode(argument(node, 0, "mode")):
                return node.func.value, f"Path.open({_mode_text(node, 0)})"
        return None


def argument(node: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in node.args if a.keyword is None and not a.star]
    return positional[position].value if len(positional) > position else None


def _writing_mode(mode_node: Optional[cst.BaseExpression]) -> bool:
    if isinstance(mode_node, cst.SimpleString) and isinstance(mode_node.evaluated_value, str):
        return bool(WRITE_MODE_LETTERS & set(mode_node.evaluated_value))
    return False


def _mode_text(node: cst.Call, position: int = 1) -> str:
    mode = argument(node, position, "mode")
    return repr(mode.evaluated_value) if isinstance(mode, cst.SimpleString) else "mode"
