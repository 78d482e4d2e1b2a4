from lambdalint.data import quota
from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip
from lambdalint.units import largest, mb, top_level_sizes


class ZippedSizeLimitRule(Rule):
    code = "LL201"
    name = "zipped-size-limit"
    severity = Severity.ERROR
    summary = "A function or layer zip is larger than 50 MB, the limit for a direct upload"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"function.zip": Zip({"app.py": "def handler(event, context): pass\n",
                                      "vendor/blob.bin": Member(size=53_000_000)})},
                "53 MB of incompressible data"),
    )
    valid = (
        Example({"function.zip": Zip({"app.py": "def handler(event, context): pass\n",
                                      "vendor/blob.bin": Member(size=1_000_000)})}),
        Example({"src/app.py": "def handler(event, context): pass\n",
                 "src/big.bin": Member(size=60_000_000)}, "a folder is not uploaded as it is"),
    )

    def check_bundle(self, bundle, ctx):
        if not bundle.is_zip:
            return
        limit = quota("zipped_upload_bytes")
        size = bundle.file_size
        if size > limit:
            biggest = largest(top_level_sizes(bundle.entries, "compressed_size"))
            yield Report(
                f"archive is {mb(size)} ({size:,} bytes) zipped, over the {mb(limit)} limit for a "
                f"direct upload; largest top-level entries (compressed): {biggest}. Upload it "
                "through S3, move dependencies into a layer, or drop what is not needed at run time",
                FileAt(bundle.display, key="archive"))
