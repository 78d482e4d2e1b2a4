"""Suppressions: comments in Python and templates, resource `Metadata`, per-file ignores; and the
bookkeeping that finds suppressions that suppressed nothing (LL003)."""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from lambdalint.findings import FileAt, Finding, Report, TemplateAt

_LINE_DIRECTIVE = re.compile(
    r"#\s*(?:lambdalint:\s*ignore\[(?P<codes>[^\]]*)\]|noqa(?::\s*(?P<noqa>[A-Za-z0-9_, \-]+))?)",
    re.IGNORECASE)
_FILE_DIRECTIVE = re.compile(r"^\s*#\s*lambdalint:\s*ignore-file\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
BLANKET = "*"  # a bare `# noqa`: every code on the line (never reported as unused)
_NOQA_CODE = re.compile(r"^[A-Z]+[0-9]+$")


@dataclass
class Directive:
    """One code in one suppression; `used` once it hid a finding."""

    code: str  # canonical code (LL101)
    report: Optional[Report]  # where an LL003 about it is reported
    used: bool = False


@dataclass
class FileSuppressions:
    by_line: Dict[int, List[Directive]] = field(default_factory=dict)
    whole_file: List[Directive] = field(default_factory=list)


class Suppressions:
    """Collects the directives of every checked file and resource, then filters findings."""

    def __init__(self, canonical: Callable[[str], Optional[str]]):
        self._canonical = canonical  # code or name -> code, None when unknown
        self._files: Dict[Tuple[str, Optional[str]], FileSuppressions] = {}
        self._resources: Dict[Tuple[str, str], List[Directive]] = {}

    # -- collecting ----------------------------------------------------------------------------
    def add_source(self, filename: str, member: Optional[str], lines: Iterable[Tuple[int, str]],
                   python: bool) -> None:
        """`lines`: (number, text) of the file's lines, or of those that may hold a comment."""
        key = (filename, member)
        if key in self._files:
            return
        found = FileSuppressions()
        for number, line in lines:
            if "#" not in line:
                continue
            whole = _FILE_DIRECTIVE.match(line) if python else None
            if whole:
                found.whole_file.extend(self._directives(whole.group("codes"), filename, member, number, line))
                continue
            match = _LINE_DIRECTIVE.search(line)
            if match and (python or match.group("codes") is not None):
                if match.group("codes") is None and match.group("noqa") is None:
                    found.by_line.setdefault(number, []).append(Directive(BLANKET, None))
                    continue
                raw = match.group("codes") if match.group("codes") is not None else _noqa_codes(match.group("noqa"))
                found.by_line.setdefault(number, []).extend(
                    self._directives(raw, filename, member, number, line))
        self._files[key] = found

    def add_resource_metadata(self, template, logical_id: str, resource: dict) -> None:
        metadata = resource.get("Metadata")
        ignore = metadata.get("lambdalint", {}).get("ignore") if isinstance(metadata, dict) and isinstance(metadata.get("lambdalint"), dict) else None
        if not isinstance(ignore, list):
            return
        directives = []
        for index, code in enumerate(ignore):
            canonical = self._canonical(str(code))
            if canonical:
                path = ("Resources", logical_id, "Metadata", "lambdalint", "ignore", index)
                directives.append(Directive(canonical, Report(
                    f"unused suppression: {canonical} is not reported for resource {logical_id}",
                    TemplateAt(template, path))))
        self._resources[(template.display, logical_id)] = directives

    def _directives(self, raw: str, filename: str, member: Optional[str], row: int,
                    line: str) -> Iterable[Directive]:
        column = line.index("#") + 1
        for token in re.split(r"[,\s]+", raw.strip()):
            canonical = self._canonical(token) if token else None
            if canonical:
                yield Directive(canonical, Report(
                    f"unused suppression: {canonical} is not reported on this line",
                    FileAt(filename, row, column, member, key=line.strip())))

    # -- filtering -----------------------------------------------------------------------------
    def is_suppressed(self, finding: Finding, resources: Iterable[str]) -> bool:
        hit = False
        entry = self._files.get((finding.filename, finding.member))
        if entry is not None:
            for directive in entry.by_line.get(finding.start.row, []) + entry.whole_file:
                if directive.code in (finding.code, BLANKET):
                    directive.used = hit = True
        for logical_id in resources:
            for directive in self._resources.get((finding.filename, logical_id), []):
                if directive.code == finding.code:
                    directive.used = hit = True
        return hit

    def unused(self, selected: Callable[[str], bool]) -> List[Report]:
        directives = [d for f in self._files.values() for ds in f.by_line.values() for d in ds]
        directives += [d for f in self._files.values() for d in f.whole_file]
        directives += [d for ds in self._resources.values() for d in ds]
        return [d.report for d in directives
                if not d.used and d.code != BLANKET and selected(d.code)]


def _noqa_codes(raw: str) -> str:
    """`# noqa: LL101, E501 reason` -> the leading code-like tokens; the rest is the reason."""
    codes = []
    for token in re.split(r"[,\s]+", raw.strip()):
        if _NOQA_CODE.match(token.upper()):
            codes.append(token.upper())
        elif token:
            break
    return ",".join(codes)


def per_file_ignored(finding: Finding, patterns: Dict[str, List[str]],
                     matches_code: Callable[[str, str], bool]) -> bool:
    paths = [finding.filename.replace("\\", "/")]
    if finding.member:
        paths.append(paths[0] + "/" + finding.member)
    for pattern, codes in patterns.items():
        if any(_glob_match(path, pattern) for path in paths):
            if any(matches_code(finding.code, selector) for selector in codes):
                return True
    return False


def excluded(finding: Finding, patterns: List[str]) -> bool:
    """Findings in files the configuration excludes (also code reached through a template)."""
    return any(_glob_match(finding.filename.replace("\\", "/"), pattern) for pattern in patterns)


def _glob_match(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    path = path[2:] if path.startswith("./") else path
    return (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*")
            or fnmatch.fnmatch(path, "*/" + pattern) or fnmatch.fnmatch(path, "*/" + pattern + "/*"))
