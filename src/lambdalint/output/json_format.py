from __future__ import annotations

import json
from typing import List

from lambdalint.findings import Finding


def finding_dict(finding: Finding) -> dict:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": finding.filename,
        "member": finding.member,
        "location": {"row": finding.start.row, "column": finding.start.column},
        "end_location": {"row": finding.end.row, "column": finding.end.column},
        "url": finding.url,
        "fix": finding.fix,
    }


def render_json(findings: List[Finding]) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
