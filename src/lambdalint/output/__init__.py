"""Formatters: findings (and plain rule metadata for SARIF) in, text out.  They know no rules.

Also the two things every report shares: `printable()`, the one way a name or message that came
from the user's files is shown, and `write_report()`, the one way a report reaches its reader.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from lambdalint.findings import Finding


# -- printable: names and messages from user files -------------------------------------------------
# File names, archive members, template values and package names come from the user's files and
# may hold anything: bytes that are not UTF-8 (Python gives them as lone surrogates \udc80-\udcff,
# "surrogateescape"), control characters (a zip member named "a\nb.py" would forge a line of text
# output), or bidirectional controls that make a name read differently from what it is ("Trojan
# Source").  Every report shows such characters the way Python's repr() writes them: \n, \r, \t,
# \x1b, \udcff, \u202e.  So every output is valid UTF-8, one line per finding, and the same name
# reads the same in every format.  (A name holding a literal backslash is not escaped: the
# representation is for reading, it is not reversible.)
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_BIDI_CONTROLS = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPED = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *_BIDI_CONTROLS, *range(0xD800, 0xE000)]


def _escape(code: int) -> str:
    return _SHORT_ESCAPES.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_PRINTABLE_TABLE = {code: _escape(code) for code in _ESCAPED}


def printable(text: str) -> str:
    """`text` with every character that could corrupt or disguise a report escaped (see above)."""
    return text.translate(_PRINTABLE_TABLE)


def printable_tree(value):
    """`printable` applied to every string of a JSON-like document (dicts, lists, strings)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_tree(key): printable_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_tree(item) for item in value]
    return value


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


def render(fmt: str, findings: List[Finding], rules: Dict[str, RuleInfo], checked_files: int,
           code_counts=None) -> str:
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

    return render_text(findings, checked_files, code_counts)


# -- write_report: where the report goes -------------------------------------------------------------
STDOUT = "-"  # `--output-file -` means standard output, as in most tools
_INPUT_SUFFIXES = (".py", ".pyi", ".zip", ".tf", ".toml", ".yaml", ".yml", ".template")
_SNIFF_BYTES = 64 * 1024


class OutputError(Exception):
    """The report cannot go where the user asked: exit code 2 with this message."""


def refuse_input_as_output(output_file: Optional[str], inputs: Iterable[Optional[str]]) -> None:
    """OutputError when writing the report to `output_file` would replace one of the user's inputs:
    a path named on the command line (PATHS, --baseline), the configuration file in use, or a file
    lambdalint checks inside a named folder (a source, an archive, a template or configuration).
    A report replacing an older report is fine.  Called before any work, so that nothing the user
    gave is modified."""
    if not output_file or output_file == STDOUT:
        return
    target = _identity(output_file)
    if target is None:
        return  # not there yet: nothing to lose
    for given in (os.fspath(path) for path in inputs if path):
        if _identity(given) == target:
            raise OutputError(f"refusing to write the report to {printable(output_file)}: "
                              f"it is an input ({printable(given)})")
        if os.path.isdir(given) and _is_inside(output_file, given) and _is_checked_file(output_file):
            raise OutputError(f"refusing to write the report to {printable(output_file)}: "
                              f"it is a file lambdalint checks in {printable(given)}")


def _identity(path: str) -> Optional[tuple]:
    """The file a path leads to (through symlinks and hard links), None when there is none."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _is_inside(path: str, folder: str) -> bool:
    real, real_folder = os.path.realpath(path), os.path.realpath(folder)
    try:
        return os.path.commonpath([real, real_folder]) == real_folder
    except ValueError:  # another drive (Windows)
        return False


def _is_checked_file(path: str) -> bool:
    """Whether discovery would read this file (where a symlink leads) as code, an archive or
    configuration."""
    from lambdalint.files import FILE, UnreadableFile, kind, read_head

    name = os.path.basename(os.path.realpath(path)).lower()
    if kind(path) != FILE:
        return False
    if name.endswith(_INPUT_SUFFIXES):
        return True
    if not name.endswith(".json"):
        return False
    from lambdalint.loaders.cloudformation import looks_like_template

    try:
        head = read_head(path, _SNIFF_BYTES).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    except UnreadableFile:
        return False
    # A JSON template is an object; lambdalint's own JSON report is an array, and its SARIF report
    # (an object that may quote "AWS::Serverless" in rule texts) starts with the SARIF schema.
    return head.startswith("{") and "sarif-2.1.0" not in head[:200] and looks_like_template(head)


def write_report(output_file: Optional[str], text: str) -> None:
    """Write a report to standard output (no file, or `-`) or to a file, whole or not at all.

    The file is written as a temporary file in the same folder, then renamed over the target, so
    that a failed run never leaves half a report; a symlink is followed (its target is replaced),
    and a device or FIFO (/dev/null, /dev/stdout) is written in place.  OutputError says why a
    file cannot be written."""
    # printable() already escaped what came from user files; this keeps any other lone surrogate
    # from turning into invalid UTF-8 or a crash.
    data = text.encode("utf-8", "backslashreplace")
    if not output_file or output_file == STDOUT:
        _write_stdout(data)
        return
    from lambdalint.files import name_problem

    problem = name_problem(output_file)
    if problem is not None:
        raise OutputError(f"cannot write {printable(output_file)}: {problem}")
    try:
        _write_file(output_file, data)
    except OSError as exc:
        raise OutputError(f"cannot write {printable(output_file)}: {_reason(output_file, exc)}") from None


def _write_stdout(data: bytes) -> None:
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        raise OutputError("cannot write the report: standard output is closed")
    try:
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a text-only stream (some test harnesses)
            sys.stdout.write(data.decode("utf-8"))
        else:
            binary.write(data)
            binary.flush()
    except BrokenPipeError:
        _discard_stdout()
        raise OutputError("cannot write the report: standard output was closed by its reader") from None
    except (OSError, ValueError) as exc:  # a full disk (`> /dev/full`), a closed stream
        raise OutputError(f"cannot write the report to standard output: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None


def _discard_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush of what is
    still buffered does not fail a second time."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _write_file(output_file: str, data: bytes) -> None:
    folder = os.path.dirname(output_file)
    if folder:
        os.makedirs(folder, exist_ok=True)  # `--output-file reports/x.sarif` makes `reports/`
    real = os.path.realpath(output_file)
    try:
        existing = os.stat(real)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(21, "it is a folder")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_in_place(real, data)  # /dev/null, /dev/stdout, a FIFO: nothing to replace
        return
    if existing is not None and not os.access(real, os.W_OK):
        raise PermissionError(13, "the file is read-only")
    try:
        temporary_fd, temporary = tempfile.mkstemp(prefix=".lambdalint-", suffix=".tmp",
                                                   dir=os.path.dirname(real))
    except PermissionError:
        if existing is None:
            raise
        _write_in_place(real, data)  # a writable file in a folder we may not create files in
        return
    try:
        with os.fdopen(temporary_fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else _default_mode())
        os.replace(temporary, real)
    except BaseException:
        _remove_quietly(temporary)
        raise


def _write_in_place(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def _default_mode() -> int:
    """What `open(path, "w")` would give a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reason(output_file: str, exc: OSError) -> str:
    """The operating system's reason, said about the user's path (not our temporary file)."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        blocker = _file_in_the_way(output_file)
        if blocker is not None:
            return f"{printable(blocker)} is a file, not a folder"
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError) and os.path.islink(output_file):
        return f"{reason} (a symbolic link to {printable(os.readlink(output_file))})"
    return reason


def _file_in_the_way(output_file: str) -> Optional[str]:
    """The nearest existing ancestor of the path when it is not a folder."""
    folder = os.path.dirname(output_file)
    while folder and not os.path.lexists(folder):
        folder = os.path.dirname(folder)
    return folder if folder and not os.path.isdir(folder) else None
