from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python

CREATORS = {"tempfile.mkstemp": "a file", "tempfile.mkdtemp": "a folder"}
DELETIONS = ("os.remove", "os.unlink", "os.rmdir", "shutil.rmtree", "Path.unlink", "Path.rmdir")
UNIQUE_MARKERS = {"uuid.uuid4", "uuid.uuid1", "time.time", "time.time_ns", "datetime.datetime.now",
                  "datetime.datetime.utcnow"}


class TmpNotCleanedRule(Rule):
    code = "LL302"
    name = "tmp-not-cleaned"
    severity = Severity.WARNING
    summary = "A uniquely named file or folder created in /tmp per invocation and never removed"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("import tempfile\n\ndef handler(event, context):\n    fd, path = tempfile.mkstemp()\n"
               "    with open(path, 'w') as out:\n        out.write('x')\n    return path\n", "mkstemp"),
        python("import tempfile\n\ndef handler(event, context):\n"
               "    f = tempfile.NamedTemporaryFile(delete=False)\n    f.write(b'x')\n    return f.name\n",
               "NamedTemporaryFile(delete=False)"),
        python("import uuid\n\ndef handler(event, context):\n    path = f'/tmp/{uuid.uuid4()}.json'\n"
               "    with open(path, 'w') as out:\n        out.write('x')\n    return path\n", "a uuid name"),
        python("import uuid, boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
               "    path = f'/tmp/{uuid.uuid4()}.pdf'\n    s3.download_file('bucket', 'key', path)\n    return path\n",
               "a download to a unique name (AWS developer guide sample)"),
        python("def handler(event, context):\n    package = event['package']\n"
               "    with open(f'/tmp/{package}.zip', 'wb') as out:\n        out.write(b'x')\n",
               "a name built from the event"),
        python("import uuid\n\ndef write_report(path, data):\n    with open(path, 'wb') as out:\n"
               "        out.write(data)\n\ndef handler(event, context):\n"
               "    out_path = f'/tmp/converted-{uuid.uuid4()}.pdf'\n    write_report(out_path, b'x')\n"
               "    return out_path\n", "a unique path written by a helper (reported at the call)"),
    )
    valid = (
        python("import tempfile\n\ndef handler(event, context):\n    with tempfile.TemporaryDirectory() as d:\n"
               "        return d\n", "TemporaryDirectory as a context manager"),
        python("import os, tempfile\n\ndef handler(event, context):\n    fd, path = tempfile.mkstemp()\n"
               "    try:\n        os.write(fd, b'x')\n    finally:\n        os.close(fd)\n        os.remove(path)\n",
               "removed in finally"),
        python("import tempfile\n\ndef handler(event, context):\n    with tempfile.NamedTemporaryFile() as f:\n"
               "        return f.name\n", "NamedTemporaryFile() deletes itself"),
        python("import uuid\n\ndef handler(event, context):\n    path = f'/tmp/{uuid.uuid4()}.json'\n"
               "    with open(path) as f:\n        return f.read()\n", "reading is not creating"),
        python("import os, uuid\n\ndef write_report(path, data):\n    with open(path, 'wb') as out:\n"
               "        out.write(data)\n\ndef handler(event, context):\n"
               "    out_path = f'/tmp/converted-{uuid.uuid4()}.pdf'\n    try:\n        write_report(out_path, b'x')\n"
               "    finally:\n        os.remove(out_path)\n", "written by a helper, removed by the caller"),
    )

    def check_function(self, fn, ctx):
        import libcst as cst

        from lambdalint.analysis.handler_path import handler_path
        from lambdalint.analysis.state import names_in, scope_facts
        from lambdalint.analysis.writes import helper_calls

        for part in handler_path(fn, ctx):
            if part.scope.function is None:
                continue
            namer, _, writes = part.tools(ctx)
            facts = scope_facts(ctx, part)
            unique_paths, removed, request = _scope_names(ctx, part)
            holders = {}  # id(call) -> names the result is assigned to
            for target, value, _, _ in facts.assignments:
                if isinstance(value, cst.Call):
                    holders[id(value)] = names_in(target)
            created = []
            for call, _, _ in facts.calls:
                name = namer(call.func)
                if name in CREATORS and not _has_keyword(call, "dir"):
                    created.append((call, f"{name}() creates {CREATORS[name]} in /tmp", holders.get(id(call), set())))
                elif name == "tempfile.NamedTemporaryFile" and _keyword_false(call, "delete"):
                    created.append((call, "tempfile.NamedTemporaryFile(delete=False) creates a file in /tmp",
                                    holders.get(id(call), set())))
            for call, target, what in writes:
                if what.startswith(DELETIONS):
                    continue
                if names_in(target) & unique_paths or _is_unique_tmp_path(target, namer, request):
                    created.append((call, f"{what} writes a uniquely named file in /tmp", names_in(target)))
            for call, what, held in created:
                if not held & removed:
                    yield Report(_message(what), NodeAt(part.source, call))

        def evaluate(part, argument, known):
            """True: the argument is a unique /tmp path that nothing removes; False: one that is removed."""
            if part.scope.function is None:
                return None
            unique_paths, removed, request = _scope_names(ctx, part)
            names = names_in(argument)
            from_caller = [known[name] for name in names if name in known]
            if not (names & unique_paths or _is_unique_tmp_path(argument, part.tools(ctx)[0], request) or from_caller):
                return None
            return bool(names & removed) or any(from_caller)

        # a unique path built by a caller and written by the helper it calls: reported at the call
        for helper in helper_calls(ctx, fn, evaluate):
            _, _, writes = helper.callee.tools(ctx)
            removed_in_helper = _scope_names(ctx, helper.callee)[1]
            for call, target, what in writes:
                fed = names_in(target) & helper.known.keys()
                if what.startswith(DELETIONS) or not fed or fed & removed_in_helper \
                        or any(helper.known[name] for name in fed):
                    continue
                yield Report(_message(f"{what} in {helper.callee.scope.name}()"
                                      " writes a uniquely named file in /tmp"), NodeAt(helper.origin.source, helper.site))


def _message(what: str) -> str:
    return (f"{what} on every invocation and nothing removes it: /tmp (512 MB by default) "
            "survives warm invocations and fills up until writes fail with 'No space left "
            "on device'. Remove it in a `finally:` (os.remove, shutil.rmtree), or use "
            "tempfile.TemporaryDirectory() as a context manager")


def _scope_names(ctx, part):
    """(names holding unique /tmp paths, names removed, names holding event values) of a function scope."""
    from lambdalint.analysis.state import handler_event_names, names_in, removed_names, scope_facts

    def make():
        namer, _, _ = part.tools(ctx)
        facts = scope_facts(ctx, part)
        request = handler_event_names(ctx, part)
        unique = {name for target, value, _, _ in facts.assignments if value is not None
                  and _is_unique_tmp_path(value, namer, request) for name in names_in(target)}
        return unique, removed_names(facts, namer), request

    return ctx.memo(("ll302-names", id(part.source), part.scope.name), make)


def _has_keyword(call, keyword: str) -> bool:
    return any(a.keyword is not None and a.keyword.value == keyword for a in call.args)


def _keyword_false(call, keyword: str) -> bool:
    import libcst as cst

    return any(a.keyword is not None and a.keyword.value == keyword and isinstance(a.value, cst.Name)
               and a.value.value == "False" for a in call.args)


def _is_unique_tmp_path(node, namer, request=frozenset()) -> bool:
    """An f-string or concatenation under /tmp whose name comes from uuid, time or the request
    (`request`: names holding values of the event)."""
    import libcst as cst

    text_parts = []
    unique = False

    class Walk(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            nonlocal unique
            if namer(call.func) in UNIQUE_MARKERS:
                unique = True

        def visit_Attribute(self, attr: cst.Attribute) -> None:
            nonlocal unique
            if attr.attr.value in ("aws_request_id",):
                unique = True

        def visit_Name(self, name: cst.Name) -> None:
            nonlocal unique
            if name.value in request:
                unique = True

        def visit_FormattedStringText(self, text: cst.FormattedStringText) -> None:
            text_parts.append(text.value)

        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            text_parts.append(value if isinstance(value, str) else "")

    if not isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.Call)):
        return False
    node.visit(Walk())
    return unique and bool(text_parts) and text_parts[0].startswith("/tmp/")
