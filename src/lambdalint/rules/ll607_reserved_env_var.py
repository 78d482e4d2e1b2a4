from lambdalint.data import table
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template


class ReservedEnvVarRule(Rule):
    code = "LL607"
    name = "reserved-env-var"
    severity = Severity.ERROR
    summary = "An environment variable that Lambda reserves and rejects"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("fn:\n  handler: app.handler\n  environment:\n    AWS_REGION: eu-west-1", "serverless.yml"),
        template(function_with("Environment:\n  Variables:\n    AWS_REGION: eu-west-1")),
        template(function_with(globals_="Environment:\n  Variables:\n    AWS_ACCESS_KEY_ID: AKIAEXAMPLE"),
                 "set in Globals"),
    )
    valid = (
        template(function_with("Environment:\n  Variables:\n    REGION: eu-west-1")),
        template(function_with("Environment:\n  Variables:\n    AWS_PROFILE: dev"), "not reserved"),
    )

    def check_function(self, fn, ctx):
        reserved = set(table("reserved_env")["reserved"]["names"])
        for name, setting in sorted(fn.config.get_map("Environment", "Variables").items()):
            if name in reserved:
                yield Report(
                    f"{name} is reserved by Lambda (the runtime sets it): the deployment is rejected "
                    "('Lambda was unable to configure your environment variables because the "
                    "environment variables you have provided contains reserved keys'). Rename it",
                    TemplateAt(fn.config.template, setting.path), resources=(fn.config.logical_id,))
