from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import may_be_set, referenced_id
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

STREAM = ("Events:\n  Changes:\n    Type: Kinesis\n    Properties:\n"
          "      Stream: arn:aws:kinesis:us-east-1:123456789012:stream/orders\n      StartingPosition: LATEST")


SLS_STREAM = """\
worker:
  handler: app.handler
  events:
    - stream:
        type: kinesis
        arn: arn:aws:kinesis:us-east-1:123456789012:stream/s
"""
SLS_STREAM_HANDLED = """\
        maximumRetryAttempts: 2
        bisectBatchOnFunctionError: true
        destinations:
          onFailure: arn:aws:sqs:us-east-1:123456789012:failed
"""
TF_ON_FAILURE = """destination_config {
    on_failure {
      destination_arn = "arn:aws:sqs:us-east-1:123456789012:failed"
    }
  }"""
TF_STREAM_MAPPING = """\
resource "aws_dynamodb_table" "t" {{
  name = "t"
}}
resource "aws_lambda_event_source_mapping" "changes" {{
  event_source_arn  = aws_dynamodb_table.t.stream_arn
  function_name     = aws_lambda_function.fn.arn
  starting_position = "LATEST"
  {extra}
}}
"""


class StreamWithoutFailureHandlingRule(Rule):
    code = "LL502"
    name = "stream-without-failure-handling"
    severity = Severity.WARNING
    summary = "A Kinesis or DynamoDB stream mapping with unlimited retries, no bisect and no on-failure destination"
    needs = frozenset({CONFIG})
    invalid = (
        serverless(SLS_STREAM, "serverless.yml stream event"),
        terraform(description="Terraform mapping on a DynamoDB stream", resources=TF_STREAM_MAPPING.format(extra="")),
        template(function_with(STREAM), "defaults: retried until the record expires"),
        template(function_with(STREAM + "\n      MaximumRetryAttempts: -1"), "explicitly unlimited"),
    )
    valid = (
        serverless(SLS_STREAM + SLS_STREAM_HANDLED, "serverless.yml stream with bounded retries and a destination"),
        terraform(description="Terraform mapping with an on-failure destination",
                  resources=TF_STREAM_MAPPING.format(extra=TF_ON_FAILURE)),
        template(function_with(STREAM + "\n      MaximumRetryAttempts: 3"), "bounded retries"),
        template(function_with(STREAM + "\n      BisectBatchOnFunctionError: true"), "bisecting isolates the bad record"),
        template(function_with(STREAM + "\n      DestinationConfig:\n        OnFailure:\n"
                               "          Destination: arn:aws:sqs:us-east-1:123456789012:failed"),
                 "an on-failure destination"),
        template(function_with("Events:\n  Q:\n    Type: SQS\n    Properties:\n"
                               "      Queue: arn:aws:sqs:us-east-1:123456789012:q"), "SQS is not a stream"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        template_ = config.template
        mappings = [(event.path + ("Properties",), event.name) for event in config.events
                    if event.type in ("Kinesis", "DynamoDB")]
        for mapping_id, _ in config.targeting("AWS::Lambda::EventSourceMapping"):
            source = template_.properties(mapping_id).get("EventSourceArn")
            if _is_stream(source, template_):
                mappings.append((("Resources", mapping_id, "Properties"), mapping_id))
        term = template_.term
        for path, name in mappings:
            props = template_.get_value(path)
            if props is not None and not isinstance(props, dict):
                continue  # `Properties: "oops"`: nothing is known about this mapping
            props = props or {}
            unlimited = _unlimited(props.get("MaximumRetryAttempts"))
            bisect = props.get("BisectBatchOnFunctionError") in (True, "true", "True")
            if unlimited and not bisect and not may_be_set(props, ("DestinationConfig", "OnFailure")):
                yield Report(
                    f"stream mapping '{name}' of {config.name} retries a failing batch until its "
                    "records expire (Kinesis: 24 hours by default, up to 365 days; DynamoDB: 24 hours) and the shard waits "
                    f"behind it. Set {term('MaximumRetryAttempts')}, {term('BisectBatchOnFunctionError')}: true "
                    f"and an on-failure destination ({term('DestinationConfig.OnFailure')})",
                    TemplateAt(template_, path[:-1]), resources=(config.logical_id,))


def _unlimited(retries) -> bool:
    """Absent or -1 (also as text): retried until the records expire."""
    if retries is None:
        return True
    if isinstance(retries, str):
        return retries.strip() == "-1"
    return isinstance(retries, int) and retries == -1


def _is_stream(source, template_) -> bool:
    if isinstance(source, str):
        return ":kinesis:" in source or (":dynamodb:" in source and "/stream/" in source)
    kind = template_.resource_type(referenced_id(source))
    attribute = None
    if isinstance(source, dict) and "Fn::GetAtt" in source:
        value = source["Fn::GetAtt"]
        value = value.split(".", 1) if isinstance(value, str) else value  # long form "T.StreamArn"
        attribute = value[1] if isinstance(value, list) and len(value) > 1 else None
    return kind == "AWS::Kinesis::Stream" or (kind == "AWS::DynamoDB::Table" and attribute == "StreamArn")
