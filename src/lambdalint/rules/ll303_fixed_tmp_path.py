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
    invalid = (
        python("import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
               "    s3.download_file(event['bucket'], event['key'], '/tmp/input.csv')\n"
               "    return open('/tmp/input.csv').read()\n", "a download to a fixed name"),
        python("def handler(event, context):\n    with open('/tmp/report.json', 'w') as out:\n"
               "        out.write(event['body'])\n", "a fixed output file"),
        python("import os\n\ndef handler(event, context):\n    open('/tmp/state.json', 'w').write('x')\n"
               "    return os.path.exists('/tmp/state.json')\n", "an existence check that does not guard the write"),
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
    )

    def check_function(self, fn, ctx):
        import libcst as cst

        from lambdalint.analysis.handler_path import handler_path
        from lambdalint.analysis.state import scope_facts
        from lambdalint.analysis.static_paths import classify

        for part in handler_path(fn, ctx):
            if part.scope.function is None:
                continue
            namer, resolver, writes = part.tools(ctx)
            facts = scope_facts(ctx, part)
            removed = set()
            tests_of = {id(call): tests for call, tests, _ in facts.calls}
            for call, _, _ in facts.calls:
                name = namer(call.func)
                if name in ("os.remove", "os.unlink", "shutil.rmtree") and call.args:
                    path = resolver.resolve(call.args[0].value)
                    removed.add(path.prefix if path.complete else None)
                elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "unlink" \
                        and resolver.is_path_object(call.func.value):
                    path = resolver.resolve(call.func.value)
                    removed.add(path.prefix if path.complete else None)
            for call, target, what in writes:
                # a deliberate cache: an existence check of the same path guards the write
                checked = {_checked_path(test, resolver, namer) for test in tests_of.get(id(call), [])}
                if what.startswith(NOT_DATA):
                    continue
                value = resolver.resolve(target)
                if not value.complete or classify(value) != "tmp" or value.prefix.rstrip("/") == "/tmp":
                    continue
                if value.prefix in removed or value.prefix in checked or any(
                        value.prefix.startswith(folder.rstrip("/") + "/") for folder in removed if folder):
                    continue
                yield Report(
                    f"{what} writes the fixed path '{value.prefix}' on every invocation and never removes "
                    "it: the file outlives the invocation, so a later one (possibly for another user) can "
                    "read stale or half-written data. Use a unique name (tempfile.NamedTemporaryFile, "
                    "tempfile.TemporaryDirectory) or remove it in a `finally:`; if it is a deliberate "
                    "cache, guard the write with an existence check", NodeAt(part.source, call))


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
