from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import Example, Rule
from lambdalint.rules.examples import python, template


class UnreadableInputRule(Rule):
    code = "LL002"
    name = "unreadable-input"
    severity = Severity.ERROR
    summary = "An input cannot be read: corrupt or truncated zip, invalid template, non-UTF-8 text"
    needs = frozenset()
    valid = (
        python("def handler(event, context):\n    return 1\n"),
        Example({"app.py": b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\n"},
                "a PEP 263 coding cookie declares the encoding"),
    )
    invalid = (
        Example({"broken.zip": b"PK\x03\x04 this is not really a zip"}, "a corrupt zip"),
        template("AWSTemplateFormatVersion: '2010-09-09'\nResources: [unclosed\n", "invalid YAML"),
        Example({"app.py": b"def handler(event, context):\n    return '\xe9'\n"}, "Latin-1 bytes, no coding cookie"),
    )

    def check_project(self, project, ctx):
        yield from project.input_errors

    def check_module(self, module, ctx):
        problem = module.problem()  # unreadable, too large or too complex (LL001: CPython refuses it)
        if problem is not None and problem.code == self.code:
            yield Report(str(problem), FileAt(module.filename, problem.row, problem.column, module.member,
                                              key=f"{module.relpath}:{problem}"))
