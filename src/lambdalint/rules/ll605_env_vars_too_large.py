from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template, terraform


def _env(**variables) -> str:
    return "Environment:\n  Variables:\n" + "".join(f"    {k}: {v}\n" for k, v in variables.items())


class EnvVarsTooLargeRule(Rule):
    code = "LL605"
    name = "env-vars-too-large"
    severity = Severity.ERROR
    summary = "The environment variables of a function exceed 4 KB in total"
    needs = frozenset({CONFIG})
    invalid = (
        terraform("environment {\n  variables = {\n    A = \"" + "a" * 4200 + "\"\n  }\n}", "Terraform"),
        template(function_with(_env(POLICY="x" * 4200)), "one big value"),
        template(function_with(_env(A="a" * 2100), globals_=_env(B="b" * 2100)), "Globals and the function's own together"),
    )
    valid = (
        template(function_with(_env(TABLE="orders", STAGE="prod"))),
        template(function_with(_env(POLICY="!Ref BigParameter")), "values known only at deploy time"),
    )

    def check_function(self, fn, ctx):
        variables = fn.config.get_map("Environment", "Variables")
        total = sum(_length(name, encoded=True) + _length(s.value, encoded=True) for name, s in variables.items()
                    if isinstance(s.value, (str, int, float)))
        limit = quota("env_vars_bytes")
        if total <= limit:
            return
        largest = max(variables.items(), key=lambda item: _length(item[1].value))
        own = fn.config.get("Environment", "Variables")
        yield Report(
            f"the environment variables of {fn.config.name} take {total:,} bytes (keys and values), "
            f"over Lambda's {limit:,}-byte limit, so the deployment fails; the largest is {largest[0]} "
            f"({_length(largest[1].value):,} bytes). Move large values to SSM Parameter Store, Secrets "
            "Manager or S3 and read them at init",
            TemplateAt(fn.config.template, own.path if own else largest[1].path[:-1]),
            resources=(fn.config.logical_id,))


def _length(value, encoded: bool = False) -> int:
    """Characters (or UTF-8 bytes) of a value as text, as Lambda receives it.  A lone surrogate
    (`"\\ud800"` in JSON) counts its 3 bytes; an integer too long for str() (over
    sys.get_int_max_str_digits() digits) counts its digits, roughly; anything else str() refuses
    (a mapping holding such an integer) counts nothing."""
    try:
        text = str(value)
    except ValueError:
        return abs(value).bit_length() * 3 // 10 + 1 if isinstance(value, int) else 0
    return len(text.encode("utf-8", "surrogatepass")) if encoded else len(text)
