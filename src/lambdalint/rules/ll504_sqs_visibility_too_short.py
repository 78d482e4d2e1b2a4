from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import int_value
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform, terraform_queue_trigger
from lambdalint.rules.ll503_sqs_without_redrive import SQS_EVENT


def _queue(visibility: str = "") -> str:
    line = f"    Properties:\n      VisibilityTimeout: {visibility}\n" if visibility else ""
    return "  Orders:\n    Type: AWS::SQS::Queue\n" + line


class SqsVisibilityTooShortRule(Rule):
    code = "LL504"
    name = "sqs-visibility-too-short"
    severity = Severity.ERROR
    summary = "A triggering queue's visibility timeout is shorter than the function's timeout"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("worker:\n  handler: app.handler\n  timeout: 30\n  events:\n    - sqs:\n        arn: !GetAtt Jobs.Arn",
                   "serverless.yml queue from resources:",
                   resources="Jobs:\n  Type: AWS::SQS::Queue\n  Properties:\n    VisibilityTimeout: 20"),
        terraform("timeout = 30", "Terraform queue 20 s, function 30 s", resources=terraform_queue_trigger("visibility_timeout_seconds = 20")),
        template(function_with(SQS_EVENT + "\nTimeout: 60", resources=_queue("20")),
                 "20 s visibility, 60 s timeout (the peers' sample_sam.yaml)"),
        template(function_with(SQS_EVENT + "\nTimeout: 10", resources=_queue("30")),
                 "under 6x the timeout: warning"),
        template(function_with(SQS_EVENT + "\nTimeout: 60", resources=_queue()), "the 30 s default"),
    )
    valid = (
        terraform("timeout = 30", "Terraform queue 180 s, function 30 s", resources=terraform_queue_trigger("visibility_timeout_seconds = 180")),
        template(function_with(SQS_EVENT + "\nTimeout: 10", resources=_queue("60"))),
        template(function_with(SQS_EVENT, resources=_queue()), "defaults: 30 s queue, 3 s function"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.rules.sqs_triggers import queues_triggering

        setting = fn.config.get("Timeout")
        timeout = setting.as_int() if setting else quota("timeout_default_s")
        if timeout is None:
            return
        template_ = fn.config.template
        factor = quota("sqs_visibility_recommended_factor")
        for queue, _ in queues_triggering(fn):
            raw = template_.properties(queue).get("VisibilityTimeout")
            path = ("Resources", queue, "Properties", "VisibilityTimeout") if raw is not None else ("Resources", queue)
            visibility = quota("sqs_visibility_default_s") if raw is None else int_value(raw)
            if visibility is None:
                continue  # known only at deploy time, mis-typed, or too large to matter
            if visibility < timeout:
                yield Report(
                    f"queue {queue} hides a received message for {visibility} s but {fn.config.name} "
                    f"may run {timeout} s: Lambda rejects the event source mapping ('Queue visibility "
                    "timeout ... is less than Function timeout'), and a message still being processed "
                    f"would be delivered twice. Set {template_.term('VisibilityTimeout')} to at least {factor * timeout} s "
                    f"({factor}x the function timeout, as AWS recommends)",
                    TemplateAt(template_, path), resources=(queue,))
            elif visibility < factor * timeout:
                yield Report(
                    f"queue {queue} visibility timeout {visibility} s is under {factor}x "
                    f"{fn.config.name}'s timeout ({timeout} s): retries of a batch can overlap; AWS "
                    f"recommends at least {factor * timeout} s", TemplateAt(template_, path),
                    severity=Severity.WARNING, resources=(queue,))
