"""Shared by LL507 and LL508: is a queue or topic FIFO, as far as the configuration says."""
import json
from typing import Any, Optional

from lambdalint.data import event_sources
from lambdalint.model.template import is_intrinsic, referenced_id

_FIFO_FLAGS = {"AWS::SQS::Queue": ("FifoQueue", "QueueName"), "AWS::SNS::Topic": ("FifoTopic", "TopicName")}


def _suffix() -> str:
    return event_sources()["dead_letter_types"]["fifo_suffix"]


def is_fifo(value: Any, template) -> Optional[bool]:
    """True/False for a queue or topic named by a literal ARN, a `Fn::Sub` ARN whose end is
    literal, or a reference to a queue or topic of the template; None when unknown."""
    if isinstance(value, str):
        return value.strip().endswith(_suffix()) if value.startswith("arn:") else None
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        text = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(text, str) and text.startswith("arn:") and not text.endswith("}"):
            return text.endswith(_suffix())
        return None
    target = referenced_id(value)
    flags = _FIFO_FLAGS.get(template.resource_type(target) or "")
    if flags is None:
        return None
    return resource_is_fifo(template.properties(target), flags)


def queue_is_fifo(properties: dict) -> Optional[bool]:
    return resource_is_fifo(properties, _FIFO_FLAGS["AWS::SQS::Queue"])


def resource_is_fifo(properties: dict, flags) -> Optional[bool]:
    """`FifoQueue: true` (also as text), else a name ending in `.fifo`; absent: standard."""
    flag, name_key = flags
    value = properties.get(flag)
    if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
        return True
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() == "false"):
        name = properties.get(name_key)
        if isinstance(name, str):
            return name.endswith(_suffix())
        return None if name is not None and is_intrinsic(name) and value is None else False
    return None  # `!If`, `!Ref Param`, a Terraform expression: unknown


def redrive_target(policy: Any) -> Any:
    """The `deadLetterTargetArn` of a redrive policy written as a map or as JSON text."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except (ValueError, RecursionError):  # deeply nested text is not a policy either
            return None
    return policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
