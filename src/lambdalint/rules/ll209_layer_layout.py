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
    )

    def check_function(self, fn, ctx):
        import re

        for layer in fn.layers:
            bundle = layer.bundle
            if bundle is None or not fn.is_python:
                continue
            at = TemplateAt(fn.config.template, layer.path) if layer.path else None
            paths = [e.path for e in bundle.files()]
            # Python modules outside python/ (native libraries in lib/ and tools in bin/ are fine:
            # /opt/lib is on LD_LIBRARY_PATH and /opt/bin on PATH).
            outside = [p for p in paths if not p.startswith("python/") and (
                p.endswith((".py", ".pyc", ".pyd", ".abi3.so")) or ".cpython-" in p)]
            if outside:
                yield Report(f"layer {layer.name} has Python content outside python/ ({outside[0]}"
                             f"{' and ' + str(len(outside) - 1) + ' more' if len(outside) > 1 else ''}): "
                             "Lambda extracts layers to /opt and puts only /opt/python and "
                             "/opt/python/lib/pythonX.Y/site-packages on sys.path; move it under python/",
                             at, resources=(fn.config.logical_id,))
            versions = sorted({m.group(1) for p in paths for m in [re.match(r"^python/lib/python(\d+\.\d+)/", p)] if m})
            wrong = [v for v in versions if v != fn.python_version]
            if wrong:
                yield Report(f"layer {layer.name} installs into python/lib/python{wrong[0]}/site-packages/, "
                             f"but {fn.name} runs {fn.runtime}: that folder is not on its sys.path; "
                             f"build the layer for python{fn.python_version} or use plain python/",
                             at, resources=(fn.config.logical_id,))
