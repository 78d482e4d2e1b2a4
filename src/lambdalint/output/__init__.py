"""Formatters: findings (and plain rule metadata for SARIF) in, text out.  They know no rules."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

from lambdalint.findings import Finding


@dataclass(frozen=True)
class RuleInfo:
    """What a formatter may say about a rule (SARIF's rule table, statistics)."""

    code: str
    name: str
    summary: str
    description: str
    help: str
    url: str
    severity: str


def render(fmt: str, findings: List[Finding], rules: Dict[str, RuleInfo], checked_files: int) -> str:
    if fmt == "json":
        from lambdalint.output.json_format import render_json

        return render_json(findings)
    if fmt == "sarif":
        from lambdalint.output.sarif import render_sarif

        return render_sarif(findings, rules)
    if fmt == "github":
        from lambdalint.output.github import render_github

        return render_github(findings)
    from lambdalint.output.text import render_text

    return render_text(findings, checked_files)

