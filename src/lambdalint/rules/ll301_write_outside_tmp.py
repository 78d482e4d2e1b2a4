from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Example, Rule
from lambdalint.rules.examples import python

WRITE_EXAMPLE = """\
import json, os, shutil
from pathlib import Path

OUTPUT = "reports"

def handler(event, context):
    {line}
"""


def _write(line: str, description: str = "") -> Example:
    return python(WRITE_EXAMPLE.format(line=line), description)


class WriteOutsideTmpRule(Rule):
    code = "LL301"
    name = "write-outside-tmp"
    severity = Severity.ERROR
    summary = "A write on the handler path to a path outside /tmp (read-only file system)"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        _write("open('out.json', 'w').write(json.dumps(event))", "a relative path"),
        _write("open('/var/task/cache.json', 'a')", "an absolute path outside /tmp"),
        _write("Path('data/result.txt').write_text('x')", "pathlib"),
        _write("os.makedirs(os.path.join(OUTPUT, 'today'))", "os with a local constant"),
        _write("shutil.copy('/tmp/a.csv', f'{OUTPUT}/a.csv')", "shutil destination via f-string"),
        _write("(Path('/opt') / 'x.txt').touch()", "pathlib / operator"),
        _write("open('before.txt', 'w'); os.chdir('/tmp')", "a relative write before os.chdir"),
        _write("import sqlite3; sqlite3.connect('orders.db')", "a database file"),
        _write("import logging; logging.FileHandler('app.log')", "a log file"),
        _write("import zipfile; zipfile.ZipFile('bundle.zip', 'w')", "zipfile in write mode"),
        _write("import boto3; boto3.client('s3').download_file('b', 'k', 'data/k.csv')",
               "boto3 download_file's file name"),
        _write("import tempfile; tempfile.mkstemp(dir='cache')", "tempfile with dir="),
        python("LOG = open('debug.log', 'a')\n\ndef handler(event, context):\n    return 1\n",
               "module-level code runs at init"),
        python("def save(data):\n    with open('result.csv', 'w') as f:\n        f.write(data)\n\n"
               "def handler(event, context):\n    save(event['body'])\n",
               "a helper the handler calls"),
        Example({"app.py": "from store import save\n\ndef handler(event, context):\n    save(event)\n",
                 "store.py": "import json\n\ndef save(data):\n    open('state.json', 'w').write(json.dumps(data))\n"},
                "a helper in another module of the function's own code"),
        Example({"app.py": "import lib.store\n\ndef handler(event, context):\n    lib.store.save(event)\n",
                 "lib/__init__.py": "", "lib/store.py": "OUT = 'state.json'\n\ndef save(data):\n    open(OUT, 'w')\n"},
                "module attribute calls into a package"),
        _write("from PIL import Image; Image.open('/tmp/in.png').convert('L').save('thumb.png')",
               "Pillow Image.save on an image"),
        _write("import numpy as np; np.save('weights.npy', np.zeros(3))", "numpy.save"),
        _write("import tarfile; tarfile.open('/tmp/layer.tar').extractall()",
               "extractall() without a path: the working directory"),
        _write("open(os.path.join(os.path.dirname(__file__), 'state.json'), 'w')",
               "a file next to the module (__file__)"),
        python("def write_report(path, data):\n    open(path, 'w').write(data)\n\n"
               "def handler(event, context):\n    write_report('reports/today.txt', 'x')\n",
               "a path passed to a helper that writes it (reported at the call)"),
    )
    valid = (
        _write("open('/tmp/out.json', 'w').write(json.dumps(event))", "under /tmp"),
        _write("open('config.json').read()", "reading is fine"),
        _write("open(os.environ['OUT_PATH'], 'w')", "paths from environment variables"),
        _write("open(event['path'], 'w')", "paths that cannot be resolved statically"),
        _write("shutil.copy('settings.ini', '/tmp/settings.ini')", "copying from the code folder to /tmp"),
        _write("Path(f'/tmp/{context.aws_request_id}.json').write_text('x')", "f-string under /tmp"),
        _write("open('/mnt/efs/shared.txt', 'a')", "an EFS mount point under /mnt"),
        _write("os.chdir('/tmp'); open('out.txt', 'w')", "a relative path after os.chdir('/tmp')"),
        _write("import sqlite3; sqlite3.connect(':memory:')", "an in-memory database"),
        _write("import zipfile; zipfile.ZipFile('bundle.zip')", "zipfile reading"),
        _write("import boto3; boto3.client('s3').download_file('b', 'k', '/tmp/k.csv')",
               "download_file into /tmp"),
        python("def unused():\n    open('x.txt', 'w')\n\ndef handler(event, context):\n    return 1\n",
               "a function the handler never calls"),
        python("def handler(event, context):\n    return 1\n\nif __name__ == '__main__':\n"
               "    open('output.json', 'w')\n", "a __main__ block never runs on Lambda"),
        python("try:\n    import ujson\nexcept ImportError:\n    def dump(o):\n        open('debug.json', 'w')\n\n"
               "def handler(event, context):\n    return 1\n", "a function defined under try/except"),
        python("path = 'data.txt'\n\ndef handler(event, context):\n    def write(path):\n"
               "        open(path, 'w')\n    write('/tmp/x')\n", "a nested function's parameter"),
        python("REPORT = 'report.csv'\n\ndef handler(event, context):\n"
               "    [open(REPORT, 'w') for REPORT in ['/tmp/a']]\n", "a comprehension variable"),
        _write("import pandas as pd; pd.DataFrame().to_csv('s3://bucket/key.csv')", "an S3 URL"),
        _write("import sqlite3; sqlite3.connect('file::memory:?cache=shared', uri=True)", "a SQLite URI"),
        _write("import boto3; boto3.Session().save('out.jpg')",
               "a .save method on an object not known to be a Pillow image"),
        python("import os\nos.chdir('/tmp')\n\ndef handler(event, context):\n    open('out.txt', 'w')\n",
               "a relative path after os.chdir('/tmp') in module-level code"),
        python("def write_report(path, data):\n    open(path, 'w').write(data)\n\n"
               "def handler(event, context):\n    write_report(f'/tmp/{context.aws_request_id}.txt', 'x')\n",
               "a /tmp path passed to a helper"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.handler_path import handler_path
        from lambdalint.analysis.state import names_in
        from lambdalint.analysis.static_paths import classify
        from lambdalint.analysis.writes import helper_calls, write_path

        for part in handler_path(fn, ctx):
            _, _, writes = part.tools(ctx)
            for call, target, what in writes:
                value = write_path(ctx, fn, part, call, target)
                if classify(value) == "outside":
                    yield Report(_message(what, value.prefix, value.complete), NodeAt(part.source, call))

        def evaluate(part, argument, known):
            value = part.tools(ctx)[1].with_known(known).resolve(argument)
            return value if value.prefix else None

        # a path built by a caller and written by the helper it calls: reported at the call
        for helper in helper_calls(ctx, fn, evaluate):
            _, resolver, writes = helper.callee.tools(ctx)
            for call, target, what in writes:
                if not names_in(target) & helper.known.keys() or classify(resolver.resolve(target)) == "outside":
                    continue  # not fed by the caller, or already reported where it is written
                value = write_path(ctx, fn, helper.callee, call, target, resolver.with_known(helper.known))
                if classify(value) == "outside":
                    where = f"{what} in {helper.callee.scope.name}()"
                    yield Report(_message(where, value.prefix, value.complete), NodeAt(helper.origin.source, helper.site))


def _message(what: str, prefix: str, complete: bool) -> str:
    shown = prefix if complete else prefix + "…"
    if prefix.startswith("/var/task"):  # static_paths.CODE_FOLDER: __file__
        where = f"'{shown}', in the read-only code folder (next to the module: __file__)"
    elif prefix.startswith("/"):
        where = f"'{shown}', outside /tmp"
    else:
        where = f"'{shown}', relative to the read-only code folder /var/task"
    return (f"{what} writes to {where}; only /tmp is writable on Lambda "
            "([Errno 30] Read-only file system): write under tempfile.gettempdir()")
