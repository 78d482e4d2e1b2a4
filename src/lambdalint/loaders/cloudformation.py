"""SAM and CloudFormation templates (YAML or JSON) → functions linked to their code and layers."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from lambdalint.data import event_sources
from lambdalint.display import display_join
from lambdalint.files import DIRECTORY, FILE, INVALID, MISSING, UnreadableFile, kind, read_head, real_path
from lambdalint.loaders.triggers import TemplateTriggers
from lambdalint.loaders.marked_yaml import (DocumentError, MarkedDocument, load_json, load_yaml,
                                             read_text)
from lambdalint.model.bundle import Bundle, FolderBundle, open_bundle, unusable_reason
from lambdalint.model.inline_code import InlineCodeBundle
from lambdalint.model.project import (CODE_FOUND, CODE_MISSING, CODE_NOT_BUILT, CODE_NOT_SET, CODE_REMOTE,
                                      CODE_UNREADABLE, CodeLocation, Event, Function, FunctionConfig, Layer)
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
        # (folder, location as written) -> the bundle found there: 2,000 functions naming the same
        # CodeUri look the path up once (a location that cannot be read is judged each time, so
        # each function's line gets its LL002)
        self.located: Dict[Tuple[str, str, str], Bundle] = {}

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
    declared = TemplateTriggers(template)  # rule and schedule targets, OpenAPI integrations
    for logical_id, resource in template.resources_of_type(*FUNCTION_TYPES):
        config = FunctionConfig(template, logical_id, resource["Type"])
        config.events = _events(template, config) + declared.events_for(config)
        runtime = config.get("Runtime")
        architectures = config.get("Architectures")
        arch = default_architecture
        if architectures and isinstance(architectures.value, list) and architectures.value:
            arch = str(architectures.value[0])
        package_type = config.get("PackageType")
        handler = config.get("Handler")
        code, location = _function_code(template, config, bundles)
        functions.append(Function(
            name=config.name,
            runtime=runtime.value if runtime and isinstance(runtime.value, str) else default_runtime,
            architecture=arch,
            code=code,
            layers=_layers(template, config, bundles),
            handler=handler if handler and isinstance(handler.value, str) else None,
            config=config,
            package_type=package_type.value if package_type and isinstance(package_type.value, str) else "Zip",
            code_location=location,
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
    key = (str(template.folder), template.display_folder, location)
    if key not in bundles.located:
        found = _bundle_at(template, location, bundles, setting)
        if found is None:
            return None
        bundles.located[key] = found
    return bundles.located[key]


def _bundle_at(template: Template, location: str, bundles: BundleCache,
               setting: Tuple[Any, ...]) -> Optional[Bundle]:
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
    if kind(target) == FILE and not _is_archive(target):
        # a single source file (Terraform archive_file source_file, the lambda module's
        # source_path, in any language): the bundle is that file alone, at the root
        parent = display_join(template.display_folder, str(Path(location).parent))
        return bundles.add(FolderBundle(target.parent, parent, only=[target.name]), key=real_path(target))
    return bundles.get(target, display)


def _is_archive(path: Path) -> bool:
    """A zip (or jar) by its name or its first bytes; anything else is a single source file."""
    if path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        return True
    try:
        return read_head(path, 2) == b"PK"
    except (UnreadableFile, OSError):
        return True  # opening it as an archive reports why it cannot be read


def _function_code(template: Template, config: FunctionConfig,
                   bundles: BundleCache) -> Tuple[Optional[Bundle], CodeLocation]:
    """The function's code and how it was found: CloudFormation `Code` (a local path after
    `aws cloudformation package`, `ZipFile`, S3, an image), SAM `CodeUri`/`InlineCode`, or the
    CDK asset folder.  `.aws-sam/build/<LogicalId>/` wins when `sam build` made it."""
    props = config.properties_path
    if config.is_sam:
        inline, code_uri = config.get("InlineCode"), config.get("CodeUri")
        if inline is not None:
            if isinstance(inline.value, str):
                return _inline(template, inline.value, inline.path)
            return None, CodeLocation(CODE_REMOTE, None, inline.path)  # `!Sub` text: known at deploy
        if code_uri is None:
            return _default_folder(template, config, bundles)
        location, setting = code_uri.value, code_uri.path
    else:
        location, setting = template.properties(config.logical_id).get("Code"), props + ("Code",)
        metadata = template.resources[config.logical_id].get("Metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("aws:asset:path"), str):
            location = metadata["aws:asset:path"]  # CDK synthesised asset folder in cdk.out
            setting = config.resource_path + ("Metadata", "aws:asset:path")
        elif isinstance(location, dict) and isinstance(location.get("ZipFile"), str):
            return _inline(template, location["ZipFile"], setting + ("ZipFile",))
    if _package_type(config) == "Image":
        return None, CodeLocation(CODE_REMOTE, path=setting)
    if location is None:
        return None, CodeLocation(CODE_NOT_SET, None, config.resource_path)
    bundle = _local_artifact(template, location, config.logical_id, bundles, setting)
    return bundle, _status(template, location, setting, bundle)


def _package_type(config: FunctionConfig) -> Optional[str]:
    package_type = config.get("PackageType")
    return package_type.value if package_type is not None else None


def _status(template: Template, location: Any, setting: Tuple[Any, ...],
            bundle: Optional[Bundle]) -> CodeLocation:
    """Why a function has the code it has (or has none)."""
    written = location if isinstance(location, str) else None
    if bundle is not None:
        return CodeLocation(CODE_FOUND, written, setting)
    if not isinstance(location, str) or "://" in location or not location.strip():
        return CodeLocation(CODE_REMOTE, written, setting)  # S3, an intrinsic: not here
    target = template.folder / location
    if kind(target) != MISSING:
        return CodeLocation(CODE_UNREADABLE, written, setting)  # reported as LL002 already
    status = CODE_NOT_BUILT if location.rstrip("/").endswith(_ARCHIVE_SUFFIXES) else CODE_MISSING
    return CodeLocation(status, written, setting)


_ARCHIVE_SUFFIXES = (".zip", ".jar")


def _default_folder(template: Template, config: FunctionConfig,
                    bundles: BundleCache) -> Tuple[Optional[Bundle], CodeLocation]:
    """A SAM function with neither `CodeUri` nor `InlineCode`: SAM CLI builds and packages the
    template's folder (its default CodeUri is "."), so that folder is the code checked."""
    if _package_type(config) == "Image":
        return None, CodeLocation(CODE_REMOTE, path=config.resource_path)
    if template.dialect.name != "cloudformation":
        return None, CodeLocation(CODE_NOT_SET, None, config.resource_path)
    bundle = _local_artifact(template, ".", config.logical_id, bundles, config.resource_path)
    status = CODE_FOUND if bundle is not None else CODE_NOT_SET
    return bundle, CodeLocation(status, None, config.resource_path, default_folder=True)


def _inline(template: Template, code: str, setting: Tuple[Any, ...]) -> Tuple[Bundle, CodeLocation]:
    """Code written in the template: the module `index.py`, its rows those of the template."""
    mark = template.mark(setting)
    block = _is_block_scalar(template, mark)
    first_row = mark.line + 1 if block else mark.line
    indent = _block_indent(template.lines[mark.line:]) if block else 0
    bundle = InlineCodeBundle(template.path, mark.display or template.display, code, first_row, indent)
    return bundle, CodeLocation(CODE_FOUND, None, setting)


def _is_block_scalar(template: Template, mark: Any) -> bool:
    """`InlineCode: |` (or `>`): the code starts on the line after the mark."""
    if mark.display not in (None, template.display) or not 0 < mark.line <= len(template.lines):
        return False
    return bool(_BLOCK_SCALAR.search(template.lines[mark.line - 1]))


def _block_indent(lines: List[str]) -> int:
    """The indentation of a block scalar's content: that of its first non-blank line."""
    for line in lines:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*\s*(?:#.*)?$")


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
