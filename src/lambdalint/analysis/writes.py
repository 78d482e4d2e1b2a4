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
    "shutil.make_archive": (0, "base_name"),
}
# Calls that write only in a writing mode: (path position, path keyword, mode position, mode keyword,
# default mode).
MODE_FUNCTIONS = {
    "builtins.open": (0, "file", 1, "mode", "r"), "io.open": (0, "file", 1, "mode", "r"),
    "codecs.open": (0, "filename", 1, "mode", "r"), "zipfile.ZipFile": (0, "file", 1, "mode", "r"),
    "tarfile.open": (0, "name", 1, "mode", "r"),
}
# Calls that create or append to the file they are given.
CREATING_FUNCTIONS = {
    "sqlite3.connect": (0, "database"), "logging.FileHandler": (0, "filename"),
    "logging.handlers.RotatingFileHandler": (0, "filename"),
    "logging.handlers.TimedRotatingFileHandler": (0, "filename"),
    "logging.handlers.WatchedFileHandler": (0, "filename"),
}
TEMPFILE_FUNCTIONS = {"tempfile.mkstemp", "tempfile.mkdtemp", "tempfile.NamedTemporaryFile",
                      "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile",
                      "tempfile.TemporaryDirectory"}
# Methods that write to their path argument whatever object they are called on.
PATH_ARGUMENT_METHODS = {  # method: keyword of the path
    "download_file": "Filename", "to_csv": "path_or_buf", "to_parquet": "path",
    "to_json": "path_or_buf", "to_excel": "excel_writer",
}
NOT_A_FILE = {":memory:", ""}
PATH_WRITE_METHODS = {"write_text", "write_bytes", "touch", "mkdir", "unlink", "rmdir"}
WRITE_MODE_LETTERS = set("wax+")

Write = Tuple[cst.Call, cst.BaseExpression, str]  # the call, its path expression, what it is


class WriteFinder(cst.CSTVisitor):
    def __init__(self, resolver, qualified_name) -> None:
        self.resolver = resolver
        self.qualified_name = qualified_name
        self.writes: List[Write] = []

    def collect(self, calls) -> "WriteFinder":
        """The writes among calls another pass already collected (no traversal of its own)."""
        for call in calls:
            self.visit_Call(call)
        return self

    # Nested functions and lambdas run only when called; the handler path does not follow them.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        found = self._target(node)
        if found is not None:
            self.writes.append((node, *found))

    def _target(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        name = self.qualified_name(node.func)
        if name in MODE_FUNCTIONS:
            position, keyword, mode_position, mode_keyword, default = MODE_FUNCTIONS[name]
            mode = argument(node, mode_position, mode_keyword)
            if _writing_mode(mode) if mode is not None else bool(WRITE_MODE_LETTERS & set(default)):
                target = argument(node, position, keyword)
                shown = "open" if name == "builtins.open" else name
                return (target, f"{shown}(…, {_mode_text(mode)})") if target is not None else None
            return None
        if name in WRITE_FUNCTIONS or name in CREATING_FUNCTIONS:
            position, keyword = WRITE_FUNCTIONS.get(name) or CREATING_FUNCTIONS[name]
            target = argument(node, position, keyword)
            if isinstance(target, cst.SimpleString) and target.evaluated_value in NOT_A_FILE:
                return None
            return (target, f"{name}()") if target is not None else None
        if name in TEMPFILE_FUNCTIONS:
            target = argument(node, 99, "dir")
            return (target, f"{name}(dir=…)") if target is not None else None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in PATH_ARGUMENT_METHODS:
            method = node.func.attr.value
            target = argument(node, 0 if method.startswith("to_") else -1, PATH_ARGUMENT_METHODS[method])
            return (target, f".{method}()") if target is not None else None
        if isinstance(node.func, cst.Attribute) and self.resolver.is_path_object(node.func.value):
            method = node.func.attr.value
            if method in PATH_WRITE_METHODS:
                return node.func.value, f"Path.{method}()"
            mode = argument(node, 0, "mode")
            if method == "open" and _writing_mode(mode):
                return node.func.value, f"Path.open({_mode_text(mode)})"
        return None


def argument(node: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    """The argument given by keyword, else at `position` (-1: the last positional one)."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if position == -1:
        return positional[-1].value if positional else None
    return positional[position].value if len(positional) > position else None


def _writing_mode(mode_node: Optional[cst.BaseExpression]) -> bool:
    if isinstance(mode_node, cst.SimpleString) and isinstance(mode_node.evaluated_value, str):
        return bool(WRITE_MODE_LETTERS & set(mode_node.evaluated_value))
    return False


def _mode_text(mode: Optional[cst.BaseExpression]) -> str:
    return repr(mode.evaluated_value) if isinstance(mode, cst.SimpleString) else "default mode"
