from lambdalint.data import quota
from lambdalint.findings import Severity
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template
from lambdalint.rules.setting_range import out_of_range


class EphemeralStorageOutOfRangeRule(Rule):
    code = "LL604"
    name = "ephemeral-storage-out-of-range"
    severity = Severity.ERROR
    summary = "EphemeralStorage size below 512 or above 10240 MB"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with("EphemeralStorage:\n  Size: 256")),
        template(function_with(globals_="EphemeralStorage:\n  Size: 20000"), "a value from Globals"),
    )
    valid = (
        template(function_with("EphemeralStorage:\n  Size: 10240")),
        template(function_with()),
    )

    def check_function(self, fn, ctx):
        yield from out_of_range(fn, ("EphemeralStorage", "Size"), quota("ephemeral_storage_min_mb"),
                                quota("ephemeral_storage_max_mb"), "EphemeralStorage.Size", "MB")
