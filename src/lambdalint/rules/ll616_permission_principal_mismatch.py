import fnmatch
import re
from typing import Any, Optional

from lambdalint.data import table
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import as_mapping, referenced_id
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template, terraform

PERMISSION = """\
  Allow:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: {principal}
      SourceArn: {arn}
"""
_VARIABLE = re.compile(r"\$\{[^}]*\}")
BUCKET = "  Uploads:\n    Type: AWS::S3::Bucket\n"


def _permission(principal: str, arn: str, extra: str = "") -> Example:
    return template(function_with(resources=PERMISSION.format(principal=principal, arn=arn) + extra))


def _tf_permission(principal: str, arn: str) -> str:
    return ('resource "aws_sns_topic" "orders" {}\nresource "aws_lambda_permission" "allow" {\n'
            f'  function_name = aws_lambda_function.fn.function_name\n  principal = "{principal}"\n'
            f'  source_arn = {arn}\n}}\n')


class PermissionPrincipalMismatchRule(Rule):
    code = "LL616"
    name = "permission-principal-mismatch"
    severity = Severity.ERROR
    summary = "A Lambda permission whose Principal is not the service of its SourceArn (the trigger never fires)"
    needs = frozenset({CONFIG})
    invalid = (
        _permission("sns.amazonaws.com", "arn:aws:s3:::uploads"),
        _permission("sns.amazonaws.com", "!GetAtt Uploads.Arn", BUCKET),
        _permission("events.amazonaws.com", "!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"),
        terraform(description="Terraform", resources=_tf_permission("s3.amazonaws.com", "aws_sns_topic.orders.arn")),
    )
    valid = (
        _permission("s3.amazonaws.com", "arn:aws:s3:::uploads"),
        _permission("s3.amazonaws.com", "!GetAtt Uploads.Arn", BUCKET),
        _permission("logs.eu-west-1.amazonaws.com", "arn:aws:logs:eu-west-1:123456789012:log-group:app:*"),
        _permission("apigateway.amazonaws.com", "!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"),
        _permission("!Ref Principal", "arn:aws:s3:::uploads"),
        _permission("'123456789012'", "arn:aws:s3:::uploads"),
        _permission("sns.amazonaws.com", "!Ref TopicArn"),
        terraform(description="Terraform", resources=_tf_permission("sns.amazonaws.com", "aws_sns_topic.orders.arn")),
    )

    def check_project(self, project, ctx):
        for template_ in project.templates:
            for logical_id, _ in template_.resources_of_type("AWS::Lambda::Permission"):
                report = _mismatch(template_, logical_id)
                if report is not None:
                    yield report


def _mismatch(template_, logical_id: str) -> Optional[Report]:
    props = template_.properties(logical_id)
    principal = props.get("Principal")
    if not isinstance(principal, str) or not principal.endswith((".amazonaws.com", ".amazon.com")):
        return None  # an account, an ARN, `*` or a value known at deploy time: not a service
    service = _arn_service(template_, props.get("SourceArn"))
    expected = table("permission_principals")["arn_services"].get(service) if service else None
    if not expected or any(fnmatch.fnmatchcase(principal, pattern) for pattern in expected):
        return None
    return Report(
        f"permission {template_.name_of(logical_id)} lets {principal} invoke the function for a "
        f"SourceArn of {service} ({_describe(props.get('SourceArn'))}), whose events come from "
        f"{expected[0]}: the source is never allowed to invoke the function, so the trigger silently "
        f"never fires. Set the principal to {expected[0]}",
        TemplateAt(template_, ("Resources", logical_id, "Properties", "Principal")), resources=(logical_id,))


def _arn_service(template_, arn: Any) -> Optional[str]:
    """The service of an ARN: written out, in a `!Sub` whose service part is literal, or the ARN of
    a resource of a known type (`!GetAtt Bucket.Arn`, `!Ref Topic`); None when not known."""
    if isinstance(arn, dict) and len(arn) == 1 and "Fn::Sub" in arn:
        arn = arn["Fn::Sub"][0] if isinstance(arn["Fn::Sub"], list) and arn["Fn::Sub"] else arn["Fn::Sub"]
    if isinstance(arn, str):
        parts = _VARIABLE.sub("$", arn).split(":")  # `${AWS::Partition}` holds colons itself
        if len(parts) >= 3 and parts[0] == "arn" and "$" not in parts[2]:
            return parts[2]
        return None
    target = referenced_id(arn)
    kind = template_.resource_type(target)
    data = table("permission_principals")
    if kind is None or kind not in data["resource_types"]:
        return None
    if "Ref" in as_mapping(arn) and kind not in data["ref_is_arn"]["types"]:
        return None  # `!Ref Bucket` is a name, not an ARN
    if "Fn::GetAtt" in as_mapping(arn) and not _arn_attribute(arn["Fn::GetAtt"]):
        return None
    return data["resource_types"][kind]


def _arn_attribute(get_att: Any) -> bool:
    attribute = get_att[1] if isinstance(get_att, list) and len(get_att) > 1 else \
        get_att.split(".", 1)[1] if isinstance(get_att, str) and "." in get_att else None
    return isinstance(attribute, str) and attribute.endswith("Arn")


def _describe(arn: Any) -> str:
    if isinstance(arn, str):
        return arn if len(arn) <= 120 else arn[:117] + "..."
    target = referenced_id(arn)
    return f"the ARN of {target}" if target else "an ARN"
