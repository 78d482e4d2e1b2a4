import re

from lambdalint.findings import Severity
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip
from lambdalint.rules.native_examples import wheel_info

HANDLER = "def handler(event, context):\n    return 1\n"
DEV_DISTRIBUTIONS = re.compile(
    r"^(pytest|pytest[-_].*|moto|black|mypy|ruff|pylint|flake8|coverage|ipython|"
    r"jupyter.*|boto3[-_]stubs|botocore[-_]stubs|mypy[-_]boto3[-_].*|types[-_].*|pip|setuptools|wheel)$",
    re.IGNORECASE)
DEV_TOP_LEVEL = re.compile(r"^(_pytest|pytest|moto|black|mypy|ruff|pylint|flake8|coverage|IPython|"
                           r"jupyter_\w+|mypy_boto3_\w+|pip|setuptools|wheel)$")


class DevDependencyInBundleRule(Rule):
    code = "LL105"
    name = "dev-dependency-in-bundle"
    severity = Severity.WARNING
    summary = "A built bundle or layer ships a test or development tool that never runs in production"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("pytest", "py3-none-any", "8.3.0", {
            "pytest/__init__.py": "", "_pytest/main.py": Member(size=200_000)})})}, "pytest in a zip"),
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("mypy_boto3_s3", "py3-none-any", "1.35.0")})},
                "type stubs for boto3"),
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("pytest", "py3-none-any", "8.3.0"),
                                      **wheel_info("idna", "py3-none-any", "3.10",
                                                   requires=['pytest>=8 ; extra == "all"'])})},
                "a requirement of an optional extra does not make it a run-time dependency"),
    )
    valid = (
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("requests", "py3-none-any", "2.32.0")})}),
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("setuptools", "py3-none-any", "75.0.0"),
                                      **wheel_info("fs", "py3-none-any", "2.4.16", requires=["setuptools"])})},
                "setuptools required by a run-time dependency (pkg_resources)"),
        Example({"src/app.py": HANDLER, "src/tests/test_app.py": "import pytest\n"},
                "a plain source folder is not a built artifact"),
    )

    def check_bundle(self, bundle, ctx):
        from lambdalint.analysis.distributions import all_site_roots, memo_distributions, normalise, strip_root
        from lambdalint.analysis.platform import location
        from lambdalint.units import mb

        if not bundle.is_built:
            return
        roots = all_site_roots(bundle) if bundle.is_layer else [""] + [r for r in bundle.install_roots() if r]
        sizes = {e.path: e.size for e in bundle.files()}
        seen_tops = set()
        dists = memo_distributions(ctx, bundle, roots)
        # setuptools for pkg_resources, mypy-extensions for typing_inspect...: needed at run time
        required = {name for d in dists if not DEV_DISTRIBUTIONS.match(d.name) for name in d.requires}
        for dist in dists:
            if DEV_DISTRIBUTIONS.match(dist.name):
                root = dist.dist_info[: len(dist.dist_info) - len(dist.dist_info.rsplit("/", 1)[-1])]
                seen_tops.update(root + top for top in dist.top_level)  # judged here, with its distribution
                if normalise(dist.name) in required:
                    continue
                size = sum(sizes.get(path, 0) for path in dist.files)
                yield self._report(bundle, dist.dist_info, dist.label, size, location, mb)
        # Folders of dev tools without a dist-info: only in built content (in a source tree, the
        # user's own folders at its root are not installed packages)
        top_roots = [r for r in roots if r or not bundle.is_source_tree or "" in bundle.install_roots()]
        tops_by_root = {}
        for path, size in sizes.items():
            rest = strip_root(path, roots)
            root = path[: len(path) - len(rest)]
            if root in top_roots and "/" in rest:
                top = rest.split("/", 1)[0]
                tops_by_root.setdefault(root, {})
                if DEV_TOP_LEVEL.match(top) and root + top not in seen_tops:
                    tops_by_root[root][top] = tops_by_root[root].get(top, 0) + size
        for root, tops in sorted(tops_by_root.items()):
            for top, size in sorted(tops.items()):
                yield self._report(bundle, root + top, top, size, location, mb)

    def _report(self, bundle, path, what, size, location, mb):
        from lambdalint.findings import Report

        return Report(f"{what} is a development tool and never runs on Lambda, yet it adds {mb(size)} "
                      "to the bundle: install only runtime dependencies when building (a separate "
                      "requirements file, or `pip install --no-deps` of the production set)",
                      location(bundle, path, f"{self.code}:{what}"))
