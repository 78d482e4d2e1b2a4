from typing import Any, Dict, Iterator, List, Optional, Tuple

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import as_mapping, may_be_set, referenced_id
from lambdalint.loaders.triggers import function_reference
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

DLQ = "arn:aws:sqs:us-east-1:123456789012:undelivered"
TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"
RULE_TARGET = """\
  Hourly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets:
        - Id: fn
          Arn: !GetAtt Fn.Arn
{dead_letter}"""
SUBSCRIPTION = """\
  Orders:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: {topic}
      Protocol: lambda
      Endpoint: !GetAtt Fn.Arn
{redrive}"""
TF_SUBSCRIPTION = """\
resource "aws_sns_topic_subscription" "orders" {{
  topic_arn = "{topic}"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.fn.arn
{redrive}}}
"""
TF_TARGET = """\
resource "aws_cloudwatch_event_target" "hourly" {{
  rule = "hourly"
  arn  = aws_lambda_function.fn.arn
{dead_letter}}}
"""

# SAM event types whose target or subscription can keep what it could not deliver, and the key
# that does it (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
# sam-property-function-deadletterconfig.html, sam-property-function-sns.html).
_SAM_KEYS = {"EventBridgeRule": "DeadLetterConfig", "CloudWatchEvent": "DeadLetterConfig",
             "Schedule": "DeadLetterConfig", "ScheduleV2": "DeadLetterConfig", "SNS": "RedrivePolicy"}
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_SERVICE = {"EventBridgeRule": "EventBridge rule", "CloudWatchEvent": "EventBridge rule",
            "Schedule": "EventBridge schedule", "ScheduleV2": "EventBridge Scheduler schedule",
            "SNS": "SNS subscription", "EventBridge": "EventBridge rule target",
            "EventBridge Scheduler": "EventBridge Scheduler schedule"}
# The words of each format for the setting to add: [EventBridge, SNS]
_FIX = {"cloudformation": ("DeadLetterConfig (the Arn of a standard SQS queue; SAM: Type: SQS)",
                           "RedrivePolicy (deadLetterTargetArn)"),
        "serverless": ("deadLetterQueueArn to an eventBridge event (schedule and cloudwatchEvent events have "
                       "no such setting: write them as eventBridge events with schedule: or pattern:)",
                       "redrivePolicy (deadLetterTargetArn)"),
        "terraform": ("dead_letter_config { arn = ... }", "redrive_policy (deadLetterTargetArn)")}


class TargetWithoutDeadLetterRule(Rule):
    code = "LL509"
    name = "target-without-dead-letter"
    severity = Severity.WARNING
    summary = ("An EventBridge rule target, Scheduler schedule or SNS subscription of a function without "
               "its own dead-letter queue (undelivered events are lost)")
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with("Events:\n  Nightly:\n    Type: Schedule\n    Properties:\n      Schedule: rate(1 day)"),
                 "a SAM schedule without DeadLetterConfig"),
        template(function_with(f"Events:\n  Orders:\n    Type: SNS\n    Properties:\n      Topic: {TOPIC}"),
                 "a SAM SNS event without RedrivePolicy"),
        template(function_with(resources=RULE_TARGET.format(dead_letter="")), "an AWS::Events::Rule target"),
        template(function_with(resources=SUBSCRIPTION.format(topic=TOPIC, redrive="")), "an AWS::SNS::Subscription"),
        template(function_with(f"EventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n"
                               f"      Destination: {DLQ}\nEvents:\n  Nightly:\n    Type: ScheduleV2\n"
                               "    Properties:\n      ScheduleExpression: rate(1 day)"),
                 "the function's own on-failure destination does not catch undelivered events"),
        serverless(f"worker:\n  handler: app.handler\n  events:\n    - sns: {TOPIC}", "serverless.yml sns event"),
        serverless("worker:\n  handler: app.handler\n  events:\n    - eventBridge:\n        pattern:\n"
                   "          source: [orders]", "serverless.yml eventBridge event"),
        terraform(description="Terraform SNS subscription", resources=TF_SUBSCRIPTION.format(topic=TOPIC, redrive="")),
        terraform(description="Terraform EventBridge target", resources=TF_TARGET.format(dead_letter="")),
    )
    valid = (
        template(function_with("Events:\n  Nightly:\n    Type: Schedule\n    Properties:\n      Schedule: rate(1 day)\n"
                               "      DeadLetterConfig:\n        Type: SQS"), "SAM creates the dead-letter queue"),
        template(function_with(f"Events:\n  Orders:\n    Type: SNS\n    Properties:\n      Topic: {TOPIC}\n"
                               f"      RedrivePolicy: {{deadLetterTargetArn: {DLQ}}}"), "an SNS event with RedrivePolicy"),
        template(function_with(f"Events:\n  Orders:\n    Type: SNS\n    Properties:\n      Topic: {TOPIC}\n"
                               "      SqsSubscription: true"), "SNS through an SQS queue"),
        template(function_with(resources=RULE_TARGET.format(
            dead_letter=f"          DeadLetterConfig:\n            Arn: {DLQ}\n")), "a rule target with DeadLetterConfig"),
        template(function_with(resources=SUBSCRIPTION.format(
            topic=TOPIC, redrive=f"      RedrivePolicy:\n        deadLetterTargetArn: {DLQ}\n")),
                 "a subscription with RedrivePolicy"),
        template(function_with("Events:\n  Get:\n    Type: Api\n    Properties:\n      Path: /\n      Method: get"),
                 "an API event: synchronous"),
        serverless(f"worker:\n  handler: app.handler\n  events:\n    - sns:\n        arn: {TOPIC}\n"
                   f"        redrivePolicy:\n          deadLetterTargetArn: {DLQ}", "serverless.yml sns with redrivePolicy"),
        serverless("worker:\n  handler: app.handler\n  events:\n    - eventBridge:\n        pattern:\n"
                   f"          source: [orders]\n        deadLetterQueueArn: {DLQ}",
                   "serverless.yml eventBridge with deadLetterQueueArn"),
        terraform(description="Terraform SNS subscription with redrive_policy", resources=TF_SUBSCRIPTION.format(
            topic=TOPIC, redrive=f'  redrive_policy = jsonencode({{ deadLetterTargetArn = "{DLQ}" }})\n')),
        terraform(description="Terraform target with dead_letter_config", resources=TF_TARGET.format(
            dead_letter=f'  dead_letter_config {{\n    arn = "{DLQ}"\n  }}\n')),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        template_ = config.template
        fix = _FIX.get(template_.dialect.name, _FIX["cloudformation"])
        for path, service in _undelivered_losers(config, ctx):
            setting = fix[1] if "SNS" in service else fix[0]
            yield Report(
                f"{service} of {config.name} has no dead-letter queue of its own: when it cannot deliver "
                "an event to the function (missing permission, throttling beyond its retries, a deleted "
                f"function) the event is dropped. Add {setting}. The function's own dead-letter queue or "
                "on-failure destination (LL501) only keeps events Lambda accepted, not these",
                TemplateAt(template_, path), resources=(config.logical_id,))


def _undelivered_losers(config, ctx) -> Iterator[Tuple[tuple, str]]:
    """(path, what) of each trigger of the function that drops what it cannot deliver."""
    template_ = config.template
    for event in config.events:
        if event.path[-2:-1] == ("Events",) and event.type in _SAM_KEYS:
            props = template_.get_value(event.path + ("Properties",))
            if props is not None and not isinstance(props, dict):
                continue  # unknown shape: not judged
            props = props or {}
            if event.type == "SNS" and may_be_set(props, ("SqsSubscription",)):
                continue  # SAM puts a queue between the topic and the function (LL503 judges it)
            if not may_be_set(props, (_SAM_KEYS[event.type],)):
                yield event.path, f"{_SERVICE[event.type]} '{event.name}'"
        elif event.type in ("EventBridge", "EventBridge Scheduler") and event.kind == "async" \
                and template_.resource_type(event.name) != "AWS::Lambda::Permission" and not event.keeps_failures:
            yield event.path, f"{_SERVICE[event.type]} {template_.name_of(event.name)}"
        elif event.type == "SNS" and event.path == ("Resources", event.name) \
                and not may_be_set(template_.properties(event.name), ("RedrivePolicy",)):
            yield event.path, f"SNS subscription {template_.name_of(event.name)}"  # Terraform
    by_function = ctx.memo(("LL509", id(template_)), lambda: _subscriptions_without_redrive(template_))
    for logical_id, reference in by_function.get(config.logical_id, []) + by_function.get(None, []):
        if config.is_reached_by(reference):
            yield ("Resources", logical_id), f"SNS subscription {logical_id}"


def _subscriptions_without_redrive(template_) -> Dict[Optional[str], List[Tuple[str, Any]]]:
    """The lambda subscriptions of the template without RedrivePolicy, by the logical id of the
    function their endpoint names (through an alias or version too; None when it is not a function
    of the template): found once per template, not once per function."""
    found: Dict[Optional[str], List[Tuple[str, Any]]] = {}
    for logical_id, resource in template_.resources_of_type("AWS::SNS::Subscription"):
        props = as_mapping(resource.get("Properties"))
        if props.get("Protocol") != "lambda" or may_be_set(props, ("RedrivePolicy",)):
            continue
        reference = function_reference(template_, props.get("Endpoint"))
        if reference is not None:
            found.setdefault(_function_of(template_, reference), []).append((logical_id, reference))
    return found


def _function_of(template_, reference) -> Optional[str]:
    target = referenced_id(reference)
    if template_.resource_type(target) in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        target = referenced_id(template_.properties(target).get("FunctionName"))
    return target if template_.resource_type(target) in _FUNCTION_TYPES else None
