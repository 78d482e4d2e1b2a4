from typing import Iterator, Tuple

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform
from lambdalint.rules.queue_kinds import is_fifo, queue_is_fifo, redrive_target

FIFO_DLQ = "arn:aws:sqs:us-east-1:123456789012:failed.fifo"


def _queues(source_fifo: str, dlq_fifo: str, policy: str = "") -> str:
    policy = policy or "RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Dlq.Arn\n        maxReceiveCount: 5"
    return (f"  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: {source_fifo}\n      {policy}\n"
            f"  Dlq:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: {dlq_fifo}\n")


TF_QUEUES = """\
resource "aws_sqs_queue" "jobs" {{
  name       = "jobs{suffix}"
  fifo_queue = {fifo}
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  }})
}}
resource "aws_sqs_queue" "dlq" {{
  name = "jobs-dlq"
}}
"""


class DeadLetterQueueTypeMismatchRule(Rule):
    code = "LL508"
    name = "dead-letter-queue-type-mismatch"
    severity = Severity.ERROR
    summary = ("A queue's dead-letter queue of the other type (FIFO/standard), or a FIFO queue or topic "
               "as a function's dead-letter queue or on-failure destination")
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(resources=_queues("true", "false")), "a FIFO queue with a standard dead-letter queue"),
        template(function_with(resources=_queues("false", "true")), "a standard queue with a FIFO dead-letter queue"),
        template(function_with(f"DeadLetterQueue:\n  Type: SQS\n  TargetArn: {FIFO_DLQ}"),
                 "a FIFO queue as the function's dead-letter queue"),
        template(function_with(f"EventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n"
                               f"      Destination: {FIFO_DLQ}"), "a FIFO queue as on-failure destination"),
        serverless(f"worker:\n  handler: app.handler\n  destinations:\n    onFailure: {FIFO_DLQ}",
                   "serverless.yml: destinations.onFailure on a FIFO queue"),
        terraform(description="Terraform: a FIFO queue with a standard dead-letter queue",
                  resources=TF_QUEUES.format(suffix=".fifo", fifo="true")),
    )
    valid = (
        template(function_with(resources=_queues("true", "true")), "both FIFO"),
        template(function_with(resources=_queues("false", "false")), "both standard"),
        template(function_with(resources=_queues("!Ref Fifo", "true")), "a queue type known at deploy time"),
        template(function_with(resources=_queues("true", "true", 'RedrivePolicy: \'{"deadLetterTargetArn": "'
                                                 + FIFO_DLQ + '", "maxReceiveCount": 3}\'')),
                 "a redrive policy written as JSON text"),
        template(function_with("DeadLetterQueue:\n  Type: SQS\n  TargetArn: arn:aws:sqs:us-east-1:123456789012:failed"),
                 "a standard queue as dead-letter queue"),
        terraform(description="Terraform: both standard", resources=TF_QUEUES.format(suffix="", fifo="false")),
    )

    def check_project(self, project, ctx):
        for tpl in project.templates:
            for queue_id, _ in tpl.resources_of_type("AWS::SQS::Queue"):
                yield from _redrive_mismatch(tpl, queue_id)

    def check_function(self, fn, ctx):
        config = fn.config
        for path in _failure_targets(config):
            value = config.template.get_value(path)
            if is_fifo(value, config.template):
                yield Report(
                    f"{config.name} sends failed asynchronous events to a FIFO queue or topic: Lambda sends "
                    "dead-letter and on-failure records only to standard queues and topics, so the delivery "
                    "fails and the events are lost. Use a standard queue or topic",
                    TemplateAt(config.template, path), resources=(config.logical_id,))


def _redrive_mismatch(tpl, queue_id: str) -> Iterator[Report]:
    props = tpl.properties(queue_id)
    policy = props.get("RedrivePolicy")
    target = redrive_target(policy)
    source_fifo = queue_is_fifo(props)
    target_fifo = is_fifo(target, tpl)
    if source_fifo is None or target_fifo is None or source_fifo == target_fifo:
        return
    kinds = ("FIFO", "standard") if source_fifo else ("standard", "FIFO")
    path = ("Resources", queue_id, "Properties", "RedrivePolicy")
    if isinstance(policy, dict) and "deadLetterTargetArn" in policy:
        path += ("deadLetterTargetArn",)
    yield Report(
        f"queue {tpl.name_of(queue_id)} is {kinds[0]} but its dead-letter queue is {kinds[1]}: a "
        "dead-letter queue must be of the same type as its source queue, so the deployment fails. "
        f"Use a {kinds[0]} dead-letter queue", TemplateAt(tpl, path), resources=(queue_id,))


def _failure_targets(config) -> Iterator[Tuple]:
    """Paths of the function's dead-letter target and on-failure destinations."""
    for key in ("DeadLetterQueue", "DeadLetterConfig"):
        setting = config.get(key, "TargetArn")
        if setting is not None:
            yield setting.path
    setting = config.get("EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination")
    if setting is not None:
        yield setting.path
    for logical_id, _ in config.targeting("AWS::Lambda::EventInvokeConfig"):
        yield ("Resources", logical_id, "Properties", "DestinationConfig", "OnFailure", "Destination")
