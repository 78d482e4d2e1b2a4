"""Is there valid bytecode for a module, for the runtime's Python version?

A `.pyc` starts with 16 bytes: magic, flags, then either the source's mtime and size (timestamp
mode) or a source hash.  Lambda's code folder is read-only, so a missing or stale `.pyc` means
the module is compiled again at every cold start.
"""
from __future__ import annotations

import struct
import sys
from typing import Optional

from lambdalint.model.bundle import Bundle, BundleError

HEADER = 16
VALID, MISSING, STALE = "valid", "missing", "stale"


PY2_HEADER = 8  # Python 2: magic, then the source's mtime (no flags, no size)


def pyc_path(source_path: str, python_version: str) -> str:
    """Where the runtime's Python looks for a module's bytecode: `__pycache__/m.cpython-3XY.pyc`
    (PEP 3147), or `m.pyc` next to the source under Python 2."""
    if python_version.startswith("2."):
        return source_path[:-3] + ".pyc"
    folder, _, filename = source_path.rpartition("/")
    stem = filename[:-3]
    tag = "cpython-" + python_version.replace(".", "")
    return f"{folder + '/' if folder else ''}__pycache__/{stem}.{tag}.pyc"


def bytecode_state(bundle: Bundle, source_path: str, python_version: str) -> str:
    source = bundle.entry(source_path)
    compiled = bundle.entry(pyc_path(source_path, python_version))
    if source is None or compiled is None:
        return MISSING
    python2 = python_version.startswith("2.")
    try:
        header = bundle.read_head(compiled.path, PY2_HEADER if python2 else HEADER)
    except (BundleError, OSError):
        return MISSING
    if python2:
        return _python2_state(header, source.mtime if bundle.is_zip else None)
    if len(header) < HEADER:
        return STALE
    flags = struct.unpack("<I", header[4:8])[0]
    if flags & 0b1:  # hash-based
        return _checked_hash_state(bundle, source_path, header, python_version) if flags & 0b10 else VALID
    mtime, size = struct.unpack("<II", header[8:16])
    if mtime != (source.mtime & 0xFFFFFFFF) or size != (source.size & 0xFFFFFFFF):
        return STALE
    return VALID


def _checked_hash_state(bundle: Bundle, source_path: str, header: bytes, python_version: str) -> str:
    """Checked-hash .pyc: comparable only when lambdalint runs the runtime's Python version."""
    if python_version != f"{sys.version_info[0]}.{sys.version_info[1]}":
        return VALID
    import importlib.util

    try:
        data: Optional[bytes] = bundle.read(source_path)
    except (BundleError, OSError):
        return VALID
    return VALID if importlib.util.source_hash(data) == header[8:16] else STALE


def _python2_state(header: bytes, source_mtime: Optional[int]) -> str:
    """Python 2 recompiles (and, the code folder being read-only, cannot save) a `.pyc` whose
    recorded mtime differs from the source's.  Only a zip's dates are the deployed ones: a folder
    (a checkout, which resets mtimes) is zipped later with whatever dates it has then."""
    if len(header) < PY2_HEADER:
        return STALE
    if source_mtime is None:
        return VALID
    mtime, = struct.unpack("<I", header[4:8])
    return VALID if mtime == (source_mtime & 0xFFFFFFFF) else STALE
