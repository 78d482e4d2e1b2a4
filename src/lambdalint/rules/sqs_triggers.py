"""Shared by LL503 and LL504: SQS queues of the same template that trigger a function."""
from typing import Iterator, Tuple

from lambdalint.model.template import referenced_id


def queues_triggering(fn) -> Iterator[Tuple[str, object]]:
    """(queue logical id, event path) for each SQS queue of the template that triggers fn."""
    config = fn.config
    template = config.template
    seen = set()
    for event in config.events:
        if event.type == "SQS":
            queue = referenced_id(template.get_value(event.path + ("Properties", "Queue")))
            if queue and queue not in seen and template.resource_type(queue) == "AWS::SQS::Queue":
                seen.add(queue)
                yield queue, event.path
    for mapping_id, _ in config.targeting("AWS::Lambda::EventSourceMapping"):
        props = template.properties(mapping_id)
        queue = referenced_id(props.get("EventSourceArn"))
        if queue and queue not in seen and template.resource_type(queue) == "AWS::SQS::Queue":
            seen.add(queue)
            yield queue, ("Resources", mapping_id)
