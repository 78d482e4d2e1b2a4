"""What one read and one parse of a Python file tell every later question, and every later run.

A file's facts depend only on its bytes (and on this version of lambdalint):

- `verdict:<python version>`: LL001/LL002's verdict for that runtime (None: the module is sound);
- `hint`: whether it may define a `(event, context)` handler (handler discovery);
- `directives`: its lines holding suppression comments (`# noqa`, `# lambdalint: ignore[...]`);
- `imports`: its module-level import statements (the import graph).

They are kept by content digest in a FactStore: in memory for the run, and in the user cache
directory between runs (as ruff and mypy do), so that checking an unchanged tree parses nothing.
A file of a folder is known by its path, size and modification time (in nanoseconds); one
modified in the last seconds is always read again, since a quick rewrite may keep both.  Zip
members are never persisted (reading the archive is what costs).  A cache that cannot be read or
written is ignored: the facts are computed again, never guessed.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

CACHE_SCHEMA = 1  # bump when what a fact means changes (the lambdalint version is also part of the key)
CACHE_FILE = "facts.sqlite"
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a larger cache is started afresh
RACY_SECONDS = 2  # a file modified this recently may change again without changing size or mtime
MISSING = object()


def default_cache_folder() -> Path:
    """`LAMBDALINT_CACHE_DIR`, else the platform's user cache directory."""
    configured = os.environ.get("LAMBDALINT_CACHE_DIR")
    if configured:
        return Path(configured)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lambdalint"


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


_IDENTITY: List[str] = []


def cache_identity() -> str:
    """What cached facts and runs were computed by: the schema, lambdalint's version and limits,
    and its own files (sizes and modification times), so that a changed or reinstalled
    lambdalint never reads what another build wrote."""
    if not _IDENTITY:
        from lambdalint import __version__, limits

        bounds = {name: getattr(limits, name) for name in dir(limits) if name.isupper()}
        _IDENTITY.append(json.dumps([CACHE_SCHEMA, __version__, bounds, _package_files()],
                                    sort_keys=True, default=str))
    return _IDENTITY[0]


def _package_files() -> str:
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for folder, folders, files in sorted(os.walk(package)):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml")):
                st = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


class FactStore:
    """Facts by content digest; `folder` None keeps them for this run only."""

    def __init__(self, folder: Optional[Path] = None):
        self._facts: Dict[str, Dict[str, Any]] = {}  # digest -> kind -> value
        self._digests: Dict[Tuple[str, str], str] = {}  # (bundle root, relpath) -> digest, this run
        self._stats: Dict[str, Dict[str, Tuple[int, int, str]]] = {}  # root -> relpath -> (size, mtime_ns, digest)
        self._roots: Dict[int, Optional[str]] = {}
        self._new_facts: List[Tuple[str, str, str]] = []
        self._new_stats: List[Tuple[str, str, int, int, str]] = []
        self._started_ns = time.time_ns()
        self._db: Optional[sqlite3.Connection] = None
        self._path = folder / CACHE_FILE if folder is not None else None
        self._inherited: Optional[sqlite3.Connection] = None
        if self._path is not None:
            self._db = _open(self._path)

    # -- knowing a file without reading it ----------------------------------------------------
    def known_digest(self, bundle, relpath: str) -> Optional[str]:
        """The digest of a folder file read before (this run, or an earlier one if its size and
        modification time are unchanged); None for zip members and files not read yet."""
        root = self._root(bundle)
        if root is None:
            return None
        digest = self._digests.get((root, relpath))
        if digest is not None:
            return digest
        entry = bundle.entry(relpath)
        recorded = self._stats_of(root).get(relpath)
        if entry is None or recorded is None or recorded[:2] != (entry.size, entry.mtime_ns):
            return None
        self._digests[(root, relpath)] = recorded[2]
        return recorded[2]

    def read_digest(self, bundle, relpath: str, raw: bytes) -> Optional[str]:
        """The digest of a file's bytes just read, remembered for its path (folders only)."""
        if self._root(bundle) is None:
            return None
        digest = content_digest(raw)
        self._remember(bundle, relpath, digest, len(raw))
        return digest

    def adopt(self, bundle, relpath: str, digest: str, size: int, facts: Dict[str, Any]) -> None:
        """Facts computed elsewhere (a worker process) for a file of `bundle`."""
        self._remember(bundle, relpath, digest, size)
        for kind, value in facts.items():
            self.put(digest, kind, value)

    def _remember(self, bundle, relpath: str, digest: str, size: int) -> None:
        root = self._root(bundle)
        self._digests[(root, relpath)] = digest
        entry = bundle.entry(relpath)
        if entry is not None and entry.mtime_ns and entry.size == size \
                and entry.mtime_ns < self._started_ns - RACY_SECONDS * 1_000_000_000:
            recorded = self._stats_of(root).get(relpath)
            if recorded != (entry.size, entry.mtime_ns, digest):
                self._stats_of(root)[relpath] = (entry.size, entry.mtime_ns, digest)
                self._new_stats.append((root, relpath, entry.size, entry.mtime_ns, digest))

    # -- facts -----------------------------------------------------------------------------------
    def get(self, digest: Optional[str], kind: str) -> Any:
        if digest is None:
            return MISSING
        return self._facts_of(digest).get(kind, MISSING)

    def put(self, digest: Optional[str], kind: str, value: Any) -> None:
        if digest is None:
            return
        facts = self._facts_of(digest)
        if facts.get(kind, MISSING) != value:
            facts[kind] = value
            self._new_facts.append((digest, kind, json.dumps(value)))

    def facts(self, digest: str) -> Dict[str, Any]:
        return dict(self._facts_of(digest))

    def close(self) -> None:
        """Write what this run learnt (one transaction); the store stays usable in memory."""
        if self._db is None or not (self._new_facts or self._new_stats):
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", self._new_facts)
                self._db.executemany("INSERT OR REPLACE INTO stats VALUES (?, ?, ?, ?, ?)", self._new_stats)
        except sqlite3.Error:
            self._db = None
        self._new_facts, self._new_stats = [], []

    # -- a forked process (code_process) -----------------------------------------------------
    def detach_for_child(self) -> None:
        """In a forked child: never use the parent's database connection (SQLite forbids carrying
        one across fork), read through a connection of its own, and collect only what this process
        learns, for the parent to write."""
        self._inherited = self._db  # kept referenced: closing it here could disturb the parent's
        self._db = _open_read_only(self._path) if self._db is not None else None
        self._new_facts, self._new_stats = [], []

    def learnt(self) -> Tuple[List[Tuple[str, str, str]], List[Tuple[str, str, int, int, str]]]:
        return self._new_facts, self._new_stats

    def add_learnt(self, new_facts: List[Tuple[str, str, str]],
                   new_stats: List[Tuple[str, str, int, int, str]]) -> None:
        """What a child learnt, to be written with this store's own (`close`)."""
        self._new_facts.extend(new_facts)
        self._new_stats.extend(new_stats)

    # -- internals -------------------------------------------------------------------------------
    def _root(self, bundle) -> Optional[str]:
        if id(bundle) not in self._roots:
            from lambdalint.model.bundle import FolderBundle

            self._roots[id(bundle)] = os.path.realpath(bundle.path) if isinstance(bundle, FolderBundle) else None
        return self._roots[id(bundle)]

    def _stats_of(self, root: str) -> Dict[str, Tuple[int, int, str]]:
        if root not in self._stats:
            self._stats[root] = self._query_stats(root)
        return self._stats[root]

    def _query_stats(self, root: str) -> Dict[str, Tuple[int, int, str]]:
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT relpath, size, mtime_ns, digest FROM stats WHERE root = ?",
                                    (root,)).fetchall()
        except sqlite3.Error:
            self._db = None
            return {}
        return {relpath: (size, mtime_ns, digest) for relpath, size, mtime_ns, digest in rows}

    def _facts_of(self, digest: str) -> Dict[str, Any]:
        if digest not in self._facts:
            self._facts[digest] = self._query_facts(digest)
        return self._facts[digest]

    def _query_facts(self, digest: str) -> Dict[str, Any]:
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT kind, value FROM facts WHERE digest = ?", (digest,)).fetchall()
            return {kind: json.loads(value) for kind, value in rows}
        except (sqlite3.Error, ValueError):
            self._db = None
            return {}


def _open(path: Path) -> Optional[sqlite3.Connection]:
    """The cache database, created or started afresh when it belongs to another version."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_CACHE_BYTES:
            path.unlink()
        db = sqlite3.connect(str(path), timeout=5, isolation_level="DEFERRED")
        identity = cache_identity()
        db.execute("CREATE TABLE IF NOT EXISTS meta (identity TEXT)")
        row = db.execute("SELECT identity FROM meta").fetchone()
        if row is None or row[0] != identity:
            with db:
                db.execute("DROP TABLE IF EXISTS facts")
                db.execute("DROP TABLE IF EXISTS stats")
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES (?)", (identity,))
        db.execute("CREATE TABLE IF NOT EXISTS facts (digest TEXT, kind TEXT, value TEXT, "
                   "PRIMARY KEY (digest, kind)) WITHOUT ROWID")
        db.execute("CREATE TABLE IF NOT EXISTS stats (root TEXT, relpath TEXT, size INTEGER, "
                   "mtime_ns INTEGER, digest TEXT, PRIMARY KEY (root, relpath)) WITHOUT ROWID")
        db.commit()
        return db
    except (sqlite3.Error, OSError):
        return None


def _open_read_only(path: Path) -> Optional[sqlite3.Connection]:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None


# -- computing the facts of many files in parallel ------------------------------------------------
PARALLEL_MIN_FILES = 200  # fewer: starting worker processes costs more than it saves
FILES_PER_TASK = 50


def prefetch(store: FactStore, modules: Iterable[Any], jobs: int) -> int:
    """Compute, in `jobs` worker processes, the facts of the folder modules the store does not
    know yet (their text is read and parsed there); returns how many were computed.  Below
    PARALLEL_MIN_FILES nothing is done: the modules compute their facts when asked."""
    todo = [module for module in modules if module.needs_facts()]  # each module once (the engine's list)
    if jobs <= 1 or len(todo) < PARALLEL_MIN_FILES:
        return 0
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    tasks: Dict[Tuple[str, str], List[Any]] = {}
    for module in todo:
        tasks.setdefault((str(module.bundle.path), module.python_version), []).append(module)
    chunks = []
    for (root, version), group in sorted(tasks.items()):
        for start in range(0, len(group), FILES_PER_TASK):
            chunks.append((root, version, [m.relpath for m in group[start:start + FILES_PER_TASK]]))
    by_path = {(str(m.bundle.path), m.relpath): m for m in todo}
    workers = min(jobs, max(1, len(chunks)))
    try:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for root, results in pool.map(_facts_of_chunk, chunks):
                for relpath, digest, size, facts in results:
                    module = by_path[(root, relpath)]
                    store.adopt(module.bundle, relpath, digest, size, facts)
    except (OSError, RuntimeError, ImportError):
        return 0  # no worker processes here (a sandbox): each module computes its own facts
    return len(todo)


def _facts_of_chunk(chunk: Tuple[str, str, List[str]]):
    """In a worker: the facts of some files of one folder, for one Python version."""
    from lambdalint.model.bundle import FolderBundle
    from lambdalint.sources import SourceModule

    root, version, relpaths = chunk
    bundle = FolderBundle(Path(root), root, only=relpaths)  # lists (stats) only these files
    store = FactStore()
    results = []
    for relpath in relpaths:
        module = SourceModule(bundle, relpath, version, store)
        module.compute_facts()
        digest = store.known_digest(bundle, relpath)
        entry = bundle.entry(relpath)
        if digest is not None and entry is not None:
            results.append((relpath, digest, entry.size, store.facts(digest)))
    return root, results
