import calendar
import struct

from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import BUNDLE, SOURCE, Example, Member, Option, Rule, Zip

HANDLER = "import helpers\nimport models\nimport views\n\ndef handler(event, context):\n    return helpers.VALUE\n"
# three modules of about 200 kB: compiling them again costs more than the default 10 ms threshold
HELPERS = "VALUE = 1\n" + ("# " + "x" * 78 + "\n") * 2_500
SMALL_HELPERS = "VALUE = 1\n"
MODULES = ("helpers", "models", "views")
SLOWDOWN = 2.1  # measured median factor of imports without valid .pyc (aws-facts.md)


BUILT_AT = 1_700_000_000  # when the build machine wrote the sources
ZIP_DATE = (2024, 5, 1, 12, 0, 0)
ZIP_DATE_SECONDS = calendar.timegm(ZIP_DATE + (0, 0, 0))
HASH_BASED = 0b01


def _pyc(source: str, flags: int, mtime: int) -> bytes:
    """A .pyc header (magic, flags, source mtime, source size) and a token of code."""
    return b"\xcb\r\r\n" + struct.pack("<III", flags, mtime, len(source.encode())) + b"\xe3"


def _bundle(description: str, flags: int = 0, mtime: int = 0, date=ZIP_DATE, helpers: str = HELPERS) -> Example:
    sources = {"app": HANDLER, **{name: helpers for name in MODULES}}
    members = {f"{name}.py": Member(text, date_time=date) for name, text in sources.items()}
    if mtime or flags:
        members.update({f"__pycache__/{name}.cpython-312.pyc": Member(_pyc(text, flags, mtime))
                        for name, text in sources.items()})
    return Example({"function.zip": Zip(members)}, description)


def _python2_folder(description: str, with_pyc: bool) -> Example:
    files = {"app.py": HANDLER, **{f"{name}.py": HELPERS for name in MODULES},
             "pkg-1.0.dist-info/METADATA": "Name: pkg\n", "pkg/__init__.py": ""}
    if with_pyc:  # Python 2 writes helpers.pyc next to helpers.py, no __pycache__
        files.update({f"{name}.pyc": b"\x03\xf3\r\n" + bytes(4) for name in ("app",) + MODULES})
    return Example(files, description, ("--runtime", "python2.7"))


class BytecodeMissingOrStaleRule(Rule):
    code = "LL106"
    name = "bytecode-missing-or-stale"
    severity = Severity.WARNING
    summary = "Modules of the handler's import closure ship without valid bytecode for the runtime"
    needs = frozenset({SOURCE, BUNDLE})
    code_only = True  # reports at the bundle, for the code's runtime: once for the functions sharing it
    options = (Option("min-extra-ms", float, 10.0,
                      "Report from this many estimated milliseconds of recompilation per cold start"),)
    invalid = (
        _bundle("no .pyc at all"),
        _bundle("timestamp .pyc, but the zip tool reset the sources' dates to 1980",
                mtime=BUILT_AT, date=(1980, 1, 1, 0, 0, 0)),
        _python2_folder("Python 2 sources without their .pyc, in a pip install -t folder", with_pyc=False),
    )
    valid = (
        _bundle("compileall --invalidation-mode unchecked-hash", flags=HASH_BASED, mtime=1),
        _bundle("timestamp .pyc matching the zip dates", mtime=ZIP_DATE_SECONDS),
        Example({"src/app.py": HANDLER, **{f"src/{name}.py": HELPERS for name in MODULES}},
                "a plain source folder is not a built artifact"),
        _bundle("one small module: recompiling it costs under the threshold", helpers=SMALL_HELPERS),
        _python2_folder("Python 2's layout: helpers.pyc next to helpers.py", with_pyc=True),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.bytecode import VALID, bytecode_state

        model = ctx.cold_start().model
        for source, imports in ctx.handler_imports(fn):
            by_bundle = {}
            for module in imports.init_modules:
                if module.bundle is None or not (module.path or "").endswith(".py") or not module.bundle.is_built:
                    continue
                state = bytecode_state(module.bundle, module.path, fn.python_version)
                if state != VALID:
                    by_bundle.setdefault(id(module.bundle), (module.bundle, []))[1].append((module, state))
            for bundle, bad in by_bundle.values():
                extra = (SLOWDOWN - 1) * sum(model.local_ms(m) for m, _ in bad)
                if extra < self.option("min-extra-ms"):
                    continue  # a few small modules: recompiling them is noise next to init
                yield self._report(fn, imports.module_name, bundle, bad, extra)

    def _report(self, fn, module_name, bundle, bad, extra):
        from lambdalint.analysis.bytecode import MISSING

        missing = sum(1 for _, state in bad if state == MISSING)
        stale = len(bad) - missing
        parts = [f"{missing} without .pyc"] if missing else []
        parts += [f"{stale} with stale timestamp .pyc"] if stale else []
        fix = ("`python -m compileall` with the runtime's Python 2 (it writes each .pyc next to its "
               "source), and keep the sources' dates when zipping" if fn.python_version.startswith("2.")
               else "`python -m compileall --invalidation-mode unchecked-hash`")
        return Report(
            f"{len(bad)} module(s) of {module_name}'s import closure have no valid bytecode for "
            f"{fn.runtime} ({', '.join(parts)}): the code folder is read-only, so every cold start "
            f"compiles them again, an estimated {extra:,.0f} ms more. Build with {fix}",
            FileAt(bundle.display, member=bad[0][0].path if bundle.is_zip else None,
                   key=f"bytecode:{module_name}"))
