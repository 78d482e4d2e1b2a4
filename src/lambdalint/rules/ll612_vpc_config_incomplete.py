from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template


class VpcConfigIncompleteRule(Rule):
    code = "LL612"
    name = "vpc-config-incomplete"
    severity = Severity.ERROR
    summary = "VpcConfig with subnets but no security groups (or the reverse), or with empty lists"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1, subnet-2]"), "no security groups"),
        template(function_with("VpcConfig:\n  SubnetIds: []\n  SecurityGroupIds: [sg-1]"), "an empty list"),
    )
    valid = (
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1]\n  SecurityGroupIds: [sg-1]")),
        template(function_with("VpcConfig:\n  SubnetIds: !Ref Subnets\n  SecurityGroupIds: !Ref Groups"),
                 "lists known only at deploy time"),
    )

    def check_function(self, fn, ctx):
        setting = fn.config.get("VpcConfig")
        if setting is None or not isinstance(setting.value, dict):
            return
        problems = []
        for key in ("SubnetIds", "SecurityGroupIds"):
            value = setting.value.get(key)
            if value is None:
                problems.append(f"no {key}")
            elif isinstance(value, list) and not value:
                problems.append(f"an empty {key}")
        if problems:
            yield Report(f"VpcConfig has {' and '.join(problems)}: Lambda needs both subnets and security "
                         "groups to attach the function to a VPC, so the deployment fails. Give both, or "
                         "remove VpcConfig", TemplateAt(fn.config.template, setting.path),
                         resources=(fn.config.logical_id,))
