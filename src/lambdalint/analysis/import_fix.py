"""The LL101 fix: move a module-level import into the functions that use it.

Expressed as text edits (1-based rows and columns, ruff-style) so that everything else in the
file, comments and formatting included, stays byte for byte."""
from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst



def edit(content: str, row: int, column: int, end_row: int, end_column: int) -> dict:
    return {"content": content, "location": {"row": row, "column": column},
            "end_location": {"row": end_row, "column": end_column}}


def move_import(source, statement, functions: Dict[str, cst.FunctionDef]) -> Optional[dict]:
    """A fix dict, or None when the move would not be safe or simple."""
    if statement.line is None or not functions:
        return None
    code = source.module.code_for_node(statement.node).strip()
    if "\n" in code or "\r" in code:
        return None  # a multi-line import: moving it would need re-indenting its continuation lines
    trailing = statement.line.trailing_whitespace.comment
    if trailing is not None:
        code = f"{code}  {trailing.value}"
    comments = _attached_comments(statement.line)
    row, _, end_row, _ = source.position(statement.line)
    edits = [edit("", row - len(comments), 1, end_row + 1, 1)]
    for function in functions.values():
        insertion = _insertion_point(source, function)
        if insertion is None:
            return None
        at_row, indent = insertion
        moved = "".join(f"{indent}{line}\n" for line in comments + [code])
        edits.append(edit(moved, at_row, 1, at_row, 1))
    names = ", ".join(f"{name}()" for name in sorted(functions))
    return {"applicability": "safe", "message": f"Move `{code}` into {names}", "edits": edits}


def _attached_comments(line: cst.SimpleStatementLine) -> List[str]:
    """Comment lines directly above the import (no blank line between): they travel with it."""
    attached: List[str] = []
    for leading in reversed(line.leading_lines):
        if leading.comment is None:
            break
        attached.insert(0, leading.comment.value)
    return attached


def _insertion_point(source, function: cst.FunctionDef):
    """(row, indentation text) before the function's first statement (after its docstring)."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    statements = list(body.body)
    first = statements[0]
    if isinstance(first, cst.SimpleStatementLine) and len(first.body) > 1:
        return None  # `"""Doc."""; return x` or `x = 1; y = 2`: no line of its own to insert before
    if _is_docstring(first):
        if len(statements) == 1:
            return None
        first = statements[1]
    row, column, _, _ = source.position(first)
    line = source.lines[row - 1] if row <= len(source.lines) else ""
    return row, line[: column - 1]  # the statement's own indentation (spaces or tabs)


def _is_docstring(statement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))
