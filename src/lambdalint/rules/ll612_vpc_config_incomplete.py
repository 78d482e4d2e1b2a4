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
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1]", globals_="VpcConfig:\n  SubnetIds: [subnet-2]"),
                 "Globals add subnets, still no security groups"),
    )
    valid = (
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1]\n  SecurityGroupIds: [sg-1]")),
        template(function_with("VpcConfig:\n  SubnetIds: !Ref Subnets\n  SecurityGroupIds: !Ref Groups"),
                 "lists known only at deploy time"),
        template(function_with("VpcConfig: !If [InVpc, {SubnetIds: [s], SecurityGroupIds: [g]}, !Ref AWS::NoValue]"),
                 "a conditional VpcConfig"),
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1]", globals_="VpcConfig:\n  SecurityGroupIds: [sg-1]"),
                 "SAM merges security groups from Globals"),
        template(function_with("VpcConfig:\n  SubnetIds: []\n  SecurityGroupIds: []"), "both empty: no VPC"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.model.template import is_intrinsic

        setting = fn.config.get("VpcConfig")
        if setting is None or is_intrinsic(setting.value) or not isinstance(setting.value, dict):
            return  # absent, or known only at deploy time (`!If [InVpc, {...}, !Ref AWS::NoValue]`)
        counts = {}
        for key in ("SubnetIds", "SecurityGroupIds"):
            # SAM merges a Globals VpcConfig into the function's, lists first from Globals
            items = fn.config.get_list("VpcConfig", key)
            given = fn.config.get("VpcConfig", key)
            # a reference to a list (`!Ref Subnets`) is taken as given (its length is unknown)
            counts[key] = len(items) if given is None or isinstance(given.value, list) else 1
        if bool(counts["SubnetIds"]) == bool(counts["SecurityGroupIds"]):
            return  # both given, or both empty (no VPC): Lambda accepts either
        term = fn.config.template.term
        missing = term("SecurityGroupIds" if counts["SubnetIds"] else "SubnetIds")
        yield Report(f"{term('VpcConfig')} has no {missing}: Lambda needs subnets and security groups together "
                     "('SubnetIds and SecurityIds must coexist or be both empty list'), so the deployment "
                     f"fails. Add {missing}, or remove {term('VpcConfig')}", TemplateAt(fn.config.template, setting.path),
                     resources=(fn.config.logical_id,))
