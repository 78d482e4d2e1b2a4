from lambdalint.findings import Severity
from lambdalint.rules.base import Example, Rule
from lambdalint.rules.examples import python, template

WITH_LL301 = ("--extend-select", "LL301")


class UnusedSuppressionRule(Rule):
    """Reported by the engine after suppressions are applied; this class carries the metadata."""

    code = "LL003"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment or Metadata entry that suppressed nothing"
    needs = frozenset()
    valid = (
        python("def handler(event, context):\n"
               "    open('out.txt', 'w')  # lambdalint: ignore[LL301] local runs only\n",
               "a suppression that hides a finding", WITH_LL301),
        python("import os  # noqa: F401 - another tool's code is not ours to judge\n"),
        Example({"app.py": "def handler(event, context):\n    return 1  # lambdalint: ignore[LL601]\n"},
                "codes that are not selected are not judged"),
    )
    invalid = (
        python("def handler(event, context):\n    return 1  # lambdalint: ignore[LL301]\n",
               "nothing to hide on this line", WITH_LL301),
        python("def handler(event, context):\n    open('/tmp/x', 'w')  # noqa: LL301\n",
               "writing under /tmp is fine", WITH_LL301),
        template("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Metadata:\n      lambdalint:\n"
                 "        ignore: [LL601]\n    Properties:\n      Timeout: 30\n",
                 "resource Metadata that suppresses nothing", args=("--extend-select", "LL601")),
    )
