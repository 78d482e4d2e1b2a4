from lambdalint.data import generated_modules
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.loaders.serverless import PLUGINS_PATH
from lambdalint.model.inline_code import INLINE_MODULE, InlineCodeBundle
from lambdalint.model.template import dig
from lambdalint.rules.base import BUNDLE, CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template

def _wsgi_service(plugins: str) -> dict:
    return {"serverless.yml": "service: api\nprovider:\n  name: aws\n  runtime: python3.12\n"
                              f"{plugins}functions:\n  api:\n    handler: wsgi_handler.handler\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n"}


def _case(handler: str, description: str, files: dict) -> Example:
    return template(function_with(code_uri="src/", handler=handler), description,
                    **{f"src/{name}": text for name, text in files.items()})


class HandlerNotFoundRule(Rule):
    code = "LL207"
    name = "handler-not-found"
    severity = Severity.ERROR
    summary = "The configured handler does not resolve to a module and a top-level name"
    needs = frozenset({CONFIG, BUNDLE})
    invalid = (
        _case("app.handler", "the module is missing", {"main.py": "def handler(event, context): pass\n"}),
        _case("app.handler", "the module binds no such name", {"app.py": "def main(event, context): pass\n"}),
        _case("app", "no dot: malformed", {"app.py": "def handler(event, context): pass\n"}),
        _case("app.handler", "a name bound only inside a function",
              {"app.py": "def setup():\n    handler = 1\n"}),
        Example(_wsgi_service(""), "serverless-wsgi's handler without the plugin listed"),
        template(function_with(handler="app.handler"), "inline code is index.py, not app.py"),
    )
    valid = (
        _case("app.handler", "a top-level def", {"app.py": "def handler(event, context): pass\n"}),
        _case("api/app.handler", "a path-style module", {"api/app.py": "def handler(e, c): pass\n"}),
        _case("my-func.handler", "a hyphenated module file", {"my-func.py": "def handler(e, c): pass\n"}),
        _case("app.handler", "an assignment binds the name",
              {"app.py": "from mangum import Mangum\nfrom api import app as api\nhandler = Mangum(api)\n"}),
        _case("app.handler", "an import binds the name", {"app.py": "from impl import handler\n"}),
        _case("pkg.mod.handler", "a namespace package", {"pkg/mod.py": "def handler(e, c): pass\n"}),
        _case("app.handler", "a star import may bind it", {"app.py": "from impl import *\n"}),
        _case("app.handler", "a sourceless compiled module", {"app.pyc": b"\x00" * 16}),
        _case("app.handler", "an extension module", {"app.cpython-312-x86_64-linux-gnu.so": b"\x7fELF"}),
        Example(_wsgi_service("plugins:\n  - serverless-wsgi\n"), "serverless-wsgi writes wsgi_handler.py"),
        template(function_with(handler="index.handler"), "inline code is index.py"),
        template(function_with("InlineCode: |\n  def handler(event, context):\n      return 1",
                               code_uri="./", handler="index.handler"), "InlineCode and CodeUri: the inline code"),
    )

    def check_function(self, fn, ctx):
        if fn.handler is None or not fn.is_python or fn.package_type != "Zip":
            return
        handler = fn.handler.value
        at = TemplateAt(fn.config.template, fn.handler.path)
        resources = (fn.config.logical_id,)
        target = ctx.resolve_handler(fn)
        if target is None:
            yield Report(f"handler '{handler}' is malformed: expected 'module.function' "
                         "(e.g. 'app.handler' or 'src/app.handler')", at, resources=resources)
            return
        if target.path is None:
            if any(layer.bundle is None for layer in fn.layers):
                return  # the module may come from a layer we cannot see
            if target.module_name in _generated_modules(fn.config.template):
                return  # a plugin listed in serverless.yml writes it into the package
            if isinstance(fn.code, InlineCodeBundle):
                yield Report(f"handler '{handler}': inline code is saved as {INLINE_MODULE}, so the "
                             f"handler must be 'index.{target.function}'", at, resources=resources)
                return
            base = target.module_name.replace(".", "/")
            yield Report(f"handler '{handler}': module '{target.module_name}' is not in "
                         f"{fn.code.display} (looked for {base}.py and {base}/__init__.py)",
                         at, resources=resources)
            return
        if target.source is None or target.source.module is None:
            return  # compiled (no source to read), or does not parse: LL001/LL002 say so
        from lambdalint.analysis.bindings import binds_name

        source = target.source
        if ctx.memo(("binds-name", id(source), target.function),
                    lambda: binds_name(source.module, target.function)) is False:
            yield Report(f"handler '{handler}': {target.source.relpath} defines no top-level name "
                         f"'{target.function}'", at, resources=resources)


def _generated_modules(template) -> frozenset:
    if template.dialect.name != "serverless":
        return frozenset()
    plugins = dig(template.data, PLUGINS_PATH)
    return generated_modules(plugins) if isinstance(plugins, list) else frozenset()
