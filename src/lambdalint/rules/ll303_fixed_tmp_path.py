from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python

NOT_DATA = ("os.mkdir", "os.makedirs", "Path.mkdir", "shutil.rmtree", "os.remove", "os.unlink",
            "os.rmdir", "Path.unlink", "Path.rmdir", "Path.touch", "tempfile.")  # tempfile: unique names
EXISTENCE_CHECKS = {"os.path.exists", "os.path.isfile", "os.path.isdir"}


class FixedTmpPathRule(Rule):
    code = "LL303"
    name = "fixed-tmp-path"
    severity = Severity.WARNING
    summary = "A hard-coded /tmp path written on every invocation and not removed (stale data next time)"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
               "    s3.download_file(event['bucket'], event['key'], '/tmp/input.csv')\n"
               "    return open('/tmp/input.csv').read()\n", "a download to a fixed name"),
        python("def handler(event, context):\n    with open('/tmp/report.json', 'w') as out:\n"
               "        out.write(event['body'])\n", "a fixed output file"),
        python("import os\n\ndef handler(event, context):\n    open('/tmp/state.json', 'w').write('x')\n"
               "    return os.path.exists('/tmp/state.json')\n", "an existence check that does not guard the write"),
        python("from PIL import Image\n\ndef handler(event, context):\n"
               "    Image.open('/tmp/in.jpg').save('/tmp/out.jpg')\n", "Pillow Image.save"),
        python("def fetch(path):\n    open(path, 'wb').write(b'x')\n\n"
               "def handler(event, context):\n    fetch('/tmp/input.bin')\n",
               "a fixed path written by a helper (reported at the call)"),
        python("import os\n\ndef handler(event, context):\n    os.chdir('/tmp')\n    open('out.txt', 'w')\n",
               "a relative path after os.chdir('/tmp')"),
    )
    valid = (
        python("import os, boto3\ns3 = boto3.client('s3')\nMODEL = '/tmp/model.bin'\n\n"
               "def handler(event, context):\n    if not os.path.exists(MODEL):\n"
               "        s3.download_file('models', 'latest', MODEL)\n    return MODEL\n",
               "a deliberate cache guarded by an existence check"),
        python("import os\n\ndef handler(event, context):\n    try:\n        open('/tmp/out.txt', 'w').write('x')\n"
               "    finally:\n        os.remove('/tmp/out.txt')\n", "removed in finally"),
        python("import tempfile\n\ndef handler(event, context):\n    with tempfile.NamedTemporaryFile('w') as out:\n"
               "        out.write('x')\n", "tempfile"),
        python("import os\n\ndef handler(event, context):\n    os.makedirs('/tmp/work', exist_ok=True)\n",
               "creating a folder writes no data"),
        python("import tempfile\n\ndef handler(event, context):\n"
               "    with tempfile.TemporaryDirectory(dir='/tmp/work') as d:\n        return d\n",
               "tempfile with dir= makes unique names"),
        python("import os\n\ndef fetch(path):\n    open(path, 'wb').write(b'x')\n\n"
               "def handler(event, context):\n    if not os.path.exists('/tmp/model.bin'):\n"
               "        fetch('/tmp/model.bin')\n", "a cache filled by a helper, guarded by the caller"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.handler_path import handler_path
        from lambdalint.analysis.state import names_in, scope_facts
        from lambdalint.analysis.writes import helper_calls, write_path

        for part in handler_path(fn, ctx):
            if part.scope.function is None:
                continue
            namer, resolver, writes = part.tools(ctx)
            removed = _removed_paths(ctx, part, resolver)
            tests_of = {id(call): tests for call, tests, _ in scope_facts(ctx, part).calls}
            for call, target, what in writes:
                value = write_path(ctx, fn, part, call, target)
                # a deliberate cache: an existence check of the same path guards the write
                checked = {_checked_path(test, resolver, namer) for test in tests_of.get(id(call), [])}
                if not what.startswith(NOT_DATA) and _fixed_tmp(value) and not _kept(value.prefix, removed, checked):
                    yield Report(_message(what, value.prefix), NodeAt(part.source, call))

        def evaluate(part, argument, known):
            value = part.tools(ctx)[1].with_known(known).resolve(argument)
            return value if value.prefix else None

        # a fixed path chosen by a caller and written by the helper it calls: reported at the call
        for helper in helper_calls(ctx, fn, evaluate):
            namer, plain, writes = helper.callee.tools(ctx)
            resolver = plain.with_known(helper.known)
            removed = _removed_paths(ctx, helper.origin, helper.origin.tools(ctx)[1]) \
                | _removed_paths(ctx, helper.callee, resolver)
            tests_of = {id(call): tests for call, tests, _ in scope_facts(ctx, helper.callee).calls}
            site_tests = next((tests for call, tests, _ in scope_facts(ctx, helper.origin).calls
                               if call is helper.site), [])
            for call, target, what in writes:
                if what.startswith(NOT_DATA) or not names_in(target) & helper.known.keys() \
                        or _fixed_tmp(write_path(ctx, fn, helper.callee, call, target)):
                    continue  # no data, not fed by the caller, or already reported where it is written
                value = write_path(ctx, fn, helper.callee, call, target, resolver)
                checked = {_checked_path(test, resolver, namer) for test in tests_of.get(id(call), [])} | {
                    _checked_path(test, helper.origin.tools(ctx)[1], helper.origin.tools(ctx)[0]) for test in site_tests}
                if _fixed_tmp(value) and not _kept(value.prefix, removed, checked):
                    yield Report(_message(f"{what} in {helper.callee.scope.name}()", value.prefix),
                                 NodeAt(helper.origin.source, helper.site))


def _fixed_tmp(value) -> bool:
    from lambdalint.analysis.static_paths import classify

    return value.complete and classify(value) == "tmp" and value.prefix.rstrip("/") != "/tmp"


def _kept(path: str, removed, checked) -> bool:
    """Removed (itself or a folder above it), or guarded by an existence check (a deliberate cache)."""
    return path in removed or path in checked or any(
        path.startswith(folder.rstrip("/") + "/") for folder in removed if folder)


def _removed_paths(ctx, part, resolver):
    """The complete paths a scope removes (os.remove, os.unlink, shutil.rmtree, Path.unlink)."""
    import libcst as cst

    from lambdalint.analysis.state import scope_facts

    namer = part.tools(ctx)[0]
    removed = set()
    for call, _, _ in scope_facts(ctx, part).calls:
        if namer(call.func) in ("os.remove", "os.unlink", "shutil.rmtree") and call.args:
            path = resolver.resolve(call.args[0].value)
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "unlink" \
                and resolver.is_path_object(call.func.value):
            path = resolver.resolve(call.func.value)
        else:
            continue
        if path.complete:
            removed.add(path.prefix)
    return removed


def _message(what: str, path: str) -> str:
    return (f"{what} writes the fixed path '{path}' on every invocation and never removes "
            "it: the file outlives the invocation, so a later one (possibly for another user) can "
            "read stale or half-written data. Use a unique name (tempfile.NamedTemporaryFile, "
            "tempfile.TemporaryDirectory) or remove it in a `finally:`; if it is a deliberate "
            "cache, guard the write with an existence check")


def _checked_path(test, resolver, namer):
    """The path an `if` test checks for existence (`os.path.exists(p)`, `not Path(p).exists()`)."""
    import libcst as cst

    while isinstance(test, cst.UnaryOperation):
        test = test.expression
    if not isinstance(test, cst.Call):
        return None
    if namer(test.func) in EXISTENCE_CHECKS and test.args:
        value = resolver.resolve(test.args[0].value)
    elif isinstance(test.func, cst.Attribute) and test.func.attr.value in ("exists", "is_file") \
            and resolver.is_path_object(test.func.value):
        value = resolver.resolve(test.func.value)
    else:
        return None
    return value.prefix if value.complete else None
