from lambdalint.display import display_join
from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import BUNDLE, SOURCE, Example, Rule, Zip
from lambdalint.rules.examples import function_with, function_with_layer, template
from lambdalint.rules.native_examples import wheel_info

HANDLER = "import requests\n\n\ndef handler(event, context):\n    return requests.get(event['url']).status_code\n"
LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:deps:3"


def _zip(members: dict, description: str, handler: str = HANDLER) -> Example:
    return Example({"function.zip": Zip({"app.py": handler, **members})}, description)


def _under(folder: str, members: dict) -> dict:
    return {f"{folder}/{path}": value for path, value in members.items()}


def _guarded(body: str) -> str:
    return body + "\n\ndef handler(event, context):\n    return None\n"


class UnresolvedImportRule(Rule):
    code = "LL107"
    name = "unresolved-import"
    severity = Severity.ERROR
    summary = "A module-level import of the handler's import closure that resolves nowhere (ImportModuleError at init)"
    needs = frozenset({SOURCE, BUNDLE})
    invalid = (
        _zip(_under("package", wheel_info("requests", "py3-none-any", "2.32.3")),
             "requests installed with `pip install -t package/` and zipped with its folder"),
        _zip({"utils.py": "VALUE = 1\n"}, "a `src.` prefix that does not exist in the zip",
             handler="from src.utils import VALUE\n\n\ndef handler(event, context):\n    return VALUE\n"),
        _zip({"orders/__init__.py": "from shared import db\n"}, "a sibling package missing from the build",
             handler="import orders\n\n\ndef handler(event, context):\n    return orders.db\n"),
        Example({"app.py": "import stripe\n\n\ndef handler(event, context):\n    return stripe.api_key\n",
                 "requirements.txt": "pydantic==2.9.2\n"},
                "a source folder whose requirements do not declare the import"),
    )
    valid = (
        _zip(wheel_info("requests", "py3-none-any", "2.32.3"), "requests installed at the root of the zip"),
        template(function_with_layer(), "requests in the layer's python/ folder",
                 **{"src/app.py": HANDLER, **_under("layer/python", wheel_info("requests", "py3-none-any", "2.32.3"))}),
        template(function_with(f"Layers: [{LAYER_ARN}]", code_uri="function.zip"),
                 "a layer given by ARN may provide it: unknown, not reported",
                 **{"function.zip": Zip({"app.py": HANDLER})}),
        _zip({}, "an optional import", handler=_guarded("try:\n    import requests\nexcept ImportError:\n    requests = None")),
        _zip({}, "an import for type checkers only",
             handler=_guarded("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import requests")),
        _zip({}, "boto3 comes with the runtime",
             handler="import boto3\nimport botocore.config\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n"),
        Example({"app.py": HANDLER, "requirements.txt": "requests==2.32.3\n"},
                "a source folder whose requirements.txt declares it (the build installs it)"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.unresolved import provided_by_runtime

        if not fn.is_python or fn.code is None or fn.package_type != "Zip" or fn.code.kind == "inline":
            return
        if fn.config is None and (ctx.project.templates or ctx.project.input_errors):
            return  # code next to configuration that does not link it: its layers are unknown
        if any(layer.bundle is None for layer in fn.layers):
            return  # a layer given by ARN (or in S3) may provide anything: the verdict is unknown
        provided = provided_by_runtime(fn.runtime)
        if provided is None or _sets_python_path(fn):
            return
        template = fn.config.template if fn.config is not None else None
        # the code's verdict, shared by the functions that share code; a message may name a layer
        key = ("LL107", ctx.code_key(fn), id(template), tuple(str(layer.name) for layer in fn.layers))
        yield from ctx.memo(key, lambda: list(
            self._reports(fn, ctx, provided, template.folder if template is not None else None)))

    def _reports(self, fn, ctx, provided, stop):
        from lambdalint.analysis.unresolved import missing_imports

        graph = ctx.cold_start().graph(fn)
        built = _is_built(fn.code) and all(layer.bundle.is_built for layer in fn.layers)
        reported = set()
        for _source, imports in ctx.handler_imports(fn):
            missing, walked = missing_imports(graph, imports.module_name, provided)
            for item in missing:
                if item.name in reported:
                    continue
                judge = _judge_built if built else _judge_sources
                message = judge(fn, ctx, item, walked, stop)
                if message is not None:
                    reported.add(item.name)
                    yield Report(message, _location(item))


def _is_built(bundle) -> bool:
    """What Lambda runs as it is: a zip, a build tool's output, a layer folder, or a folder with
    distributions installed at its root.  A source folder (even holding `package/`) is built by
    a tool that installs its requirements first."""
    return bundle.is_zip or bundle.in_build_folder or bundle.is_layer or "" in bundle.install_roots()


def _sets_python_path(fn) -> bool:
    """PYTHONPATH in the function's environment adds folders to sys.path that we do not model."""
    return fn.config is not None and fn.config.get("Environment", "Variables", "PYTHONPATH") is not None


def _location(item) -> FileAt:
    bundle, path = item.importer.bundle, item.importer.path
    if bundle.is_zip:
        return FileAt(bundle.display, item.ref.line, item.ref.column + 1, member=path, key=f"import:{item.name}")
    return FileAt(display_join(bundle.display, path), item.ref.line, item.ref.column + 1, key=f"import:{item.name}")


def _where(item) -> str:
    return f"{item.importer.path}:{item.ref.line}"


def _judge_built(fn, ctx, item, walked, stop):
    """A built bundle: what is not there fails at init.  None when a module of the closure edits
    sys.path and the name is somewhere in the bundle (it may be found at run time)."""
    from lambdalint.analysis.requirements import declared_import_names, normalise
    from lambdalint.analysis.unresolved import places_of

    name = item.name
    places = places_of(fn.code, name)
    if _path_edit_may_find(fn, name, walked):
        return None
    cause = _built_cause(fn, ctx, item, places)
    if not cause and normalise(name) in declared_import_names(fn.code):
        cause = "it is declared in the bundle's requirements but was not installed into it: install them into the bundle's root"
    head = (f"'{name}' imported at {_where(item)} resolves nowhere: not in the function's code, its layers' "
            f"python/ folders, nor {fn.runtime}'s standard library and SDK. Lambda fails every cold start "
            f"with `Runtime.ImportModuleError: No module named '{name}'`")
    return f"{head}: {cause}" if cause else f"{head} (a dependency or sibling package missing from the build)"


def _built_cause(fn, ctx, item, places):
    from lambdalint.analysis.unresolved import places_of

    name, code = item.name, fn.code
    kind = "zip" if code.is_zip else "bundle"
    for place in places:
        root = place.rpartition("/")[0] + "/"
        if root in code.install_roots() or any(part in ("site-packages", "dist-packages") for part in root.split("/")):
            return (f"found under {place}: installed into a subfolder that is not on sys.path "
                    f"(install with `pip install --target` the {kind}'s root, or zip the content of {root})")
    rest = item.ref.module.split(".", 1)[1] if "." in item.ref.module else ""
    graph = ctx.cold_start().graph(fn)
    if rest and graph.find(rest.split(".", 1)[0]).origin in ("bundle", "layer"):
        return (f"the {kind} has no {name}/ folder but has {rest.split('.', 1)[0]} at its root: it holds the "
                f"content of {name}/, so import {rest} without the `{name}.` prefix")
    if name == "src":
        return f"the {kind} has no src/ folder"
    if places:
        return (f"found as {places[0]}: only the {kind}'s root is on sys.path (Lambda runs from /var/task), "
                f"so import it with its folder's prefix or move it to the root")
    for layer in fn.layers:
        found = places_of(layer.bundle, name) or ([name] if _top_level(layer.bundle, name) else [])
        if found:
            return (f"layer {layer.name} has it as {found[0]}, outside python/ and "
                    f"python/lib/python{fn.python_version}/site-packages/ (what Lambda puts on sys.path)")
    return ""


def _path_edit_may_find(fn, name: str, walked) -> bool:
    """Whether the name is somewhere in the function's code or its layers (`/opt/lib/foo` of a
    layer) while a module of the closure edits sys.path: it may well be found at run time."""
    from lambdalint.analysis.unresolved import mentions_sys_path, places_of

    bundles = [fn.code] + [layer.bundle for layer in fn.layers]
    if not any(places_of(bundle, name) or (bundle is not fn.code and _top_level(bundle, name)) for bundle in bundles):
        return False
    return any(mentions_sys_path(bundle, walked) for bundle in bundles)


def _top_level(bundle, name: str) -> bool:
    return any(e.path in (name, name + ".py") or e.path.startswith(name + "/") for e in bundle.entries)


def _judge_sources(fn, ctx, item, walked, stop):
    """Sources not built yet: the build installs what the requirements declare, so only a name
    that is neither in the project nor declared is reported, and only when the project has
    requirements to judge by (found under `package/` of a source folder and not declared: it is
    not where the build looks).  A name that many distributions require may come with any of
    those declared (data/transitive_imports.toml)."""
    from lambdalint.analysis.unresolved import places_of

    name = item.name
    declared, files = _declared_names(fn, stop)
    if _declared(name, declared):
        return None
    places = places_of(fn.code, name)
    if _path_edit_may_find(fn, name, walked):
        return None
    installed = [p for p in places if p.rpartition("/")[0] + "/" in fn.code.install_roots()]
    if installed:
        return _judge_built(fn, ctx, item, walked, stop)
    if files == 0:
        return None  # no requirements at all: how dependencies get in is not known
    if places or _in_project(fn, ctx, name, stop) or (declared and name in _commonly_required()):
        return None
    return (f"'{name}' imported at {_where(item)} is neither in the project nor declared in its requirements "
            "(requirements.txt, pyproject.toml, Pipfile): the build will not package it, and Lambda fails every "
            f"cold start with `Runtime.ImportModuleError: No module named '{name}'`; add it to requirements")


def _commonly_required() -> frozenset:
    from lambdalint.data import table

    return frozenset(table("transitive_imports")["names"]["common"])


def _declared_names(fn, stop):
    """(normalised import names declared, number of requirements files read) for the function:
    its code folder, the folders above it up to the template's, and its layers (their root, as
    SAM's BuildMethod reads it, and python/)."""
    from lambdalint.analysis.requirements import (declared_import_names, declared_import_names_above,
                                                  requirement_files_in)

    names, files = set(), 0
    for bundle, folder in [(fn.code, "")] + [(layer.bundle, f) for layer in fn.layers for f in ("", "python/")]:
        found = requirement_files_in(bundle, folder)
        if found:
            files += len(found)
            names |= declared_import_names(bundle, folder)
    if stop is not None and not fn.code.is_zip:
        above, count = declared_import_names_above(fn.code.path, stop)
        names |= above
        files += count
    return names, files


def _declared(name: str, declared: set) -> bool:
    """Declared under its own name, or by a distribution whose name contains it (`psycopg2-binary`
    installs `psycopg2`, `opensearch-py` installs `opensearchpy`): import names that
    data/import_names.toml does not list must not become findings."""
    from lambdalint.analysis.requirements import normalise

    wanted = normalise(name).replace("_", "")
    return any(wanted == d.replace("_", "") or (len(wanted) >= 3 and wanted in d.replace("_", ""))
               for d in declared)


def _in_project(fn, ctx, name: str, stop) -> bool:
    """Whether another artifact of the project or a folder between the code and the template's
    folder holds the name (a shared package copied in by the build)."""
    from lambdalint.analysis.unresolved import in_folders_above, places_of

    for bundle in ctx.project.bundles:
        if bundle is not fn.code and (_top_level(bundle, name) or places_of(bundle, name, limit=1)):
            return True
    if stop is None or fn.code.is_zip:
        return False
    return in_folders_above(fn.code.path, stop, name)
