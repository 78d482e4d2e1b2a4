from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template, terraform

PERMISSION = """\
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: {target}
      Principal: sns.amazonaws.com
"""


TF_ALIAS = """\
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.fn.function_name
  function_version = aws_lambda_function.fn.version
}
"""
TF_PERMISSION = """\
resource "aws_lambda_permission" "sns" {{
  function_name = aws_lambda_function.fn.function_name
  principal     = "sns.amazonaws.com"
  {qualifier}
}}
"""


class LatestVersionReferenceRule(Rule):
    code = "LL609"
    name = "latest-version-reference"
    severity = Severity.WARNING
    summary = "An event source or permission targets the unqualified function while it publishes an alias"
    needs = frozenset({CONFIG})
    invalid = (
        terraform("publish = true", "Terraform permission on the function while an alias exists",
                  resources=TF_ALIAS + TF_PERMISSION.format(qualifier="")),
        template(function_with("AutoPublishAlias: live", resources=PERMISSION.format(target="!Ref Fn")),
                 "a permission on the unqualified function"),
    )
    valid = (
        terraform("publish = true", "Terraform permission qualified with the alias",
                  resources=TF_ALIAS + TF_PERMISSION.format(qualifier="qualifier = aws_lambda_alias.live.name")),
        template(function_with("AutoPublishAlias: live", resources=PERMISSION.format(target="!Ref Fn.Alias")),
                 "the alias"),
        template(function_with(resources=PERMISSION.format(target="!Ref Fn")), "no alias published"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        template_ = config.template
        has_alias = config.get("AutoPublishAlias") is not None or bool(
            config.targeting("AWS::Lambda::Alias", unqualified=True))
        if not has_alias:
            return
        for kind in ("AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping"):
            for logical_id, _ in config.targeting(kind, unqualified=True):
                yield Report(
                    f"{logical_id} targets {config.name} itself ($LATEST) although it publishes "
                    "an alias: this traffic bypasses the alias, its weighted routing and its "
                    f"provisioned concurrency. Point it at the alias ({_alias_advice(config)})",
                    TemplateAt(template_, ("Resources", logical_id, "Properties", "FunctionName")),
                    resources=(config.logical_id, logical_id))


def _alias_advice(config) -> str:
    if config.template.dialect.name == "terraform":
        return "`qualifier = aws_lambda_alias.<name>.name`, or the alias ARN as function_name"
    return f"`!Ref {config.logical_id}.Alias` with AutoPublishAlias, or `!Ref` of the AWS::Lambda::Alias resource"
