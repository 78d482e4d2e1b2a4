"""One Bundle type for a folder and a zip archive.

A zip is read through its central directory only: names, sizes, methods and modes come from there,
and no entry is inflated until a rule asks for its bytes (`Bundle.read`).  Reads are capped so that
an entry whose declared size lies cannot exhaust memory.
"""
from __future__ import annotations

import calendar
import itertools
import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set, Tuple

from lambdalint.files import (DIRECTORY, FILE, INVALID, SPECIAL, UnreadableFile, describe_special, kind,
                              name_problem, open_regular, read_file, read_head, real_path, too_large_message)
from lambdalint.limits import (DEFLATE64_INPUT_CHUNK, MAX_DEFLATE64_RATIO, MAX_DEFLATE_RATIO, MAX_FOLDER_ENTRIES,
                               MAX_INFLATED_BYTES_PER_ARCHIVE, MAX_READ_BYTES, MAX_ZIP_DIRECTORY_BYTES,
                               MAX_ZIP_ENTRIES)

ZIP_STORED = 0
ZIP_DEFLATED = 8
ZIP_DEFLATE64 = 9
# Compression methods other than stored and deflate, by name (Lambda extracts none of them).
ZIP_METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd",
                    99: "AES"}
# Methods whose content is read: what Lambda extracts, and Deflate64 (Windows Explorer writes it
# for large inputs; LL212 reports it).  bzip2, LZMA and the others are listed but never inflated:
# Lambda rejects such an archive anyway, and their decoders would be more code to bound.
_READABLE_METHODS = (ZIP_STORED, ZIP_DEFLATED, ZIP_DEFLATE64)
_ENCRYPTED_FLAGS = 0x01 | 0x40  # traditional PKWARE and strong encryption
_PATCHED_DATA_FLAG = 0x20
_COMPRESSED_CHUNK = 64 * 1024  # the most compressed bytes read from the archive at a time
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", "__pycache__", ".terraform", ".venv", ".idea"}
)


# A bundle's own listing keeps __pycache__ (its .pyc files matter for cold starts).
BUNDLE_SKIPPED_DIRS = SKIPPED_DIRS - {"__pycache__"}


class BundleError(Exception):
    """The bundle cannot be read (corrupt, truncated, inconsistent), or one of its files cannot.

    `detail` says why without naming the file, for findings already located at that file."""

    def __init__(self, detail: str, member: Optional[str] = None):
        super().__init__(f"{member}: {detail}" if member else detail)
        self.detail = detail


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
    mtime_ns: int = 0  # folders only: the exact modification time (file_facts knows files by it)


class Bundle:
    """A function's code or a layer: a folder or a zip archive."""

    kind = "bundle"

    def __init__(self, path: Path, display: str):
        self.path = path
        self.display = display  # the path as the user gave it (relative stays relative)
        self._entries: Optional[List[BundleEntry]] = None
        self._by_path: Optional[Dict[str, BundleEntry]] = None
        self._own_python: Optional[List[str]] = None
        self._files: Optional[List[BundleEntry]] = None
        self._unzipped_size: Optional[int] = None
        # Judged once per bundle from its listing (a walk over every entry; rules and the import
        # graph ask again and again, issue 12)
        self._is_layer: Optional[bool] = None
        self._is_built: Optional[bool] = None
        self._install_roots: Optional[List[str]] = None
        self._root_tops: Optional[Set[str]] = None
        # (relative path, message): what listing found but cannot be used (a FIFO, a folder that
        # cannot be listed); discovery reports each as LL002
        self.problems: List[Tuple[str, str]] = []

    @property
    def is_zip(self) -> bool:
        return False

    def forget_open_handles(self) -> None:
        """In a forked process: stop using file handles shared with the parent (a folder keeps none)."""

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
        """The entries that are not folders (one list per bundle: callers must not change it)."""
        if self._files is None:
            self._files = [e for e in self.entries if not e.is_dir]
        return self._files

    @property
    def unzipped_size(self) -> int:
        if self._unzipped_size is None:
            self._unzipped_size = sum(e.size for e in self.files())
        return self._unzipped_size

    LAYER_FOLDERS = frozenset({"python", "bin", "lib", "lib64", "etc", "share", "include", "extensions"})

    @property
    def is_layer(self) -> bool:
        """Layer content: Python under python/ (extracted to /opt/python), maybe with native
        libraries and tools under lib/ and bin/ (on LD_LIBRARY_PATH and PATH in /opt)."""
        if self._is_layer is None:
            files = self.files()
            self._is_layer = (any(e.path.startswith("python/") for e in files)
                              and all(e.path.split("/", 1)[0] in self.LAYER_FOLDERS and "/" in e.path
                                      for e in files))
        return self._is_layer

    BUILD_FOLDERS = (".aws-sam", "cdk.out", ".serverless")

    @property
    def is_built(self) -> bool:
        """A built artifact: a zip, a build tool's output folder, a layer folder (content under
        python/), or a folder carrying installed distributions (`pip install -t`, the
        `.serverless/requirements/` of serverless-python-requirements).  A plain source folder
        (SAM `CodeUri: src/` before `sam build`) is not."""
        if self._is_built is None:
            self._is_built = (self.is_zip or self.in_build_folder or self.is_layer
                              or bool(self.install_roots()))
        return self._is_built

    @property
    def in_build_folder(self) -> bool:
        return any(part in self.BUILD_FOLDERS for part in real_path(self.path).parts)

    @property
    def is_source_tree(self) -> bool:
        """A folder of the user's sources (maybe holding installed packages in a subfolder): only
        its installed content is a built artifact, not the user's own files."""
        return not (self.is_zip or self.in_build_folder or self.is_layer)

    def install_roots(self) -> List[str]:
        """Folders holding installed distributions (a `*.dist-info` folder directly inside):
        "" for the bundle's root, else "package/", ".serverless/requirements/", "python/" ..."""
        if self._install_roots is None:
            roots = set()
            for entry in self.entries:
                at = entry.path.find(".dist-info")
                if at < 0 or not entry.path.endswith((".dist-info", ".dist-info/METADATA")):
                    continue
                folder = entry.path[:at].rpartition("/")[0]
                roots.add(folder + "/" if folder else "")
            self._install_roots = sorted(roots)
        return self._install_roots

    def is_installed_content(self, path: str) -> bool:
        """Does `path` belong to installed distributions (under an install root other than the
        bundle's own root, or a top-level name a root `RECORD` lists)?"""
        for root in self.install_roots():
            if root and path.startswith(root):
                return True
        if "" not in self.install_roots():
            return False
        top = path.split("/", 1)[0]
        name = top[:-3] if top.endswith(".py") else top
        return top.endswith(".dist-info") or name in self._root_distribution_tops()

    def _root_distribution_tops(self) -> Set[str]:
        if self._root_tops is None:
            self._root_tops = self.distribution_roots()
        return self._root_tops

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
        has_installed = bool(self.install_roots())
        vendored = self._vendored_tops()
        own = []
        for entry in self.files():
            if not entry.path.endswith(".py") or entry.is_symlink:
                continue
            if has_installed and self.is_installed_content(entry.path):
                continue  # a dependency, not the function's own code
            if _top_name(entry.path) in vendored or _in_site_packages(entry.path):
                continue  # a dependency copied in without its metadata
            own.append(entry.path)
        return own

    def _vendored_tops(self) -> Set[str]:
        """Top-level names of the bundle that the distributions its root declares (requirements
        files, pyproject.toml, Pipfile) install: packages copied in as dependencies."""
        from lambdalint.analysis.requirements import declared_import_names, normalise

        declared = declared_import_names(self)
        if not declared:
            return set()
        return {top for top in {_top_name(e.path) for e in self.files() if "/" in e.path or e.path.endswith(".py")}
                if normalise(top) in declared}

    def _list(self) -> List[BundleEntry]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display!r})"


def _top_name(path: str) -> str:
    top = path.split("/", 1)[0]
    return top[:-3] if top.endswith(".py") else top


_SITE_FOLDERS = ("site-packages", "dist-packages")


def _in_site_packages(path: str) -> bool:
    """Installed by pip into a site-packages layout (a virtualenv or `lib/python3.12/site-packages`
    copied into the code folder): never the function's own code."""
    return any(part in _SITE_FOLDERS for part in path.split("/")[:-1])


class FolderBundle(Bundle):
    def __init__(self, path: Path, display: str, only: Optional[List[str]] = None,
                 excluded: Optional[Callable[[str], bool]] = None):
        super().__init__(path, display)
        self._only = only  # restrict to these relative paths (a file named on the command line)
        self._excluded = excluded or (lambda rel: False)  # configured `exclude` patterns
        self._looked_at = 0  # folder entries seen by the walk, against MAX_FOLDER_ENTRIES

    def _list(self) -> List[BundleEntry]:
        if self._only is not None:
            return [self._stat_entry(rel) for rel in self._only]
        self.problems = []
        self._looked_at = 0
        entries: List[BundleEntry] = []
        self._walk(self.path, "", entries)
        entries.sort(key=lambda e: e.path)
        return entries

    def _walk(self, folder: Path, prefix: str, out: List[BundleEntry]) -> None:
        try:
            children = self._children(folder)
        except OSError as exc:
            if not prefix:  # the bundle itself: nothing of it can be checked
                raise BundleError(f"cannot read: {exc.strerror or exc}") from None
            self.problems.append((prefix.rstrip("/"), f"cannot read: {exc.strerror or exc}"))
            return
        for child in children:
            rel = prefix + child.name
            if child.is_dir(follow_symlinks=False):
                if child.name in BUNDLE_SKIPPED_DIRS or self._excluded(rel):
                    continue
                if os.path.exists(os.path.join(child.path, "pyvenv.cfg")):
                    continue
                if self._add_entry(rel, child, out):
                    self._walk(Path(child.path), rel + "/", out)
            else:
                if child.name.endswith(".zip") or self._excluded(rel):
                    continue  # an archive inside a folder is an artifact of its own
                unusable = _never_readable(child)
                if unusable is not None:
                    self.problems.append((rel, unusable))
                    continue
                self._add_entry(rel, child, out)

    def _children(self, folder: Path) -> List[os.DirEntry]:
        """The entries of one folder, sorted by name; BundleError past MAX_FOLDER_ENTRIES in the
        whole walk (a configured `CodeUri: /` must not list the disk, nor a huge folder fill memory)."""
        budget = MAX_FOLDER_ENTRIES - self._looked_at
        with os.scandir(folder) as listing:
            children = list(itertools.islice(listing, budget + 1))
        self._looked_at += len(children)
        if len(children) > budget:
            raise BundleError(f"more than {MAX_FOLDER_ENTRIES:,} files and folders: too many to "
                              "be a Lambda bundle, not checked")
        return sorted(children, key=lambda child: child.name)

    def _add_entry(self, rel: str, child: os.DirEntry, out: List[BundleEntry]) -> bool:
        try:
            out.append(self._stat_entry(rel, child))
        except OSError as exc:  # removed or replaced while being listed
            self.problems.append((rel, f"cannot read: {exc.strerror or exc}"))
            return False
        return True

    def _stat_entry(self, rel: str, dirent=None) -> BundleEntry:
        st = dirent.stat(follow_symlinks=False) if dirent else os.lstat(self.path / rel)
        is_link = stat.S_ISLNK(st.st_mode)
        is_dir = stat.S_ISDIR(st.st_mode)
        size = 0 if is_dir else st.st_size
        return BundleEntry(rel, size, size, None, stat.S_IMODE(st.st_mode), is_link, is_dir,
                           mtime=int(st.st_mtime), mtime_ns=st.st_mtime_ns)

    def read(self, path: str) -> bytes:
        try:
            return read_file(self.path / path, MAX_READ_BYTES)
        except UnreadableFile as exc:
            raise BundleError(str(exc), path) from None

    def read_head(self, path: str, size: int) -> bytes:
        try:
            return read_head(self.path / path, size)
        except UnreadableFile as exc:
            raise BundleError(str(exc), path) from None


def _never_readable(child: os.DirEntry) -> Optional[str]:
    """Why a folder entry can never be read (a FIFO, a socket or a device, itself or behind a
    symlink: opening one blocks or reads without end), or None.  Symlinks to folders and dangling
    symlinks stay entries: rules judge those."""
    if child.is_file(follow_symlinks=False):
        return None
    if kind(child.path) == SPECIAL:
        return describe_special(child.path)
    return None


class ZipBundle(Bundle):
    def __init__(self, path: Path, display: str):
        super().__init__(path, display)
        self._zip: Optional[zipfile.ZipFile] = None
        self._infos: Dict[str, zipfile.ZipInfo] = {}
        self._data_ends: Dict[int, int] = {}  # local header offset -> where the next entry starts
        self._inflated = 0  # bytes produced by member reads so far

    @property
    def is_zip(self) -> bool:
        return True

    @property
    def file_size(self) -> int:
        return self.path.stat().st_size

    def _open(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                handle = open_regular(self.path)
            except UnreadableFile as exc:
                raise BundleError(str(exc)) from None
            try:
                _check_directory_size(handle)
                self._zip = zipfile.ZipFile(handle)
            except BundleError:
                handle.close()
                raise
            except Exception as exc:  # noqa: BLE001 - zipfile's errors on bad bytes are no closed list
                # Seen on mutated archives: BadZipFile, NotImplementedError ("zip file version
                # 25.5"), UnicodeDecodeError (names), OSError (seeks); struct.error, EOFError and
                # OverflowError are possible.  Whatever zipfile cannot parse is unreadable.
                handle.close()
                raise BundleError(f"not a readable zip archive ({_describe(exc)})") from None
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
        data_end = archive.start_dir  # the central directory follows the last entry's data
        for info in sorted(archive.infolist(), key=lambda i: i.header_offset, reverse=True):
            self._data_ends[info.header_offset] = data_end  # two entries at one offset: 0 bytes
            data_end = info.header_offset
        return entries

    def read(self, path: str) -> bytes:
        size = self._info(path).file_size
        if size > MAX_READ_BYTES:
            raise BundleError(too_large_message("file", size, MAX_READ_BYTES), path)
        return self._read(path, MAX_READ_BYTES)

    def read_head(self, path: str, size: int) -> bytes:
        return self._read(path, size)

    def _info(self, path: str) -> zipfile.ZipInfo:
        if self._entries is None:
            self.entries  # noqa: B018 - builds the info index
        info = self._infos.get(path)
        if info is None:
            raise BundleError("no such entry in the archive", path)
        return info

    def _read(self, path: str, limit: int) -> bytes:
        """At most the first `limit` bytes of a member.  Never inflates more than `limit` bytes,
        nor more than the member declares (one byte more shows a lie); a member read to its end
        must have its declared size and CRC-32."""
        info = self._info(path)
        refusal = _content_refusal(info)
        if refusal is not None:
            raise BundleError(f"cannot read {path}: {refusal}")
        if self._inflated >= MAX_INFLATED_BYTES_PER_ARCHIVE:
            raise BundleError(f"cannot read {path}: reads from this archive already produced "
                              f"{self._inflated:,} bytes, more than any Lambda bundle needs: not read")
        archive_file = self._open().fp
        try:
            start = _member_start(archive_file, info, self._data_ends.get(info.header_offset, 0))
            data = _inflate(_CompressedBytes(archive_file, start, info.compress_size), info, limit)
            self._inflated += len(data)
            return data
        except _CorruptMember as exc:
            raise BundleError(f"cannot read {path}: {exc}") from None
        except (OSError, zlib.error, ValueError) as exc:
            # zlib.error: bad deflate data; ValueError: "Bad Deflate64 data" (all it raises)
            raise BundleError(f"cannot read {path}: {_describe(exc)}") from None

    def forget_open_handles(self) -> None:
        # The inherited descriptor shares its file offset with the parent's: a seek and read here
        # would move the parent's.  Dropping the object closes only this process's descriptor;
        # the archive is opened again (its own descriptor) on the next read.
        self._zip = None

    def close(self) -> None:
        if self._zip is not None:
            handle = self._zip.fp
            self._zip.close()
            if handle is not None:
                handle.close()  # zipfile leaves a file object it was given open
            self._zip = None


class _CorruptMember(Exception):
    """A member whose local header or data contradicts the central directory."""


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _method_name(method: int) -> str:
    """`bzip2 (12)` for a compression method zipfile knows by number only."""
    name = ZIP_METHOD_NAMES.get(method)
    return f"{name} ({method})" if name else str(method)


def _content_refusal(info: zipfile.ZipInfo) -> Optional[str]:
    """Why a member's content is not read at all, or None."""
    if info.flag_bits & _ENCRYPTED_FLAGS:
        return "the entry is encrypted: content not read"
    if info.compress_type not in _READABLE_METHODS:
        return (f"compression method {_method_name(info.compress_type)}: Lambda cannot extract it; "
                "content not read")
    return None


# -- the central directory, sized before zipfile parses it ----------------------------------------
_END_RECORD, _END_RECORD_SIZE = b"PK\x05\x06", 22
_ZIP64_LOCATOR, _ZIP64_LOCATOR_SIZE = b"PK\x06\x07", 20
_ZIP64_END_RECORD, _ZIP64_END_RECORD_SIZE = b"PK\x06\x06", 56
_DIRECTORY_RECORD, _DIRECTORY_RECORD_SIZE = b"PK\x01\x02", 46
_LOCAL_HEADER, _LOCAL_HEADER_SIZE = b"PK\x03\x04", 30
_MAX_COMMENT = 0xFFFF


def _check_directory_size(handle) -> None:
    """BundleError for a central directory too large to parse or holding too many entries,
    before zipfile builds an object for each of them."""
    span = _directory_span(handle)
    if span is None:
        return  # no end record where zipfile looks for one: zipfile says what is wrong
    start, size = span
    if size > MAX_ZIP_DIRECTORY_BYTES:
        raise BundleError(f"central directory of {size:,} bytes (lambdalint reads at most "
                          f"{MAX_ZIP_DIRECTORY_BYTES:,}): too large to be a Lambda bundle, not checked")
    handle.seek(start)
    if _count_records(handle.read(size)) > MAX_ZIP_ENTRIES:
        raise BundleError(f"more than {MAX_ZIP_ENTRIES:,} entries: too many to be a Lambda bundle, "
                          "not checked")


def _directory_span(handle) -> Optional[Tuple[int, int]]:
    """(start, size) of the central directory, found where zipfile finds it: right before the
    end record, or before the zip64 end record that precedes the zip64 locator."""
    archive_size = handle.seek(0, os.SEEK_END)
    end = _end_record_position(handle, archive_size)
    if end is None:
        return None
    handle.seek(end)
    directory_size, = struct.unpack_from("<I", handle.read(_END_RECORD_SIZE), 12)
    directory_end = end
    if end >= _ZIP64_LOCATOR_SIZE + _ZIP64_END_RECORD_SIZE:
        handle.seek(end - _ZIP64_LOCATOR_SIZE)
        if handle.read(4) == _ZIP64_LOCATOR:
            directory_end = end - _ZIP64_LOCATOR_SIZE - _ZIP64_END_RECORD_SIZE
            handle.seek(directory_end)
            record = handle.read(_ZIP64_END_RECORD_SIZE)
            if record[:4] == _ZIP64_END_RECORD:
                directory_size, = struct.unpack_from("<Q", record, 40)
            else:
                directory_end = end
    if directory_size > directory_end:
        return None  # zipfile: "Bad offset for central directory"
    return directory_end - directory_size, directory_size


def _end_record_position(handle, archive_size: int) -> Optional[int]:
    if archive_size < _END_RECORD_SIZE:
        return None
    handle.seek(archive_size - _END_RECORD_SIZE)
    last = handle.read(_END_RECORD_SIZE)
    if last[:4] == _END_RECORD and last[-2:] == b"\0\0":  # no archive comment
        return archive_size - _END_RECORD_SIZE
    tail_start = max(archive_size - _MAX_COMMENT - _END_RECORD_SIZE, 0)
    handle.seek(tail_start)
    tail = handle.read()
    found = tail.rfind(_END_RECORD)
    if found < 0 or found + _END_RECORD_SIZE > len(tail):
        return None
    return tail_start + found


def _count_records(directory: bytes) -> int:
    """Central directory records in `directory`, counted up to one past MAX_ZIP_ENTRIES."""
    count = position = 0
    while position + _DIRECTORY_RECORD_SIZE <= len(directory) and count <= MAX_ZIP_ENTRIES:
        if directory[position:position + 4] != _DIRECTORY_RECORD:
            break
        name, extra, comment = struct.unpack_from("<HHH", directory, position + 28)
        position += _DIRECTORY_RECORD_SIZE + name + extra + comment
        count += 1
    return count


# -- reading a member: local header, compressed bytes, bounded inflating --------------------------
def _member_start(archive_file, info: zipfile.ZipInfo, data_end: int) -> int:
    """Where a member's compressed bytes start: after its local header, which must name the same
    file as the central directory (as zipfile checks: two names for one entry fool scanners), and
    its data must end before the next entry starts (`data_end`)."""
    archive_file.seek(info.header_offset)
    header = archive_file.read(_LOCAL_HEADER_SIZE)
    if len(header) < _LOCAL_HEADER_SIZE or header[:4] != _LOCAL_HEADER:
        raise _CorruptMember("no local header where the central directory points")
    flags, = struct.unpack_from("<H", header, 6)
    name_size, extra_size = struct.unpack_from("<HH", header, 26)
    if flags & (_ENCRYPTED_FLAGS | _PATCHED_DATA_FLAG):
        raise _CorruptMember("the local header marks the entry encrypted or patched: content not read")
    raw_name = archive_file.read(name_size)
    name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
    if name != info.orig_filename:
        raise _CorruptMember(f"file name in directory {info.orig_filename!r} and header {raw_name!r} differ")
    start = info.header_offset + _LOCAL_HEADER_SIZE + name_size + extra_size
    if start + info.compress_size > data_end:
        # Entries sharing their bytes make a small archive inflate to terabytes, each read
        # staying within its bounds (newer zipfile versions refuse them too).
        raise _CorruptMember("its data overlaps another entry (a zip bomb's layout): content not read")
    return start


class _CompressedBytes:
    """A member's compressed bytes, read from the archive as the decoder asks for them."""

    MIN_READ = 4096  # a header read needs little, but a page is what a read costs anyway

    def __init__(self, archive_file, start: int, size: int):
        self._file = archive_file
        self._file.seek(start)
        self._left = size

    def read(self, wanted: int) -> bytes:
        """About `wanted` bytes (b"" at the end): deflate seldom needs more input than output."""
        if self._left <= 0:
            return b""
        chunk = self._file.read(min(self._left, max(wanted, self.MIN_READ), _COMPRESSED_CHUNK))
        if not chunk:
            raise _CorruptMember("the archive ends inside the entry")
        self._left -= len(chunk)
        return chunk


def _inflate(source: _CompressedBytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    whole = limit >= info.file_size
    bound = info.file_size + 1 if whole else limit
    if info.compress_type == ZIP_STORED:
        data = _take_stored(source, bound)
    elif info.compress_type == ZIP_DEFLATED:
        data = _inflate_deflate(source, bound)
    else:
        data = _inflate_deflate64(source, bound)
    if not whole:
        if len(data) < limit:
            raise _CorruptMember(f"the data ends after {len(data):,} of the declared {info.file_size:,} bytes")
        return data
    if len(data) > info.file_size:
        raise _CorruptMember(f"inflates to more than its declared {info.file_size:,} bytes")
    if len(data) < info.file_size:
        raise _CorruptMember(f"the data ends after {len(data):,} of the declared {info.file_size:,} bytes")
    if zlib.crc32(data) != info.CRC:
        raise _CorruptMember("bad CRC-32: the content is corrupt")
    return data


def _take_stored(source: _CompressedBytes, bound: int) -> bytes:
    data = bytearray()
    while len(data) < bound:
        chunk = source.read(bound - len(data))
        if not chunk:
            break
        data += chunk[:bound - len(data)]
    return bytes(data)


def _inflate_deflate(source: _CompressedBytes, bound: int) -> bytes:
    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
    data = bytearray()
    while len(data) < bound and not decoder.eof:
        compressed = decoder.unconsumed_tail or source.read(bound - len(data))
        piece = decoder.decompress(compressed, bound - len(data))  # zlib's output bound
        if not piece and not compressed:
            break  # the compressed bytes end before the stream does
        data += piece
    return bytes(data)


def _inflate_deflate64(source: _CompressedBytes, bound: int) -> bytes:
    from zipfile_deflate64.deflate64 import Deflate64  # imported only for archives that need it

    decoder = Deflate64()
    data = bytearray()
    while len(data) < bound and not decoder.eof:
        chunk = source.read(bound - len(data))
        if not chunk:
            break
        for at in range(0, len(chunk), DEFLATE64_INPUT_CHUNK):  # small inputs bound each output
            data += decoder.decompress(chunk[at:at + DEFLATE64_INPUT_CHUNK])
            if len(data) >= bound or decoder.eof:
                break
    return bytes(data[:bound])


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
    if info.header_offset < 0:  # zipfile subtracts what it takes for data prepended to the archive
        raise BundleError(f"corrupt archive: entry {entry.path!r} starts before the beginning of the file")
    if info.header_offset + info.compress_size > archive_size:
        raise BundleError(f"truncated archive: entry {entry.path!r} extends past the end of the file")
    if entry.method == ZIP_STORED and info.file_size != info.compress_size and not entry.encrypted:
        raise BundleError(f"inconsistent sizes for stored entry {entry.path!r}")
    # Methods that are never inflated (bzip2, LZMA ...) have no ratio to check: their declared
    # sizes only count towards the unzipped size.
    best_ratio = {ZIP_DEFLATED: MAX_DEFLATE_RATIO, ZIP_DEFLATE64: MAX_DEFLATE64_RATIO}.get(entry.method)
    if best_ratio is not None and info.file_size > max(info.compress_size, 1) * best_ratio + 1024:
        method = "deflate" if entry.method == ZIP_DEFLATED else "Deflate64"
        raise BundleError(
            f"entry {entry.path!r} declares {info.file_size:,} bytes from {info.compress_size:,} "
            f"compressed bytes, more than {method} can produce: the declared sizes are false"
        )


def open_bundle(path: Path, display: str, excluded: Optional[Callable[[str], bool]] = None) -> Bundle:
    """A folder bundle or a zip; BundleError for anything else (check `unusable_reason` first)."""
    found = kind(path)
    if found == DIRECTORY:
        return FolderBundle(path, display, excluded=excluded)
    if found == FILE:
        return ZipBundle(path, display)
    raise BundleError(unusable_reason(path) or "cannot read: no such file or folder")


def unusable_reason(path: Path) -> Optional[str]:
    """Why a path taken from the command line or a configuration can never be read, for an LL002
    finding: a name the system refuses (a NUL byte, an over-long component), a FIFO, socket or
    device (itself or behind a symlink), or an error other than absence (permission, a symlink
    loop).  None for a folder, a regular file, and a path that does not exist."""
    found = kind(path)
    if found == INVALID:
        return f"not a valid file name: {name_problem(path)}"
    if found == SPECIAL:
        return describe_special(path)
    if found in (FILE, DIRECTORY):
        return None
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # absent: an artifact not built yet is not an unreadable one
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None
