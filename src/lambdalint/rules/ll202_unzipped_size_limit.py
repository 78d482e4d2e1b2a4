from lambdalint.data import quota
from lambdalint.findings import FileAt, Report, Severity, TemplateAt
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip
from lambdalint.rules.examples import function_with
from lambdalint.units import largest, mb, top_level_sizes

TEMPLATE = function_with("Layers: [!Ref Deps]", code_uri="src/", resources="""\
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
""")
HANDLER = "def handler(event, context):\n    return 1\n"


class UnzippedSizeLimitRule(Rule):
    code = "LL202"
    name = "unzipped-size-limit"
    severity = Severity.ERROR
    summary = "A function's code plus all its layers exceeds 250 MB unzipped"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"template.yaml": TEMPLATE, "src/app.py": HANDLER,
                 "src/model.bin": Member(size=150_000_000),
                 "layer/python/big/data.bin": Member(size=120_000_000)},
                "code and layer together exceed the limit"),
        Example({"layer.zip": Zip({"python/huge/blob.bin": Member(size=263_000_000, content=b"\0")})},
                "a layer checked alone"),
    )
    valid = (
        Example({"template.yaml": TEMPLATE, "src/app.py": HANDLER,
                 "src/model.bin": Member(size=100_000_000),
                 "layer/python/big/data.bin": Member(size=100_000_000)}),
    )

    def check_function(self, fn, ctx):
        parts = {"function code": fn.code.unzipped_size}
        for layer in fn.layers:
            if layer.bundle is not None:
                parts[f"layer {layer.name}"] = layer.bundle.unzipped_size
        total = sum(parts.values())
        if total <= quota("unzipped_bytes"):
            return
        unknown = sum(1 for layer in fn.layers if layer.bundle is None)
        note = f", plus {unknown} layer(s) not available locally" if unknown else ""
        message = (f"unzipped size of the function's code and layers is {mb(total)} ({total:,} bytes), "
                   f"over Lambda's limit of {quota('unzipped_bytes'):,} bytes: {largest(parts, 10)}{note}; "
                   f"largest top-level entries of the code: {largest(top_level_sizes(fn.code.entries))}. "
                   "Deployment fails: drop what is not needed at run time (see LL211), move large data to "
                   "S3 or EFS, or deploy a container image (up to 10 GB)")
        if fn.config is not None:
            code_uri = fn.config.get("CodeUri") or fn.config.get("Code")
            path = code_uri.path if code_uri else fn.config.resource_path
            yield Report(message, TemplateAt(fn.config.template, path), resources=(fn.config.logical_id,))
        else:
            yield Report(message, FileAt(fn.code.display, key="unzipped"))

    def check_bundle(self, bundle, ctx):
        """A layer checked alone (not attached to any function in this run)."""
        if not bundle.is_layer or ctx.is_attached(bundle):
            return
        total = bundle.unzipped_size
        if total > quota("unzipped_bytes"):
            yield Report(
                f"layer unzips to {mb(total)} ({total:,} bytes), over Lambda's limit of "
                f"{quota('unzipped_bytes'):,} bytes for a function and all its layers; largest "
                f"entries: {largest(top_level_sizes(bundle.entries))}. Drop what is not needed at run "
                "time (see LL211) or split it",
                FileAt(bundle.display, key="unzipped"))
