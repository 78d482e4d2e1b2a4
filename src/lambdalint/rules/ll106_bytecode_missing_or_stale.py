import calendar
import struct

from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import BUNDLE, SOURCE, Example, Member, Rule, Zip

HANDLER = "import helpers\n\ndef handler(event, context):\n    return helpers.VALUE\n"
HELPERS = "VALUE = 1\n"
SLOWDOWN = 2.1  # measured median factor of imports without valid .pyc (aws-facts.md)


BUILT_AT = 1_700_000_000  # when the build machine wrote the sources
ZIP_DATE = (2024, 5, 1, 12, 0, 0)
ZIP_DATE_SECONDS = calendar.timegm(ZIP_DATE + (0, 0, 0))
HASH_BASED = 0b01


def _pyc(source: str, flags: int, mtime: int) -> bytes:
    """A .pyc header (magic, flags, source mtime, source size) and a token of code."""
    return b"\xcb\r\r\n" + struct.pack("<III", flags, mtime, len(source.encode())) + b"\xe3"


def _bundle(description: str, flags: int = 0, mtime: int = 0, date=ZIP_DATE) -> Example:
    members = {"app.py": Member(HANDLER, date_time=date), "helpers.py": Member(HELPERS, date_time=date)}
    if mtime or flags:
        members["__pycache__/app.cpython-312.pyc"] = Member(_pyc(HANDLER, flags, mtime))
        members["__pycache__/helpers.cpython-312.pyc"] = Member(_pyc(HELPERS, flags, mtime))
    return Example({"function.zip": Zip(members)}, description)


class BytecodeMissingOrStaleRule(Rule):
    code = "LL106"
    name = "bytecode-missing-or-stale"
    severity = Severity.WARNING
    summary = "Modules of the handler's import closure ship without valid bytecode for the runtime"
    needs = frozenset({SOURCE, BUNDLE})
    invalid = (
        _bundle("no .pyc at all"),
        _bundle("timestamp .pyc, but the zip tool reset the sources' dates to 1980",
                mtime=BUILT_AT, date=(1980, 1, 1, 0, 0, 0)),
    )
    valid = (
        _bundle("compileall --invalidation-mode unchecked-hash", flags=HASH_BASED, mtime=1),
        _bundle("timestamp .pyc matching the zip dates", mtime=ZIP_DATE_SECONDS),
        Example({"src/app.py": HANDLER, "src/helpers.py": HELPERS}, "a plain source folder is not a built artifact"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.bytecode import MISSING, VALID, bytecode_state

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
                missing = sum(1 for _, state in bad if state == MISSING)
                stale = len(bad) - missing
                extra = (SLOWDOWN - 1) * sum(model.local_ms(m) for m, _ in bad)
                cost = f"an estimated {extra:,.0f} ms more" if extra >= 1 else "under 1 ms more each time"
                parts = [f"{missing} without .pyc"] if missing else []
                parts += [f"{stale} with stale timestamp .pyc"] if stale else []
                yield Report(
                    f"{len(bad)} module(s) of {imports.module_name}'s import closure have no valid "
                    f"bytecode for {fn.runtime} ({', '.join(parts)}): the code folder is read-only, so "
                    f"every cold start compiles them again, {cost}. Build with "
                    "`python -m compileall --invalidation-mode unchecked-hash`",
                    FileAt(bundle.display, member=bad[0][0].path if bundle.is_zip else None,
                           key=f"bytecode:{imports.module_name}"))
