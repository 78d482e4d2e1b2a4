from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.project import Setting
from lambdalint.model.template import referenced_id
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template

DLQ_SERVICES = {"sqs": "SQS queue", "sns": "SNS topic"}
DESTINATION_SERVICES = {"sqs", "sns", "lambda", "events", "s3"}
ON_FAILURE_RULE = ("an on-failure destination must be an SQS queue, SNS topic, Lambda function, "
                   "EventBridge bus or S3 bucket")
RESOURCE_SERVICE = {"AWS::SQS::Queue": "sqs", "AWS::SNS::Topic": "sns", "AWS::Serverless::Function": "lambda",
                    "AWS::Lambda::Function": "lambda", "AWS::Lambda::Alias": "lambda", "AWS::Lambda::Version": "lambda", "AWS::Events::EventBus": "events", "AWS::S3::Bucket": "s3",
                    "AWS::DynamoDB::Table": "dynamodb", "AWS::Kinesis::Stream": "kinesis"}


class InvalidFailureTargetRule(Rule):
    code = "LL506"
    name = "invalid-failure-target"
    severity = Severity.ERROR
    summary = "A dead-letter target that is not SQS or SNS, or an on-failure destination of an unsupported kind"
    needs = frozenset({CONFIG})
    invalid = (
        Example({"main.tf": """\
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  handler = "app.handler"
}
resource "aws_lambda_function_event_invoke_config" "f" {
  function_name = aws_lambda_function.f.function_name
  destination_config {
    on_failure {
      destination = aws_dynamodb_table.failures.arn
    }
  }
}
resource "aws_dynamodb_table" "failures" {
  name = "failures"
}
"""}, "Terraform: a DynamoDB table as on-failure destination"),
        template(function_with("DeadLetterQueue:\n  Type: SQS\n  TargetArn: arn:aws:dynamodb:us-east-1:123456789012:table/t"),
                 "a DynamoDB table as dead-letter queue"),
        template(function_with("EventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n"
                               "      Destination: !GetAtt Stream.Arn",
                               resources="  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: 1\n"),
                 "a Kinesis stream as on-failure destination"),
    )
    valid = (
        template(function_with("DeadLetterQueue:\n  Type: SNS\n  TargetArn: arn:aws:sns:us-east-1:123456789012:dlq")),
        template(function_with("EventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: EventBridge\n"
                               "      Destination: arn:aws:events:us-east-1:123456789012:event-bus/default")),
        template(function_with("DeadLetterQueue:\n  Type: SQS\n  TargetArn: !ImportValue DlqArn"), "unknown"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        targets = []
        for key, allowed in (("DeadLetterQueue", DLQ_SERVICES), ("DeadLetterConfig", DLQ_SERVICES)):
            setting = config.get(key, "TargetArn")
            if setting is not None:
                targets.append((setting, set(allowed), "a dead-letter target must be an SQS queue or an SNS topic"))
        on_failure = config.get("EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination")
        if on_failure is not None:
            targets.append((on_failure, DESTINATION_SERVICES, ON_FAILURE_RULE))
        for logical_id, _ in config.targeting("AWS::Lambda::EventInvokeConfig"):
            path = ("Resources", logical_id, "Properties", "DestinationConfig", "OnFailure", "Destination")
            destination = config.template.get_value(path)
            if destination is not None:
                targets.append((Setting(destination, path), DESTINATION_SERVICES, ON_FAILURE_RULE))
        for setting, allowed, rule in targets:
            service = _service(setting.value, config.template)
            if service is not None and service not in allowed:
                yield Report(f"{rule}; this one is {service}: the deployment fails or failed events are lost",
                             TemplateAt(config.template, setting.path), resources=(config.logical_id,))


def _service(value, template_):
    if isinstance(value, str) and value.startswith("arn:"):
        parts = value.split(":")
        return parts[2] if len(parts) > 2 else None
    if isinstance(value, dict) and _names_an_output(value.get("Fn::GetAtt")):
        return None  # an output of a nested stack or application: unknown
    kind = template_.resource_type(referenced_id(value))
    return RESOURCE_SERVICE.get(kind)  # resource types we do not know are not judged


def _names_an_output(get_att) -> bool:
    """`!GetAtt App.Outputs.QueueArn`: text, or parts that may hold intrinsics (`!Sub`), walked
    without recursion (a node of any shape; the loader bounds its size)."""
    pending = [get_att]
    while pending:
        part = pending.pop()
        if isinstance(part, str) and "Outputs" in part:
            return True
        if isinstance(part, list):
            pending.extend(part)
        elif isinstance(part, dict):
            pending.extend(part.values())
    return False
