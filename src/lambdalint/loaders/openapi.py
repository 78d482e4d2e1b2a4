"""API Gateway integrations declared by an OpenAPI definition instead of function events.

A SAM `Api`/`HttpApi` with `DefinitionBody`/`DefinitionUri`, or an `AWS::ApiGateway::RestApi` /
`AWS::ApiGatewayV2::Api` with `Body`/`BodyS3Location`, names its functions in each operation's
`x-amazon-apigateway-integration.uri`.  The definition is inline, included
(`Fn::Transform: AWS::Include`) or a local file (read like a template: regular file, size-capped,
YAML or JSON); S3 locations are not here and are skipped.  A `uri` is reduced to the function it
names (`${Fn.Arn}` in a Sub, `Fn::GetAtt`, a literal ARN); anything else (stage variables,
parameters) is unknown and names no function.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

from lambdalint.data import event_sources
from lambdalint.display import display_join
from lambdalint.files import MISSING, kind
from lambdalint.loaders.marked_yaml import DocumentError, load_json, load_yaml, read_text
from lambdalint.model.template import Template, as_mapping

INTEGRATION = "x-amazon-apigateway-integration"
_INVOCATION_TYPE = "integration.request.header.X-Amz-Invocation-Type"
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace",
                      "x-amazon-apigateway-any-method"})


@dataclass(frozen=True)
class Integration:
    api: str  # the API's logical id
    event_type: str  # "Api" | "HttpApi"
    route: str  # "GET /orders"
    uri: Any  # the integration's uri as written
    path: Tuple[Any, ...]  # template path of the integration, or of the file location
    timeout_millis: Any  # the integration's timeoutInMillis, None when absent
    asynchronous: bool  # `X-Amz-Invocation-Type: 'Event'`: API Gateway does not wait


def integrations(template: Template) -> List[Integration]:
    """Every Lambda-looking integration of every OpenAPI definition of the template."""
    found: List[Integration] = []
    for api_type, (event_type, body_key, location_key) in event_sources()["openapi_apis"].items():
        for api_id, _ in template.resources_of_type(api_type):
            props_path = ("Resources", api_id, "Properties")
            props = template.properties(api_id)
            definition, where, from_file = _definition(template, props, props_path, body_key, location_key)
            if definition is None:
                continue
            for route, path, integration in _operations(definition):
                found.append(Integration(api_id, event_type, route, integration.get("uri"),
                                         where if from_file else where + path,
                                         integration.get("timeoutInMillis"), _is_asynchronous(integration)))
    return found


def _definition(template: Template, props: dict, props_path: tuple, body_key: str,
                location_key: str) -> Tuple[Optional[dict], tuple, bool]:
    """(definition, template path, read from a file) for an API; None when there is none here."""
    body = props.get(body_key)
    include = _included_location(body)
    if include is not None:
        where = props_path + (body_key, "Fn::Transform", "Parameters", "Location")
        return _read(template, include, where), where, True
    if isinstance(body, dict):
        return body, props_path + (body_key,), False
    location = props.get(location_key)
    if isinstance(location, str):
        where = props_path + (location_key,)
        return _read(template, location, where), where, True
    return None, props_path, False


def _included_location(body: Any) -> Optional[str]:
    """The `Location` of `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ...}}`."""
    transform = as_mapping(as_mapping(body).get("Fn::Transform"))
    if transform.get("Name") != "AWS::Include":
        return None
    location = as_mapping(transform.get("Parameters")).get("Location")
    return location if isinstance(location, str) else None


def _read(template: Template, location: str, where: tuple) -> Optional[dict]:
    """The definition file a location names, relative to the template; S3 locations are not
    local (None, silently); a local file that cannot be read is an LL002 problem on `where`."""
    if "://" in location or location.startswith("s3:") or not location.strip():
        return None
    target = template.folder / location
    display = display_join(template.display_folder, location)
    if kind(target) == MISSING:
        template.problems.append((template.mark(where), f"{display}: OpenAPI definition not found: "
                                  "the functions it integrates are not known"))
        return None
    try:
        data = _load(target)
    except DocumentError as exc:
        template.problems.append((template.mark(where), f"{display}: {exc}"))
        return None
    return data if isinstance(data, dict) else None


def _load(path: Path) -> Any:
    text = read_text(path, "OpenAPI definition")
    loader = load_json if text.lstrip().startswith("{") else load_yaml
    return loader(text).data


def _is_asynchronous(integration: dict) -> bool:
    parameters = as_mapping(integration.get("requestParameters"))
    return parameters.get(_INVOCATION_TYPE) == "'Event'"


def _operations(definition: dict) -> Iterator[Tuple[str, tuple, dict]]:
    """(route, path inside the definition, integration) of each operation with an integration."""
    for route_path, item in as_mapping(definition.get("paths")).items():
        for method, operation in as_mapping(item).items():
            if not isinstance(method, str) or method.lower() not in _METHODS:
                continue
            integration = as_mapping(operation).get(INTEGRATION)
            if isinstance(integration, dict):
                verb = "ANY" if method.lower().startswith("x-amazon") else method.upper()
                yield f"{verb} {route_path}", ("paths", route_path, method, INTEGRATION), integration
