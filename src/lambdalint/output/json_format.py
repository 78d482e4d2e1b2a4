from __future__ import annotations

import json
from typing import List

from lambdalint.findings import Finding
from lambdalint.output import printable


def finding_dict(finding: Finding) -> dict:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": printable(finding.message),
        "severity": finding.severity.value,
        "filename": printable(finding.filename),
        "member": printable(finding.member) if finding.member is not None else None,
        "location": {"row": finding.start.row, "column": finding.start.column},
        "end_location": {"row": finding.end.row, "column": finding.end.column},
        "url": finding.url,
        "fix": finding.fix,
    }


def render_json(findings: List[Finding]) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
