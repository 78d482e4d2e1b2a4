from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import format_number
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template


class ConcurrencyMisconfiguredRule(Rule):
    code = "LL611"
    name = "concurrency-misconfigured"
    severity = Severity.WARNING
    summary = "Reserved concurrency 0 or above the default account limit, or provisioned concurrency on $LATEST"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("fn:\n  handler: app.handler\n  reservedConcurrency: 0", "serverless.yml"),
        template(function_with("ReservedConcurrentExecutions: 0"), "throttled completely"),
        template(function_with("ReservedConcurrentExecutions: 950"), "more than 1000 - 100"),
        template(function_with("ProvisionedConcurrencyConfig:\n  ProvisionedConcurrentExecutions: 5"),
                 "provisioned concurrency without AutoPublishAlias ($LATEST)"),
    )
    valid = (
        serverless("fn:\n  handler: app.handler\n  provisionedConcurrency: 2",
                   "serverless.yml publishes the provisioned alias itself"),
        template(function_with("ReservedConcurrentExecutions: 5")),
        template(function_with("AutoPublishAlias: live\nProvisionedConcurrencyConfig:\n  ProvisionedConcurrentExecutions: 5")),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        reserved = config.get("ReservedConcurrentExecutions")
        value = reserved.as_number() if reserved else None  # too long to convert: over the limit
        limit = quota("account_concurrency_default") - quota("unreserved_concurrency_minimum")
        at = TemplateAt(config.template, reserved.path) if reserved else None
        reserved_term = config.template.term("ReservedConcurrentExecutions")
        if value == 0:
            yield Report(f"{reserved_term} is 0: every invocation is throttled (the function is "
                         "switched off). Remove it, or set the number of concurrent executions you want",
                         at, resources=(config.logical_id,))
        elif value is not None and value > limit:
            yield Report(f"{reserved_term} is {format_number(value)}: with the default account limit of "
                         f"{quota('account_concurrency_default'):,}, at least {quota('unreserved_concurrency_minimum')} "
                         f"must stay unreserved, so at most {limit} can be reserved unless the quota was raised",
                         at, resources=(config.logical_id,))
        provisioned = config.get("ProvisionedConcurrencyConfig")
        if provisioned is not None and provisioned.value is not None and config.is_sam \
                and config.get("AutoPublishAlias") is None:
            yield Report("ProvisionedConcurrencyConfig without AutoPublishAlias applies to $LATEST, which "
                         "cannot have provisioned concurrency: set AutoPublishAlias so it applies to the alias",
                         TemplateAt(config.template, provisioned.path), resources=(config.logical_id,))
