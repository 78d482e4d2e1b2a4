"""The third-party distributions a code folder declares (requirements files, pyproject.toml,
Pipfile), and the top-level import names they install.

A package copied into a function's folder without any metadata (`cp -r venv/.../requests .`) is
a dependency, not the function's own code, when the folder's requirements name it: lambdalint
then reads it for the import graph (cold-start costs) but does not lint it as the user's code.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Set, Tuple

from lambdalint.model.bundle import Bundle, BundleError

REQUIREMENTS_FILE = re.compile(r"^requirements[\w.-]*\.(?:txt|in)$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """PEP 503's normal form, with `_` (the way import names are written)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def import_names(distribution: str) -> Set[str]:
    """Top-level import names a distribution installs: from data/import_names.toml when they
    differ from its name (PyYAML installs `yaml`), else its normalised name."""
    return set(_known_import_names().get(normalise(distribution), [normalise(distribution)]))


def declared_import_names(bundle: Bundle, folder: str = "") -> Set[str]:
    """Normalised top-level import names of the distributions declared in `folder` of the bundle
    ("" for its root; "python/" for a layer that keeps its own requirements there)."""
    names: Set[str] = set()
    for distribution in declared_distributions(bundle, folder):
        names |= {normalise(name) for name in import_names(distribution)}
    return names


def declared_distributions(bundle: Bundle, folder: str = "") -> Set[str]:
    """Distribution names declared as dependencies in `folder` of the bundle (not the project itself)."""
    found: Set[str] = set()
    own: Set[str] = set()
    for path in requirement_files_in(bundle, folder):
        name = path[len(folder):]
        if REQUIREMENTS_FILE.match(name):
            found |= requirement_names(_text(bundle, path).splitlines())
        elif name == "pyproject.toml":
            dependencies, project = _pyproject(_text(bundle, path))
            found |= dependencies
            own |= project
        else:
            found |= _pipfile(_text(bundle, path))
    own = {normalise(project) for project in own}
    return {name for name in found if normalise(name) not in own}


def requirement_names(lines: Iterable[str]) -> Set[str]:
    """Names of the requirements in a requirements file's lines (options, URLs, paths skipped)."""
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-", ".", "/")) or "://" in line.split("@", 1)[0]:
            continue
        if "@" in line and line.split("@", 1)[1].strip().startswith("file:"):
            continue  # `orders @ file:///home/u/orders`: a local project (pip freeze), maybe this one
        match = _NAME.match(line)
        if match:
            names.add(match.group(1))
    return names


def _text(bundle: Bundle, path: str) -> str:
    try:
        return bundle.read(path).decode("utf-8", "replace")
    except (BundleError, OSError):
        return ""


def _toml(text: str) -> dict:
    from lambdalint.data import tomllib

    try:
        loaded = tomllib.loads(text)
    except (ValueError, TypeError, RecursionError, MemoryError):  # deep nesting: declares nothing
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _pyproject(text: str):
    """(dependencies, the project's own names) of a pyproject.toml (PEP 621 and Poetry)."""
    document = _toml(text)
    project = document.get("project") if isinstance(document.get("project"), dict) else {}
    poetry = document.get("tool", {}).get("poetry") if isinstance(document.get("tool"), dict) else None
    poetry = poetry if isinstance(poetry, dict) else {}
    dependencies = set()
    listed = project.get("dependencies")
    if isinstance(listed, list):
        dependencies |= requirement_names(item for item in listed if isinstance(item, str))
    table = poetry.get("dependencies")
    if isinstance(table, dict):
        dependencies |= {str(name) for name in table if str(name).lower() != "python"}
    own = {str(value) for value in (project.get("name"), poetry.get("name")) if isinstance(value, str)}
    return dependencies, own


def _pipfile(text: str) -> Set[str]:
    packages = _toml(text).get("packages")
    return {str(name) for name in packages} if isinstance(packages, dict) else set()


_IMPORT_NAMES: Dict[str, List[str]] = {}


def _known_import_names() -> Dict[str, List[str]]:
    if not _IMPORT_NAMES:
        from lambdalint.data import table

        _IMPORT_NAMES.update({normalise(name): names for name, names in table("import_names")["names"].items()})
    return _IMPORT_NAMES


MAX_PARENT_LEVELS = 6  # a project's requirements sit at most this far above a function's folder


def declared_import_names_above(folder, stop) -> Tuple[Set[str], int]:
    """(normalised import names, number of requirements files read) of the requirements files of
    `folder`'s parent folders, up to `stop` included (the project's or template's folder): a
    repository often keeps one requirements.txt or pyproject.toml at its root for every function
    below it.  `folder` itself is not read (`declared_import_names` of its bundle does that)."""
    import os
    from pathlib import Path

    from lambdalint.model.bundle import FolderBundle

    names: Set[str] = set()
    count = 0
    current, stop = Path(os.path.abspath(folder)), Path(os.path.abspath(stop))
    if current != stop and stop not in current.parents:
        return names, count
    for _ in range(MAX_PARENT_LEVELS):
        if current == stop:
            break
        current = current.parent
        files = _requirement_files(current)
        if files:
            count += len(files)
            names |= declared_import_names(FolderBundle(current, str(current), only=files))
    return names, count


def _requirement_files(folder) -> List[str]:
    """Names of the requirements files directly in a folder (regular files only)."""
    import os

    try:
        children = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(child.name for child in children
                  if is_requirements_file(child.name) and child.is_file(follow_symlinks=False))


def is_requirements_file(name: str) -> bool:
    """requirements*.txt/.in, pyproject.toml or Pipfile."""
    return bool(REQUIREMENTS_FILE.match(name)) or name in ("pyproject.toml", "Pipfile")


def requirement_files_in(bundle: Bundle, folder: str = "") -> List[str]:
    """Paths of the requirements files directly in `folder` of the bundle ("" for its root,
    "python/" for a layer's)."""
    return [entry.path for entry in bundle.files()
            if entry.path.startswith(folder) and "/" not in entry.path[len(folder):]
            and is_requirements_file(entry.path[len(folder):])]

