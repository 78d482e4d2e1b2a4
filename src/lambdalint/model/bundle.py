"""One Bundle type for a folder and a zip archive.

A zip is read through its central directory only: names, sizes, methods and modes come from there,
and no entry is inflated until a rule asks for its bytes (`Bundle.read`).  Reads are capped so that
an entry whose declared size lies cannot exhaust memory.
"""
from __future__ import annotations

import calendar
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

from lambdalint.files import UnreadableFile, read_file, read_head, too_large_message
from lambdalint.limits import MAX_READ_BYTES

ZIP_STORED = 0
ZIP_DEFLATED = 8
ZIP_DEFLATE64 = 9
# The best ratio deflate (and deflate64) can reach is a little over 1032:1; a central directory
# that declares more than this for an entry is lying about its sizes.
MAX_DEFLATE_RATIO = 1040
# What inflating a corrupt member raises besides zipfile's own errors: zlib.error (deflate),
# ValueError (zipfile_deflate64: "Bad Deflate64 data"), lzma.LZMAError (method 14).
_DECOMPRESS_ERRORS: tuple = (zlib.error, ValueError)
if zipfile.lzma is not None:  # type: ignore[attr-defined]
    _DECOMPRESS_ERRORS += (zipfile.lzma.LZMAError,)  # type: ignore[attr-defined]
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", "__pycache__", ".terraform", ".venv", ".idea"}
)


# A bundle's own listing keeps __pycache__ (its .pyc files matter for cold starts).
BUNDLE_SKIPPED_DIRS = SKIPPED_DIRS - {"__pycache__"}


class BundleError(Exception):
    """The bundle cannot be read (corrupt, truncated, inconsistent)."""


@dataclass(frozen=True)
class BundleEntry:
    path: str  # posix path relative to the bundle root; folders end without a slash
    size: int  # unzipped bytes (declared, for archives)
    compressed_size: int  # bytes inside the archive; equals size for folders
    method: Optional[int]  # zip compression method; None for folders
    mode: Optional[int]  # Unix mode bits, None when the archive does not record them
    is_symlink: bool = False
    is_dir: bool = False
    encrypted: bool = False
    mtime: int = 0  # seconds since the epoch: a zip's DOS date read as UTC (as Lambda extracts it)


class Bundle:
    """A function's code or a layer: a folder or a zip archive."""

    kind = "bundle"

    def __init__(self, path: Path, display: str):
        self.path = path
        self.display = display  # the path as the user gave it (relative stays relative)
        self._entries: Optional[List[BundleEntry]] = None
        self._by_path: Optional[Dict[str, BundleEntry]] = None
        self._own_python: Optional[List[str]] = None

    @property
    def is_zip(self) -> bool:
        return False

    @property
    def entries(self) -> List[BundleEntry]:
        if self._entries is None:
            self._entries = self._list()
        return self._entries

    def entry(self, path: str) -> Optional[BundleEntry]:
        if self._by_path is None:
            self._by_path = {e.path: e for e in self.entries}
        return self._by_path.get(path)

    def files(self) -> List[BundleEntry]:
        return [e for e in self.entries if not e.is_dir]

    @property
    def unzipped_size(self) -> int:
        return sum(e.size for e in self.entries if not e.is_dir)

    LAYER_FOLDERS = frozenset({"python", "bin", "lib", "lib64", "etc", "share", "include", "extensions"})

    @property
    def is_layer(self) -> bool:
        """Layer content: Python under python/ (extracted to /opt/python), maybe with native
        libraries and tools under lib/ and bin/ (on LD_LIBRARY_PATH and PATH in /opt)."""
        files = self.files()
        return (any(e.path.startswith("python/") for e in files)
                and all(e.path.split("/", 1)[0] in self.LAYER_FOLDERS and "/" in e.path for e in files))

    BUILD_FOLDERS = (".aws-sam", "cdk.out", ".serverless")

    @property
    def is_built(self) -> bool:
        """A built artifact: a zip, a build tool's output folder, or a folder carrying installed
        distributions.  A plain source folder (SAM `CodeUri: src/` before `sam build`) is not."""
        if self.is_zip or any(part in self.BUILD_FOLDERS for part in self.path.resolve().parts):
            return True
        return any(e.path.endswith(".dist-info") or ".dist-info/" in e.path for e in self.entries)

    def read(self, path: str) -> bytes:
        """The whole content of a file of the bundle; BundleError when it cannot be read or is
        larger than MAX_READ_BYTES (a part of a file is never passed off as the whole)."""
        raise NotImplementedError

    def read_head(self, path: str, size: int) -> bytes:
        """At most the first `size` bytes of a file of the bundle (headers, magic numbers)."""
        raise NotImplementedError

    def distribution_roots(self) -> Set[str]:
        """Top-level names installed by a distribution (named in a `*.dist-info/RECORD`)."""
        roots: Set[str] = set()
        for entry in self.entries:
            if entry.path.endswith(".dist-info/RECORD") and entry.path.count("/") == 1:
                try:
                    record = self.read(entry.path).decode("utf-8", "replace")
                except (BundleError, OSError):
                    continue
                for line in record.splitlines():
                    top = line.split(",", 1)[0].split("/", 1)[0]
                    if top and not top.endswith((".dist-info", ".data")) and top != "..":
                        roots.add(top[:-3] if top.endswith(".py") else top)
        return roots

    def own_python_files(self) -> List[str]:
        """The `.py` files of the function's own code: not a layer's, not an installed distribution's."""
        if self._own_python is None:
            self._own_python = self._find_own_python()
        return self._own_python

    def _find_own_python(self) -> List[str]:
        if self.is_layer:
            return []
        third_party = self.distribution_roots()
        own = []
        for entry in self.files():
            if not entry.path.endswith(".py") or entry.is_symlink:
                continue
            top = entry.path.split("/", 1)[0]
            if (top[:-3] if top.endswith(".py") else top) in third_party:
                continue
            own.append(entry.path)
        return own

    def _list(self) -> List[BundleEntry]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display!r})"


class FolderBundle(Bundle):
    def __init__(self, path: Path, display: str, only: Optional[List[str]] = None,
                 excluded: Optional[Callable[[str], bool]] = None):
        super().__init__(path, display)
        self._only = only  # restrict to these relative paths (a file named on the command line)
        self._excluded = excluded or (lambda rel: False)  # configured `exclude` patterns

    def _list(self) -> List[BundleEntry]:
        if self._only is not None:
            return [self._stat_entry(rel) for rel in self._only]
        entries: List[BundleEntry] = []
        self._walk(self.path, "", entries)
        entries.sort(key=lambda e: e.path)
        return entries

    def _walk(self, folder: Path, prefix: str, out: List[BundleEntry]) -> None:
        try:
            children = sorted(os.scandir(folder), key=lambda d: d.name)
        except OSError:
            return
        for child in children:
            rel = prefix + child.name
            if child.is_dir(follow_symlinks=False):
                if child.name in BUNDLE_SKIPPED_DIRS or self._excluded(rel):
                    continue
                if os.path.exists(os.path.join(child.path, "pyvenv.cfg")):
                    continue
                out.append(self._stat_entry(rel, child))
                self._walk(Path(child.path), rel + "/", out)
            else:
                if child.name.endswith(".zip") or self._excluded(rel):
                    continue  # an archive inside a folder is an artifact of its own
                if not (child.is_file(follow_symlinks=False) or child.is_symlink()):
                    continue  # FIFOs, sockets, devices: reading one would block
                out.append(self._stat_entry(rel, child))

    def _stat_entry(self, rel: str, dirent=None) -> BundleEntry:
        st = dirent.stat(follow_symlinks=False) if dirent else os.lstat(self.path / rel)
        is_link = stat.S_ISLNK(st.st_mode)
        is_dir = stat.S_ISDIR(st.st_mode)
        size = 0 if is_dir else st.st_size
        return BundleEntry(rel, size, size, None, stat.S_IMODE(st.st_mode), is_link, is_dir,
                           mtime=int(st.st_mtime))

    def read(self, path: str) -> bytes:
        try:
            return read_file(self.path / path, MAX_READ_BYTES)
        except UnreadableFile as exc:
            raise BundleError(f"{path}: {exc}") from None

    def read_head(self, path: str, size: int) -> bytes:
        try:
            return read_head(self.path / path, size)
        except UnreadableFile as exc:
            raise BundleError(f"{path}: {exc}") from None


class ZipBundle(Bundle):
    def __init__(self, path: Path, display: str):
        super().__init__(path, display)
        self._zip: Optional[zipfile.ZipFile] = None
        self._infos: Dict[str, zipfile.ZipInfo] = {}

    @property
    def is_zip(self) -> bool:
        return True

    @property
    def file_size(self) -> int:
        return self.path.stat().st_size

    def _open(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise BundleError(f"not a readable zip archive ({exc})") from None
        return self._zip

    def _list(self) -> List[BundleEntry]:
        archive = self._open()
        archive_size = self.file_size
        entries = []
        for info in archive.infolist():
            entry = _entry_from_zipinfo(info)
            _check_declared_sizes(info, entry, archive_size)
            self._infos.setdefault(entry.path, info)
            entries.append(entry)
        return entries

    def read(self, path: str) -> bytes:
        size = self._info(path).file_size
        if size > MAX_READ_BYTES:
            raise BundleError(f"{path}: {too_large_message('file', size, MAX_READ_BYTES)}")
        data = self._read(path, MAX_READ_BYTES + 1)
        if len(data) > MAX_READ_BYTES:
            raise BundleError(f"{path}: {too_large_message('file', len(data), MAX_READ_BYTES)}")
        return data

    def read_head(self, path: str, size: int) -> bytes:
        return self._read(path, size)

    def _info(self, path: str) -> zipfile.ZipInfo:
        if self._entries is None:
            self.entries  # noqa: B018 - builds the info index
        return self._infos[path]

    def _read(self, path: str, limit: int) -> bytes:
        info = self._info(path)
        if info.compress_type == ZIP_DEFLATE64:
            import zipfile_deflate64  # noqa: F401 - registers method 9 with zipfile
        try:
            with self._open().open(info) as member:
                return member.read(limit)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                *_DECOMPRESS_ERRORS) as exc:
            raise BundleError(f"cannot read {path}: {exc}") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _entry_from_zipinfo(info: zipfile.ZipInfo) -> BundleEntry:
    unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
    mode = stat.S_IMODE(unix_mode) if unix_mode else None
    is_dir = info.filename.endswith("/")
    return BundleEntry(
        path=info.filename.rstrip("/"),
        size=info.file_size,
        compressed_size=info.compress_size,
        method=info.compress_type,
        mode=mode,
        is_symlink=bool(unix_mode) and stat.S_ISLNK(unix_mode),
        is_dir=is_dir or (bool(unix_mode) and stat.S_ISDIR(unix_mode)),
        encrypted=bool(info.flag_bits & 0x1),
        mtime=_dos_time(info.date_time),
    )


def _dos_time(date_time) -> int:
    try:
        return calendar.timegm(tuple(date_time) + (0, 0, 0))
    except (ValueError, OverflowError, TypeError):
        return 0


def _check_declared_sizes(info: zipfile.ZipInfo, entry: BundleEntry, archive_size: int) -> None:
    if info.header_offset + info.compress_size > archive_size:
        raise BundleError(f"truncated archive: entry {entry.path!r} extends past the end of the file")
    if entry.method == ZIP_STORED and info.file_size != info.compress_size and not entry.encrypted:
        raise BundleError(f"inconsistent sizes for stored entry {entry.path!r}")
    if entry.method in (ZIP_DEFLATED, ZIP_DEFLATE64) and (
        info.file_size > max(info.compress_size, 1) * MAX_DEFLATE_RATIO + 1024
    ):
        raise BundleError(
            f"entry {entry.path!r} declares {info.file_size:,} bytes from {info.compress_size:,} "
            "compressed bytes, more than deflate can produce: the declared sizes are false"
        )


def open_bundle(path: Path, display: str, excluded: Optional[Callable[[str], bool]] = None) -> Bundle:
    if path.is_dir():
        return FolderBundle(path, display, excluded=excluded)
    return ZipBundle(path, display)
