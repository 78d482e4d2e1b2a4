from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import BUNDLE, CONFIG, Rule
from lambdalint.rules.examples import function_with_layer, template
from lambdalint.rules.native_examples import wheel_info

HANDLER = "import requests\n\ndef handler(event, context):\n    return requests.__version__\n"


def _case(description: str, **files) -> object:
    return template(function_with_layer(), description,
                    **{"src/app.py": HANDLER, **files})


def _in(folder: str, members: dict) -> dict:
    return {f"{folder}/{path}": value for path, value in members.items()}


class ShadowedPackageRule(Rule):
    code = "LL210"
    name = "shadowed-package"
    severity = Severity.WARNING
    summary = "The same top-level package is shipped by the function's code and a layer, or by two layers"
    needs = frozenset({CONFIG, BUNDLE})
    invalid = (
        _case("two copies of a package in a namespace",
              **_in("src", wheel_info("protobuf", "py3-none-any", "5.0", {"google/protobuf/__init__.py": ""})),
              **_in("layer/python", wheel_info("protobuf", "py3-none-any", "4.0", {"google/protobuf/__init__.py": ""}))),
        _case("requests in the code and in the layer",
              **_in("src", wheel_info("requests", "py3-none-any", "2.32.3")),
              **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
    )
    valid = (
        _case("different packages of one namespace (Python merges them)",
              **_in("src", wheel_info("protobuf", "py3-none-any", "5.0", {"google/protobuf/__init__.py": ""})),
              **_in("layer/python", wheel_info("googleapis-common-protos", "py3-none-any", "1.7",
                                               {"google/api/__init__.py": ""}))),
        _case("requests only in the layer", **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
        _case("a top-level __init__.py in the code and in the layer is no package",
              **{"src/__init__.py": "", "layer/python/__init__.py": "", "layer/python/util.py": ""}),
        _case("different packages", **_in("src", wheel_info("idna", "py3-none-any", "3.7")),
              **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
    )

    def check_function(self, fn, ctx):
        local_layers = [layer for layer in fn.layers if layer.bundle is not None]
        # functions sharing code and layers share the comparison (2,000 functions on one folder)
        key = ("LL210", id(fn.code), tuple((str(layer.name), id(layer.bundle)) for layer in local_layers),
               fn.python_version)
        for name, first, second, layer_index in ctx.memo(key, lambda: _shadowed(fn, local_layers, ctx)):
            layer = local_layers[layer_index] if layer_index is not None else None
            where = layer.path if layer is not None and layer.path else fn.config.resource_path
            (first_label, first_version), (label, version) = first, second
            winner = (f"{first_label} comes first on sys.path" if first_label.startswith("the function")
                      else f"{label} is extracted later into /opt and overwrites the files of {first_label}")
            yield Report(
                f"package '{name}' is shipped by {first_label}{first_version} and by "
                f"{label}{version}: {winner}, so one copy is dead weight (and a version "
                "mismatch waiting to happen); keep one",
                TemplateAt(fn.config.template, where), resources=(fn.config.logical_id,))


def _shadowed(fn, local_layers, ctx) -> list:
    """(name, (label, version) first shipping it, (label, version) shipping it again, index of
    that layer in `local_layers` or None for the code) for each package shipped twice."""
    from lambdalint.analysis.distributions import memo_distributions, site_roots, strip_root

    artifacts = [("the function's code", fn.code, [""], None)] + [
        (f"layer {layer.name}", layer.bundle, site_roots(layer.bundle, fn.python_version, True), index)
        for index, layer in enumerate(local_layers)]
    owners, shadowed = {}, []
    for label, bundle, roots, layer_index in artifacts:
        dists = memo_distributions(ctx, bundle, roots)
        names = ctx.memo(("import-names", id(bundle), tuple(roots)), lambda: _import_names(bundle, roots))
        for name in sorted(names - RUNTIME_PACKAGES):
            prefix = name.replace(".", "/")
            owner = next((d for d in dists if any(
                strip_root(path, roots).startswith((prefix + "/", prefix + ".")) for path in d.files)), None)
            version = f" ({owner.label})" if owner else ""
            if name in owners:
                shadowed.append((name, owners[name], (label, version), layer_index))
            else:
                owners[name] = (label, version)
    return shadowed


NOT_MODULES = frozenset({"__init__", "__main__"})
# The runtime provides these; a copy in the code or a layer is LL213's (runtime-sdk-shadowed)
RUNTIME_PACKAGES = frozenset({"boto3", "botocore"})


def _import_names(bundle, roots):
    """Top-level importable names: packages and modules.  A namespace package (no `__init__.py`,
    e.g. `google` shared by protobuf and googleapis-common-protos) is merged by Python across
    sys.path entries, so its subpackages are compared instead (`google.protobuf`)."""
    packages, namespace_parts, modules = set(), {}, set()
    for entry in bundle.files():
        for root in sorted(roots, key=len, reverse=True):  # python/lib/... before python/
            if not entry.path.startswith(root):
                continue
            parts = entry.path[len(root):].split("/")
            top = parts[0]
            if len(parts) == 1:
                # `__init__.py` at a root makes no package (a folder does): nothing to import
                if top.endswith(".py") and top[:-3].isidentifier() and top[:-3] not in NOT_MODULES:
                    modules.add(top[:-3])
            elif top.isidentifier() and top not in ("__pycache__", "bin", "tests") and parts[-1].endswith(".py"):
                if len(parts) == 2 and parts[1] == "__init__.py":
                    packages.add(top)
                elif len(parts) >= 3 and parts[1].isidentifier():
                    namespace_parts.setdefault(top, set()).add(f"{top}.{parts[1]}")
                else:
                    namespace_parts.setdefault(top, set()).add(f"{top}.{parts[1][:-3]}")
            break
    names = set(modules) | packages
    for top, parts in namespace_parts.items():
        if top not in packages:
            names |= parts
    return names
