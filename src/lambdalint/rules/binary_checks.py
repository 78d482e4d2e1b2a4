"""Shared by LL204, LL205 and LL206: the artifacts of a function (code and local layers) with
their distributions and native binaries, and one finding per distribution."""
from typing import Dict, Iterator, List, Optional, Tuple

from lambdalint.findings import Report

PIP_HINT = ("pip install --platform manylinux2014_{arch} --implementation cp --python-version {version} "
            "--only-binary=:all: --target <build folder> <packages>")


def function_artifacts(fn, ctx) -> List[object]:
    """The function's code and local layers as installed for its Python version (one list for
    the functions that share them)."""
    return ctx.memo(("artifacts", ctx.code_key(fn)), lambda: _artifacts(fn, ctx))


def _artifacts(fn, ctx) -> List[object]:
    from lambdalint.analysis.distributions import memo_distributions, site_roots
    from lambdalint.analysis.platform import artifact

    found = []
    for bundle, is_layer in [(fn.code, False)] + [(layer.bundle, True) for layer in fn.layers]:
        if bundle is not None:
            roots = site_roots(bundle, fn.python_version, is_layer)
            found.append(ctx.memo(("artifact", id(bundle), tuple(roots)), lambda b=bundle, r=roots: artifact(
                b, r, memo_distributions(ctx, b, r))))
    return found


def artifact_problems(ctx, code: str, art, runtime, find) -> List[Tuple[str, object]]:
    """`find(art, runtime)`: a rule's (path, reason) problems of one artifact for one runtime and
    architecture, found once however many functions ship the artifact (2,000 on one folder)."""
    return ctx.memo((code, id(art.bundle), tuple(art.roots), runtime), lambda: find(art, runtime))


def grouped(art, problems: List[Tuple[str, str]]) -> Dict[Optional[object], List[Tuple[str, str]]]:
    """(path, reason) problems grouped by the distribution that ships the path."""
    from lambdalint.analysis.distributions import strip_root

    groups: Dict[Optional[object], List[Tuple[str, str]]] = {}
    for path, reason in problems:
        owner = art.owner(path)
        key = owner if owner is not None else strip_root(path, art.roots).split("/", 1)[0]
        groups.setdefault(key, []).append((path, reason))
    return groups


def reports(art, problems: List[Tuple[str, str]], code: str, message) -> Iterator[Report]:
    """One report per distribution: `message(what, reason, evidence)` words it."""
    if not problems:
        return
    from lambdalint.analysis.platform import location

    for dist, items in sorted(grouped(art, problems).items(), key=lambda kv: kv[1][0][0]):
        path, reason = items[0]
        more = f" and {len(items) - 1} more file(s)" if len(items) > 1 else ""
        what = dist if isinstance(dist, str) else dist.label
        yield Report(message(what, reason, f"{path}{more}"), location(art.bundle, path, f"{code}:{what}"))


class LayerCheckedAlone:
    """For rules that check a function's code and layers: a layer zip given on its own (no
    function uses it in this run) is checked as a layer of a function with the configured
    runtime and architecture."""

    def check_bundle(self, bundle, ctx):
        layer_function = standalone_layer(bundle, ctx)
        if layer_function is not None:
            yield from self.check_function(layer_function, ctx)


def standalone_layer(bundle, ctx):
    """A layer zip checked on its own, as a function would use it (configured runtime)."""
    from lambdalint.model.project import Function, Layer

    if not bundle.is_layer or ctx.is_attached(bundle):
        return None
    return ctx.memo(("standalone-layer", id(bundle)), lambda: Function(
        name=bundle.display, runtime=ctx.settings.runtime, architecture=ctx.settings.architecture,
        layers=[Layer(bundle.display, bundle)]))


def target_platform(fn) -> str:
    return "manylinux2014_aarch64" if fn.architecture == "arm64" else "manylinux2014_x86_64"


def pip_hint(fn) -> str:
    arch = "aarch64" if fn.architecture == "arm64" else "x86_64"
    return PIP_HINT.format(arch=arch, version=fn.python_version)
