"""serverless.yml (Serverless Framework, AWS provider) → a SAM-shaped template.

Each function becomes `AWS::Serverless::Function` under the logical id the framework gives it
(`hello` → `HelloLambdaFunction`, so `resources:` that `!Ref` it still match); provider defaults
become SAM `Globals` where the framework merges them the same way (scalars, environment) and are
copied into each function where it replaces them (layers, vpc); events become SAM events;
`destinations`, `onError` and the retry settings become `EventInvokeConfig` and `DeadLetterQueue`;
`resources.Resources` is kept as it is.
"""
from __future__ import annotations

import collections.abc
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from lambdalint.data import event_sources
from lambdalint.files import FILE, kind
from lambdalint.loaders.cloudformation import read_document
from lambdalint.loaders.marked_yaml import MarkedDocument
from lambdalint.loaders.serverless_variables import Variables
from lambdalint.loaders.translation import Translation
from lambdalint.model.template import Dialect, Template, is_intrinsic

SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")

# Function settings: serverless key → SAM property path.  Provider-level values of the first
# group are SAM Globals (the function's own wins); the second group the framework replaces whole.
_MERGED_DEFAULTS = {
    "runtime": ("Runtime",),
    "timeout": ("Timeout",),
    "memorySize": ("MemorySize",),
    "versionFunctions": ("VersionFunctions",),  # provider-level; false: no published version (LL702)
}
_OWN_SETTINGS = {
    "handler": ("Handler",),
    "name": ("FunctionName",),
    "ephemeralStorageSize": ("EphemeralStorage", "Size"),
    "snapStart": ("SnapStart", "ApplyOn"), "fileSystemConfig": ("FileSystemConfigs",),  # LL701-LL703
    "reservedConcurrency": ("ReservedConcurrentExecutions",),
    "provisionedConcurrency": ("ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions"),
    "maximumRetryAttempts": ("EventInvokeConfig", "MaximumRetryAttempts"),
    "maximumEventAge": ("EventInvokeConfig", "MaximumEventAgeInSeconds"),
    "image": ("ImageUri",),
}
# What the framework deploys when neither the function nor the provider sets a timeout.
# https://www.serverless.com/framework/docs/providers/aws/guide/functions (checked 2026-11-27)
FRAMEWORK_DEFAULT_TIMEOUT_S = 6
# Metadata key of a function whose timeout is the framework's default, not written (LL614)
DEFAULT_TIMEOUT_KEY = "lambdalint:FrameworkDefaultTimeout"
# Without a runtime the framework deploys Node.js: such functions are not judged as Python.
FRAMEWORK_DEFAULT_RUNTIME = "nodejs (Serverless Framework default)"
_VPC_KEYS = {"securityGroupIds": "SecurityGroupIds", "subnetIds": "SubnetIds"}
_STREAM_KEYS = {
    "arn": "Stream",
    "batchSize": "BatchSize",
    "maximumRetryAttempts": "MaximumRetryAttempts",
    "bisectBatchOnFunctionError": "BisectBatchOnFunctionError",
    "functionResponseType": "FunctionResponseTypes",
    "batchWindow": "MaximumBatchingWindowInSeconds",  # LL507
}
_SQS_KEYS = {"arn": "Queue", "batchSize": "BatchSize", "maximumBatchingWindow": "MaximumBatchingWindowInSeconds"}

TERMS = {
    "Timeout": "timeout", "MemorySize": "memorySize", "EphemeralStorage.Size": "ephemeralStorageSize",
    "Runtime": "runtime", "Handler": "handler", "Layers": "layers", "Environment": "environment",
    "ReservedConcurrentExecutions": "reservedConcurrency",
    "ProvisionedConcurrencyConfig": "provisionedConcurrency", "AutoPublishAlias": "an alias",
    "VpcConfig": "vpc", "SubnetIds": "subnetIds", "SecurityGroupIds": "securityGroupIds",
    "MaximumRetryAttempts": "maximumRetryAttempts", "MaximumEventAgeInSeconds": "maximumEventAge",
    "EventInvokeConfig.DestinationConfig.OnFailure": "destinations.onFailure",
    "DeadLetterQueue": "onError",
    "DestinationConfig.OnFailure": "the stream event's destinations.onFailure",
    "BisectBatchOnFunctionError": "bisectBatchOnFunctionError",
}


# Where the translated template keeps the plugins serverless.yml lists (they add generated code)
PLUGINS_PATH = ("Metadata", "ServerlessFramework", "plugins")


def _plugin_names(plugins: Any) -> list:
    """`plugins: [a, b]`, or `plugins: {localPath: ..., modules: [a, b]}`."""
    if isinstance(plugins, dict):
        plugins = plugins.get("modules")
    return [name for name in plugins if isinstance(name, str)] if isinstance(plugins, list) else []


def is_serverless_file(path: Path) -> bool:
    return path.name in SERVERLESS_NAMES


def looks_like_serverless(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("functions"), (dict, list)) \
        and ("provider" in document or "service" in document)


def logical_id(name: str, suffix: str) -> str:
    """The framework's normalised logical id: `my-fn_x` → `MyDashfnUnderscorexLambdaFunction`."""
    normalised = str(name).replace("-", "Dash").replace("_", "Underscore")
    return normalised[:1].upper() + normalised[1:] + suffix


def translate(path: Path, display: str, document: MarkedDocument, text: str) -> Template:
    data = document.data if isinstance(document.data, dict) else {}
    variables = Variables(data)
    resolved = variables.resolve(data)
    out = Translation(*_functions_as_one_map(resolved, document.marks))
    out.put(("Transform",), "AWS::Serverless-2016-10-31")
    out.put(PLUGINS_PATH, _plugin_names(resolved.get("plugins")))
    names: Dict[str, str] = {}
    _provider_defaults(out)
    for key, function in _functions(resolved).items():
        lid = logical_id(key, "LambdaFunction")
        names[lid] = str(key)
        _function(out, lid, key, function, path.parent)
    for key, layer in (resolved.get("layers") or {}).items() if isinstance(resolved.get("layers"), dict) else ():
        lid = logical_id(key, "LambdaLayer")
        names[lid] = f"layer {key}"
        out.put(("Resources", lid, "Type"), "AWS::Serverless::LayerVersion")
        out.mark(("Resources", lid), ("layers", key))
        if isinstance(layer, dict):
            artifact = ("layers", key, "package", "artifact")
            out.copy(("Resources", lid, "Properties", "ContentUri"), artifact) or \
                out.copy(("Resources", lid, "Properties", "ContentUri"), ("layers", key, "path"))
    extra = out.source(("resources", "Resources"))
    if isinstance(extra, dict):
        for resource_id in extra:
            _merge_resource(out, resource_id)
    dialect = Dialect("serverless", defaults="provider", names=names, terms=TERMS)
    template = Template(path, display, out.data, out.marks, text, dialect=dialect)
    # values left unresolved because their variables expand too far (LL002 on their line)
    template.problems.extend((_nearest_mark(document.marks, where), message)
                             for where, message in variables.problems + _unread_function_includes(resolved))
    return template


def _nearest_mark(marks: Dict[tuple, Any], path: tuple) -> Any:
    """The mark of `path` in serverless.yml, or of its nearest ancestor that has one."""
    while path and path not in marks:
        path = path[:-1]
    return marks.get(path)


def _merge_resource(out: Translation, resource_id: str, path: tuple = ()) -> None:
    """`resources.Resources` entries are added; one named like a generated resource
    (`HelloLambdaFunction: {Properties: {...}}`) is merged into it key by key, as the framework does."""
    source = ("resources", "Resources", resource_id) + path
    target = ("Resources", resource_id) + path
    value = out.source(source)
    existing = out.data.get("Resources", {})
    for key in (resource_id,) + path:
        existing = existing.get(key) if isinstance(existing, dict) else None
    if isinstance(value, dict) and isinstance(existing, dict) and not is_intrinsic(value):
        for key in value:
            _merge_resource(out, resource_id, path + (key,))
    else:
        out.copy(target, source)


def _functions(document: dict) -> Dict[str, Any]:
    functions = document.get("functions")
    if isinstance(functions, list):  # a list of maps, e.g. from ${file()} includes
        merged: Dict[str, Any] = {}
        for part in functions:
            if isinstance(part, dict) and not is_unresolved(part):
                merged.update(part)
        return merged
    return functions if isinstance(functions, dict) and not is_unresolved(functions) else {}


def _functions_as_one_map(document: dict, marks: Mapping) -> Tuple[dict, Mapping]:
    """Functions listed as maps (`- hello: {handler: ...}`) read as one map, as the framework
    merges them, with their marks found under `functions.hello` too: the translation reads every
    setting of a function at `functions.<name>`, so none of a listed function's is lost."""
    functions = document.get("functions")
    if not isinstance(functions, list):
        return document, marks
    index_of = {name: index for index, part in enumerate(functions)
                if isinstance(part, dict) and not is_unresolved(part) for name in part}  # the last wins
    return {**document, "functions": _functions(document)}, _ListedFunctionMarks(marks, index_of)


class _ListedFunctionMarks(collections.abc.Mapping):
    """The document's marks, where `functions.<name>...` is `functions.<index>.<name>...`."""

    def __init__(self, marks: Mapping, index_of: Dict[str, int]) -> None:
        self._marks = marks
        self._index_of = index_of

    def _listed(self, path: Any) -> Any:
        if isinstance(path, tuple) and len(path) >= 2 and path[0] == "functions" \
                and isinstance(path[1], str) and path[1] in self._index_of:
            return ("functions", self._index_of[path[1]]) + path[1:]
        return path

    def __getitem__(self, path: Any) -> Any:
        return self._marks[self._listed(path)]

    def get(self, path: Any, default: Any = None) -> Any:
        return self._marks.get(self._listed(path), default)

    def __iter__(self):
        return iter(self._marks)

    def __len__(self) -> int:
        return len(self._marks)


def _unread_function_includes(document: dict) -> List[Tuple[tuple, str]]:
    """Functions lambdalint cannot see (`- ${file(fns.yml)}`): said, never skipped silently."""
    functions = document.get("functions")
    parts = list(enumerate(functions)) if isinstance(functions, list) else [(None, functions)]
    return [(("functions",) if index is None else ("functions", index),
             f"functions defined by {part['Fn::Unresolved']} are not read (lambdalint does not resolve "
             "this variable): their code and configuration are not checked")
            for index, part in parts if isinstance(part, dict) and is_unresolved(part)]


def is_unresolved(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and "Fn::Unresolved" in value


def _provider_defaults(out: Translation) -> None:
    for key, target in _MERGED_DEFAULTS.items():
        out.copy(("Globals", "Function") + target, ("provider", key))
    architecture = out.source(("provider", "architecture"))
    if isinstance(architecture, str):
        out.put(("Globals", "Function", "Architectures"), [architecture], ("provider", "architecture"))
        out.mark(("Globals", "Function", "Architectures", 0), ("provider", "architecture"))
    out.copy(("Globals", "Function", "Environment", "Variables"), ("provider", "environment"))


def _function(out: Translation, lid: str, key: str, function: Any, folder: Path) -> None:
    base = ("functions", key)
    props = ("Resources", lid, "Properties")
    out.put(("Resources", lid, "Type"), "AWS::Serverless::Function")
    out.mark(("Resources", lid), base)
    out.put(props, {})
    if not isinstance(function, dict):
        return
    for setting, target in {**_MERGED_DEFAULTS, **_OWN_SETTINGS}.items():
        out.copy(props + target, base + (setting,))
    if "timeout" not in function and out.source(("provider", "timeout")) is None:
        out.put(props + ("Timeout",), FRAMEWORK_DEFAULT_TIMEOUT_S)  # not Lambda's 3 s
        out.mark(props + ("Timeout",), base)
        out.put(("Resources", lid, "Metadata", DEFAULT_TIMEOUT_KEY), True)
    if function.get("image") is not None:
        out.put(props + ("PackageType",), "Image")
    elif "runtime" not in function and out.source(("provider", "runtime")) is None:
        out.put(props + ("Runtime",), FRAMEWORK_DEFAULT_RUNTIME)
    if "provisionedConcurrency" in function:
        out.put(props + ("AutoPublishAlias",), "provisioned")  # the framework publishes this alias
    if isinstance(function.get("architecture"), str):
        out.put(props + ("Architectures",), [function["architecture"]], base + ("architecture",))
        out.mark(props + ("Architectures", 0), base + ("architecture",))
    out.copy(props + ("Environment", "Variables"), base + ("environment",))
    # layers and vpc: the function's own replace the provider's
    for owner in (base, ("provider",)):
        if out.copy(props + ("Layers",), owner + ("layers",)):
            break
    _vpc(out, props, base)
    _failure_handling(out, props, base, function)
    code = _code_location(out, key, function, folder)
    if code is not None:
        out.put(props + ("CodeUri",), code[0], code[1])
    _events(out, props, base, function.get("events"))
    _customised_log_group(out, lid, key)


def _customised_log_group(out: Translation, lid: str, key: str) -> None:
    """The framework creates `<Function>LogGroup` with `logRetentionInDays` (the function's, else
    the provider's) as its retention; `resources:` may customise it under that id.  Only such a
    customised group is built here (its keys are merged over it later), so LL615 judges a log group
    the user declared, as it does in SAM and Terraform."""
    group = logical_id(key, "LogGroup")
    if not isinstance(out.source(("resources", "Resources", group)), dict):
        return
    out.put(("Resources", group, "Type"), "AWS::Logs::LogGroup")
    out.mark(("Resources", group), ("resources", "Resources", group))
    out.put(("Resources", group, "Properties", "LogGroupName"), {"Fn::Sub": f"/aws/lambda/${{{lid}}}"})
    for owner in (("functions", key), ("provider",)):
        if out.copy(("Resources", group, "Properties", "RetentionInDays"), owner + ("logRetentionInDays",)):
            break


def _vpc(out: Translation, props: tuple, base: tuple) -> None:
    """The framework takes `securityGroupIds` and `subnetIds` each from the function, else from the
    provider, and leaves VpcConfig out unless both end up set (so an incomplete one never fails)."""
    found = {}
    for source_key, target_key in _VPC_KEYS.items():
        for owner in (base, ("provider",)):
            if out.source(owner + ("vpc", source_key)) is not None:
                found[target_key] = owner + ("vpc", source_key)
                break
    if len(found) == len(_VPC_KEYS):
        for target_key, where in found.items():
            out.copy(props + ("VpcConfig", target_key), where)
        out.mark(props + ("VpcConfig",), found["SubnetIds"][:-1])


def _failure_handling(out: Translation, props: tuple, base: tuple, function: dict) -> None:
    on_error = function.get("onError")
    if on_error is not None:
        kind = "SQS" if isinstance(on_error, str) and ":sqs:" in on_error else "SNS"
        out.put(props + ("DeadLetterQueue", "Type"), kind)
        out.copy(props + ("DeadLetterQueue", "TargetArn"), base + ("onError",))
        out.mark(props + ("DeadLetterQueue",), base + ("onError",))
    on_failure = base + ("destinations", "onFailure")
    target = out.source(on_failure)
    if target is not None:
        destination = props + ("EventInvokeConfig", "DestinationConfig", "OnFailure")
        out.mark(destination, on_failure)
        if isinstance(target, dict) and "arn" in target:
            out.copy(destination + ("Destination",), on_failure + ("arn",))
        else:
            out.copy(destination + ("Destination",), on_failure)


def _code_location(out: Translation, key: str, function: dict, folder: Path) -> Optional[tuple]:
    """(location relative to serverless.yml, source path of the setting) of the function's code."""
    for owner in (("functions", key), ()):
        if isinstance(out.source(owner + ("package", "artifact")), str):
            return out.source(owner + ("package", "artifact")), owner + ("package", "artifact")
    if function.get("image") is not None:
        return None
    module = function.get("module")
    if isinstance(module, str) and module.strip("./"):
        # serverless-python-requirements packages `module` as the function's root: handler paths
        # are relative to it
        built = f".serverless/{key}.zip"
        return (built, None) if kind(folder / built) == FILE else (module, ("functions", key, "module"))
    individually = out.source(("functions", key, "package", "individually"),
                              out.source(("package", "individually")))
    service = out.source(("service",))
    service = service.get("name") if isinstance(service, dict) else service
    built = f".serverless/{key}.zip" if individually is True else f".serverless/{service}.zip"
    if kind(folder / built) == FILE:  # names from the configuration: kind() takes any string
        return built, None
    return ".", None  # not packaged yet: the service folder is what the framework would zip


def _events(out: Translation, props: tuple, base: tuple, events: Any) -> None:
    if not isinstance(events, list):
        return
    types = event_sources()["serverless_events"]
    counts: Dict[str, int] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict) or len(event) != 1:
            continue
        (kind, settings), = event.items()
        sam_type = types.get(str(kind))
        if sam_type is None or kind == "http" and isinstance(settings, dict) and settings.get("async") is True:
            continue  # an asynchronous REST integration does not wait for the function
        source = base + ("events", index, kind)
        if kind == "stream":
            sam_type = _stream_type(settings)
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}" if counts[kind] > 1 else str(kind)
        target = props + ("Events", name)
        out.put(target + ("Type",), sam_type)
        out.put(target + ("Properties",), {})
        out.mark(target, base + ("events", index))
        if kind == "eventBridge" and isinstance(settings, dict):  # the target's own dead-letter queue (LL501)
            out.copy(target + ("Properties", "DeadLetterConfig", "Arn"), source + ("deadLetterQueueArn",))
        if kind == "sns" and isinstance(settings, dict):  # the subscription's own dead-letter queue (LL509)
            out.copy(target + ("Properties", "RedrivePolicy"), source + ("redrivePolicy",))
        if kind in ("stream", "sqs"):
            _mapping_properties(out, target + ("Properties",), source, settings,
                                _STREAM_KEYS if kind == "stream" else _SQS_KEYS)


def _stream_type(settings: Any) -> str:
    if isinstance(settings, dict) and str(settings.get("type", "")).lower() == "dynamodb":
        return "DynamoDB"
    arn = settings.get("arn") if isinstance(settings, dict) and not is_intrinsic(settings) else settings
    text = str(arn)
    return "DynamoDB" if ":dynamodb:" in text or "StreamArn" in text else "Kinesis"


def _mapping_properties(out: Translation, target: tuple, source: tuple, settings: Any,
                        keys: Dict[str, str]) -> None:
    if not isinstance(settings, dict) or is_intrinsic(settings):  # `sqs: arn:...` / `sqs: !GetAtt Q.Arn`
        out.put(target + (keys["arn"],), settings, source)
        return
    for source_key, target_key in keys.items():
        out.copy(target + (target_key,), source + (source_key,))
    on_failure = source + ("destinations", "onFailure")
    value = out.source(on_failure)
    if value is not None:
        arn = on_failure + ("arn",) if isinstance(value, dict) and "arn" in value else on_failure
        out.copy(target + ("DestinationConfig", "OnFailure", "Destination"), arn)
        out.mark(target + ("DestinationConfig", "OnFailure"), on_failure)


def load_serverless(path: Path, display: str) -> Optional[Template]:
    """The translated template, or None when the file is not an AWS serverless service."""
    text, document = read_document(path)
    data = document.data
    provider = data.get("provider") if isinstance(data, dict) else None
    provider_name = provider.get("name") if isinstance(provider, dict) else provider
    if not looks_like_serverless(data) or provider_name not in (None, "aws"):
        return None
    return translate(path, display, document, text)
