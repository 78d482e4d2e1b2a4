from lambdalint.data import quota
from lambdalint.findings import Severity
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform
from lambdalint.rules.setting_range import out_of_range


class TimeoutOutOfRangeRule(Rule):
    code = "LL601"
    name = "timeout-out-of-range"
    severity = Severity.ERROR
    summary = "Timeout below 1 or above 900 seconds"
    needs = frozenset({CONFIG})
    invalid = (
        terraform("timeout = 901", "Terraform"),
        Example({"serverless.yml": "service: s\ncustom:\n  timeout: 1200\nprovider:\n  name: aws\n"
                 "  runtime: python3.12\nfunctions:\n  fn:\n    handler: app.handler\n"
                 "    timeout: ${self:custom.timeout}\n"}, "serverless.yml ${self:} variable"),
        template(function_with("Timeout: 1000"), "the function's own value"),
        template(function_with(globals_="Timeout: 0"), "a value from Globals"),
        template(function_with("Timeout: 901", globals_="Timeout: 30"), "overriding Globals"),
    )
    valid = (
        terraform("timeout = var.timeout", "Terraform variable without a default: unknown"),
        serverless("fn:\n  handler: app.handler\n  timeout: ${ssm:/app/timeout}", "serverless.yml ${ssm:}: unknown"),
        template(function_with("Timeout: 900")),
        template(function_with("Timeout: 30", globals_="Timeout: 1000"), "the function overrides Globals"),
        template(function_with("Timeout: !Ref TimeoutParam"), "values only known at deploy time"),
    )

    def check_function(self, fn, ctx):
        yield from out_of_range(fn, ("Timeout",), quota("timeout_min_s"), quota("timeout_max_s"),
                                "Timeout", "seconds")
