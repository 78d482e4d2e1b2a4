"""Triggers a template declares apart from the function: EventBridge rule and Scheduler targets,
and the API integrations of OpenAPI definitions.  Found once per template, then given to each
function they name (the function itself, or an alias or version of it)."""
from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from lambdalint.data import event_sources
from lambdalint.loaders import openapi
from lambdalint.model.project import Event, FunctionConfig
from lambdalint.model.template import Template, as_mapping, may_be_set, referenced_id

# `${Name}` / `${Name.Attribute}` in an Fn::Sub string
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")
# the function part of an API Gateway integration uri (`.../functions/<function arn>/invocations`)
_INVOCATION = re.compile(r"/functions/(.+?)/invocations")
# the name in a literal function ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`)
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:([A-Za-z0-9_-]+)(?::[^:/]+)?$")


class TemplateTriggers:
    def __init__(self, template: Template):
        self.template = template
        # (candidate function value, event) of each declared trigger
        self._triggers: List[Tuple[Any, Event]] = [
            (candidate, event) for candidate, event in self._targets() + self._integrations()
            if candidate is not None]  # naming no function we can tell: unknown, never guessed

    def events_for(self, config: FunctionConfig) -> List[Event]:
        events, seen = [], set()
        for candidate, event in self._triggers:
            if event.path not in seen and config.is_reached_by(candidate):
                seen.add(event.path)
                events.append(event)
        return events

    def _targets(self) -> List[Tuple[Any, Event]]:
        found = []
        for resource_type, (event_type, kind, key) in event_sources()["cloudformation_targets"].items():
            for logical_id, _ in self.template.resources_of_type(resource_type):
                props_path = ("Resources", logical_id, "Properties")
                value = self.template.properties(logical_id).get(key)
                targets = [(value, props_path + (key,))] if key == "Target" else [
                    (target, props_path + (key, index))
                    for index, target in enumerate(value if isinstance(value, list) else [])]
                for target, path in targets:
                    target = as_mapping(target)
                    keeps = may_be_set(target, ("DeadLetterConfig", "Arn"))
                    found.append((function_reference(self.template, target.get("Arn")),
                                  Event(logical_id, event_type, kind, path, keeps_failures=keeps)))
        return found

    def _integrations(self) -> List[Tuple[Any, Event]]:
        found = []
        for integration in openapi.integrations(self.template):
            uri = integration.uri
            if isinstance(uri, str):
                match = _INVOCATION.search(uri)
                uri = match.group(1) if match else uri
            found.append((function_reference(self.template, uri),
                          Event(f"{integration.api} {integration.route}", integration.event_type,
                                "async" if integration.asynchronous else "sync",
                                integration.path, timeout_millis=integration.timeout_millis)))
        return found


def function_reference(template: Template, value: Any) -> Any:
    """What `value` (a target ARN, an integration uri) says about the function it invokes, in a
    form `FunctionConfig.is_reached_by` understands: a Ref/GetAtt of a resource of the template,
    or a function name from a literal ARN.  None when it names nothing we can tell."""
    if referenced_id(value) is not None:
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Fn::Sub":
            return _sub_reference(template, inner)
        if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and isinstance(inner[1], list):
            parts = [function_reference(template, part) for part in inner[1] if not isinstance(part, str)]
            return next((part for part in parts if referenced_id(part) in template.resources), None)
        return None
    if isinstance(value, str):
        if "${" in value:  # a Sub-style uri in a file: only resource names can be told
            return _sub_reference(template, value)
        return _literal_name(value)
    return None


def _sub_reference(template: Template, inner: Any) -> Any:
    """`${Fn.Arn}`, `${Fn}` (a resource of the template), or a variable of the Sub's own map."""
    text, variables = (inner[0], as_mapping(inner[1])) if isinstance(inner, list) and len(inner) == 2 \
        else (inner, {})
    if not isinstance(text, str):
        return None
    for name in _SUB_VARIABLE.findall(text):
        if name in variables:
            found = function_reference(template, variables[name])
            if found is not None:
                return found
            continue
        resource = name.split(".", 1)[0]
        if resource in template.resources:
            return {"Ref": resource}
    head, separator, name = text.partition(":function:")
    if separator and "${" not in name:  # `arn:aws:lambda:${AWS::Region}:...:function:orders`
        return _literal_name(_SUB_VARIABLE.sub("x", head) + separator + name)
    return None


def _literal_name(text: str) -> Optional[str]:
    match = _FUNCTION_ARN.match(text.strip())
    return match.group(1) if match else None
