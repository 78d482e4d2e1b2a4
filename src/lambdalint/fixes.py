"""Applying safe fixes (`--fix`) or showing them (`--diff`).

Only files on disk are changed, never archive members; unsafe fixes are never applied."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Dict, List, Tuple

from lambdalint.analysis.import_fix import apply_edits
from lambdalint.findings import Finding


def is_applicable(finding: Finding) -> bool:
    return bool(finding.fix) and finding.fix.get("applicability") == "safe" and finding.member is None


def planned_changes(findings: List[Finding]) -> Dict[str, Tuple[str, str, int]]:
    """filename -> (old text, new text, number of fixes), non-overlapping fixes only."""
    by_file: Dict[str, List[Finding]] = {}
    for finding in findings:
        if is_applicable(finding) and Path(finding.filename).is_file():
            by_file.setdefault(finding.filename, []).append(finding)
    changes = {}
    for filename, fixable in sorted(by_file.items()):
        with open(filename, encoding="utf-8", newline="") as handle:  # keep \r\n as it is
            old = handle.read()
        edits, taken, applied = [], [], 0
        for finding in fixable:
            spans = [_span(e) for e in finding.fix["edits"]]
            if any(_overlaps(span, other) for span in spans for other in taken):
                continue  # applied on a later pass
            taken.extend(spans)
            edits.extend(finding.fix["edits"])
            applied += 1
        new = apply_edits(old, edits)
        if new != old:
            changes[filename] = (old, new, applied)
    return changes


def _span(edit: dict) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    start, end = edit["location"], edit["end_location"]
    return (start["row"], start["column"]), (end["row"], end["column"])


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a != b


def unified_diff(changes: Dict[str, Tuple[str, str, int]]) -> str:
    out = []
    for filename, (old, new, _) in sorted(changes.items()):
        out.extend(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{filename}", tofile=f"b/{filename}"))
    return "".join(out)


def write(changes: Dict[str, Tuple[str, str, int]]) -> int:
    for filename, (_, new, _) in changes.items():
        with open(filename, "w", encoding="utf-8", newline="") as handle:
            handle.write(new)
    return sum(count for _, _, count in changes.values())
