from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template, terraform


VPC = "VpcConfig:\n  SubnetIds: [subnet-1]\n  SecurityGroupIds: [sg-1]"
ROLE = """\
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{}}
      ManagedPolicyArns: {policies}
"""
ENI_POLICY = """\
  Eni:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: eni
      Roles: [!Ref Role]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface]
            Resource: "*"
"""
TF_ROLE = """\
resource "aws_iam_role" "fn" {
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
"""
TF_MODULE = """\
module "fn" {{
  source                 = "terraform-aws-modules/lambda/aws"
  function_name          = "fn"
  handler                = "app.handler"
  runtime                = "python3.12"
  vpc_subnet_ids         = ["subnet-1"]
  vpc_security_group_ids = ["sg-1"]
  {network}
}}
"""


class VpcConfigIncompleteRule(Rule):
    code = "LL612"
    name = "vpc-config-incomplete"
    severity = Severity.ERROR
    summary = ("VpcConfig with subnets but no security groups (or the reverse), or with empty lists; "
               "a role in the same configuration without network-interface permissions")
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1, subnet-2]"), "no security groups"),
        template(function_with("VpcConfig:\n  SubnetIds: []\n  SecurityGroupIds: [sg-1]"), "an empty list"),
        template(function_with("VpcConfig:\n  SubnetIds: [subnet-1]", globals_="VpcConfig:\n  SubnetIds: [subnet-2]"),
                 "Globals add subnets, still no security groups"),
    )
    invalid += (
        template(function_with(VPC + "\nRole: !GetAtt Role.Arn", resources=ROLE.format(policies="[]")),
                 "the role in the template cannot create network interfaces (warning)"),
        terraform("role = aws_iam_role.fn.arn\nvpc_config {\n  subnet_ids = [\"s-1\"]\n  security_group_ids = [\"sg-1\"]\n}",
                  "Terraform role with only the basic execution policy", resources=TF_ROLE),
        Example({"main.tf": TF_MODULE.format(network="")}, "terraform-aws-modules/lambda without attach_network_policy"),
    )
    valid = (
        template(function_with(VPC + "\nRole: !GetAtt Role.Arn", resources=ROLE.format(
            policies="[!Sub 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']")),
                 "the role has the VPC access policy"),
        template(function_with(VPC + "\nRole: !GetAtt Role.Arn", resources=ROLE.format(policies="[]") + ENI_POLICY),
                 "an AWS::IAM::Policy allows ec2:CreateNetworkInterface"),
        template(function_with(VPC + "\nRole: arn:aws:iam::123456789012:role/elsewhere"), "a role defined elsewhere"),
        Example({"main.tf": TF_MODULE.format(network="attach_network_policy = true")}, "module with attach_network_policy"),
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
        if counts["SubnetIds"] and counts["SecurityGroupIds"]:
            yield from _role_without_network_permissions(fn.config)
        if bool(counts["SubnetIds"]) == bool(counts["SecurityGroupIds"]):
            return  # both given, or both empty (no VPC): Lambda accepts either
        term = fn.config.template.term
        missing = term("SecurityGroupIds" if counts["SubnetIds"] else "SubnetIds")
        yield Report(f"{term('VpcConfig')} has no {missing}: Lambda needs subnets and security groups together "
                     "('SubnetIds and SecurityIds must coexist or be both empty list'), so the deployment "
                     f"fails. Add {missing}, or remove {term('VpcConfig')}", TemplateAt(fn.config.template, setting.path),
                     resources=(fn.config.logical_id,))


def _role_without_network_permissions(config):
    from lambdalint.rules.role_permissions import may_create_network_interfaces, role_in_template

    role_id = role_in_template(config)
    if role_id is None or may_create_network_interfaces(config.template, role_id):
        return
    yield Report(
        f"{config.name} runs in a VPC but its role {config.template.name_of(role_id)} has no EC2 "
        "network-interface permissions: the deployment fails ('The provided execution role does not "
        "have permissions to call CreateNetworkInterface on EC2'). Attach the managed policy "
        "AWSLambdaVPCAccessExecutionRole (terraform-aws-modules/lambda: attach_network_policy = true) "
        "or allow ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface",
        TemplateAt(config.template, config.get("Role").path), severity=Severity.WARNING,
        resources=(config.logical_id,))
