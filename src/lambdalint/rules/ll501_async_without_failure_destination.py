from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import may_be_set
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import CFN_FUNCTION, function_with, serverless, template, terraform

S3_EVENT = "Events:\n  Upload:\n    Type: S3\n    Properties:\n      Bucket: !Ref Bucket\n      Events: s3:ObjectCreated:*"
CFN_TEMPLATE = "Resources:\n" + CFN_FUNCTION.replace("{", "{{").replace("}", "}}") + """\
{extra}  TopicPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: sns.amazonaws.com
{resources}"""
INVOKE_CONFIG = """\
  FnInvokeConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      DestinationConfig:
        OnFailure:
          Destination: arn:aws:sqs:us-east-1:123456789012:failures
"""


TF_SNS_SUBSCRIPTION = """\
resource "aws_sns_topic_subscription" "orders" {
  topic_arn = "arn:aws:sns:us-east-1:123456789012:orders"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.fn.arn
}
"""
TF_EVENTS_PERMISSION = """\
resource "aws_lambda_permission" "events" {
  function_name = aws_lambda_function.fn.function_name
  principal     = "events.amazonaws.com"
}
"""
TF_DLQ = 'resource "aws_sqs_queue" "dlq" {}\n'
CFN_SCHEDULE = """\
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 day)
      FlexibleTimeWindow: {{Mode: 'OFF'}}
      Target:
        Arn: !GetAtt Fn.Arn
        RoleArn: arn:aws:iam::123456789012:role/scheduler
{dead_letter}"""
CFN_RULE_AND_PERMISSION = """\
  Hourly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets:
        - Id: fn
          Arn: !GetAtt Fn.Arn
{dead_letter}  HourlyPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: events.amazonaws.com
      SourceArn: !GetAtt Hourly.Arn
"""


class AsyncWithoutFailureDestinationRule(Rule):
    code = "LL501"
    name = "async-without-failure-destination"
    severity = Severity.WARNING
    summary = "An asynchronously invoked function has no dead-letter queue or on-failure destination"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("ingest:\n  handler: app.handler\n  events:\n    - s3: uploads", "serverless.yml s3 event"),
        terraform(description="Terraform SNS subscription", resources=TF_SNS_SUBSCRIPTION),
        terraform(description="Terraform permission for EventBridge", resources=TF_EVENTS_PERMISSION),
        template(function_with(S3_EVENT), "an S3 trigger and nothing to catch failures"),
        template(function_with("Events:\n  Nightly:\n    Type: Schedule\n    Properties:\n"
                               "      Schedule: rate(1 day)"), "a schedule"),
        template(CFN_TEMPLATE.format(extra="", resources=""), "CloudFormation: an SNS permission"),
        template(function_with(resources=CFN_SCHEDULE.format(dead_letter="")),
                 "an AWS::Scheduler::Schedule target"),
        template(function_with(resources=CFN_RULE_AND_PERMISSION.format(dead_letter="")),
                 "an AWS::Events::Rule target (and its permission)"),
    )
    valid = (
        serverless("jobs:\n  handler: app.handler\n  events:\n    - sqs: arn:aws:sqs:us-east-1:123456789012:jobs",
                   "serverless.yml SQS-triggered: poll-based"),
        serverless("ingest:\n  handler: app.handler\n  destinations:\n    onFailure: arn:aws:sqs:us-east-1:123456789012:f"
                   "\n  events:\n    - s3: uploads", "serverless.yml with destinations.onFailure"),
        terraform("dead_letter_config {\n  target_arn = aws_sqs_queue.dlq.arn\n}",
                  "Terraform with dead_letter_config", resources=TF_SNS_SUBSCRIPTION + TF_DLQ),
        terraform(description="Terraform SQS event source mapping", resources=TF_DLQ + """\
resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.dlq.arn
  function_name    = aws_lambda_function.fn.arn
}
"""),
        template(function_with(S3_EVENT + "\nDeadLetterQueue:\n  Type: SQS\n  TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq"),
                 "a dead-letter queue"),
        template(function_with(S3_EVENT, globals_="DeadLetterQueue:\n  Type: SNS\n  TargetArn: arn:aws:sns:us-east-1:123456789012:dlq"),
                 "a dead-letter queue from Globals"),
        template(function_with(S3_EVENT + "\nEventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS"),
                 "an on-failure destination"),
        template(CFN_TEMPLATE.format(extra="", resources=INVOKE_CONFIG),
                 "an AWS::Lambda::EventInvokeConfig resource"),
        template(CFN_TEMPLATE.format(extra="      DeadLetterConfig:\n        TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq\n", resources=""),
                 "CloudFormation DeadLetterConfig"),
        template(function_with("Events:\n  Queue:\n    Type: SQS\n    Properties:\n      Queue: arn:aws:sqs:us-east-1:123456789012:q"),
                 "poll-based triggers (SQS) handle failures on the queue"),
        template(function_with("Events:\n  Get:\n    Type: Api\n    Properties:\n      Path: /\n      Method: get"),
                 "synchronous triggers: the caller sees the error"),
        template(function_with(), "no trigger at all"),
        template(function_with("Events:\n  Topic:\n    Type: SNS\n    Properties:\n      Topic: arn:aws:sns:us-east-1:123456789012:t\n"
                               "      SqsSubscription: true"), "SNS through an SQS queue is poll-based"),
        template(function_with(S3_EVENT + "\nDeadLetterQueue: !If [IsProd, {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:1:q}, !Ref AWS::NoValue]"),
                 "a dead-letter queue under Fn::If may be set"),
        template(function_with("Events:\n  SignUp:\n    Type: Cognito\n    Properties:\n"
                               "      UserPool: !Ref Pool\n      Trigger: PreSignUp",
                               resources="  Pool:\n    Type: AWS::Cognito::UserPool\n"),
                 "Cognito user-pool triggers are synchronous"),
        serverless("skill:\n  handler: app.handler\n  events:\n    - alexaSkill: amzn1.ask.skill.xx",
                   "Alexa skills are synchronous"),
        template(function_with(resources=CFN_SCHEDULE.format(
            dead_letter="        DeadLetterConfig:\n          Arn: arn:aws:sqs:us-east-1:123456789012:dlq\n")),
                 "a schedule target with its own dead-letter queue"),
        template(function_with(resources=CFN_RULE_AND_PERMISSION.format(
            dead_letter="          DeadLetterConfig:\n            Arn: arn:aws:sqs:us-east-1:123456789012:dlq\n")),
                 "a rule target with its own dead-letter queue (its permission is not another trigger)"),
        terraform(description="a Terraform schedule target with its own dead-letter queue", resources=TF_DLQ + """\
resource "aws_scheduler_schedule" "nightly" {
  schedule_expression = "rate(1 day)"
  flexible_time_window { mode = "OFF" }
  target {
    arn      = aws_lambda_function.fn.arn
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
    dead_letter_config { arn = aws_sqs_queue.dlq.arn }
  }
}
"""),
    )

    def check_function(self, fn, ctx):
        triggers = _unhandled_async_triggers(fn.config)
        if not triggers or _has_dead_letter(fn.config) or _has_on_failure(fn.config):
            return
        term = fn.config.template.term
        names = ", ".join(f"{e.type} '{e.name}'" for e in triggers)
        yield Report(
            f"function {fn.config.name} is invoked asynchronously ({names}) but has neither a "
            "dead-letter queue nor an on-failure destination: events that fail every retry are "
            f"dropped silently. Add {term('EventInvokeConfig.DestinationConfig.OnFailure')} (or {term('DeadLetterQueue')})",
            TemplateAt(fn.config.template, triggers[0].path), resources=(fn.config.logical_id,))


def _unhandled_async_triggers(config) -> list:
    """The asynchronous triggers whose failed events nothing of their own keeps.  A permission only
    says that a service may invoke the function: when the configuration declares that service's
    triggers of the function (rule targets, schedules), those decide."""
    template = config.template
    events = [event for event in config.events if event.kind == "async"]
    permissions = {id(event) for event in events if event.path[-1:] == ("Principal",)
                   and template.resource_type(event.name) == "AWS::Lambda::Permission"}
    declared = {event.type for event in events if id(event) not in permissions}
    return [event for event in events if not _trigger_keeps_failures(template, event)
            and not (id(event) in permissions and event.type in declared)]


def _trigger_keeps_failures(template, event) -> bool:
    """A target's own dead-letter queue: CloudFormation and Terraform rule and schedule targets,
    SAM `EventBridgeRule`/`Schedule`/`ScheduleV2` events with `DeadLetterConfig`."""
    if event.keeps_failures:
        return True
    properties = template.get_value(event.path + ("Properties",))
    return isinstance(properties, dict) and may_be_set(properties, ("DeadLetterConfig",))


def _has_dead_letter(config) -> bool:
    for key in ("DeadLetterQueue", "DeadLetterConfig"):
        setting = config.get(key)
        if setting is not None and may_be_set(setting.value, ("TargetArn",)):
            return True
    return False


def _has_on_failure(config) -> bool:
    setting = config.get("EventInvokeConfig")
    if setting is not None and may_be_set(setting.value, ("DestinationConfig", "OnFailure")):
        return True
    for logical_id, _ in config.targeting("AWS::Lambda::EventInvokeConfig"):
        props = config.template.properties(logical_id)
        if may_be_set(
                props, ("DestinationConfig", "OnFailure", "Destination")):
            return True
    return False
