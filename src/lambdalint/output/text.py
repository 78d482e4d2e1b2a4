from __future__ import annotations

from typing import Dict, List

from lambdalint.findings import Finding, Severity
from lambdalint.output import printable


def location(finding: Finding) -> str:
    """`path`, or `archive.zip!member` for a file inside an archive (printable: one line each)."""
    shown = f"{finding.filename}!{finding.member}" if finding.member else finding.filename
    return printable(shown)


def render_text(findings: List[Finding], checked_files: int) -> str:
    lines = [f"{location(f)}:{f.start.row}:{f.start.column}: {f.code}{' [*]' if _safe(f) else ''} "
             f"{printable(f.message)}" for f in findings]
    lines.append(summary(findings, checked_files))
    fixable = sum(1 for f in findings if _safe(f))
    if fixable:
        lines.append(f"[*] {fixable} fixable with --fix.")
    return "\n".join(lines) + "\n"


def _safe(finding: Finding) -> bool:
    return bool(finding.fix) and finding.fix.get("applicability") == "safe"


def summary(findings: List[Finding], checked_files: int) -> str:
    if not findings:
        return f"All checks passed! ({_plural(checked_files, 'file')} checked)"
    counts: Dict[Severity, int] = {s: 0 for s in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    parts = [_plural(counts[Severity.ERROR], "error"), _plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(f"{counts[Severity.INFO]} info")
    files = len({f.filename for f in findings})
    return (f"Found {_plural(len(findings), 'finding')} ({', '.join(parts)}) "
            f"in {_plural(files, 'file')}.")


def render_statistics(findings: List[Finding]) -> str:
    counts: Dict[tuple, int] = {}
    for finding in findings:
        key = (finding.code, finding.name)
        counts[key] = counts.get(key, 0) + 1
    width = max((len(str(n)) for n in counts.values()), default=1)
    rows = [f"{count:>{width}}\t{code}\t{name}" for (code, name), count in sorted(counts.items())]
    return "\n".join(rows) + ("\n" if rows else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
