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
    )

    def check_function(self, fn, ctx):
        triggers = [event for event in fn.config.events if event.kind == "async"]
        if not triggers or _has_dead_letter(fn.config) or _has_on_failure(fn.config):
            return
        term = fn.config.template.term
        names = ", ".join(f"{e.type} '{e.name}'" for e in triggers)
        yield Report(
            f"function {fn.config.name} is invoked asynchronously ({names}) but has neither a "
            "dead-letter queue nor an on-failure destination: events that fail every retry are "
            f"dropped silently. Add {term('EventInvokeConfig.DestinationConfig.OnFailure')} (or {term('DeadLetterQueue')})",
            TemplateAt(fn.config.template, triggers[0].path), resources=(fn.config.logical_id,))


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
