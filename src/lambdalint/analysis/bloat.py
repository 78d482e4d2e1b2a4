"""Content of a built bundle that is not needed at run time, by category."""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.model.bundle import BundleEntry

CATEGORIES = (
    "tests folders", "bytecode for another Python", "type stubs (.pyi)", "C/C++ sources and headers",
    "docs and examples", "version-control and OS files",
)
_PYC_TAG = re.compile(r"\.cpython-(\d)(\d+)\.pyc$")
_SOURCES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".pyx", ".pxd", ".pxi")


def category(entry: BundleEntry, python_version: str, packages=frozenset()) -> Optional[str]:
    """The bloat category of a file, or None when it may be needed at run time.  `packages`:
    folders holding an `__init__.py` (a `docs` package such as botocore.docs is code)."""
    if entry.is_dir:
        return None
    path = entry.path
    parts = path.split("/")
    name = parts[-1]
    folders = parts[:-1]
    if ".git" in folders or name == ".DS_Store" or name.startswith("._"):
        return "version-control and OS files"
    tag = _PYC_TAG.search(name)
    if tag and f"{tag.group(1)}.{tag.group(2)}" != python_version:
        return "bytecode for another Python"
    if name.endswith(".pyi"):
        return "type stubs (.pyi)"
    if name.endswith(_SOURCES):
        return "C/C++ sources and headers"
    inner = folders[1:]  # a package's own subfolders (the bundle's top level is the user's code)
    if any(part in ("tests", "test") for part in inner):
        return "tests folders"
    for depth, part in enumerate(inner, start=2):
        if part in ("docs", "doc", "examples", "example") and "/".join(parts[:depth]) not in packages:
            return "docs and examples"
    return None


def removable(entries: Iterable[BundleEntry], python_version: str) -> Dict[str, List[BundleEntry]]:
    entries = list(entries)
    packages = {e.path[: -len("/__init__.py")] for e in entries if e.path.endswith("/__init__.py")}
    found: Dict[str, List[BundleEntry]] = {}
    for entry in entries:
        kind = category(entry, python_version, packages)
        if kind:
            found.setdefault(kind, []).append(entry)
    return found


def largest_folders(entries: List[BundleEntry], count: int = 3) -> List[Tuple[str, int]]:
    """The folders (two levels deep) that hold the most bytes among `entries`."""
    sizes: Dict[str, int] = {}
    for entry in entries:
        folder = "/".join(entry.path.split("/")[:2]) if "/" in entry.path else entry.path
        sizes[folder] = sizes.get(folder, 0) + entry.size
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:count]
