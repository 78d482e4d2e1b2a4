"""What rules report and what the engine hands to formatters.

A rule yields `Report`s that point at *something* (a template path, a libcst node, an archive
member, a file position).  `locations.resolve` is the one place that turns those into a `Finding`
with a filename, rows and columns.  Findings are frozen, comparable values; formatters only ever
see findings, never rules.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Position:
    row: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class TemplateAt:
    """A node of a loaded template, addressed by its path of keys and list indexes."""

    template: Any  # model.template.Template
    path: Tuple[Any, ...]


@dataclass(frozen=True)
class NodeAt:
    """A libcst node of a parsed module."""

    module: Any  # sources.SourceModule
    node: Any


@dataclass(frozen=True)
class FileAt:
    """A known position in a file, or in a member of an archive (`bundle` + `member`)."""

    filename: str
    row: int = 1
    column: int = 1
    member: Optional[str] = None
    end_row: Optional[int] = None
    end_column: Optional[int] = None
    key: str = ""  # logical location, for baselines and fingerprints


@dataclass(frozen=True)
class Report:
    """What a rule yields: a message and where it applies.

    `resource` names template resources whose `Metadata: lambdalint: ignore` may suppress the
    finding besides the resource that holds the location (e.g. the function an event belongs to).
    """

    message: str
    at: Any  # TemplateAt | NodeAt | FileAt
    severity: Optional[Severity] = None
    resources: Tuple[str, ...] = ()
    fix: Optional[dict] = None  # {"applicability", "message", "edits"}, positions 1-based


@dataclass(frozen=True)
class FixTarget:
    """The file on disk a fix edits, and the text its edits were computed on: `--fix` applies them
    only while the file still holds exactly that text."""

    path: str
    text: str = field(repr=False)


@dataclass(frozen=True, order=True)
class Finding:
    filename: str
    start: Position
    code: str
    end: Position
    message: str
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    member: Optional[str] = None
    url: str = field(default="", compare=False)
    key: str = field(default="", compare=False)  # logical location (baseline, fingerprints)
    fix: Optional[dict] = field(default=None, compare=False)
    fix_target: Optional[FixTarget] = field(default=None, compare=False, repr=False)

    def sort_key(self):
        return (self.filename, self.member or "", self.start, self.code, self.end, self.message)
