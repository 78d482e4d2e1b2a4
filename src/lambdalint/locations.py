"""The one place that turns what a rule points at into a filename, rows and columns."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional

from lambdalint.docs import rule_url
from lambdalint.findings import FileAt, Finding, FixTarget, NodeAt, Position, Report, Severity, TemplateAt


def resolve(report: Report, code: str, name: str, severity: Severity) -> Finding:
    at = report.at
    fix_target = None
    if isinstance(at, TemplateAt):
        mark = at.template.mark(at.path)
        filename, member = mark.display or at.template.display, None
        start, end = Position(mark.line, mark.column), Position(mark.end_line, mark.end_column)
        key = "/".join(str(part) for part in at.path)
    elif isinstance(at, NodeAt):
        row, column, end_row, end_column = at.module.position(at.node)
        filename, member = at.module.filename, at.module.member
        start, end = Position(row, column), Position(end_row, end_column)
        key = _line_text(at.module.lines, row)
        if report.fix and at.module.bundle.kind == "inline":
            report = replace(report, fix=None)  # code inside a template: --fix never rewrites it
        if report.fix and member is None:
            fix_target = FixTarget(os.path.join(at.module.bundle.path, at.module.relpath), at.module.text)
    elif isinstance(at, FileAt):
        filename, member = at.filename, at.member
        start = Position(at.row, at.column)
        end = Position(at.end_row or at.row, at.end_column or at.column)
        key = at.key
    else:  # pragma: no cover - a programming error in a rule
        raise TypeError(f"a rule reported an unknown location type: {type(at).__name__}")
    return Finding(
        filename=filename,
        start=start,
        code=code,
        end=end,
        message=report.message,
        name=name,
        severity=report.severity or severity,
        member=member,
        url=rule_url(code),
        key=key,
        fix=report.fix,
        fix_target=fix_target,
    )


def template_resource(at) -> Optional[str]:
    """The logical id of the resource that holds a template location, if any."""
    if isinstance(at, TemplateAt) and len(at.path) >= 2 and at.path[0] == "Resources":
        return str(at.path[1])
    return None


def _line_text(lines, row: int) -> str:
    return lines[row - 1].strip() if 0 < row <= len(lines) else ""
