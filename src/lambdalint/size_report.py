"""`lambdalint size`: per function the zipped and unzipped sizes against Lambda's limits, per
artifact (code, each layer) and per top-level package, with the content that could be removed.

`collect()` returns plain dicts (the JSON document); `render_text`, `render_json` and
`output.size_html.render_html` format them.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from lambdalint.data import quota
from lambdalint.output import printable_tree
from lambdalint.units import mb

TOP_PACKAGES = 5
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")


def collect(project, settings) -> List[dict]:
    """One entry per function (Zip package type), then one per layer zip not attached to any.
    Names are printable (`output.printable`), as in every report."""
    default_version = _python_version(settings.runtime)
    functions = []
    for fn in project.functions:
        if fn.package_type != "Zip":
            continue  # container images have their own 10 GB limit; nothing to weigh here
        version = fn.python_version or default_version
        code = fn.code if fn.code is not None and fn.code.kind != "inline" else None  # no artifact
        artifacts = [_artifact("code", "code", code, version)]
        artifacts += [_artifact(layer.name, "layer", layer.bundle, version) for layer in fn.layers]
        functions.append(_function(fn.name, fn.runtime, code, artifacts))
    attached = project.attached_bundles()
    for bundle in project.bundles:
        if id(bundle) in attached or not bundle.is_zip or not bundle.is_layer:
            continue
        artifact = _artifact(bundle.display, "layer", bundle, default_version)
        functions.append(_function(bundle.display, settings.runtime, bundle, [artifact]))
    return printable_tree(functions)


def _python_version(runtime: str) -> str:
    return runtime[len("python"):] if runtime.startswith("python") else ""


def _function(name: str, runtime: str, zipped_from, artifacts: List[dict]) -> dict:
    return {
        "function": name,
        "runtime": runtime,
        "zipped_bytes": _zip_size(zipped_from),
        "zipped_limit": quota("zipped_upload_bytes"),
        "unzipped_bytes": sum(a["unzipped_bytes"] or 0 for a in artifacts),
        "unzipped_limit": quota("unzipped_bytes"),
        "artifacts": artifacts,
    }


def _zip_size(bundle) -> Optional[int]:
    return bundle.file_size if bundle is not None and bundle.is_zip else None


def _artifact(name: str, kind: str, bundle, python_version: str) -> dict:
    if bundle is None:
        return {"name": name, "kind": kind, "path": None, "zipped_bytes": None, "unzipped_bytes": None,
                "available": False, "packages": [], "bloat": []}
    return {
        "name": name,
        "kind": kind,
        "path": bundle.display,
        "zipped_bytes": _zip_size(bundle),
        "unzipped_bytes": bundle.unzipped_size,
        "available": True,
        "packages": packages(bundle, kind == "layer", python_version),
        "bloat": bloat(bundle, python_version),
    }


def packages(bundle, is_layer: bool, python_version: str) -> List[dict]:
    """Bytes per top-level package (by import name: a layer's `python/` and
    `python/lib/pythonX.Y/site-packages/` prefixes are stripped), each labelled with the
    distribution that installed most of its bytes, when a `*.dist-info/RECORD` names one."""
    from lambdalint.analysis.distributions import distributions, owner_index, site_roots

    roots = sorted(site_roots(bundle, python_version, is_layer), key=len, reverse=True)
    dists = distributions(bundle, roots)
    index = owner_index(dists)
    by_top = {(dist.dist_info[: dist.dist_info.rfind("/") + 1], top): dist
              for dist in dists for top in dist.top_level}
    sizes: Dict[str, int] = {}
    owners: Dict[str, Dict[int, int]] = {}
    for entry in bundle.entries:
        if entry.is_dir:
            continue
        root = next((r for r in roots if entry.path.startswith(r) and len(entry.path) > len(r)), "")
        rest = entry.path[len(root):]
        top = rest.split("/", 1)[0]
        name = _import_name(top) if "/" not in rest else top
        sizes[name] = sizes.get(name, 0) + entry.size
        owner = index.get(entry.path) or by_top.get((root, top))
        if owner is not None:
            counts = owners.setdefault(name, {})
            counts[id(owner)] = counts.get(id(owner), 0) + entry.size + 1
    dist_by_id = {id(dist): dist for dist in dists}
    rows = []
    for name, size in sizes.items():
        counts = owners.get(name)
        dist = dist_by_id[max(counts, key=lambda key: (counts[key], dist_by_id[key].name))] if counts else None
        rows.append({"name": name, "distribution": dist.name if dist else None,
                     "version": dist.version if dist else None, "bytes": size})
    return sorted(rows, key=lambda row: (-row["bytes"], row["name"]))


def _import_name(filename: str) -> str:
    """`six.py` -> `six`; `_cffi_backend.cpython-312-x86_64-linux-gnu.so` -> `_cffi_backend`."""
    if filename.endswith(_MODULE_SUFFIXES) and not filename.startswith("."):
        return filename.split(".", 1)[0]
    return filename


def bloat(bundle, python_version: str) -> List[dict]:
    from lambdalint.analysis.bloat import removable

    rows = [{"category": category, "bytes": sum(e.size for e in entries), "files": len(entries)}
            for category, entries in removable(bundle.files(), python_version).items()]
    return sorted(rows, key=lambda row: (-row["bytes"], row["category"]))


# -- rendering -------------------------------------------------------------------------------------

def render_json(functions: List[dict]) -> str:
    return json.dumps({"functions": functions}, indent=2) + "\n"


def percent(size: Optional[int], limit: int) -> str:
    return f"{100 * size / limit:.1f}%" if size is not None and limit else "-"


def largest_packages(fn: dict, count: int = TOP_PACKAGES) -> List[dict]:
    """The largest packages of a function across its artifacts, each with its artifact's name."""
    rows = [{**package, "artifact": artifact["name"]}
            for artifact in fn["artifacts"] for package in artifact["packages"]]
    return sorted(rows, key=lambda row: (-row["bytes"], row["name"], row["artifact"]))[:count]


def no_zip_reason(fn: dict) -> str:
    """Why a function has no zipped size: its code is a folder, or it is not here at all."""
    first = fn["artifacts"][0] if fn["artifacts"] else None
    return "not a zip (a folder)" if first is not None and first["available"] else "code not available locally"


def removable_bytes(fn: dict) -> int:
    return sum(row["bytes"] for artifact in fn["artifacts"] for row in artifact["bloat"])


def label(package: dict) -> str:
    if not package["distribution"]:
        return package["name"]
    dist = f"{package['distribution']} {package['version'] or ''}".strip()
    return package["name"] if dist == package["name"] else f"{package['name']} ({dist})"


def render_text(functions: List[dict]) -> str:
    if not functions:
        return "No function or layer found.\n"
    out = []
    for fn in functions:
        out.append(f"{fn['function']}  {fn['runtime']}")
        out.append(_limit_line("zipped", fn["zipped_bytes"], fn["zipped_limit"], no_zip_reason(fn)))
        unknown = sum(1 for a in fn["artifacts"] if not a["available"])
        note = f"  + {unknown} artifact(s) not available locally" if unknown else ""
        out.append(_limit_line("unzipped", fn["unzipped_bytes"], fn["unzipped_limit"], "") + note)
        out.append("")
        rows = [("artifact", "kind", "path", "zipped", "unzipped")]
        for artifact in fn["artifacts"]:
            if artifact["available"]:
                zipped = mb(artifact["zipped_bytes"]) if artifact["zipped_bytes"] is not None else "-"
                rows.append((artifact["name"], artifact["kind"], artifact["path"], zipped,
                             mb(artifact["unzipped_bytes"])))
            else:
                rows.append((artifact["name"], artifact["kind"], "not available locally", "", ""))
        out.extend(_table(rows, right=(3, 4)))
        top = largest_packages(fn)
        if top:
            out.append("")
            out.append(f"  largest packages (of {fn['unzipped_bytes']:,} bytes unzipped):")
            rows = [(label(p), p["artifact"], mb(p["bytes"]), percent(p["bytes"], fn["unzipped_bytes"]))
                    for p in top]
            out.extend(_table(rows, right=(2, 3), indent="    "))
        removable = removable_bytes(fn)
        if removable:
            out.append("")
            out.append(f"  removable: {mb(removable)} ({removable:,} bytes)")
            totals = bloat_totals(fn)
            rows = [(category, mb(size), f"{files:,} files")
                    for category, (size, files) in sorted(totals.items(), key=lambda i: (-i[1][0], i[0]))]
            out.extend(_table(rows, right=(1, 2), indent="    "))
        out.append("")
    return "\n".join(out)


def _limit_line(what: str, size: Optional[int], limit: int, missing: str) -> str:
    if size is None:
        return f"  {what:<9} {missing}"
    over = "  OVER THE LIMIT" if size > limit else ""
    return (f"  {what:<9} {mb(size):>10} of {mb(limit)} ({percent(size, limit)}; "
            f"{size:,} of {limit:,} bytes){over}")


def _table(rows, right=(), indent: str = "  ") -> List[str]:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [f"{str(cell):>{w}}" if i in right else f"{str(cell):<{w}}"
                 for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def bloat_totals(fn: dict) -> Dict[str, List[int]]:
    """Removable bytes and files per category, over all of a function's artifacts."""
    totals: Dict[str, List[int]] = {}
    for artifact in fn["artifacts"]:
        for row in artifact["bloat"]:
            total = totals.setdefault(row["category"], [0, 0])
            total[0] += row["bytes"]
            total[1] += row["files"]
    return totals
