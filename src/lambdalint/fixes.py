"""Safe fixes: planned in memory until nothing changes, shown (`--diff`) or written (`--fix`).

`--diff` and `--fix` share one plan, so the diff is exactly what would be written.  Each guarantee
is kept in one place here:
- the edits of one file are merged: identical edits (two functions sharing a module report the same
  fix) count once, an edit overlapping another waits for the next pass;
- every pass re-checks the fixed text in memory (`files.overlay`), until no fix is left;
- a fix is kept only if the file still compiles;
- only files under the paths named on the command line are changed (symlinks resolved);
- the bytes outside the edits stay as they were: the encoding, the BOM, each line's own ending;
- a file is written only while it still holds the bytes the plan started from, atomically
  (a temporary file renamed over it), keeping its mode.
Only files on disk are changed, never archive members; unsafe fixes are never applied.
"""
from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint import files
from lambdalint.findings import Finding
from lambdalint.limits import MAX_FIX_PASSES, MAX_READ_BYTES
from lambdalint.source_text import SourceText, decode_source, encode_source
from lambdalint.sources import split_lines

try:  # POSIX: serialise concurrent lambdalint processes fixing the same file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class FixRefused(Exception):
    """Why a file is left as it is; the findings stay reported."""


@dataclass
class FileFix:
    path: str  # real path (symlinks resolved)
    display: str  # as findings name it
    original: bytes  # what the file held when first planned
    current: bytes  # with every fix planned so far
    fixed: int = 0  # findings fixed in this file


@dataclass
class FixPlan:
    files: Dict[str, FileFix] = field(default_factory=dict)
    refused: Dict[str, str] = field(default_factory=dict)  # display -> reason
    result: object = None  # the lint result of the last pass (on the fixed text)

    @property
    def changed(self) -> List[FileFix]:
        return sorted((f for f in self.files.values() if f.current != f.original), key=lambda f: f.display)

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.changed)


def is_applicable(finding: Finding) -> bool:
    return (bool(finding.fix) and finding.fix.get("applicability") == "safe"
            and finding.member is None and finding.fix_target is not None)


def plan_fixes(run: Callable[[], object], roots: Sequence[str]) -> FixPlan:
    """Lint, fix in memory, lint the fixed text again, until no safe fix is left.

    `run` lints the project (reads go through `files`, so they see the overlay); `roots` are the
    paths named on the command line: no file outside them is ever planned for writing."""
    plan = FixPlan()
    real_roots = [os.path.realpath(root) for root in roots]
    for _ in range(MAX_FIX_PASSES):
        with files.overlay({path: fix.current for path, fix in plan.files.items()}):
            plan.result = run()
        progressed = False
        for path, findings in _fixable_by_file(plan.result.findings):
            if findings[0].filename in plan.refused:
                continue
            try:
                progressed |= _plan_file(plan, path, findings, real_roots)
            except FixRefused as exc:
                plan.refused[findings[0].filename] = str(exc)
        if not progressed:
            break
    return plan


def _fixable_by_file(findings: Iterable[Finding]) -> List[Tuple[str, List[Finding]]]:
    by_file: Dict[str, List[Finding]] = {}
    for finding in findings:
        if is_applicable(finding):
            by_file.setdefault(os.path.realpath(finding.fix_target.path), []).append(finding)
    return sorted(by_file.items())


def _plan_file(plan: FixPlan, path: str, findings: List[Finding], roots: List[str]) -> bool:
    """Add the findings' edits to the file's planned content; True when it changed."""
    display = findings[0].filename
    if not any(_is_within(path, root) for root in roots):
        raise FixRefused("outside the paths given on the command line")
    fix = plan.files.get(path)
    raw = fix.current if fix else _read(path)
    source = _decode(raw)
    if any(finding.fix_target.text != source.text for finding in findings):
        raise FixRefused("the file changed while it was being checked")
    edits, count = merge_edits(findings)
    new_text = apply_edits(source.text, edits)
    if new_text == source.text:
        return False
    if _compiles(source.text) and not _compiles(new_text):
        raise FixRefused("the fixed file would not compile")
    try:
        new_raw = encode_source(source, new_text)
    except UnicodeEncodeError:
        raise FixRefused(f"the fixed text cannot be written in {source.encoding}") from None
    if fix is None:
        fix = plan.files[path] = FileFix(path, display, raw, raw)
    fix.current = new_raw
    fix.fixed += count
    return True


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _read(path: str) -> bytes:
    try:
        return files.read_file(path, MAX_READ_BYTES)
    except OSError as exc:
        raise FixRefused(str(exc)) from None


def _decode(raw: bytes) -> SourceText:
    try:
        source = decode_source(raw)
    except (UnicodeDecodeError, LookupError):
        raise FixRefused("the file cannot be decoded") from None
    if encode_source(source, source.text) != raw:
        raise FixRefused(f"the file cannot be written back byte for byte in {source.encoding}")
    return source


def _compiles(text: str) -> bool:
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# -- edits -----------------------------------------------------------------------------------------
Span = Tuple[Tuple[int, int], Tuple[int, int]]


def merge_edits(findings: Sequence[Finding]) -> Tuple[List[dict], int]:
    """The edits of several findings on one file, and how many findings they fix.

    An edit identical to one already taken is the same change (two functions sharing a module
    report the same fix); a finding with an edit that overlaps a different one is left for the
    next pass, which re-checks the text with the first fix applied."""
    taken: Dict[Tuple[Span, str], dict] = {}
    fixed = 0
    for finding in sorted(findings, key=Finding.sort_key):
        new = {(_span(e), e["content"]): e for e in finding.fix["edits"]}
        new = {key: e for key, e in new.items() if key not in taken}
        if any(_overlaps(key[0], other[0]) for key in new for other in taken):
            continue
        taken.update(new)
        fixed += 1
    return list(taken.values()), fixed


def _span(edit: dict) -> Span:
    start, end = edit["location"], edit["end_location"]
    return (start["row"], start["column"]), (end["row"], end["column"])


def _overlaps(a: Span, b: Span) -> bool:
    """Two different edits touch the same text (an insertion inside a replaced range counts;
    insertions at the same point, or at the start of a replaced range, do not)."""
    return a[0] < b[1] and b[0] < a[1]


def apply_edits(text: str, edits: List[dict]) -> str:
    """Apply non-overlapping edits (1-based rows and columns of the original text).  Inserted
    lines end like the line they are inserted before (a file may mix line endings)."""
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: dict) -> int:
        row = position["row"]
        if row > len(lines):
            return len(text)
        return starts[row - 1] + position["column"] - 1

    ordered = sorted(edits, key=lambda e: (offset(e["location"]), offset(e["end_location"]), e["content"]),
                     reverse=True)
    for item in ordered:
        start, end = offset(item["location"]), offset(item["end_location"])
        newline = _line_ending(lines, item["location"]["row"])
        text = text[:start] + item["content"].replace("\n", newline) + text[end:]
    return text


def _line_ending(lines: List[str], row: int) -> str:
    """The ending of line `row`, else of the nearest line above that has one, else \\n."""
    for line in reversed(lines[: max(row, 1)]):
        for ending in ("\r\n", "\n", "\r"):
            if line.endswith(ending):
                return ending
    return "\n"


# -- showing and writing ---------------------------------------------------------------------------
def unified_diff(plan: FixPlan, printable: Callable[[str], str] = lambda text: text) -> str:
    out = []
    for fix in plan.changed:
        old, new = decode_source(fix.original).text, decode_source(fix.current).text
        name = printable(fix.display)
        out.extend(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{name}", tofile=f"b/{name}"))
    return "".join(out)


def write_fixes(plan: FixPlan) -> int:
    """Write every changed file that still holds what the plan started from; the others are
    added to `plan.refused`.  Returns the number of findings fixed on disk."""
    fixed = 0
    for fix in plan.changed:
        try:
            replace_if_unchanged(fix.path, fix.original, fix.current)
        except FixRefused as exc:
            plan.refused[fix.display] = str(exc)
            continue
        fixed += fix.fixed
    return fixed


def replace_if_unchanged(path: str, expected: bytes, new: bytes) -> None:
    """Replace the file's content with `new` if it still holds `expected`.

    The check and the rename happen under an exclusive lock on the file (POSIX), and the path must
    still name the locked file: a second lambdalint that waited for the lock sees the replaced
    file and refuses instead of writing over it."""
    try:
        handle = files.open_regular(path)
    except OSError as exc:
        raise FixRefused(str(exc)) from None
    with handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        status = os.fstat(handle.fileno())
        if _inode(path) != (status.st_dev, status.st_ino) or handle.read(len(expected) + 1) != expected:
            raise FixRefused("the file changed on disk since it was checked")
        if not status.st_mode & 0o222 or not os.access(path, os.W_OK):
            raise FixRefused("the file is read-only")  # a choice of its owner, even for root
        _write_atomically(path, new, status)


def _inode(path: str) -> Optional[Tuple[int, int]]:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _write_atomically(path: str, data: bytes, status: os.stat_result) -> None:
    folder, name = os.path.split(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".lambdalint")
    except OSError as exc:
        raise FixRefused(f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
            os.chmod(temporary, status.st_mode & 0o7777)
            _keep_owner(out.fileno(), status)
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise FixRefused(f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temporary)
        raise


def _keep_owner(fd: int, status: os.stat_result) -> None:
    if hasattr(os, "fchown"):
        try:
            os.fchown(fd, status.st_uid, status.st_gid)
        except OSError:
            pass  # only root may give a file away; the new file is the user's own then


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
