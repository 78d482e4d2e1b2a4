from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import format_number
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template

BOUNDS = {"MaximumRetryAttempts": ("async_retry_min", "async_retry_max", ""),
          "MaximumEventAgeInSeconds": ("async_event_age_min_s", "async_event_age_max_s", " s")}


def _invoke_config(retries="1", age="3600") -> str:
    return f"EventInvokeConfig:\n  MaximumRetryAttempts: {retries}\n  MaximumEventAgeInSeconds: {age}"


class AsyncRetryConfigOutOfRangeRule(Rule):
    code = "LL505"
    name = "async-retry-config-out-of-range"
    severity = Severity.ERROR
    summary = "MaximumRetryAttempts outside 0-2 or MaximumEventAgeInSeconds outside 60-21600"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("notify:\n  handler: app.handler\n  maximumEventAge: 30", "serverless.yml maximumEventAge 30 s"),
        template(function_with(_invoke_config(retries="5")), "five retries"),
        template(function_with(_invoke_config(age="30")), "30 s maximum age"),
    )
    valid = (
        serverless("notify:\n  handler: app.handler\n  maximumRetryAttempts: 0\n  maximumEventAge: 60", "serverless.yml within range"),
        template(function_with(_invoke_config(retries="0", age="60"))),
        template(function_with(_invoke_config(retries="2", age="21600"))),
    )

    def check_function(self, fn, ctx):
        from lambdalint.model.project import Setting

        config = fn.config
        settings = []
        if config.is_sam:  # per key: SAM merges a Globals EventInvokeConfig into the function's
            settings += [(key, config.get("EventInvokeConfig", key)) for key in BOUNDS]
        for logical_id, _ in config.targeting("AWS::Lambda::EventInvokeConfig"):
            props = config.template.properties(logical_id)
            settings += [(key, Setting(props[key], ("Resources", logical_id, "Properties", key)))
                         for key in BOUNDS if key in props]
        for key, setting in settings:
            value = setting.as_number() if setting is not None else None  # too long: out of range
            low, high, unit = BOUNDS[key]
            if value is not None and not quota(low) <= value <= quota(high):
                origin = config.origin(setting)
                yield Report(f"{config.template.term(key)} is {format_number(value)}{unit}{origin}; Lambda accepts {quota(low):,} to "
                             f"{quota(high):,}{unit}, so the deployment fails",
                             TemplateAt(config.template, setting.path), resources=(config.logical_id,))
