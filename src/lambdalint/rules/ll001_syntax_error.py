from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import SOURCE, Example, Rule
from lambdalint.rules.examples import python


class SyntaxErrorRule(Rule):
    code = "LL001"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "A module of the function does not parse with its runtime's Python grammar"
    needs = frozenset({SOURCE})
    valid = (
        python("def handler(event, context):\n    return {'ok': True}\n"),
        Example({"app.py": "def handler(event, context):\n    match event:\n        case _: pass\n"},
                "match statements are valid on python3.10 and later", ("--runtime", "python3.12")),
    )
    invalid = (
        python("def handler(event, context):\n    print 'hello'\n", "Python 2 print statement"),
        Example({"app.py": "def handler(event, context):\n    match event:\n        case _: pass\n"},
                "match statements do not parse on python3.9", ("--runtime", "python3.9")),
    )

    def check_module(self, module, ctx):
        error = module.syntax_error()
        if error is not None:
            yield Report(str(error), FileAt(module.filename, error.row, error.column, module.member,
                                            key=f"{module.relpath}:{error}"))
