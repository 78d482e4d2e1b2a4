from typing import Any, Iterator, Optional, Tuple

from lambdalint.data import event_sources
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import as_mapping, format_number, is_intrinsic, number_value, referenced_id
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform
from lambdalint.rules.queue_kinds import is_fifo

KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
SQS = "arn:aws:sqs:us-east-1:123456789012:jobs"


def _sam_event(kind: str, source_key: str, source: str, extra: str = "") -> str:
    lines = "".join(f"\n      {line}" for line in extra.splitlines())
    return f"Events:\n  Feed:\n    Type: {kind}\n    Properties:\n      {source_key}: {source}{lines}"


def _tf_mapping(source: str, extra: str = "", resources: str = "") -> str:
    body = "".join(f"  {line}\n" for line in extra.splitlines())
    return resources + f"""\
resource "aws_lambda_event_source_mapping" "feed" {{
  event_source_arn = {source}
  function_name    = aws_lambda_function.fn.arn
{body}}}
"""


# The mapping settings in the words of each format (the loaders' term tables do not have them).
_TERMS = {
    "terraform": {"StartingPosition": "starting_position", "BatchSize": "batch_size",
                  "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds"},
    "serverless": {"StartingPosition": "startingPosition", "BatchSize": "batchSize",
                   "MaximumBatchingWindowInSeconds": "maximumBatchingWindow (batchWindow on a stream)"},
}


def _term(template_, key: str) -> str:
    return _TERMS.get(template_.dialect.name, {}).get(key, key)


FIFO_QUEUE = "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: true\n"


class EventSourceMappingInvalidRule(Rule):
    code = "LL507"
    name = "event-source-mapping-invalid"
    severity = Severity.ERROR
    summary = ("An event source mapping Lambda rejects: StartingPosition missing on a stream or set on "
               "a queue, BatchSize or MaximumBatchingWindowInSeconds out of range")
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(_sam_event("Kinesis", "Stream", KINESIS)), "a Kinesis event without StartingPosition"),
        template(function_with(_sam_event("SQS", "Queue", SQS, "StartingPosition: LATEST")),
                 "an SQS event with a StartingPosition"),
        template(function_with(_sam_event("SQS", "Queue", SQS, "BatchSize: 100")),
                 "an SQS batch over 10 without a batching window"),
        template(function_with(_sam_event("SQS", "Queue", "!GetAtt Jobs.Arn", "BatchSize: 50\nMaximumBatchingWindowInSeconds: 5"),
                               resources=FIFO_QUEUE), "a FIFO queue with a batch over 10"),
        template(function_with(_sam_event("Kinesis", "Stream", KINESIS, "StartingPosition: LATEST\nBatchSize: 20000")),
                 "a Kinesis batch over 10,000"),
        template(function_with(_sam_event("DynamoDB", "Stream", "arn:aws:dynamodb:us-east-1:1:table/t/stream/x",
                                          "StartingPosition: LATEST\nMaximumBatchingWindowInSeconds: 600")),
                 "a batching window over 300 s"),
        serverless("worker:\n  handler: app.handler\n  events:\n    - sqs:\n        arn: " + SQS + "\n        batchSize: 50",
                   "serverless.yml: an SQS batch over 10 without maximumBatchingWindow"),
        terraform(description="Terraform: a Kinesis mapping without starting_position",
                  resources=_tf_mapping("aws_kinesis_stream.s.arn", resources='resource "aws_kinesis_stream" "s" {}\n')),
        terraform(description="Terraform: starting_position on an SQS mapping",
                  resources=_tf_mapping(f'"{SQS}"', 'starting_position = "LATEST"')),
    )
    valid = (
        template(function_with(_sam_event("Kinesis", "Stream", KINESIS, "StartingPosition: TRIM_HORIZON\nBatchSize: 10000"))),
        template(function_with(_sam_event("SQS", "Queue", SQS, "BatchSize: 10"))),
        template(function_with(_sam_event("SQS", "Queue", SQS, "BatchSize: 1000\nMaximumBatchingWindowInSeconds: 1")),
                 "a standard queue: up to 10,000 with a batching window"),
        template(function_with(_sam_event("SQS", "Queue", "!ImportValue Jobs", "BatchSize: 100\nMaximumBatchingWindowInSeconds: 5")),
                 "a queue of unknown type with a batching window"),
        template(function_with(_sam_event("SQS", "Queue", SQS, "BatchSize: !Ref Size")), "unknown batch size"),
        template(function_with(_sam_event("Kinesis", "Stream", KINESIS, "StartingPosition: !Ref Position")),
                 "a StartingPosition known at deploy time"),
        serverless("worker:\n  handler: app.handler\n  events:\n    - stream:\n        arn: " + KINESIS,
                   "serverless.yml: the framework sets startingPosition (TRIM_HORIZON) itself"),
        terraform(description="Terraform: a Kinesis mapping with starting_position",
                  resources=_tf_mapping("aws_kinesis_stream.s.arn", 'starting_position = "LATEST"',
                                        resources='resource "aws_kinesis_stream" "s" {}\n')),
        terraform(description="Terraform: an SQS mapping with a batching window",
                  resources=_tf_mapping(f'"{SQS}"', "batch_size = 100\nmaximum_batching_window_in_seconds = 10")),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        template_ = config.template
        for path, name, kind in _mappings(config):
            props = template_.get_value(path)
            if not isinstance(props, dict):
                continue  # `Properties: "oops"`, or none at all: nothing is known about it
            for problem, key in _problems(props, kind, template_):
                where = path + (key,) if key in props else path[:-1]
                yield Report(f"event source mapping '{name}' of {config.name} ({kind}): {problem}",
                             TemplateAt(template_, where), resources=(config.logical_id,))


def _mappings(config) -> Iterator[Tuple[tuple, str, str]]:
    """(properties path, name, source type) of each mapping of the function whose source is known."""
    sources = event_sources()["mapping_sources"]
    for event in config.events:
        if event.type in sources and event.path[-2:-1] == ("Events",):
            yield event.path + ("Properties",), event.name, event.type
    for mapping_id, _ in config.targeting("AWS::Lambda::EventSourceMapping"):
        props = config.template.properties(mapping_id)
        kind = _source_kind(props, config.template)
        if kind is not None:
            yield ("Resources", mapping_id, "Properties"), config.template.name_of(mapping_id), kind


def _source_kind(props: dict, template_) -> Optional[str]:
    if props.get("SelfManagedEventSource") is not None:
        return "SelfManagedKafka"
    source = props.get("EventSourceArn")
    if isinstance(source, str) and source.startswith("arn:"):
        parts = source.split(":")
        return event_sources()["mapping_source_arns"].get(parts[2]) if len(parts) > 2 else None
    kind = event_sources()["mapping_source_resources"].get(template_.resource_type(referenced_id(source)) or "")
    if kind == "DynamoDB" and "StreamArn" not in str(source.get("Fn::GetAtt")):
        return None  # a table's Arn is not a stream: something else is wrong (or unknown)
    return kind


def _problems(props: dict, kind: str, template_) -> Iterator[Tuple[str, str]]:
    limits = event_sources()["mapping_limits"]
    rule = event_sources()["mapping_sources"][kind]
    position = props.get("StartingPosition")
    if rule["starting_position"] == "required" and position is None and _starting_position_applies(props, template_):
        yield (f"no {_term(template_, 'StartingPosition')}: Lambda requires it for {kind} sources and the deployment "
               "fails. Set TRIM_HORIZON (the oldest record), LATEST or AT_TIMESTAMP", "StartingPosition")
    if rule["starting_position"] == "refused" and position is not None:
        yield (f"{_term(template_, 'StartingPosition')} is set, but an SQS queue has no position to start from: Lambda "
               "rejects the mapping and the deployment fails. Remove it", "StartingPosition")
    batch = number_value(props.get("BatchSize"))
    window = _window(props)
    if batch is not None:
        yield from _batch_problems(batch, window, kind, props, template_, limits, rule["batch_size_max"])
    raw_window = number_value(props.get("MaximumBatchingWindowInSeconds"))
    low, high = limits["batching_window_min_s"], limits["batching_window_max_s"]
    if raw_window is not None and not low <= raw_window <= high:
        yield (f"{_term(template_, 'MaximumBatchingWindowInSeconds')} is {format_number(raw_window)} s: Lambda accepts "
               f"{low} to {high} s and the deployment fails", "MaximumBatchingWindowInSeconds")


def _batch_problems(batch, window, kind, props, template_, limits, maximum) -> Iterator[Tuple[str, str]]:
    size = f"{_term(template_, 'BatchSize')} is {format_number(batch)}"
    if batch < limits["batch_size_min"]:
        yield f"{size}: Lambda accepts {limits['batch_size_min']} to {maximum:,} and the deployment fails", "BatchSize"
    elif batch > maximum:
        yield f"{size}: Lambda accepts at most {maximum:,} for {kind} and the deployment fails", "BatchSize"
    elif kind == "SQS":
        fifo = is_fifo(props.get("Queue", props.get("EventSourceArn")), template_)
        fifo_max = limits["sqs_fifo_batch_size_max"]
        plain_max = limits["sqs_batch_size_max_without_window"]
        if fifo and batch > fifo_max:
            yield (f"{size}, but the queue is FIFO: Lambda accepts at most {fifo_max} for a FIFO queue and "
                   "the deployment fails", "BatchSize")
        elif batch > plain_max and window is not None and window < 1:
            yield (f"{size} without a batching window: above {plain_max}, Lambda requires "
                   f"{_term(template_, 'MaximumBatchingWindowInSeconds')} of at least 1 s and the deployment fails "
                   f"(a FIFO queue takes at most {fifo_max})", "BatchSize")


def _window(props: dict) -> Optional[Any]:
    """The batching window in seconds: 0 when absent, None when unknown."""
    value = props.get("MaximumBatchingWindowInSeconds")
    return 0 if value is None else number_value(value)


def _starting_position_applies(props: dict, template_) -> bool:
    """Serverless Framework writes TRIM_HORIZON when the event does not say; Kafka read in the
    `Queue` consumption mode has no position."""
    if template_.dialect.name == "serverless":
        return False
    for key in ("SelfManagedKafkaEventSourceConfig", "AmazonManagedKafkaEventSourceConfig"):
        mode = as_mapping(props.get(key)).get("ConsumptionMode")
        if mode is not None and (mode != "Stream" or is_intrinsic(mode)):
            return False
    return True
