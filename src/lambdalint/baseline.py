"""Baselines: record today's findings so that only new ones are reported.

Findings are keyed by (code, file, member, logical location): the source line's text or the
template path, not the line number, so that edits elsewhere in a file do not break the baseline.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import List, Tuple

from lambdalint.config import ConfigError
from lambdalint.findings import Finding

VERSION = 1


def _key(finding: Finding) -> Tuple[str, str, str, str]:
    return (finding.code, finding.filename.replace("\\", "/"), finding.member or "", finding.key)


def write_baseline(path: Path, findings: List[Finding]) -> None:
    counts = Counter(_key(f) for f in findings)
    entries = [{"code": c, "filename": f, "member": m or None, "key": k, "count": n}
               for (c, f, m, k), n in sorted(counts.items())]
    path.write_text(json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n", encoding="utf-8")


def apply_baseline(path: Path, findings: List[Finding]) -> List[Finding]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        known = Counter({(e["code"], e["filename"], e["member"] or "", e["key"]): int(e["count"])
                         for e in document["findings"]})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a lambdalint baseline ({exc})") from None
    new = []
    for finding in findings:
        key = _key(finding)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(finding)
    return new
