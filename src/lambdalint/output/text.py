from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional

from lambdalint.findings import Finding, Severity
from lambdalint.output import printable

if TYPE_CHECKING:  # the counts are computed by the engine; this module only prints them
    from lambdalint.model.project import CodeCounts


def location(finding: Finding) -> str:
    """`path`, or `archive.zip!member` for a file inside an archive (printable: one line each)."""
    shown = f"{finding.filename}!{finding.member}" if finding.member else finding.filename
    return printable(shown)


def render_text(findings: List[Finding], checked_files: int, code_counts: Optional["CodeCounts"] = None) -> str:
    lines = [f"{location(f)}:{f.start.row}:{f.start.column}: {f.code}{' [*]' if _safe(f) else ''} "
             f"{printable(f.message)}" for f in findings]
    lines.append(summary(findings, checked_files, code_counts))
    fixable = sum(1 for f in findings if _safe(f))
    if fixable:
        lines.append(f"[*] {fixable} fixable with --fix.")
    return "\n".join(lines) + "\n"


def _safe(finding: Finding) -> bool:
    return bool(finding.fix) and finding.fix.get("applicability") == "safe"


def summary(findings: List[Finding], checked_files: int, code_counts: Optional["CodeCounts"] = None) -> str:
    """The findings line, then (when functions were checked) how many had their code analysed:
    "All checks passed!" never stands alone when some function's code was not."""
    first = _findings_line(findings, checked_files)
    functions = _functions_line(code_counts) if code_counts is not None else ""
    return f"{first}\n{functions}" if functions else first


def _functions_line(counts: "CodeCounts") -> str:
    if not counts.total:
        return ""
    parts = [f"{counts.with_code} with code"]
    if counts.config_only:
        parts.append(f"{counts.config_only} configuration only")
    if counts.without_code:
        parts.append(f"{counts.without_code} without code")
    return f"Checked {_plural(counts.total, 'function')}: {', '.join(parts)}."


def _findings_line(findings: List[Finding], checked_files: int) -> str:
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
