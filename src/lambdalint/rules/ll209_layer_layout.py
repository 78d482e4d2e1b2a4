import re
from typing import List, Tuple

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import BUNDLE, CONFIG, Rule
from lambdalint.rules.examples import function_with_layer, template

HANDLER = "def handler(event, context):\n    return 1\n"


def _case(description: str, runtime_line: str = "", **files) -> object:
    text = function_with_layer()
    if runtime_line:
        text = text.replace("Runtime: python3.12", runtime_line)
    return template(text, description, **{"src/app.py": HANDLER, **files})


class LayerLayoutRule(Rule):
    code = "LL209"
    name = "layer-layout"
    severity = Severity.ERROR
    summary = "A layer whose content is not where Python looks (python/ or python/lib/pythonX.Y/site-packages/)"
    needs = frozenset({CONFIG, BUNDLE})
    invalid = (
        _case("packages at the layer's root", **{"layer/requests/__init__.py": ""}),
        _case("site-packages of another Python version", **{"layer/python/lib/python3.9/site-packages/x/__init__.py": ""}),
    )
    valid = (
        _case("under python/", **{"layer/python/requests/__init__.py": ""}),
        _case("site-packages of the runtime's version", **{"layer/python/lib/python3.12/site-packages/x/__init__.py": ""}),
        _case("a layer of native tools under bin/ and lib/", **{"layer/bin/tool": "x", "layer/python/x.py": ""}),
        template(function_with_layer().replace("      ContentUri: layer/\n", "      ContentUri: layer/\n"
                                               "    Metadata:\n      BuildMethod: python3.12\n"),
                 "sam build lays the layer out itself (BuildMethod)",
                 **{"src/app.py": HANDLER, "layer/client.py": "", "layer/requirements.txt": "requests\n"}),
        _case("an extension layer: its code runs from /opt/extensions, not from sys.path",
              **{"layer/extensions/my-extension": "#!/bin/sh\n", "layer/my_extension/main.py": ""}),
    )

    def check_function(self, fn, ctx):
        if not fn.is_python:
            return
        for layer in fn.layers:
            if layer.bundle is None or _laid_out_by_build(fn.config.template, layer):
                continue
            yield from self._check_layer(fn, layer, ctx)

    def _check_layer(self, fn, layer, ctx):
        bundle = layer.bundle
        # One finding per layer, however many functions use it: placed on the layer's content
        # (its resource) when the template defines it, else on the function's reference.
        at = _layer_location(fn.config.template, layer)
        outside, versions = ctx.memo((self.code, id(bundle)), lambda: _layout(bundle))
        if outside:
            yield Report(f"layer {layer.name} has Python content outside python/ ({outside[0]}"
                         f"{' and ' + str(len(outside) - 1) + ' more' if len(outside) > 1 else ''}): "
                         "Lambda extracts layers to /opt and puts only /opt/python and "
                         "/opt/python/lib/pythonX.Y/site-packages on sys.path; move it under python/",
                         at, resources=(fn.config.logical_id,))
        wrong = [v for v in versions if v != fn.python_version]
        if wrong:
            yield Report(f"layer {layer.name} installs into python/lib/python{wrong[0]}/site-packages/, "
                         f"but {fn.runtime} functions use it: that folder is not on their sys.path; "
                         f"build the layer for python{fn.python_version} or use plain python/",
                         at, resources=(fn.config.logical_id,))


def _layout(bundle) -> Tuple[List[str], List[str]]:
    """The layer's Python files outside python/, and the X.Y of each python/lib/pythonX.Y/ it
    installs into: once per layer, however many functions use it."""
    paths = [e.path for e in bundle.files()]
    # Python modules outside python/ (native libraries in lib/ and tools in bin/ are fine:
    # /opt/lib is on LD_LIBRARY_PATH and /opt/bin on PATH).  An extension layer's own code
    # (next to its `extensions/` launcher) is run by the launcher, not imported.
    is_extension = any(p.startswith("extensions/") for p in paths)
    outside = [] if is_extension else [p for p in paths if not p.startswith("python/") and (
        p.endswith((".py", ".pyc", ".pyd", ".abi3.so")) or ".cpython-" in p)]
    versions = sorted({m.group(1) for p in paths for m in [re.match(r"^python/lib/python(\d+\.\d+)/", p)] if m})
    return outside, versions


def _laid_out_by_build(template, layer) -> bool:
    """A layer whose `Metadata: BuildMethod` (python3.x, makefile) makes `sam build` install its
    content under python/: its source folder is not what Lambda gets (the built copy in
    .aws-sam/build, when present, is what lambdalint reads and checks)."""
    resource = template.resources.get(layer.name) if isinstance(layer.name, str) else None
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    build_method = metadata.get("BuildMethod") if isinstance(metadata, dict) else None
    if not isinstance(build_method, str) or not build_method.strip():
        return False
    return not layer.bundle.in_build_folder


def _layer_location(template, layer) -> TemplateAt:
    resource = template.resources.get(layer.name) if isinstance(layer.name, str) else None
    if isinstance(resource, dict):
        properties = resource.get("Properties")
        for key in ("ContentUri", "Content"):
            if isinstance(properties, dict) and key in properties:
                return TemplateAt(template, ("Resources", layer.name, "Properties", key))
        return TemplateAt(template, ("Resources", layer.name))
    return TemplateAt(template, layer.path) if layer.path else None
