"""Deploy-time checks of event sources (issue 13): LL507 event source mappings Lambda rejects,
LL508 dead-letter queues of the wrong type, LL509 rule targets, schedules and subscriptions without
their own dead-letter queue.  Each in SAM/CloudFormation, Serverless Framework and Terraform."""
import json

import pytest

from support import check_json, materialize, run_cli

SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
      Runtime: python3.12
{properties}{resources}"""
CFN_FUNCTION = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/fn
      Code: {{ZipFile: "def handler(e, c): pass"}}
{resources}"""
SLS = """\
service: svc
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: app.handler
{function}{resources}"""
TF = """\
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "fn.zip"
}}
{resources}"""
KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
SQS = "arn:aws:sqs:us-east-1:123456789012:jobs"
FIFO = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
DLQ = "arn:aws:sqs:us-east-1:123456789012:undelivered"
TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"


def _run(tmp_path, name, text, code):
    materialize({name: text}, tmp_path)
    return [(f["location"]["row"], f["message"]) for f in check_json([str(tmp_path)], "--select", code)]


def _row(text, marker):
    """The 1-based line of the first line holding `marker`: where a finding must be placed."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def _sam_events(events: str) -> str:
    return "      Events:\n" + "".join(f"        {line}\n" for line in events.splitlines())


# -- LL507 --------------------------------------------------------------------------------------

def _sam_mapping(kind, key, source, extra=""):
    body = f"Feed:\n  Type: {kind}\n  Properties:\n    {key}: {source}\n" + \
        "".join(f"    {line}\n" for line in extra.splitlines())
    return SAM.format(properties=_sam_events(body), resources="")


@pytest.mark.parametrize("kind, key, source, extra, row, words", [
    ("Kinesis", "Stream", KINESIS, "", "Feed:", "no StartingPosition: Lambda requires it for Kinesis"),
    ("DynamoDB", "Stream", "arn:aws:dynamodb:us-east-1:1:table/t/stream/s", "", "Feed:", "no StartingPosition"),
    ("MSK", "Stream", "arn:aws:kafka:us-east-1:1:cluster/c/x", "Topics: [orders]", "Feed:", "no StartingPosition"),
    ("SQS", "Queue", SQS, "StartingPosition: LATEST", "StartingPosition", "StartingPosition is set, but an SQS queue"),
    ("SQS", "Queue", SQS, "BatchSize: 11", "BatchSize", "BatchSize is 11 without a batching window"),
    ("SQS", "Queue", FIFO, "BatchSize: 20\nMaximumBatchingWindowInSeconds: 1", "BatchSize", "but the queue is FIFO"),
    ("SQS", "Queue", SQS, "BatchSize: 10001\nMaximumBatchingWindowInSeconds: 1", "BatchSize", "at most 10,000 for SQS"),
    ("SQS", "Queue", SQS, "BatchSize: 0", "BatchSize", "BatchSize is 0: Lambda accepts 1 to 10,000"),
    ("Kinesis", "Stream", KINESIS, "StartingPosition: LATEST\nBatchSize: 10001", "BatchSize", "at most 10,000 for Kinesis"),
    ("Kinesis", "Stream", KINESIS, "StartingPosition: LATEST\nMaximumBatchingWindowInSeconds: 301", "MaximumBatching",
     "MaximumBatchingWindowInSeconds is 301 s: Lambda accepts 0 to 300 s"),
    ("SQS", "Queue", SQS, "MaximumBatchingWindowInSeconds: -1", "MaximumBatching", "is -1 s"),
])
def test_ll507_sam_reported(tmp_path, kind, key, source, extra, row, words):
    text = _sam_mapping(kind, key, source, extra)
    found = _run(tmp_path, "template.yaml", text, "LL507")
    assert [r for r, _ in found] == [_row(text, row)]
    assert words in found[0][1] and "the deployment fails" in found[0][1]


@pytest.mark.parametrize("kind, key, source, extra", [
    ("Kinesis", "Stream", KINESIS, "StartingPosition: TRIM_HORIZON\nBatchSize: 10000\nMaximumBatchingWindowInSeconds: 300"),
    ("SQS", "Queue", SQS, "BatchSize: 10"),
    ("SQS", "Queue", SQS, "BatchSize: 10000\nMaximumBatchingWindowInSeconds: 1"),
    ("SQS", "Queue", FIFO, "BatchSize: 10"),
    ("SQS", "Queue", "!Ref QueueArn", "BatchSize: 500\nMaximumBatchingWindowInSeconds: 2"),
    ("SQS", "Queue", SQS, "BatchSize: 100\nMaximumBatchingWindowInSeconds: !Ref Window"),
    ("SQS", "Queue", SQS, "BatchSize: !Ref Size"),
    ("Kinesis", "Stream", KINESIS, "StartingPosition: !If [C, LATEST, !Ref AWS::NoValue]"),
    ("SelfManagedKafka", "Topics", "[orders]", "SelfManagedKafkaEventSourceConfig: {ConsumptionMode: Queue}"),
    ("MQ", "Broker", "arn:aws:mq:us-east-1:1:broker:b:x", "BatchSize: 10000"),
])
def test_ll507_sam_not_reported(tmp_path, kind, key, source, extra):
    assert _run(tmp_path, "template.yaml", _sam_mapping(kind, key, source, extra), "LL507") == []


CFN_MAPPING = """\
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: {source}
{extra}{resources}"""


@pytest.mark.parametrize("source, extra, resources, row, words", [
    ("!GetAtt Stream.Arn", "", "  Stream:\n    Type: AWS::Kinesis::Stream\n", "  Mapping:", "no StartingPosition"),
    ("!GetAtt Table.StreamArn", "", "  Table:\n    Type: AWS::DynamoDB::Table\n", "  Mapping:", "(DynamoDB): no StartingPosition"),
    ("!GetAtt Jobs.Arn", "      BatchSize: 50\n      MaximumBatchingWindowInSeconds: 5\n",
     "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: true\n", "BatchSize", "but the queue is FIFO"),
    ("!Ref Unknown", "      MaximumBatchingWindowInSeconds: 900\n", "", None, None),
    (KINESIS, "      StartingPosition: LATEST\n", "", None, None),
    ("!GetAtt Table.Arn", "", "  Table:\n    Type: AWS::DynamoDB::Table\n", None, None),
])
def test_ll507_cloudformation(tmp_path, source, extra, resources, row, words):
    text = CFN_FUNCTION.format(resources=CFN_MAPPING.format(source=source, extra=extra, resources=resources))
    found = _run(tmp_path, "template.yaml", text, "LL507")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [_row(text, row)] and words in found[0][1] and "'Mapping' of Fn" in found[0][1]


def test_ll507_cloudformation_self_managed_kafka(tmp_path):
    mapping = """\
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      Topics: [orders]
      SelfManagedEventSource: {Endpoints: {KafkaBootstrapServers: ["b:9092"]}}
"""
    found = _run(tmp_path, "template.yaml", CFN_FUNCTION.format(resources=mapping), "LL507")
    assert [r for r, _ in found] == [9] and "(SelfManagedKafka): no StartingPosition" in found[0][1]


@pytest.mark.parametrize("event, row, words", [
    (f"- sqs:\n    arn: {SQS}\n    batchSize: 100", 11, "batchSize is 100 without a batching window"),
    (f"- sqs:\n    arn: {SQS}\n    batchSize: 100\n    maximumBatchingWindow: 400", 12, "maximumBatchingWindow"),
    (f"- stream:\n    arn: {KINESIS}\n    batchSize: 20000", 11, "at most 10,000 for Kinesis"),
    (f"- stream:\n    arn: {KINESIS}\n    batchWindow: 301", 11, "is 301 s"),
    (f"- sqs:\n    arn: {SQS}\n    batchSize: 100\n    maximumBatchingWindow: 5", None, None),
    (f"- stream:\n    arn: {KINESIS}", None, None),  # the framework writes startingPosition
    (f"- sqs: {SQS}", None, None),
])
def test_ll507_serverless(tmp_path, event, row, words):
    function = "    events:\n" + "".join(f"      {line}\n" for line in event.splitlines())
    found = _run(tmp_path, "serverless.yml", SLS.format(function=function, resources=""), "LL507")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [row] and words in found[0][1] and " of worker (" in found[0][1]


def _tf_mapping(source, extra=""):
    return f"""\
resource "aws_kinesis_stream" "s" {{
  name = "s"
}}
resource "aws_sqs_queue" "q" {{
  name       = "q.fifo"
  fifo_queue = true
}}
resource "aws_lambda_event_source_mapping" "m" {{
  event_source_arn = {source}
  function_name    = aws_lambda_function.fn.arn
{extra}}}
"""


@pytest.mark.parametrize("source, extra, row, words", [
    ("aws_kinesis_stream.s.arn", "", '"aws_lambda_event_source_mapping"', "no starting_position"),
    ("aws_sqs_queue.q.arn", '  starting_position = "LATEST"\n', "starting_position", "starting_position is set"),
    ("aws_sqs_queue.q.arn", "  batch_size = 20\n  maximum_batching_window_in_seconds = 2\n", "batch_size", "the queue is FIFO"),
    ("aws_kinesis_stream.s.arn", '  starting_position = "LATEST"\n  maximum_batching_window_in_seconds = 301\n', "maximum_batching",
     "maximum_batching_window_in_seconds is 301 s"),
    ("aws_kinesis_stream.s.arn", '  starting_position = "LATEST"\n  batch_size = 10000\n', None, None),
    ("aws_sqs_queue.q.arn", "  batch_size = 10\n", None, None),
    ("var.stream_arn", "", None, None),
])
def test_ll507_terraform(tmp_path, source, extra, row, words):
    text = TF.format(resources=_tf_mapping(source, extra))
    found = _run(tmp_path, "main.tf", text, "LL507")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [_row(text, row)] and words in found[0][1]


def test_ll507_terraform_module(tmp_path):
    module = f"""\
module "worker" {{
  source        = "terraform-aws-modules/lambda/aws"
  function_name = "worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  event_source_mapping = {{
    changes = {{
      event_source_arn = "{KINESIS}"
    }}
    ordered = {{
      event_source_arn  = "{KINESIS}"
      starting_position = "LATEST"
    }}
  }}
}}
"""
    found = _run(tmp_path, "main.tf", module, "LL507")
    assert [r for r, _ in found] == [7] and "no starting_position" in found[0][1]


# -- LL508 --------------------------------------------------------------------------------------

def _queues(source_props, dlq_props, policy=None):
    policy = policy or "RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Dlq.Arn\n        maxReceiveCount: 5"
    return (f"  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n{source_props}      {policy}\n"
            f"  Dlq:\n    Type: AWS::SQS::Queue\n    Properties:\n{dlq_props}")


@pytest.mark.parametrize("source, dlq, policy, row, words", [
    ("      FifoQueue: true\n", "      FifoQueue: false\n", None, "deadLetterTargetArn", "is FIFO but its dead-letter queue is standard"),
    ("      FifoQueue: 'true'\n", "      VisibilityTimeout: 30\n", None, "deadLetterTargetArn", "is FIFO"),
    ("      VisibilityTimeout: 30\n", "      FifoQueue: true\n", None, "deadLetterTargetArn", "is standard but its dead-letter queue is FIFO"),
    ("      VisibilityTimeout: 30\n", "      VisibilityTimeout: 30\n",
     f"RedrivePolicy: '{{\"deadLetterTargetArn\": \"{FIFO}\", \"maxReceiveCount\": 5}}'", "RedrivePolicy", "is FIFO"),
    ("      VisibilityTimeout: 30\n", "      VisibilityTimeout: 30\n",
     "RedrivePolicy:\n        deadLetterTargetArn: !Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:dlq.fifo", "deadLetterTargetArn",
     "is FIFO"),
    ("      FifoQueue: true\n", "      FifoQueue: true\n", None, None, None),
    ("      VisibilityTimeout: 30\n", "      VisibilityTimeout: 30\n", None, None, None),
    ("      FifoQueue: !Ref Fifo\n", "      FifoQueue: true\n", None, None, None),
    ("      FifoQueue: true\n", "      VisibilityTimeout: 30\n",
     "RedrivePolicy:\n        deadLetterTargetArn: !ImportValue SharedDlq", None, None),
])
def test_ll508_redrive_cloudformation(tmp_path, source, dlq, policy, row, words):
    text = SAM.format(properties="", resources=_queues(source, dlq, policy))
    found = _run(tmp_path, "template.yaml", text, "LL508")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [_row(text, row)] and words in found[0][1] and "queue Jobs" in found[0][1]


def test_ll508_redrive_policy_of_deeply_nested_json_text_is_unknown(tmp_path):
    # review of fecd279: json.loads of `[[[[...` raised RecursionError: "LL508 crashed on the project"
    policy = "RedrivePolicy: '" + "[" * 200_000 + "'"
    text = SAM.format(properties="", resources=_queues("      FifoQueue: true\n", "      VisibilityTimeout: 30\n", policy))
    materialize({"template.yaml": text}, tmp_path)
    result = run_cli(["check", str(tmp_path), "--output-format", "json", "--isolated", "--select", "LL508"])
    assert "internal error" not in result.stderr and "crashed" not in result.stderr + result.stdout
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


@pytest.mark.parametrize("properties, resources, row", [
    (f"DeadLetterQueue:\n  Type: SQS\n  TargetArn: {FIFO}", "", "TargetArn"),
    ("DeadLetterQueue:\n  Type: SNS\n  TargetArn: !Ref Topic",
     "  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      FifoTopic: true\n", "TargetArn"),
    ("EventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n      Destination: !GetAtt Failed.Arn",
     "  Failed:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: failed.fifo\n      FifoQueue: true\n", "Destination:"),
    (f"DeadLetterQueue:\n  Type: SQS\n  TargetArn: {DLQ}", "", None),
    ("DeadLetterQueue:\n  Type: SQS\n  TargetArn: !GetAtt Failed.Arn",
     "  Failed:\n    Type: AWS::SQS::Queue\n", None),
    ("DeadLetterQueue:\n  Type: SQS\n  TargetArn: !Ref DlqArn", "", None),
])
def test_ll508_function_targets_sam(tmp_path, properties, resources, row):
    props = "".join(f"      {line}\n" for line in properties.splitlines())
    text = SAM.format(properties=props, resources=resources)
    found = _run(tmp_path, "template.yaml", text, "LL508")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [_row(text, row)] and "Fn sends failed asynchronous events to a FIFO" in found[0][1]


def test_ll508_cloudformation_event_invoke_config(tmp_path):
    resources = f"""\
  Invoke:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      DestinationConfig:
        OnFailure:
          Destination: {FIFO}
"""
    found = _run(tmp_path, "template.yaml", CFN_FUNCTION.format(resources=resources), "LL508")
    assert [r for r, _ in found] == [16]


@pytest.mark.parametrize("function, resources, row, words", [
    (f"    onError: {FIFO}\n", "", 8, "worker sends failed asynchronous events"),
    (f"    destinations:\n      onFailure: {FIFO}\n", "", 9, "worker sends failed asynchronous events"),
    ("", "resources:\n  Resources:\n    Jobs:\n      Type: AWS::SQS::Queue\n      Properties:\n"
         "        FifoQueue: true\n        RedrivePolicy:\n          deadLetterTargetArn: !GetAtt Dlq.Arn\n"
         "    Dlq:\n      Type: AWS::SQS::Queue\n", 15, "queue Jobs is FIFO"),
    (f"    destinations:\n      onFailure: {DLQ}\n", "", None, None),
])
def test_ll508_serverless(tmp_path, function, resources, row, words):
    found = _run(tmp_path, "serverless.yml", SLS.format(function=function, resources=resources), "LL508")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [row] and words in found[0][1]


TF_QUEUES = """\
resource "aws_sqs_queue" "jobs" {{
  name       = "jobs{suffix}"
  fifo_queue = {fifo}
}}
resource "aws_sqs_queue" "dlq" {{
  name = "dlq{dlq_suffix}"
  {dlq_flag}
}}
resource "aws_sqs_queue_redrive_policy" "jobs" {{
  queue_url = aws_sqs_queue.jobs.id
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 4
  }})
}}
"""


@pytest.mark.parametrize("suffix, fifo, dlq_suffix, dlq_flag, words", [
    (".fifo", "true", "", "", "is FIFO but its dead-letter queue is standard"),
    ("", "false", ".fifo", "fifo_queue = true", "is standard but its dead-letter queue is FIFO"),
    (".fifo", "true", ".fifo", "fifo_queue = true", None),
    ("", "var.fifo", "", "", None),
])
def test_ll508_terraform_separate_redrive_policy(tmp_path, suffix, fifo, dlq_suffix, dlq_flag, words):
    text = TF.format(resources=TF_QUEUES.format(suffix=suffix, fifo=fifo, dlq_suffix=dlq_suffix, dlq_flag=dlq_flag))
    found = _run(tmp_path, "main.tf", text, "LL508")
    if words is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [17] and words in found[0][1] and "aws_sqs_queue.jobs" in found[0][1]


def test_ll508_terraform_function_dead_letter(tmp_path):
    text = """\
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  dead_letter_config {
    target_arn = aws_sns_topic.failed.arn
  }
}
resource "aws_sns_topic" "failed" {
  name       = "failed.fifo"
  fifo_topic = true
}
"""
    found = _run(tmp_path, "main.tf", text, "LL508")
    assert [r for r, _ in found] == [6] and "aws_lambda_function.fn sends failed" in found[0][1]


# -- LL509 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("event, row, words", [
    ("Nightly:\n  Type: Schedule\n  Properties:\n    Schedule: rate(1 day)", 10, "EventBridge schedule 'Nightly'"),
    ("Nightly:\n  Type: ScheduleV2\n  Properties:\n    ScheduleExpression: rate(1 day)", 10,
     "EventBridge Scheduler schedule 'Nightly'"),
    ("Rule:\n  Type: EventBridgeRule\n  Properties:\n    Pattern: {source: [orders]}", 10, "EventBridge rule 'Rule'"),
    ("Rule:\n  Type: CloudWatchEvent\n  Properties:\n    Pattern: {source: [orders]}", 10, "EventBridge rule 'Rule'"),
    (f"Orders:\n  Type: SNS\n  Properties:\n    Topic: {TOPIC}", 10, "SNS subscription 'Orders'"),
    ("Nightly:\n  Type: Schedule\n  Properties:\n    Schedule: rate(1 day)\n    DeadLetterConfig: {Type: SQS}", None, None),
    ("Nightly:\n  Type: ScheduleV2\n  Properties:\n    ScheduleExpression: rate(1 day)\n"
     f"    DeadLetterConfig: {{Arn: {DLQ}}}", None, None),
    (f"Orders:\n  Type: SNS\n  Properties:\n    Topic: {TOPIC}\n    RedrivePolicy: {{deadLetterTargetArn: {DLQ}}}",
     None, None),
    (f"Orders:\n  Type: SNS\n  Properties:\n    Topic: {TOPIC}\n    SqsSubscription: true", None, None),
    ("Nightly:\n  Type: Schedule\n  Properties:\n    Schedule: rate(1 day)\n"
     "    DeadLetterConfig: !If [Prod, {Type: SQS}, !Ref AWS::NoValue]", None, None),
    (f"Queue:\n  Type: SQS\n  Properties:\n    Queue: {SQS}", None, None),
])
def test_ll509_sam(tmp_path, event, row, words):
    found = _run(tmp_path, "template.yaml", SAM.format(properties=_sam_events(event), resources=""), "LL509")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [row]
        assert words in found[0][1] and "is dropped" in found[0][1] and "(LL501)" in found[0][1]


def test_ll509_is_reported_with_the_functions_own_destination(tmp_path):
    """LL501 is satisfied by the function's destination; LL509 is not: the event never reached Lambda."""
    props = _sam_events(f"Orders:\n  Type: SNS\n  Properties:\n    Topic: {TOPIC}") + \
        f"      DeadLetterQueue:\n        Type: SQS\n        TargetArn: {DLQ}\n"
    materialize({"template.yaml": SAM.format(properties=props, resources="")}, tmp_path)
    codes = [f["code"] for f in check_json([str(tmp_path)], "--select", "LL501,LL509")]
    assert codes == ["LL509"]


CFN_TRIGGERS = """\
  Hourly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets:
        - Id: fn
          Arn: !GetAtt Fn.Arn
{rule_dlq}  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 day)
      FlexibleTimeWindow: {{Mode: 'OFF'}}
      Target:
        Arn: !GetAtt Fn.Arn
        RoleArn: arn:aws:iam::123456789012:role/scheduler
{schedule_dlq}  Orders:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: {topic}
      Protocol: lambda
      Endpoint: !GetAtt Fn.Arn
{redrive}  Other:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: {topic}
      Protocol: sqs
      Endpoint: {sqs}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: events.amazonaws.com
"""


def test_ll509_cloudformation(tmp_path):
    text = CFN_FUNCTION.format(resources=CFN_TRIGGERS.format(rule_dlq="", schedule_dlq="", redrive="",
                                                             topic=TOPIC, sqs=SQS))
    found = _run(tmp_path, "template.yaml", text, "LL509")
    assert [r for r, _ in found] == [14, 21, 24]
    assert "EventBridge rule target Hourly" in found[0][1]
    assert "EventBridge Scheduler schedule Nightly" in found[1][1]
    assert "SNS subscription Orders" in found[2][1] and "RedrivePolicy" in found[2][1]


def test_ll509_cloudformation_not_reported(tmp_path):
    text = CFN_FUNCTION.format(resources=CFN_TRIGGERS.format(
        rule_dlq=f"          DeadLetterConfig: {{Arn: {DLQ}}}\n",
        schedule_dlq=f"        DeadLetterConfig: {{Arn: {DLQ}}}\n",
        redrive=f"      RedrivePolicy: {{deadLetterTargetArn: {DLQ}}}\n", topic=TOPIC, sqs=SQS))
    assert _run(tmp_path, "template.yaml", text, "LL509") == []


@pytest.mark.parametrize("event, row, words", [
    (f"- sns: {TOPIC}", 9, "SNS subscription 'sns' of worker"),
    ("- schedule: rate(1 hour)", 9, "write them as eventBridge events with schedule:"),
    ("- eventBridge:\n    schedule: rate(1 hour)", 9, "EventBridge rule 'eventBridge'"),
    (f"- sns:\n    arn: {TOPIC}\n    redrivePolicy:\n      deadLetterTargetArn: {DLQ}", None, None),
    (f"- eventBridge:\n    schedule: rate(1 hour)\n    deadLetterQueueArn: {DLQ}", None, None),
    ("- http: GET /", None, None),
])
def test_ll509_serverless(tmp_path, event, row, words):
    function = "    events:\n" + "".join(f"      {line}\n" for line in event.splitlines())
    found = _run(tmp_path, "serverless.yml", SLS.format(function=function, resources=""), "LL509")
    if row is None:
        assert found == []
    else:
        assert [r for r, _ in found] == [row] and words in found[0][1]


TF_TRIGGERS = """\
resource "aws_sns_topic_subscription" "orders" {{
  topic_arn = "{topic}"
  protocol  = "lambda"
  endpoint  = aws_lambda_function.fn.arn
{redrive}}}
resource "aws_cloudwatch_event_target" "hourly" {{
  rule = "hourly"
  arn  = aws_lambda_function.fn.arn
{target_dlq}}}
resource "aws_scheduler_schedule" "nightly" {{
  schedule_expression = "rate(1 day)"
  flexible_time_window {{
    mode = "OFF"
  }}
  target {{
    arn      = aws_lambda_function.fn.arn
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
{schedule_dlq}  }}
}}
resource "aws_sns_topic_subscription" "mail" {{
  topic_arn = "{topic}"
  protocol  = "email"
  endpoint  = "ops@example.com"
}}
"""


def test_ll509_terraform(tmp_path):
    text = TF.format(resources=TF_TRIGGERS.format(topic=TOPIC, redrive="", target_dlq="", schedule_dlq=""))
    found = _run(tmp_path, "main.tf", text, "LL509")
    assert [r for r, _ in found] == [7, 12, 16]
    assert "SNS subscription aws_sns_topic_subscription.orders" in found[0][1] and "redrive_policy" in found[0][1]
    assert "aws_cloudwatch_event_target.hourly" in found[1][1] and "dead_letter_config" in found[1][1]
    assert "aws_scheduler_schedule.nightly" in found[2][1]


def test_ll509_terraform_not_reported(tmp_path):
    text = TF.format(resources=TF_TRIGGERS.format(
        topic=TOPIC, redrive=f'  redrive_policy = jsonencode({{ deadLetterTargetArn = "{DLQ}" }})\n',
        target_dlq=f'  dead_letter_config {{\n    arn = "{DLQ}"\n  }}\n',
        schedule_dlq=f'    dead_letter_config {{\n      arn = "{DLQ}"\n    }}\n'))
    assert _run(tmp_path, "main.tf", text, "LL509") == []


def test_ll509_finds_the_subscriptions_once_per_template(tmp_path, monkeypatch):
    # review of fecd279: every function walked every SNS subscription (2,000 functions with one
    # each: 33 s for LL509 alone); they are now grouped by function once per template
    from lambdalint.rules import ll509_target_without_dead_letter as ll509

    calls = []
    original = ll509._subscriptions_without_redrive
    monkeypatch.setattr(ll509, "_subscriptions_without_redrive", lambda t: calls.append(1) or original(t))
    units = "".join(f"  F{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: index.handler\n"
                    f"      Runtime: python3.12\n      Role: r\n      Code: {{ZipFile: x}}\n"
                    f"  S{i}:\n    Type: AWS::SNS::Subscription\n    Properties:\n      Protocol: lambda\n"
                    f"      Endpoint: !GetAtt F{i}.Arn\n      TopicArn: {TOPIC}\n" for i in range(50))
    alias = ("  Live:\n    Type: AWS::Lambda::Alias\n    Properties:\n      FunctionName: !Ref F0\n"
             "      FunctionVersion: '1'\n      Name: live\n  ByAlias:\n    Type: AWS::SNS::Subscription\n"
             f"    Properties:\n      Protocol: lambda\n      Endpoint: !Ref Live\n      TopicArn: {TOPIC}\n")
    materialize({"template.yaml": "Resources:\n" + units + alias}, tmp_path)
    monkeypatch.chdir(tmp_path)
    found = check_json(["."], "--select", "LL509", "--no-cache")
    assert len(calls) == 1
    assert sorted(f["message"].split(" of ")[0] for f in found) == sorted(
        [f"SNS subscription S{i}" for i in range(50)] + ["SNS subscription ByAlias"])
