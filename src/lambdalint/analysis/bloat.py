"""Content of a built bundle that is not needed at run time, by category."""
from __future__ import annotations

import re
from dataclasses import replace
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


_IMPORTS_TESTS = re.compile(rb"^\s*(?:from\s+\.+\s*tests\b|from\s+\.+tests\b|from\s+[\w.]+\.tests\b|"
                            rb"import\s+[\w.]+\.tests\b|from\s+\.\s+import\s+[^\n]*\btests\b)", re.M)


def removable(entries: Iterable[BundleEntry], python_version: str, roots: Iterable[str] = ("",),
              read=None) -> Dict[str, List[BundleEntry]]:
    """Removable files by category.  Paths are judged relative to their site root (a layer's
    python/ folder); `read(path)` lets a package's `__init__.py` show that it imports its own
    `tests` package (astropy does), which is then kept."""
    entries = list(entries)
    roots = sorted(roots, key=len, reverse=True)
    relative = [_strip(e, roots) for e in entries]
    packages = {e.path[: -len("/__init__.py")] for e in relative if e.path.endswith("/__init__.py")}
    needed_tests = _imported_tests(packages, roots, read) if read else set()
    found: Dict[str, List[BundleEntry]] = {}
    for entry, rel in zip(entries, relative):
        if any(rel.path.startswith(folder + "/") for folder in needed_tests):
            continue
        kind = category(rel, python_version, packages)
        if kind:
            found.setdefault(kind, []).append(entry)
    return found


def _strip(entry: BundleEntry, roots: List[str]) -> BundleEntry:
    for root in roots:
        if root and entry.path.startswith(root):
            return replace(entry, path=entry.path[len(root):])
    return entry


def _imported_tests(packages, roots, read) -> set:
    """`pkg/tests` packages that `pkg/__init__.py` imports at load time."""
    needed = set()
    for package in packages:
        if package.endswith("/tests") and package.count("/") == 1:
            parent = package.rsplit("/", 1)[0]
            for root in roots:
                try:
                    text = read(f"{root}{parent}/__init__.py")
                except Exception:  # noqa: BLE001 - not in this root, or unreadable: not needed
                    continue
                if _IMPORTS_TESTS.search(text):
                    needed.add(package)
                break
    return needed


def largest_folders(entries: List[BundleEntry], count: int = 3, roots: Iterable[str] = ("",)) -> List[Tuple[str, int]]:
    """The folders (two levels below the site root) that hold the most bytes among `entries`."""
    roots = sorted(roots, key=len, reverse=True)
    sizes: Dict[str, int] = {}
    for entry in (_strip(e, roots) for e in entries):
        folder = "/".join(entry.path.split("/")[:2]) if "/" in entry.path else entry.path
        sizes[folder] = sizes.get(folder, 0) + entry.size
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:count]
