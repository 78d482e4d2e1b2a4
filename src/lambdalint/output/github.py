"""GitHub Actions workflow commands (annotations)."""
from __future__ import annotations

from typing import List

from lambdalint.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: List[Finding]) -> str:
    lines = []
    for f in findings:
        message = f"{f.member}: {f.message}" if f.member else f.message
        properties = ",".join([
            f"title={escape_property(f'lambdalint ({f.code})')}",
            f"file={escape_property(f.filename)}",
            f"line={f.start.row}", f"col={f.start.column}",
            f"endLine={f.end.row}", f"endColumn={f.end.column}",
        ])
        lines.append(f"::{COMMANDS[f.severity]} {properties}::{escape_data(message)}")
    return "".join(line + "\n" for line in lines)
