from lambdalint.data import quota
from lambdalint.findings import Severity
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template, terraform
from lambdalint.rules.setting_range import out_of_range


class MemoryOutOfRangeRule(Rule):
    code = "LL603"
    name = "memory-out-of-range"
    severity = Severity.ERROR
    summary = "MemorySize below 128 or above 10240 MB"
    needs = frozenset({CONFIG})
    invalid = (
        terraform("memory_size = 64", "Terraform"),
        template(function_with("MemorySize: 64")),
        template(function_with(globals_="MemorySize: 20480"), "a value from Globals"),
    )
    valid = (
        terraform("memory_size = local.memory", "Terraform local", resources="locals {\n  memory = 1024\n}\n"),
        template(function_with("MemorySize: 10240")),
        template(function_with("MemorySize: 1769", globals_="MemorySize: 64"), "overrides Globals"),
    )

    def check_function(self, fn, ctx):
        yield from out_of_range(fn, ("MemorySize",), quota("memory_min_mb"), quota("memory_max_mb"),
                                "MemorySize", "MB")
