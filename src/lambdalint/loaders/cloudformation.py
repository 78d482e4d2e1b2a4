"""SAM and CloudFormation templates (YAML or JSON) → functions linked to their code and layers."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from lambdalint.data import event_sources
from lambdalint.display import display_join
from lambdalint.files import DIRECTORY, FILE, INVALID, kind, real_path
from lambdalint.loaders.marked_yaml import (DocumentError, MarkedDocument, load_json, load_yaml,
                                             read_text)
from lambdalint.model.bundle import Bundle, FolderBundle, open_bundle, unusable_reason
from lambdalint.model.project import Event, Function, FunctionConfig, Layer
from lambdalint.model.template import Template, referenced_id

SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (SAM_FUNCTION, CFN_FUNCTION)
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")

_TEMPLATE_HINT = re.compile(
    r"AWSTemplateFormatVersion|AWS::Serverless|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"
)


def looks_like_template(head: str) -> bool:
    """Recognise a template by content (not name), from the start of the file."""
    return bool(_TEMPLATE_HINT.search(head))


def load_template(path: Path, display: str) -> Template:
    """Load a template; raises DocumentError with a position for anything unreadable."""
    text, document = read_document(path)
    if not isinstance(document.data, dict):
        raise DocumentError("a template must be a mapping at its top level")
    return Template(path, display, document.data, document.marks, text)


def read_document(path: Path) -> Tuple[str, MarkedDocument]:
    """The text of a YAML or JSON file and its marked document (DocumentError when unreadable)."""
    text = read_text(path)
    loader = load_json if text.lstrip().startswith("{") else load_yaml
    return text, loader(text)


class BundleCache:
    """Opens each artifact once, however many functions or templates refer to it."""

    def __init__(self) -> None:
        self._by_path: Dict[Path, Bundle] = {}
        # absolute paths a configuration names that can never be read (reported on its line)
        self.refused: Set[str] = set()

    def get(self, path: Path, display: str, excluded=None) -> Optional[Bundle]:
        """The bundle of a folder or a regular file (a zip); None for anything else: a missing
        path, a FIFO, a device, a name the system refuses (callers report why: `unusable_reason`)."""
        if kind(path) not in (FILE, DIRECTORY):
            return None
        key = real_path(path)
        if key not in self._by_path:
            self._by_path[key] = open_bundle(path, display, excluded)
        return self._by_path[key]

    def add(self, bundle: Bundle, key: Optional[Path] = None) -> Bundle:
        """A bundle built by the caller (a single file named on the command line, or by a
        configuration), once per `key` (default: its folder and display name)."""
        key = key or Path(str(real_path(bundle.path)) + "::" + bundle.display)
        return self._by_path.setdefault(key, bundle)

    def all(self) -> List[Bundle]:
        return list(self._by_path.values())


def functions_from_template(template: Template, default_runtime: str, default_architecture: str,
                            bundles: BundleCache) -> List[Function]:
    functions = []
    for logical_id, resource in template.resources_of_type(*FUNCTION_TYPES):
        config = FunctionConfig(template, logical_id, resource["Type"])
        config.events = _events(template, config)
        runtime = config.get("Runtime")
        architectures = config.get("Architectures")
        arch = default_architecture
        if architectures and isinstance(architectures.value, list) and architectures.value:
            arch = str(architectures.value[0])
        package_type = config.get("PackageType")
        handler = config.get("Handler")
        functions.append(Function(
            name=config.name,
            runtime=runtime.value if runtime and isinstance(runtime.value, str) else default_runtime,
            architecture=arch,
            code=_function_code(template, config, bundles),
            layers=_layers(template, config, bundles),
            handler=handler if handler and isinstance(handler.value, str) else None,
            config=config,
            package_type=package_type.value if package_type and isinstance(package_type.value, str) else "Zip",
        ))
    return functions


def _local_artifact(template: Template, location: Any, logical_id: str, bundles: BundleCache,
                    setting: Tuple[Any, ...]) -> Optional[Bundle]:
    """The folder or zip a template points to, preferring `.aws-sam/build/<LogicalId>/`.

    A location that can never be read (a FIFO, `/dev/zero`, a name with a NUL byte) is an LL002
    problem on the line of `setting`, the template path that gave it; the function is still
    checked without its code."""
    if "/" not in logical_id and logical_id not in (".", ".."):
        built = template.folder / ".aws-sam" / "build" / logical_id
        if kind(built) == DIRECTORY:
            return bundles.get(built, display_join(template.display_folder, ".aws-sam/build", logical_id))
    if not isinstance(location, str) or "://" in location or not location.strip():
        return None  # S3 locations, intrinsics: the code is not here
    target = template.folder / location
    display = display_join(template.display_folder, location)
    unusable = unusable_reason(target)
    if unusable is not None:
        if kind(target) == INVALID:  # not repeated: it may hold a NUL byte, 5,000 characters...
            template.problems.append((template.mark(setting), f"code location: {unusable}"))
        else:
            template.problems.append((template.mark(setting), f"{display}: {unusable}"))
            bundles.refused.add(os.path.abspath(target))  # a walk meeting it again stays silent
        return None
    if target.suffix == ".py" and kind(target) == FILE:
        # a single source file (Terraform archive_file source_file, the lambda module's
        # source_path): the bundle is that file alone, at the root
        parent = display_join(template.display_folder, str(Path(location).parent))
        return bundles.add(FolderBundle(target.parent, parent, only=[target.name]), key=real_path(target))
    return bundles.get(target, display)


def _function_code(template: Template, config: FunctionConfig, bundles: BundleCache) -> Optional[Bundle]:
    setting = config.properties_path + ("Code",)
    if config.is_sam:
        code_uri = config.get("CodeUri")
        location = code_uri.value if code_uri else None
        setting = code_uri.path if code_uri else config.properties_path
    else:
        location = template.properties(config.logical_id).get("Code")
        metadata = template.resources[config.logical_id].get("Metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("aws:asset:path"), str):
            location = metadata["aws:asset:path"]  # CDK synthesised asset folder in cdk.out
            setting = config.resource_path + ("Metadata", "aws:asset:path")
    return _local_artifact(template, location, config.logical_id, bundles, setting)


def _layers(template: Template, config: FunctionConfig, bundles: BundleCache) -> List[Layer]:
    layers = []
    for setting in config.get_list("Layers"):
        target = referenced_id(setting.value)
        if target and target in template.resources:
            props = template.properties(target)
            key = "ContentUri" if "ContentUri" in props else "Content"
            bundle = _local_artifact(template, props.get(key), target, bundles,
                                     ("Resources", target, "Properties", key))
            layers.append(Layer(target, bundle, setting.path))
        else:
            name = setting.value if isinstance(setting.value, str) else str(setting.value)
            layers.append(Layer(name, None, setting.path))
    return layers


def _events(template: Template, config: FunctionConfig) -> List[Event]:
    kinds = event_sources()
    events: List[Event] = []
    if config.is_sam:
        sam_events = template.properties(config.logical_id).get("Events")
        if isinstance(sam_events, dict):
            for name, event in sam_events.items():
                event_type = event.get("Type") if isinstance(event, dict) else None
                if isinstance(event_type, str):
                    kind = kinds["sam_events"].get(event_type, "unknown")
                    properties = event.get("Properties")
                    if event_type == "SNS" and isinstance(properties, dict) and properties.get("SqsSubscription"):
                        kind = "poll"  # SAM puts an SQS queue between the topic and the function
                    events.append(Event(str(name), event_type, kind, config.properties_path + ("Events", name)))
    for perm_id, _ in config.targeting("AWS::Lambda::Permission"):
        props = template.properties(perm_id)
        service = _service(props.get("Principal"), kinds["async_principals"])
        kind = "async" if service else "unknown"
        if service is None:
            service = _service(props.get("Principal"), kinds["sync_principals"])
            kind = "sync" if service else "unknown"
        events.append(Event(perm_id, service or str(props.get("Principal")), kind,
                            ("Resources", perm_id, "Properties", "Principal")))
    return events


def _service(principal: Any, principals: Dict[str, str]) -> Optional[str]:
    if not isinstance(principal, str):
        return None
    if principal in principals:
        return principals[principal]
    # Regional forms such as logs.eu-west-1.amazonaws.com
    first = principal.split(".", 1)[0]
    for known, service in principals.items():
        if known.split(".", 1)[0] == first and principal.endswith((".amazonaws.com", ".amazon.com")):
            return service
    return None
