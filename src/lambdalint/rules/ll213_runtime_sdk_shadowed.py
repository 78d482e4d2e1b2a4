import re

from lambdalint.findings import Report, Severity
from lambdalint.rules.binary_checks import LayerCheckedAlone
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip
from lambdalint.rules.native_examples import HANDLER, wheel_info

SDK = ("boto3", "botocore")  # what every Python runtime provides, by distribution name
# The SDK with what it pulls in: a layer made of these only is a deliberate SDK pin
SDK_FAMILY = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})
SDK_FOLDERS = ("boto3", "botocore", "s3transfer")  # counted in the size the copy adds
VERSION_LINE = re.compile(rb"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.M)
INIT_HEAD = 4096  # `__version__` sits near the top of boto3/__init__.py


def _sdk(version: str = "1.26.90", core: str = "1.29.90") -> dict:
    return {**wheel_info("boto3", "py3-none-any", version, requires=["botocore"]),
            **wheel_info("botocore", "py3-none-any", core, {"botocore/__init__.py": "",
                                                            "botocore/data/big.json": Member(size=300_000)})}


def _layer(members: dict) -> dict:
    return {f"python/{path}": value for path, value in members.items()}


class RuntimeSdkShadowedRule(LayerCheckedAlone, Rule):
    code = "LL213"
    name = "runtime-sdk-shadowed"
    severity = Severity.WARNING
    summary = "The function's code or a layer ships boto3/botocore, which replace the SDK the runtime provides"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"function.zip": Zip({"app.py": HANDLER, **_sdk()})}, "boto3 and botocore installed into the zip"),
        Example({"function.zip": Zip({"app.py": HANDLER, "boto3/__init__.py": "__version__ = '1.9.42'\n",
                                      "botocore/__init__.py": "__version__ = '1.12.42'\n"})},
                "a copied boto3 folder without dist-info"),
        Example({"layer.zip": Zip(_layer({**_sdk(), **wheel_info("requests", "py3-none-any", "2.32.3")}))},
                "a dependencies layer that also carries the SDK"),
    )
    valid = (
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("requests", "py3-none-any", "2.32.3")})}),
        Example({"layer.zip": Zip(_layer({**_sdk("1.35.0", "1.35.0"),
                                          **wheel_info("jmespath", "py3-none-any", "1.0.1")}))},
                "a layer of the SDK alone: a deliberate pin of its version"),
        Example({"function.zip": Zip({"app.py": HANDLER, **_sdk(),
                                      **wheel_info("aiobotocore", "py3-none-any", "2.5.0",
                                                   requires=["botocore (<1.29.91,>=1.29.76)"])})},
                "botocore pinned by another shipped distribution (aiobotocore needs that exact range)"),
        Example({"src/app.py": HANDLER, "src/boto3/__init__.py": "__version__ = '1.9.42'\n"},
                "a plain source folder is not a built artifact"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.rules.binary_checks import function_artifacts

        if not fn.is_python:
            return
        for art in function_artifacts(fn, ctx):
            if art.bundle.is_built:
                yield from self._check(fn, art, ctx)

    def _check(self, fn, art, ctx):
        from lambdalint.analysis.platform import location
        from lambdalint.units import mb

        found = ctx.memo((self.code, id(art.bundle), tuple(art.roots)), lambda: self._sdk_copies(art))
        if found is None:
            return
        bundle, (copies, size) = art.bundle, found
        what = " and ".join(f"{name} {version}".strip() for name, version, _ in copies)
        layer_names = {id(layer.bundle): layer.name for layer in fn.layers}
        where = "the function's code" if bundle is fn.code else f"layer {layer_names.get(id(bundle), bundle.display)}"
        yield Report(
            f"{where} ships {what} ({mb(size)} unzipped): this copy comes before the runtime's own SDK "
            f"on sys.path, so {fn.runtime} never uses the SDK it provides (AWS updates that one over "
            "time). A pinned old copy lacks newer services, API operations and parameters, and every "
            "copy adds megabytes to deploy and to load at cold start. Leave boto3/botocore out of the "
            "packaged requirements (keep them as development dependencies); to pin a version on "
            "purpose, ship it in a layer of its own",
            location(bundle, copies[0][2], f"{self.code}:{copies[0][0]}"))

    def _sdk_copies(self, art):
        """The SDK copies the artifact ships that nothing else in it requires, and their size (None
        when there are none): once per bundle, however many functions use it."""
        from lambdalint.analysis.distributions import normalise

        bundle = art.bundle
        by_name = {normalise(d.name): d for d in art.dists}
        if bundle.is_layer and by_name and set(by_name) <= SDK_FAMILY:
            return None  # a layer of the SDK alone: the documented way to pin its version
        required_elsewhere = {req for name, d in by_name.items() if name not in SDK_FAMILY for req in d.requires}
        copies = []  # (name, version, path)
        for root in art.roots:
            for name in SDK:
                dist = by_name.get(name)
                if dist is not None and dist.dist_info.startswith(root) and "/" not in dist.dist_info[len(root):]:
                    copies.append((name, dist.version, dist.dist_info))
                elif dist is None and not bundle.is_source_tree and bundle.entry(f"{root}{name}/__init__.py"):
                    copies.append((name, self._folder_version(bundle, f"{root}{name}/__init__.py"), f"{root}{name}"))
        if not copies or any(name in required_elsewhere for name, _, _ in copies):
            return None
        size = sum(e.size for e in bundle.files()
                   if any(e.path.startswith(f"{root}{folder}/") or e.path.startswith(f"{root}{folder}-")
                          for root in art.roots for folder in SDK_FOLDERS))
        return copies, size

    @staticmethod
    def _folder_version(bundle, init_path: str) -> str:
        from lambdalint.model.bundle import BundleError

        try:
            found = VERSION_LINE.search(bundle.read_head(init_path, INIT_HEAD))
        except (BundleError, OSError):
            return ""
        return found.group(1).decode("ascii", "replace") if found else ""
