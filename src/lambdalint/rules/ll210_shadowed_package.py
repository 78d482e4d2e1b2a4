from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import BUNDLE, CONFIG, Rule
from lambdalint.rules.examples import function_with, template
from lambdalint.rules.native_examples import wheel_info

LAYER = """\
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
"""
HANDLER = "import requests\n\ndef handler(event, context):\n    return requests.__version__\n"


def _case(description: str, **files) -> object:
    return template(function_with("Layers: [!Ref Deps]", code_uri="src/", resources=LAYER), description,
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
        _case("requests in the code and in the layer",
              **_in("src", wheel_info("requests", "py3-none-any", "2.32.3")),
              **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
    )
    valid = (
        _case("requests only in the layer", **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
        _case("different packages", **_in("src", wheel_info("idna", "py3-none-any", "3.7")),
              **_in("layer/python", wheel_info("requests", "py3-none-any", "2.31.0"))),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.distributions import distributions, site_roots

        artifacts = [("the function's code", fn.code, [""], None)] + [
            (f"layer {layer.name}", layer.bundle, site_roots(layer.bundle, fn.python_version, True), layer)
            for layer in fn.layers if layer.bundle is not None]
        owners = {}
        for label, bundle, roots, layer in artifacts:
            dists = distributions(bundle, roots)
            for name in sorted(_import_names(bundle, roots)):
                owner = next((d for d in dists if name in d.top_level), None)
                version = f" ({owner.label})" if owner else ""
                if name in owners:
                    first_label, first_version = owners[name]
                    where = layer.path if layer is not None and layer.path else fn.config.resource_path
                    yield Report(
                        f"package '{name}' is shipped by {first_label}{first_version} and by "
                        f"{label}{version}: {first_label} comes first on sys.path, so the other copy is "
                        "dead weight (and a version mismatch waiting to happen); keep one",
                        TemplateAt(fn.config.template, where), resources=(fn.config.logical_id,))
                else:
                    owners[name] = (label, version)


def _import_names(bundle, roots):
    """Top-level importable names: packages (folders with .py files) and modules."""
    names = set()
    for entry in bundle.files():
        for root in roots:
            if not entry.path.startswith(root):
                continue
            rest = entry.path[len(root):]
            top = rest.split("/", 1)[0]
            if "/" in rest and rest.endswith(".py") and not top.endswith((".dist-info", ".data")) \
                    and top not in ("__pycache__", "bin", "tests") and top.isidentifier():
                names.add(top)
            elif "/" not in rest and rest.endswith(".py") and rest[:-3].isidentifier():
                names.add(rest[:-3])
    return names
