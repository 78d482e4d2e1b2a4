import datetime
import os

from lambdalint.data import quota, runtimes
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template, terraform

TODAY_VARIABLE = "LAMBDALINT_TODAY"  # tests pin the date; real runs use the calendar


def today() -> datetime.date:
    value = os.environ.get(TODAY_VARIABLE)
    try:
        return datetime.date.fromisoformat(value) if value else datetime.date.today()
    except ValueError:
        return datetime.date.today()


def _runtime(name: str, globals_: str = "") -> str:
    return function_with(globals_=globals_).replace("Runtime: python3.12", name)


class DeprecatedRuntimeRule(Rule):
    code = "LL608"
    name = "deprecated-runtime"
    severity = Severity.ERROR
    summary = "A runtime past its deprecation date (warning within 180 days before it)"
    needs = frozenset({CONFIG})
    invalid = (
        template(_runtime("Runtime: python3.8"), "python3.8, deprecated 2024-10-14"),
        template(function_with(globals_="Runtime: python3.9").replace("      Runtime: python3.12\n", ""),
                 "python3.9 set in Globals"),
        template(_runtime("Runtime: nodejs16.x"), "a deprecated Node.js runtime in the same template"),
        terraform(description="Terraform go1.x", runtime="go1.x"),
    )
    valid = (
        template(_runtime("Runtime: python3.13"), "supported until 2029"),
        template(_runtime("Runtime: nodejs24.x"), "a supported Node.js runtime"),
        template(_runtime("Runtime: my-custom-runtime"), "runtimes outside the table are not judged"),
    )

    def check_function(self, fn, ctx):
        if fn.package_type == "Image":
            return  # the image brings its own runtime; a Runtime value (e.g. from Globals) is not used
        setting = fn.config.get("Runtime")
        if setting is None or not isinstance(setting.value, str):
            return
        row = runtimes().get(setting.value)
        if row is None or not row.get("deprecation"):
            return
        deprecated = datetime.date.fromisoformat(row["deprecation"])
        days = (deprecated - today()).days
        blocks = ", ".join(f"{label} from {row[key]}" for key, label in (
            ("block_create", "creating functions is blocked"), ("block_update", "updates are blocked"))
            if row.get(key))
        if days <= 0:
            yield Report(f"{setting.value} was deprecated on {row['deprecation']} (no more security "
                         f"patches){'; ' + blocks if blocks else ''}. Move to a supported runtime",
                         TemplateAt(fn.config.template, setting.path), resources=(fn.config.logical_id,))
        elif days <= quota("deprecation_warning_days"):
            yield Report(f"{setting.value} is deprecated on {row['deprecation']}, in {days} days"
                         f"{'; ' + blocks if blocks else ''}. Plan the move to a newer runtime",
                         TemplateAt(fn.config.template, setting.path), severity=Severity.WARNING,
                         resources=(fn.config.logical_id,))
