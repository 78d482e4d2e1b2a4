from typing import Any, Dict, Iterator, List, Optional, Tuple

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import as_mapping, int_value, referenced_id
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template, terraform

LOG_GROUP = "  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: {name}\n{extra}"
PREFIX = "/aws/lambda/"
# The setting to add, in the words of each format.
_FIX = {"cloudformation": "RetentionInDays (e.g. 30)", "terraform": "retention_in_days (e.g. 30)",
        "serverless": "logRetentionInDays (e.g. 30) under provider or the function"}


def _sam(name: str, extra: str = "", properties: str = "") -> str:
    return function_with(properties, resources=LOG_GROUP.format(name=name, extra=extra))


def _tf_group(name: str, extra: str = "") -> str:
    return f'resource "aws_cloudwatch_log_group" "fn" {{\n  name = "{name}"\n{extra}}}\n'


SERVERLESS = """\
service: s
provider:
  name: aws
  runtime: python3.12
{provider}functions:
  hello:
    handler: app.handler
resources:
  Resources:
    HelloLogGroup:
      Properties:
        Tags: [{{Key: team, Value: a}}]
"""


class LogGroupWithoutRetentionRule(Rule):
    code = "LL615"
    name = "log-group-without-retention"
    severity = Severity.INFO
    summary = "A function's log group keeps its logs forever (no retention)"
    needs = frozenset({CONFIG})
    invalid = (
        template(_sam("!Sub /aws/lambda/${Fn}"), "matched by !Sub reference"),
        template(_sam("/aws/lambda/orders", properties="FunctionName: orders"), "matched by name"),
        template(_sam("app-logs", properties="LoggingConfig:\n  LogGroup: !Ref Logs"), "the function's LoggingConfig"),
        terraform(description="Terraform, by reference",
                  resources=_tf_group("/aws/lambda/${aws_lambda_function.fn.function_name}")),
        terraform(description="Terraform, retention 0 (never expire)",
                  resources=_tf_group("/aws/lambda/fn", "  retention_in_days = 0\n")),
        Example({"serverless.yml": SERVERLESS.format(provider="")}, "serverless.yml customised log group"),
    )
    valid = (
        template(_sam("!Sub /aws/lambda/${Fn}", "      RetentionInDays: 14\n")),
        template(_sam("!Sub /aws/lambda/${Fn}", "      RetentionInDays: !Ref Days\n"), "retention known at deploy time"),
        template(_sam("!Sub /aws/lambda/${Other}"), "another function's log group"),
        template(_sam("/aws/lambda/orders"), "a name that is not the function's (generated name)"),
        terraform(description="Terraform with retention",
                  resources=_tf_group("/aws/lambda/${aws_lambda_function.fn.function_name}", "  retention_in_days = 30\n")),
        Example({"serverless.yml": SERVERLESS.format(provider="  logRetentionInDays: 14\n")},
                "serverless.yml provider.logRetentionInDays"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        index = ctx.memo(("LL615", id(config.template)), lambda: _index(config.template))
        for group_id in _log_groups_of(config, index):
            props = config.template.properties(group_id)
            if "RetentionInDays" in props and int_value(props["RetentionInDays"]) != 0:
                continue  # set (0 is Terraform's "never expire"); an intrinsic is unknown
            yield Report(
                f"log group {config.template.name_of(group_id)} of {config.name} has no retention: its "
                f"logs are kept (and billed) forever. Set {_fix(config.template)}",
                TemplateAt(config.template, ("Resources", group_id)), resources=(group_id, config.logical_id))


def _fix(template_) -> str:
    return _FIX.get(template_.dialect.name, _FIX["cloudformation"])


def _index(template_) -> Dict[Tuple[str, str], List[Any]]:
    """The log groups of the template by how they are named, built once per template (a lookup per
    function, not a walk of every log group for each of 2,000 functions): ("name", full literal
    name), ("function", literal function name after the prefix), ("ref", `${Fn}` after the
    prefix) -> logical ids; ("id", logical id) -> [its position in the template]."""
    index: Dict[Tuple[str, str], List[Any]] = {}
    for position, (group_id, resource) in enumerate(template_.resources_of_type("AWS::Logs::LogGroup")):
        index[("id", group_id)] = [position]  # where it is: the order of the findings
        keys = []
        name = as_mapping(resource.get("Properties")).get("LogGroupName")
        text = name if isinstance(name, str) else _written(name)
        if isinstance(name, str):
            keys.append(("name", name))
        if text is not None and text.startswith(PREFIX):
            keys.append(("function" if isinstance(name, str) else "ref", text[len(PREFIX):]))
        for key in keys:
            index.setdefault(key, []).append(group_id)
    return index


def _log_groups_of(config, index) -> Iterator[str]:
    """Log groups that are the function's: the one its LoggingConfig names, and those named
    `/aws/lambda/<its name>` (literally, or by a reference to the function); in template order."""
    logging = config.get("LoggingConfig", "LogGroup")
    keys = []
    if logging is not None:
        keys += [("name", logging.value)] if isinstance(logging.value, str) else []
    own_name = _function_name(config)
    keys += [("function", own_name)] if own_name is not None else []
    keys += [("ref", reference) for reference in _references(config.logical_id)]
    found = {group_id for key in keys for group_id in index.get(key, ())}
    chosen = referenced_id(logging.value) if logging is not None else None
    if chosen is not None and ("id", chosen) in index:
        found.add(chosen)
    yield from sorted(found, key=lambda group_id: index[("id", group_id)])


def _function_name(config) -> Optional[str]:
    name = config.get("FunctionName")
    return name.value if name is not None and isinstance(name.value, str) else None


def _written(value: Any) -> Optional[str]:
    """The text of `!Sub` / Terraform interpolation, or `!Join ["", ["/aws/lambda/", !Ref Fn]]`."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (key, inner), = value.items()
    if key in ("Fn::Sub", "Fn::Unresolved"):
        return inner if isinstance(inner, str) else inner[0] if isinstance(inner, list) and inner \
            and isinstance(inner[0], str) else None
    if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and inner[0] == "" \
            and isinstance(inner[1], list):
        parts = []
        for part in inner[1]:
            target = referenced_id(part) if isinstance(part, dict) and "Ref" in part else None
            if not isinstance(part, str) and target is None:
                return None
            parts.append(part if isinstance(part, str) else f"${{{target}}}")
        return "".join(parts)
    return None


def _references(logical_id: str) -> Tuple[str, ...]:
    """How the function's name is written after the prefix: `${Fn}` in CloudFormation, the
    function's name attribute in Terraform (resource or lambda module)."""
    return (f"${{{logical_id}}}", f"${{{logical_id}.function_name}}", f"${{{logical_id}.id}}",
            f"${{{logical_id}.lambda_function_name}}")
