from lambdalint.findings import Severity
from lambdalint.rules.base import Rule, python, template


class UnusedSuppressionRule(Rule):
    """Reported by the engine after suppressions are applied; this class carries the metadata."""

    code = "LL003"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment or Metadata entry that suppressed nothing"
    needs = frozenset()
    valid = (
        python("def handler(event, context):\n"
               "    open('out.txt', 'w')  # lambdalint: ignore[LL301] local runs only\n"),
        python("import os  # noqa: F401 - another tool's code is not ours to judge\n"),
    )
    invalid = (
        python("def handler(event, context):\n    return 1  # lambdalint: ignore[LL301]\n"),
        python("def handler(event, context):\n    open('/tmp/x', 'w')  # noqa: LL301\n"),
    )
