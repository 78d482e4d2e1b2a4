"""GitHub Actions workflow commands (annotations)."""
from __future__ import annotations

from typing import List

from lambdalint.findings import Finding, Severity
from lambdalint.output import printable

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


# GitHub's escaping of workflow commands (as @actions/core's escapeData and escapeProperty do):
# `%`, CR and LF in the message; also `:` and `,` in a property value.  Names and messages are
# made printable first, so a CR or LF from a user's file never reaches them.
def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: List[Finding]) -> str:
    lines = []
    for f in findings:
        message = printable(f"{f.member}: {f.message}" if f.member else f.message)
        properties = ",".join([
            f"title={escape_property(f'lambdalint ({f.code})')}",
            f"file={escape_property(printable(f.filename))}",
            f"line={f.start.row}", f"col={f.start.column}",
            f"endLine={f.end.row}", f"endColumn={f.end.column}",
        ])
        lines.append(f"::{COMMANDS[f.severity]} {properties}::{escape_data(message)}")
    return "".join(line + "\n" for line in lines)
