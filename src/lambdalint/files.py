"""Reading the user's files from disk: only regular files, never blocking, never more than a bound.

Every file lambdalint reads goes through here, so that a FIFO, a socket, a device (`/dev/zero`),
a symlink to one of them, or a name the operating system refuses (a NUL byte, an over-long
component, an unencodable character) is an `UnreadableFile` with a message for an LL002 finding,
never a hang, an unbounded read or an internal error.  Folders are walked elsewhere; this module
answers "what is at this path" and "give me its bytes".
"""
from __future__ import annotations

import io
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Dict, Iterator, Mapping, Optional, Tuple, Union

PathLike = Union[str, Path]

FILE, DIRECTORY, MISSING, SPECIAL, INVALID = "file", "directory", "missing", "special", "invalid"

# Longest path component and whole path Linux accepts (NAME_MAX, PATH_MAX).
_NAME_MAX = 255
_PATH_MAX = 4096
# Opening a FIFO for reading blocks until a writer appears; O_NONBLOCK makes the open return at
# once (and changes nothing for regular files).  Windows has neither FIFOs nor the flag.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


# Contents that replace files on disk while `--diff` and `--fix` re-check fixed text in memory
# (keyed by real path); empty otherwise.
_overlay: Dict[str, bytes] = {}


@contextmanager
def overlay(contents: Mapping[str, bytes]) -> Iterator[None]:
    """Within this block, reading one of these files (by real path) gives these bytes."""
    saved = dict(_overlay)
    _overlay.update(contents)
    try:
        yield
    finally:
        _overlay.clear()
        _overlay.update(saved)


def _overlaid(path: PathLike) -> Optional[bytes]:
    if not _overlay:
        return None
    return _overlay.get(os.path.realpath(path))


class UnreadableFile(OSError):
    """A path that is not a readable regular file; `str(exc)` is the message for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class FileTooLarge(UnreadableFile):
    """A regular file larger than what lambdalint is willing to read whole."""


def name_problem(path: PathLike) -> Optional[str]:
    """Why the operating system would refuse this name, or None when it is a valid name."""
    text = os.fspath(path)
    if len(text) <= _NAME_MAX and text.isascii() and "\0" not in text:
        return None  # the common case, decided without encoding the name
    if "\0" in text:
        return "the path contains a NUL byte"
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        return "the path contains characters that cannot be encoded as a file name"
    if len(raw) > _PATH_MAX:
        return f"the path is longer than {_PATH_MAX:,} bytes"
    if any(len(part) > _NAME_MAX for part in raw.split(b"/")):
        return f"a component of the path is longer than {_NAME_MAX} bytes"
    return None


def real_path(path: PathLike) -> Path:
    """The absolute path with symlinks resolved; a symlink loop or a refused name is kept as
    written instead of raising (Path.resolve raises RuntimeError on loops before Python 3.13)."""
    if name_problem(path) is not None:
        return Path(os.path.abspath(os.fspath(path)))
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError, RuntimeError):
        return Path(os.path.abspath(os.fspath(path)))


class AccessLog:
    """Every file read or looked for while the log is open (`with AccessLog() as log:`), with
    its `access_identity` at that time: what a run's result depends on (run_cache)."""

    current: Optional["AccessLog"] = None

    def __init__(self) -> None:
        self.accessed: Dict[str, Tuple[int, int]] = {}
        self.started_ns = time.time_ns()
        self._cwd = os.getcwd()  # a run does not change directory: not asked again per file

    def __enter__(self) -> "AccessLog":
        AccessLog.current = self
        return self

    def __exit__(self, *exc) -> None:
        AccessLog.current = None

    def note(self, path: PathLike, identity: Optional[Tuple[int, int]] = None) -> None:
        key = os.path.normpath(os.path.join(self._cwd, os.fspath(path)))  # os.path.abspath, once cwd is known
        if key not in self.accessed:
            self.accessed[key] = identity if identity is not None else access_identity(key)

    def recently_modified(self, seconds: float) -> bool:
        """Whether a file was modified shortly before (or during) the run."""
        limit = self.started_ns - int(seconds * 1_000_000_000)
        return any(mtime_ns > limit for size, mtime_ns in self.accessed.values() if size >= 0)


def access_identity(path: PathLike) -> Tuple[int, int]:
    """(size, modification time in ns) of a regular file; (-1, kind code) for anything else."""
    try:
        return _identity(os.stat(path))
    except (OSError, ValueError):
        return (-1, 0)


def _identity(st: Optional[os.stat_result]) -> Tuple[int, int]:
    if st is None:
        return (-1, 0)
    if stat.S_ISREG(st.st_mode):
        return (st.st_size, st.st_mtime_ns)
    return (-1, 1 if stat.S_ISDIR(st.st_mode) else 2)


def _stat_noted(path: PathLike) -> os.stat_result:
    """os.stat, telling the open AccessLog what it found (one stat for both)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        if AccessLog.current is not None:
            AccessLog.current.note(path, _identity(None))
        raise
    if AccessLog.current is not None:
        AccessLog.current.note(path, _identity(st))
    return st


def kind(path: PathLike) -> str:
    """FILE, DIRECTORY, MISSING, SPECIAL (FIFO, socket, device) or INVALID (a refused name).

    Symlinks are followed: what matters is what a read would meet."""
    if name_problem(path) is not None:
        return INVALID
    try:
        mode = _stat_noted(path).st_mode
    except (OSError, ValueError):
        return MISSING
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return DIRECTORY
    return SPECIAL


def describe_special(path: PathLike) -> str:
    """`not a regular file (a FIFO)` and the like, for messages."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "not a regular file"
    return _not_regular(mode)


def _not_regular(mode: int) -> str:
    what = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "not a file")
    return f"not a regular file ({what})"


def open_regular(path: PathLike) -> BinaryIO:
    """A binary file object for a regular file; UnreadableFile for anything else.

    The type is checked on the open descriptor (fstat), so a path swapped for a FIFO between a
    check and the open cannot block or feed endless bytes."""
    problem = name_problem(path)
    if problem is not None:
        raise UnreadableFile(f"cannot read: {problem}")
    replaced = _overlaid(path)
    if replaced is not None:
        return io.BytesIO(replaced)
    try:
        # stat before open: opening some devices has side effects (tape rewind, modem hang-up)
        mode = _stat_noted(path).st_mode
        fd = os.open(path, _OPEN_FLAGS) if stat.S_ISREG(mode) else None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    if fd is None:
        raise UnreadableFile(_not_regular(mode))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(_not_regular(mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(path: PathLike, limit: int, what: str = "file") -> bytes:
    """The whole content of a regular file, or FileTooLarge when it holds more than `limit` bytes
    (a part of a file is never analysed as if it were the whole)."""
    with open_regular(path) as handle:
        size = _size(handle)
        if size > limit:
            raise FileTooLarge(too_large_message(what, size, limit))
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:  # the file grew after fstat
        raise FileTooLarge(too_large_message(what, len(data), limit))
    return data


def _size(handle: BinaryIO) -> int:
    if isinstance(handle, io.BytesIO):
        return len(handle.getbuffer())
    return os.fstat(handle.fileno()).st_size


def read_head(path: PathLike, size: int) -> bytes:
    """At most the first `size` bytes of a regular file (headers, sniffing)."""
    with open_regular(path) as handle:
        try:
            return handle.read(size)
        except OSError as exc:
            raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None


def too_large_message(what: str, size: int, limit: int) -> str:
    """The one wording of "too large", for files on disk and archive members alike."""
    return (f"{what} too large to analyse ({size:,} bytes; lambdalint reads at most {limit:,}): "
            "not checked")
