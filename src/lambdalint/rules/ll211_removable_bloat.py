from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.binary_checks import LayerCheckedAlone
from lambdalint.rules.base import BUNDLE, Example, Member, Option, Rule, Zip

HANDLER = "def handler(event, context):\n    return 1\n"


class RemovableBloatRule(LayerCheckedAlone, Rule):
    code = "LL211"
    name = "removable-bloat"
    severity = Severity.WARNING
    summary = "A built bundle or layer ships content not needed at run time (tests, stubs, sources, docs)"
    needs = frozenset({BUNDLE})
    options = (Option("bloat-threshold-mb", float, 1.0, "Report from this many removable megabytes"),)
    invalid = (
        Example({"function.zip": Zip({"app.py": HANDLER, "pandas/__init__.py": "",
                                      "pandas/tests/test_big.py": Member(size=1_500_000),
                                      "pandas/core/frame.pyi": Member(size=300_000)})},
                "a dependency's test suite and stubs"),
    )
    valid = (
        Example({"function.zip": Zip({"app.py": HANDLER, "pandas/__init__.py": "",
                                      "pandas/tests/test_small.py": Member(size=50_000)})}, "under the threshold"),
        Example({"function.zip": Zip({"app.py": HANDLER, "botocore/__init__.py": "",
                                      "botocore/docs/__init__.py": "",
                                      "botocore/docs/method.py": Member(size=2_000_000)})},
                "a docs package that is code (botocore.docs is imported)"),
        Example({"src/app.py": HANDLER, "src/tests/test_app.py": Member(size=2_000_000)},
                "a plain source folder is not a built artifact"),
        Example({"function.zip": Zip({"app.py": HANDLER, "astropy/__init__.py": "from .tests.runner import TestRunner\n",
                                      "astropy/tests/__init__.py": "",
                                      "astropy/tests/runner.py": Member(size=2_000_000)})},
                "a tests package its parent imports at load time (astropy)"),
    )

    def check_function(self, fn, ctx):
        for bundle, is_layer in [(fn.code, False)] + [(layer.bundle, True) for layer in fn.layers]:
            if bundle is not None and bundle.is_built:  # reported at the bundle: once per bundle
                yield from ctx.memo((self.code, id(bundle), fn.python_version, is_layer),
                                    lambda b=bundle, layer=is_layer: list(self._check(b, fn.python_version, layer)))

    def _check(self, bundle, python_version, is_layer):
        from lambdalint.analysis.bloat import largest_folders, removable
        from lambdalint.analysis.distributions import site_roots
        from lambdalint.units import MB, mb

        roots = site_roots(bundle, python_version, is_layer)
        files = bundle.files()
        if bundle.is_source_tree:  # only the installed packages it carries are built content
            files = [e for e in files if bundle.is_installed_content(e.path)]
        found = removable(files, python_version, roots, lambda path: bundle.read_head(path, 256 * 1024))
        total = sum(e.size for entries in found.values() for e in entries)
        if total < self.option("bloat-threshold-mb") * MB:
            return
        parts = []
        for kind, entries in sorted(found.items(), key=lambda kv: -sum(e.size for e in kv[1])):
            size = sum(e.size for e in entries)
            top = ", ".join(f"{folder} {mb(bytes_)}" for folder, bytes_ in largest_folders(entries, 2, roots))
            parts.append(f"{kind} {mb(size)} ({top})")
        yield Report(f"{mb(total)} unzipped is not needed at run time: {'; '.join(parts)}. Leave it out "
                     "when building (exclude patterns, or delete after `pip install --target`): it counts "
                     "against the 250 MB limit and slows every deployment",
                     FileAt(bundle.display, key=f"{self.code}:bloat"))
