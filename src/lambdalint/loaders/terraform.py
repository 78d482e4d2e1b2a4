"""A Terraform configuration (the `*.tf` files of one folder) → a CloudFormation-shaped template.

Each resource keeps its Terraform address as logical id (`aws_lambda_function.orders`), so
messages name what the user wrote; attributes and blocks are mapped onto the CloudFormation
properties the rules read (`memory_size` → `MemorySize`, `dead_letter_config { target_arn }` →
`DeadLetterConfig.TargetArn`).  Calls of the terraform-aws-modules/lambda/aws module become a
function plus the permissions, event source mappings and async configuration the module creates.
Resources that make a service invoke a function (bucket notifications, SNS subscriptions,
EventBridge targets and schedules, API integrations) become the function's events.

This module reads a folder (files, overrides, tfvars, duplicate addresses) and attaches triggers;
`terraform_resources` holds the mapping, `terraform_values` the expressions, `hcl` the syntax.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from lambdalint.data import event_sources
from lambdalint.files import FILE, UnreadableFile, name_problem, read_file, real_path
from lambdalint.files import kind as path_kind
from lambdalint.limits import MAX_TEMPLATE_BYTES
from lambdalint.loaders import hcl
from lambdalint.loaders.marked_yaml import DocumentError, read_text
from lambdalint.loaders.terraform_resources import TERMS, Translator, reference, trigger_keeps_failures
from lambdalint.loaders.terraform_values import Values
from lambdalint.loaders.translation import Translation, unresolved
from lambdalint.model.project import Event, Function
from lambdalint.model.template import Dialect, Template, referenced_id


def is_terraform_file(path: Path) -> bool:
    return path.name.endswith(".tf")


def load_terraform(files: Sequence[Tuple[Path, str]], called_as_module: bool = False) -> Template:
    """Read the .tf files of one folder (and its tfvars) as one template.  In a folder that another
    configuration calls as a module, variables come from the caller: their defaults are unknown."""
    config: Dict[str, Any] = {}
    marks: Dict[tuple, Any] = {}
    problems: List[Tuple[Any, str]] = []  # (mark, message): read, but not as the user meant
    texts = []
    for path, display in sorted(files, key=lambda f: _is_override(f[0])):  # overrides last
        text = read_text(path, "Terraform file")
        texts.append((display, text))
        body, file_marks = _parse(text, display)
        _merge(config, marks, body, _MarksByBlock(file_marks), problems, _is_override(path))
    folder = files[0][0].parent
    variables = _tfvars(folder)
    out = Translation(config, marks)
    values = Values(config, folder, variables, lambda parts: reference(config, parts),
                    use_defaults=not called_as_module)
    Translator(out, config, values).run()
    _follow_function_code(out, config, values, folder)
    # values left unresolved because locals expand too far (LL002 on the local's line)
    problems.extend((marks.get(where) if where else None, message)
                    for where, message in values.problems)
    dialect = Dialect("terraform", defaults="defaults", terms=TERMS)
    template = Template(files[0][0], files[0][1], out.data, out.marks, texts[0][1], dialect=dialect,
                        other_files=texts[1:])
    template.problems = problems
    return template


_LOCAL_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


def local_module_folders(tf_files: Sequence[Path]) -> set:
    """Folders that these .tf files call as local modules (`source = "./modules/fn"`), resolved.
    A text scan: it runs before the files are parsed, and a miss only means defaults are used."""
    folders = set()
    for path in tf_files:
        try:
            text = read_file(path, MAX_TEMPLATE_BYTES).decode("utf-8", "replace")
        except UnreadableFile:
            continue  # loading the file reports it
        for source in _LOCAL_MODULE_SOURCE.findall(text):
            folder = path.parent / source
            if name_problem(folder) is None:  # a NUL byte or an over-long name calls nothing
                folders.add(real_path(folder))
    return folders


_S3_OBJECTS = ("aws_s3_object", "aws_s3_bucket_object")


def _follow_function_code(out: Translation, config: Dict[str, Any], values: Values, folder: Path) -> None:
    """Find each function's code where it really is: `s3_key = aws_s3_object.x.key` is the
    object's `source` (often an archive_file's output); a `filename` written as the same string as
    an archive_file's `output_path` is that archive (its sources until it is built).  Code kept in
    S3 or an image is marked as such (CloudFormation's `S3Bucket`/`ImageUri`): configuration only."""
    _module_packages_elsewhere(out)
    archives = _archives_by_output(config, values)
    functions = config.get("resource", {}).get("aws_lambda_function", {})
    for name, body in functions.items() if isinstance(functions, dict) else ():
        address = f"aws_lambda_function.{name}"
        resource = out.data.get("Resources", {}).get(address)
        if not isinstance(body, dict) or not isinstance(resource, dict):
            continue
        props = ("Resources", address, "Properties")
        source = ("resource", "aws_lambda_function", name)
        code = resource.get("Properties", {}).get("Code")
        if isinstance(code, str):
            archive = _archive_written_as(code, archives, folder)
            if archive is not None:
                out.put(props + ("Code",), values.evaluate(hcl.Reference(("data", "archive_file", archive, "output_path"))))
        elif "image_uri" in body:
            out.put(props + ("Code",), {"ImageUri": values.evaluate(body["image_uri"])}, source + ("image_uri",))
        elif "s3_key" in body or "s3_bucket" in body:
            local = _s3_object_source(body.get("s3_key"), config, values)
            where = source + (("s3_key",) if "s3_key" in body else ("s3_bucket",))
            if isinstance(local, str):
                out.put(props + ("Code",), local, where)
            else:
                out.put(props + ("Code",), {"S3Bucket": values.evaluate(body.get("s3_bucket")),
                                            "S3Key": values.evaluate(body.get("s3_key"))}, where)


def _module_packages_elsewhere(out: Translation) -> None:
    """A lambda module call without a local package (`s3_existing_package`, `image_uri`, a
    `source_path` known only at plan time): its code is not here, which is no missing code."""
    for address, resource in out.data.get("Resources", {}).items():
        if str(address).startswith("module.") and isinstance(resource, dict) \
                and resource.get("Type") == "AWS::Lambda::Function" and "Code" not in resource.get("Properties", {}):
            out.put(("Resources", address, "Properties", "Code"), unresolved("the module's package"))


def _s3_object_source(s3_key: Any, config: Dict[str, Any], values: Values) -> Any:
    """The local file an `aws_s3_object` uploads, when `s3_key` refers to that object."""
    if isinstance(s3_key, hcl.Interpolated) and len(s3_key.parts) == 1:
        s3_key = s3_key.parts[0]
    if not isinstance(s3_key, hcl.Reference) or len(s3_key.parts) != 3:
        return None
    resource_type, name, attribute = s3_key.parts
    obj = config.get("resource", {}).get(resource_type, {}).get(name) if resource_type in _S3_OBJECTS else None
    if not isinstance(obj, dict) or attribute not in ("key", "id") or "source" not in obj:
        return None
    return values.evaluate(obj["source"])


def _archives_by_output(config: Dict[str, Any], values: Values) -> Dict[str, str]:
    """Normalised `output_path` -> the first archive_file writing it.  Evaluated once per
    configuration: once per function, 2,000 functions cost 4 million evaluations, and their
    expansions used up the billion-laughs budget (a false LL002) — issue 12."""
    found: Dict[str, str] = {}
    archives = config.get("data", {}).get("archive_file", {})
    for name, archive in archives.items() if isinstance(archives, dict) else ():
        output = values.evaluate(archive.get("output_path")) if isinstance(archive, dict) else None
        if isinstance(output, str):
            found.setdefault(os.path.normpath(output), name)
    return found


def _archive_written_as(filename: str, archives: Dict[str, str], folder: Path) -> Any:
    """The archive_file whose `output_path` is the same path as `filename` (a literal string, not
    a reference), when that file is not there: the function's code is the archive's sources."""
    if path_kind(folder / filename) == FILE:
        return None
    return archives.get(os.path.normpath(filename))


def _is_override(path: Path) -> bool:
    return path.name == "override.tf" or path.name.endswith("_override.tf")


def _parse(text: str, display: str):
    try:
        return hcl.parse(text, display)
    except DocumentError as exc:
        raise TerraformFileError(display, exc) from None


class TerraformFileError(DocumentError):
    """A .tf file of a folder that cannot be read: reported on that file."""

    def __init__(self, display: str, cause: DocumentError):
        super().__init__(str(cause), cause.line, cause.column)
        self.display = display


def _merge(config: Dict[str, Any], marks: Dict[tuple, Any], body: Dict[str, Any], file_marks,
           problems: List[Tuple[Any, str]], override: bool = False) -> None:
    """Fold one file's top-level blocks into the folder's configuration (Terraform reads them as
    one).  A block whose address is already taken is left out and noted in `problems`, except in
    override files (`override.tf`, `*_override.tf`), whose arguments replace the original's."""
    for kind, blocks in body.items():
        if kind == "locals" and isinstance(blocks, list):
            for index, block in enumerate(blocks):
                for name, value in block.items():
                    config.setdefault("locals", {})[name] = value
                    _move_marks(marks, file_marks, ("locals", index, name), ("locals", name))
        elif kind in ("resource", "data") and isinstance(blocks, dict):
            for block_type, instances in blocks.items():
                if isinstance(instances, dict):
                    for name, value in instances.items():
                        _add_block(config, marks, file_marks, (kind, block_type, name), value, problems, override)
        elif kind in ("module", "variable", "output") and isinstance(blocks, dict):
            for name, value in blocks.items():
                _add_block(config, marks, file_marks, (kind, name), value, problems, override)
        # provider (aliases repeat it), terraform, moved, import, check...: not needed here


def _add_block(config, marks, file_marks, address: tuple, value: Any, problems, override: bool) -> None:
    node = config
    for key in address[:-1]:
        node = node.setdefault(key, {})
    mark = file_marks.get(address)
    if override and isinstance(node.get(address[-1]), dict) and isinstance(value, dict):
        for argument, replacement in value.items():
            node[address[-1]][argument] = replacement
            for path in [p for p in marks if p[:len(address) + 1] == address + (argument,)]:
                del marks[path]
            for path, argument_mark in file_marks.under(address):
                if path[len(address):len(address) + 1] == (argument,):
                    marks[path] = argument_mark
        return
    if address[-1] in node:
        first = marks.get(address)
        where = f" (first at {first.display}:{first.line})" if first is not None else ""
        problems.append((mark, f"duplicate {' '.join(address[:-1])} \"{address[-1]}\"{where}: "
                               "Terraform refuses a configuration that declares an address twice; "
                               "only the first is checked"))
        return
    node[address[-1]] = value
    _move_marks(marks, file_marks, address, address)


def _move_marks(marks, file_marks: "_MarksByBlock", old: tuple, new: tuple) -> None:
    for path, mark in file_marks.under(old):
        marks[new + path[len(old):]] = mark


class _MarksByBlock:
    """A file's marks grouped by the top-level block they belong to (addresses are 2 or 3 long),
    so that moving one block's marks does not scan the whole file."""

    def __init__(self, marks: Dict[tuple, Any]):
        self._marks = marks
        self._groups: Dict[tuple, List[Tuple[tuple, Any]]] = {}
        for path, mark in marks.items():
            for length in (2, 3):
                if len(path) >= length:
                    self._groups.setdefault(path[:length], []).append((path, mark))

    def get(self, path: tuple) -> Any:
        return self._marks.get(path)

    def under(self, prefix: tuple) -> List[Tuple[tuple, Any]]:
        return self._groups.get(prefix, [])


def _tfvars(folder: Path) -> Dict[str, Any]:
    """Variable values from terraform.tfvars and *.auto.tfvars (later files win, as in Terraform)."""
    values: Dict[str, Any] = {}
    for path in [folder / "terraform.tfvars", *sorted(folder.glob("*.auto.tfvars"))]:
        if path.is_file():
            try:
                body, _ = hcl.parse(read_text(path, "Terraform file"))
            except (DocumentError, OSError):
                continue  # a broken tfvars file leaves variables at their defaults
            values.update({k: v for k, v in body.items() if not isinstance(v, list)})
    return values


def attach_triggers(template: Template, functions: List[Function]) -> None:
    """Give each function the events of the trigger resources that name it (or its alias)."""
    kinds = event_sources()["terraform_triggers"]
    by_id = {fn.config.logical_id: fn for fn in functions if fn.config is not None}
    owner = {}  # alias or version address -> the function's
    for kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        for target, items in template.resources_by_target(kind).items():
            owner.update({alias_id: target for alias_id, _ in items})
    for address, resource in template.resources.items():
        trigger = kinds.get(str(resource.get("Type", "")).replace("Terraform::", "", 1))
        if trigger is None:
            continue
        event_type, invocation = trigger
        reached = set()
        for target in (resource.get("Properties") or {}).get("Targets") or []:
            function_id = referenced_id(target)
            function_id = owner.get(function_id, function_id)
            fn = by_id.get(function_id)
            if fn is not None and function_id not in reached:
                reached.add(function_id)
                # the resource itself is the event's place (LL602 reads its TimeoutInMillis)
                fn.config.events.append(Event(address, event_type, invocation, ("Resources", address),
                                              keeps_failures=trigger_keeps_failures(resource)))
