"""Installed distributions in a bundle or layer: `*.dist-info/WHEEL` tags, `METADATA` name and
version, `RECORD` files; so that a file can be named by the distribution it belongs to."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from lambdalint.model.bundle import Bundle, BundleError

METADATA_LIMIT = 64 * 1024  # headers are at the top of METADATA; the long description is not needed


@dataclass(eq=False)  # identity: used as a key when grouping files by distribution
class Distribution:
    name: str
    version: str
    dist_info: str  # path of the *.dist-info folder inside the bundle
    tags: List[str] = field(default_factory=list)  # e.g. "cp312-cp312-manylinux_2_17_x86_64"
    files: List[str] = field(default_factory=list)  # paths inside the bundle (from RECORD)
    requires: List[str] = field(default_factory=list)  # normalised names from Requires-Dist
    top_level: List[str] = field(default_factory=list)  # first path components it installs

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def wheel_file(self) -> str:
        return f"{self.dist_info}/WHEEL"


def site_roots(bundle: Bundle, python_version: str, is_layer: bool) -> List[str]:
    """Prefixes under which installed packages sit: the bundle root and the folders of installed
    distributions it carries (`package/`, `.serverless/requirements/`), or a layer's python/ folders."""
    if not is_layer:
        return [""] + [root for root in bundle.install_roots() if root]
    # Only the folders on the runtime's sys.path; another version's site-packages is LL209's.
    return ["python/", f"python/lib/python{python_version}/site-packages/"]


def all_site_roots(bundle: Bundle) -> List[str]:
    """A layer's python/ and every python/lib/pythonX.Y/site-packages/ it has (whatever runtime)."""
    roots = ["python/"]
    for entry in bundle.entries:
        match = re.match(r"^(python/lib/python\d+\.\d+/site-packages/)", entry.path)
        if match and match.group(1) not in roots:
            roots.append(match.group(1))
    return roots


def strip_root(path: str, roots: List[str]) -> str:
    for root in sorted(roots, key=len, reverse=True):
        if root and path.startswith(root):
            return path[len(root):]
    return path


def memo_distributions(ctx, bundle: Bundle, roots: List[str]) -> List[Distribution]:
    """`distributions`, read once per run for each bundle and roots (rules ask per function)."""
    return ctx.memo(("distributions", id(bundle), tuple(roots)), lambda: distributions(bundle, roots))


def distributions(bundle: Bundle, roots: List[str]) -> List[Distribution]:
    found = []
    ordered = sorted(roots, key=len, reverse=True)  # python/lib/... before python/
    tops: Dict[str, Set[str]] = {root: set() for root in ordered}  # names present under each root
    for entry in bundle.entries:
        for root in ordered:
            rest = entry.path[len(root):] if entry.path.startswith(root) else None
            if rest is None:
                continue
            tops[root].add(rest.split("/", 1)[0])
            if rest.endswith(".dist-info/METADATA") and rest.count("/") == 1:
                found.append((root + rest[: -len("/METADATA")], root))
            break
    return sorted((_read(bundle, dist_info, root, tops[root]) for dist_info, root in found),
                  key=lambda d: d.dist_info)


def _read(bundle: Bundle, dist_info: str, root: str, present: Set[str]) -> Distribution:
    name, version = _name_from_folder(dist_info)
    try:
        from email.parser import HeaderParser  # here: 15 ms to import, and most bundles have no dist-info

        headers = HeaderParser().parsestr(bundle.read_head(f"{dist_info}/METADATA", METADATA_LIMIT)
                                          .decode("utf-8", "replace").split("\n\n", 1)[0])
        name, version = headers.get("Name", name), headers.get("Version", version)
        requires = [re.split(r"[\s;<>=!~\[(]", r.strip(), 1)[0] for r in headers.get_all("Requires-Dist") or []
                    if "extra ==" not in r and "extra==" not in r]  # optional extras are not needed
    except (BundleError, OSError, KeyError):
        requires = []
    dist = Distribution(name, version, dist_info, requires=[normalise(r) for r in requires if r])
    dist.tags = [line.split(":", 1)[1].strip() for line in _lines(bundle, f"{dist_info}/WHEEL")
                 if line.startswith("Tag:")]
    for line in _lines(bundle, f"{dist_info}/RECORD"):
        path = line.split(",", 1)[0]
        if path and not path.startswith("../"):
            dist.files.append(root + path)
            top = path.split("/", 1)[0]
            if not top.endswith((".dist-info", ".data")) and top not in dist.top_level:
                dist.top_level.append(top)
    if not dist.top_level:  # no RECORD (copied by hand, or trimmed): say what it installs anyway
        dist.top_level = _declared_top_level(bundle, dist_info, dist.name, present)
    return dist


def _declared_top_level(bundle: Bundle, dist_info: str, name: str, present: Set[str]) -> List[str]:
    """Top-level names from `top_level.txt`, else the distribution's name when a package or
    module of that name sits next to its dist-info (`pytest-8.3.dist-info` and `pytest/`)."""
    names = [line.strip() for line in _lines(bundle, f"{dist_info}/top_level.txt") if line.strip()]
    if not names:
        import_name = normalise(name).replace("-", "_")
        # `_pytest` next to `pytest`: a private twin package is the same distribution's
        names = sorted({name, name.replace("-", "_"), import_name, "_" + import_name})
    # as RECORD names them: a package folder, or a module file
    return [top if top in present else f"{top}.py" for top in names if top in present or f"{top}.py" in present]


def normalise(name: str) -> str:
    """PEP 503 name normalisation: `Mypy_Extensions` -> `mypy-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _lines(bundle: Bundle, path: str) -> List[str]:
    if bundle.entry(path) is None:
        return []
    try:
        return bundle.read(path).decode("utf-8", "replace").splitlines()
    except (BundleError, OSError):
        return []


def _name_from_folder(dist_info: str) -> Tuple[str, str]:
    stem = dist_info.rsplit("/", 1)[-1][: -len(".dist-info")]
    name, _, version = stem.partition("-")
    return name, version


def owner_index(dists: List[Distribution]) -> Dict[str, Distribution]:
    """Path inside the bundle -> the distribution whose RECORD lists it."""
    return {path: dist for dist in dists for path in dist.files}


def owner_of(path: str, index: Dict[str, Distribution], dists: List[Distribution]) -> Optional[Distribution]:
    if path in index:
        return index[path]
    top = path.split("/", 1)[0]
    return next((d for d in dists if top in d.top_level), None)
