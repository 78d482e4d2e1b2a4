from lambdalint.data import quota
from lambdalint.findings import Severity
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform
from lambdalint.rules.setting_range import out_of_range


class TimeoutOutOfRangeRule(Rule):
    code = "LL601"
    name = "timeout-out-of-range"
    severity = Severity.ERROR
    summary = "Timeout below 1 or above 900 seconds (5,400 on Lambda Managed Instances)"
    needs = frozenset({CONFIG})
    invalid = (
        terraform("timeout = 901", "Terraform"),
        Example({"serverless.yml": "service: s\ncustom:\n  timeout: 1200\nprovider:\n  name: aws\n"
                 "  runtime: python3.12\nfunctions:\n  fn:\n    handler: app.handler\n"
                 "    timeout: ${self:custom.timeout}\n"}, "serverless.yml ${self:} variable"),
        template(function_with("Timeout: 1000"), "the function's own value"),
        template(function_with(globals_="Timeout: 0"), "a value from Globals"),
        template(function_with("Timeout: 901", globals_="Timeout: 30"), "overriding Globals"),
        template(function_with("Timeout: 6000\nCapacityProviderConfig:\n  Arn: !GetAtt Capacity.Arn"),
                 "above 5,400 seconds on Lambda Managed Instances"),
    )
    valid = (
        terraform("timeout = var.timeout", "Terraform variable without a default: unknown"),
        serverless("fn:\n  handler: app.handler\n  timeout: ${ssm:/app/timeout}", "serverless.yml ${ssm:}: unknown"),
        template(function_with("Timeout: 900")),
        template(function_with("Timeout: 30", globals_="Timeout: 1000"), "the function overrides Globals"),
        template(function_with("Timeout: !Ref TimeoutParam"), "values only known at deploy time"),
        template(function_with("Timeout: 3600\nCapacityProviderConfig:\n  Arn: !GetAtt Capacity.Arn"),
                 "Lambda Managed Instances (a capacity provider) accept up to 5,400 seconds"),
        terraform("timeout = 5400\ncapacity_provider_config {\n  lambda_managed_instances_capacity_provider_config {\n"
                  "    capacity_provider_arn = \"arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp\"\n  }\n}",
                  "Terraform function on Lambda Managed Instances"),
    )

    def check_function(self, fn, ctx):
        yield from out_of_range(fn, ("Timeout",), quota("timeout_min_s"), _maximum(fn), "Timeout", "seconds")


def _maximum(fn) -> int:
    """Functions on Lambda Managed Instances (a capacity provider, SAM `CapacityProviderConfig.Arn`,
    CloudFormation `CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig`) accept
    longer timeouts; a capacity provider known only at deploy time still makes it one."""
    if fn.config.get("CapacityProviderConfig") is not None:
        return quota("timeout_max_managed_instances_s")
    return quota("timeout_max_s")
