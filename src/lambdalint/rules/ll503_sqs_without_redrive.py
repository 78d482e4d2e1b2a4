from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template, terraform, terraform_queue_trigger

SQS_EVENT = "Events:\n  Orders:\n    Type: SQS\n    Properties:\n      Queue: !GetAtt Orders.Arn"
QUEUE = "  Orders:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 60\n"
REDRIVE = "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt OrdersDlq.Arn\n        maxReceiveCount: 5\n  OrdersDlq:\n    Type: AWS::SQS::Queue\n"


class SqsWithoutRedriveRule(Rule):
    code = "LL503"
    name = "sqs-without-redrive"
    severity = Severity.WARNING
    summary = "An SQS queue that triggers a function has no redrive policy (poison messages retry forever)"
    needs = frozenset({CONFIG})
    invalid = (
        terraform(description="Terraform queue without redrive_policy",
                  resources=terraform_queue_trigger("visibility_timeout_seconds = 60")),
        template(function_with(SQS_EVENT, resources=QUEUE)),
    )
    valid = (
        terraform(description="Terraform queue with redrive_policy",
                  resources=terraform_queue_trigger("visibility_timeout_seconds = 60\nredrive_policy = jsonencode({\n"
                                                    "  deadLetterTargetArn = aws_sqs_queue.dlq.arn\n"
                                                    "  maxReceiveCount     = 5\n})")),
        template(function_with(SQS_EVENT, resources=QUEUE + REDRIVE), "a redrive policy"),
        template(function_with("Events:\n  Orders:\n    Type: SQS\n    Properties:\n"
                               "      Queue: arn:aws:sqs:us-east-1:123456789012:orders"),
                 "a queue defined elsewhere (unknown)"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.rules.sqs_triggers import queues_triggering

        template_ = fn.config.template
        for queue, _ in queues_triggering(fn):
            if "RedrivePolicy" in template_.properties(queue):
                continue
            yield Report(
                f"queue {queue} triggers {fn.config.name} but has no RedrivePolicy: a message that "
                "always fails is retried until the retention period ends (4 days by default), blocking "
                f"and billing. Add a {template_.term('RedrivePolicy')} with a dead-letter queue and a maxReceiveCount",
                TemplateAt(template_, ("Resources", queue)), resources=(queue,))
