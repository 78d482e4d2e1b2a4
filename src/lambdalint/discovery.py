"""From command-line paths to the project model: templates, artifacts and functions.

A path that holds templates defining functions is checked through them (each function linked to its
code and layers).  Otherwise a folder with Python files is one function bundle, and every zip is an
artifact of its own: a layer when its content sits under `python/`, else a function bundle whose
handlers are found by signature.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Optional, Sequence, Tuple

from lambdalint.config import Settings
from lambdalint.display import display_join, normalise
from lambdalint.files import DIRECTORY, FILE, UnreadableFile, kind, read_head, real_path
from lambdalint.findings import FileAt, Report
from lambdalint.loaders.cloudformation import (BundleCache, functions_from_template, load_template,
                                               looks_like_template)
from lambdalint.loaders.marked_yaml import OTHER_BYTE_ORDER_MARKS, DocumentError, utf8_problem
from lambdalint.loaders.serverless import is_serverless_file, load_serverless
from lambdalint.loaders.terraform import (TerraformFileError, attach_triggers, is_terraform_file,
                                          load_terraform, local_module_folders)
from lambdalint.model.bundle import SKIPPED_DIRS, Bundle, BundleError, FolderBundle, unusable_reason
from lambdalint.model.project import (CODE_MISSING, CODE_NOT_BUILT, CODE_UNREADABLE, CodeLocation, Function,
                                      Project)
from lambdalint.model.template import Template
from lambdalint.sources import may_define_handler

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
INPUT_SUFFIXES = (".zip", ".py", ".tf") + TEMPLATE_SUFFIXES
_SNIFF_BYTES = 64 * 1024


class Discovery:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.bundles = BundleCache()
        self.project = Project()
        self._broken: set = set()
        self._listed: set = set()  # bundles listed, their unusable entries reported
        self._reported: set = set()  # (file, line, column, message) of the LL002s already reported
        self._unusable_found: list = []  # (path, display, message): FIFOs, devices met in folders
        self._called_modules: set = set()  # Terraform folders some configuration calls as a module

    def run(self, paths: Sequence[str]) -> Project:
        for raw in paths:
            self._add_path(raw)
        for bundle in self.bundles.all():
            self._readable(bundle)
        for path, display, message in self._unusable_found:
            if os.path.abspath(path) not in self.bundles.refused:  # else reported where configured
                self._unreadable(display, message)
        self.project.bundles = sorted(
            (b for b in self.bundles.all() if id(b) not in self._broken),
            key=lambda b: b.display)
        # An unreadable artifact is reported once (LL002) and then treated as absent: a function
        # from a template keeps its configuration checks; a bundle checked alone is dropped.
        functions = []
        for fn in self.project.functions:
            if fn.code is not None and id(fn.code) in self._broken:
                if fn.config is None:
                    continue
                fn.code = None
                fn.code_location = CodeLocation(CODE_UNREADABLE, path=fn.code_location.path
                                                if fn.code_location is not None else ())
            for layer in fn.layers:
                if layer.bundle is not None and id(layer.bundle) in self._broken:
                    layer.bundle = None
            functions.append(fn)
        self.project.functions = functions
        return self.project

    # -- walking ---------------------------------------------------------------------------------
    def _add_path(self, raw: str) -> None:
        path = Path(raw)
        raw = normalise(raw)
        found = kind(path)
        if found == FILE:
            zips, templates, python_files = self._classify([(str(path), raw, "")], explicit=True)
            self._add_found(zips, templates)
            if python_files:
                self._add_loose_python(path, raw)
        elif found == DIRECTORY:
            zips, templates, python_files = self._walk(path, raw)
            defined = self._add_found(zips, templates)
            if not defined and python_files:
                self._add_bundle_function(self.bundles.get(path, raw, excluded=self._excluded))
            elif python_files:
                self._add_unlinked_code(path, raw, templates, python_files)
        else:  # named by the user, so never passed over in silence: /dev/zero, a FIFO
            self._unreadable(raw, unusable_reason(path) or "cannot read: no such file or folder")

    def _walk(self, root: Path, display: str) -> Tuple[list, list, list]:
        candidates = []

        def unlisted(error: OSError) -> None:
            rel = os.path.relpath(error.filename, root) if error.filename else "."
            self._unreadable(display if rel == "." else display_join(display, rel),
                             f"cannot read: {error.strerror or error}")

        for folder, dirs, files in os.walk(root, onerror=unlisted):
            rel_folder = os.path.relpath(folder, root)
            dirs[:] = sorted(d for d in dirs if self._keep_dir(folder, d, rel_folder))
            for name in sorted(files):
                if not name.endswith(INPUT_SUFFIXES):
                    continue
                rel = name if rel_folder == "." else os.path.join(rel_folder, name)
                if not self._excluded(rel):
                    candidates.append((os.path.join(folder, name), display, rel))
        zips, templates, python_files = self._classify(candidates, root=root)
        return zips, templates, python_files

    def _keep_dir(self, folder: str, name: str, rel_folder: str) -> bool:
        if name in SKIPPED_DIRS or os.path.exists(os.path.join(folder, name, "pyvenv.cfg")):
            return False
        rel = name if rel_folder == "." else os.path.join(rel_folder, name)
        return not self._excluded(rel)

    def _excluded(self, rel: str) -> bool:
        rel = rel.replace(os.sep, "/")
        for pattern in self.settings.exclude:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*") \
                    or rel.startswith(pattern + "/"):
                return True
        return False

    def _classify(self, candidates, explicit: bool = False, root: Optional[Path] = None):
        """`candidates`: (path, display of the folder walked or of the file, path relative to that
        folder or ""); returns zips and templates as (Path, display), Python files as paths.  A
        display is worked out only for what is kept or reported: a tree of 10,000 modules needs
        to know that they are regular files, nothing more."""
        zips, templates, python_files = [], [], []
        for text_path, base, rel in candidates:
            name = os.path.basename(text_path)
            if not name.endswith(INPUT_SUFFIXES):
                continue
            if kind(text_path) != FILE:  # a FIFO, socket or device would block or never end a read
                unusable = unusable_reason(text_path)
                if unusable is not None:
                    self._unusable_found.append((Path(text_path), _shown(base, rel), unusable))
                continue
            if name.endswith(".py"):
                python_files.append(text_path)
                continue
            path, display = Path(text_path), _shown(base, rel)
            if name.endswith(".zip"):
                zips.append((path, display))
            elif is_serverless_file(path) or is_terraform_file(path):
                templates.append((path, display))
            elif name.endswith(TEMPLATE_SUFFIXES) and self._sniff_template(path, display, explicit):
                # `sam build` copies the template into .aws-sam/build and `serverless package`
                # compiles one into .serverless; the source configuration already links each
                # function to what was built, so these copies are read only when named.
                below_root = path.relative_to(root).parts[:-1] if root is not None else ()
                if explicit or not {".aws-sam", ".serverless"} & set(below_root):
                    templates.append((path, display))
        return zips, templates, python_files

    def _load(self, path: Path, display: str) -> Optional[Template]:
        if is_serverless_file(path):
            return load_serverless(path, display)
        if is_terraform_file(path):
            tf_files = self._terraform_files(path, display)
            if not tf_files:
                return None
            return load_terraform(tf_files, called_as_module=real_path(path.parent) in self._called_modules)
        return load_template(path, display)

    def _sniff_template(self, path: Path, display: str, explicit: bool) -> bool:
        """Is this YAML/JSON file a template?  Judged from its first 64 KiB.  A file that cannot be
        read is reported; so is one named on the command line that is not UTF-8 text (a readable
        file that simply is not a template stays silent: pre-commit passes every YAML file)."""
        try:
            head = read_head(path, _SNIFF_BYTES)
        except UnreadableFile as exc:
            self._unreadable(display, str(exc))
            return False
        if looks_like_template(_sniff_text(head)):
            return True  # loading it reports what is wrong with it (an encoding, its syntax)
        problem = utf8_problem(head, complete=len(head) < _SNIFF_BYTES)
        if explicit and problem is not None:
            self._unreadable(display, *problem)
        return False

    def _terraform_files(self, path: Path, display: str):
        """All .tf files of the folder of `path`: Terraform reads a folder as one configuration."""
        parent = str(Path(display).parent)
        found = []
        for sibling in sorted(path.parent.glob("*.tf")):
            sibling_display = display_join("" if parent == "." else parent, sibling.name)
            if kind(sibling) == FILE:
                found.append((sibling, sibling_display))
            else:
                unusable = unusable_reason(sibling)
                if unusable is not None:
                    self._unreadable(sibling_display, unusable)
        return found

    # -- building the project --------------------------------------------------------------------
    def _add_found(self, zips, templates) -> bool:
        """Load templates and zips; True when the templates defined at least one function."""
        defined = self._functions_from(templates)
        attached = self.project.attached_bundles()
        for path, display in zips:
            bundle = self.bundles.get(path, display)
            if bundle is None or id(bundle) in attached or not self._readable(bundle):
                continue
            if not bundle.is_layer:
                self._add_bundle_function(bundle)
        return defined

    def _functions_from(self, templates) -> bool:
        defined = False
        self._called_modules |= local_module_folders([p for p, _ in templates if is_terraform_file(p)])
        for path, display in _terraform_folders_once(templates):
            if any(t.path == path or is_terraform_file(path) and t.dialect.name == "terraform"
                   and t.folder == path.parent for t in self.project.templates):
                defined = True
                continue
            try:
                template = self._load(path, display)
            except TerraformFileError as exc:
                self._unreadable(exc.display, str(exc), exc.line, exc.column)
                continue
            except DocumentError as exc:
                self._unreadable(display, str(exc), exc.line, exc.column)
                continue
            except OSError as exc:
                self._unreadable(display, f"cannot read: {exc.strerror or exc}")
                continue
            if template is None:
                continue
            self.project.templates.append(template)
            functions = functions_from_template(
                template, self.settings.runtime, self.settings.architecture, self.bundles)
            for mark, message in template.problems:  # reading it, and linking its code paths
                if mark is None:
                    self._unreadable(template.display, message)
                else:
                    self._unreadable(mark.display or template.display, message, mark.line, mark.column)
            if template.dialect.name == "terraform":
                attach_triggers(template, functions)
            for fn in functions:
                for bundle in [fn.code] + [layer.bundle for layer in fn.layers]:
                    if bundle is not None:
                        self._readable(bundle)
            self.project.functions.extend(functions)
            defined = defined or bool(functions)
        return defined

    def _add_unlinked_code(self, root: Path, display: str, templates, python_files) -> None:
        """Folders of handler code that no configuration links to, found next to templates
        (`functions/a/` in template.yaml, `functions/b/` in none): each is checked as a bundle,
        as it would be if it were named alone.  Never a folder holding a template or linked code,
        nor a build output."""
        taken = self._configured_folders(templates)
        linked = self._linked_python_files()
        chosen = {}
        for path in python_files:
            absolute = os.path.abspath(path)
            if absolute in linked:
                continue
            folder = _unlinked_folder(Path(os.path.relpath(absolute, os.path.abspath(root))), taken,
                                      os.path.abspath(root))
            if folder is not None and folder not in chosen and _may_define_handler(path):
                chosen[folder] = path
        for folder in sorted(chosen):
            rel = os.path.relpath(folder, os.path.abspath(root)).replace(os.sep, "/")
            bundle = self.bundles.get(Path(folder), display_join(display, rel),
                                      excluded=lambda inner, prefix=rel: self._excluded(f"{prefix}/{inner}"))
            if bundle is not None and self._readable(bundle) and not bundle.is_layer \
                    and id(bundle) not in self.project.attached_bundles():
                self._add_bundle_function(bundle)

    def _configured_folders(self, templates) -> set:
        """Absolute folders that hold a template or are linked code (folder bundles of functions
        and layers): a folder above one of them is not a code-only folder."""
        folders = {os.path.abspath(path.parent) for path, _ in templates}
        for fn in self.project.functions:
            where = fn.code_location
            if where is not None and where.written and where.status in (CODE_MISSING, CODE_NOT_BUILT):
                # the folder the configuration meant (LL004 says it is missing)
                folders.add(os.path.abspath(fn.config.template.folder / where.written))
            for bundle in [fn.code] + [layer.bundle for layer in fn.layers]:
                if bundle is not None and not bundle.is_zip:
                    folders.add(os.path.abspath(bundle.path))
        return folders

    def _linked_python_files(self) -> set:
        """Absolute paths of the Python files that some function's or layer's folder holds."""
        linked, listed = set(), set()
        for fn in self.project.functions:
            for bundle in [fn.code] + [layer.bundle for layer in fn.layers]:
                if bundle is None or bundle.is_zip or id(bundle) in listed:
                    continue  # a folder shared by 2,000 functions is listed once
                listed.add(id(bundle))
                base = os.path.abspath(bundle.path)
                linked.update(os.path.join(base, entry.path) for entry in bundle.files()
                              if entry.path.endswith(".py"))
        return linked

    def _add_bundle_function(self, bundle: Bundle) -> None:
        self.project.functions.append(Function(
            name=bundle.display, runtime=self.settings.runtime,
            architecture=self.settings.architecture, code=bundle))

    def _add_loose_python(self, path: Path, display: str) -> None:
        """A `.py` file named on the command line (e.g. by pre-commit): a bundle of that file."""
        parent_display = str(Path(display).parent)
        bundle = FolderBundle(path.parent, "" if parent_display == "." else parent_display,
                              only=[path.name])
        self._add_bundle_function(self.bundles.add(bundle))

    def _readable(self, bundle: Bundle) -> bool:
        """List the bundle once; False (and LL002) when it cannot be read at all, LL002 for each
        of its entries that cannot be (a FIFO, a folder that cannot be listed)."""
        if id(bundle) in self._broken:
            return False
        if id(bundle) in self._listed:
            return True
        try:
            bundle.entries  # noqa: B018 - reads the central directory or walks the folder
        except BundleError as exc:
            self._broken.add(id(bundle))
            self._unreadable(bundle.display, str(exc))
            return False
        except OSError as exc:
            self._broken.add(id(bundle))
            self._unreadable(bundle.display, f"cannot read: {exc.strerror or exc}")
            return False
        self._listed.add(id(bundle))
        for rel, message in bundle.problems:
            if bundle.is_zip:
                self._unreadable(bundle.display, f"{rel}: {message}")
            else:
                self._unreadable(display_join(bundle.display, rel), message)
        return True

    def _unreadable(self, display: str, message: str, row: int = 1, column: int = 1) -> None:
        """An LL002 finding, once however many paths lead to the same file (a walked folder and
        the bundle a template links to)."""
        if (display, row, column, message) in self._reported:
            return
        self._reported.add((display, row, column, message))
        self.project.input_errors.append(Report(message, FileAt(display, row, column, key=message)))


def _unlinked_folder(rel: Path, taken: set, root: str) -> Optional[str]:
    """The highest folder above the file `rel` (relative to `root`) that holds no template and no
    linked code, and is no build output; None when there is none."""
    parts = rel.parts[:-1]
    for depth in range(1, len(parts) + 1):
        if parts[depth - 1] in Bundle.BUILD_FOLDERS:
            return None
        folder = os.path.join(root, *parts[:depth])
        if not any(_is_under(configured, folder) for configured in taken):
            return folder
    return None


def _is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _shown(base: str, rel: str) -> str:
    return display_join(base, rel) if rel else base


def _may_define_handler(path: str) -> bool:
    try:
        head = read_head(path, _SNIFF_BYTES)
    except (UnreadableFile, OSError):
        return True  # checking it reports why it cannot be read
    return may_define_handler(head.decode("utf-8", "replace"))


def _terraform_folders_once(templates):
    """Templates to load, with only the first .tf file of each folder (it stands for the folder)."""
    seen = set()
    for path, display in templates:
        if is_terraform_file(path):
            if path.parent in seen:
                continue
            seen.add(path.parent)
        yield path, display


def _sniff_text(head: bytes) -> str:
    """The start of a file as text for recognising a template, in the encoding its byte order
    mark announces (a UTF-16 template is recognised, then reported as not UTF-8)."""
    for bom, codec, _ in OTHER_BYTE_ORDER_MARKS:
        if head.startswith(bom):
            return head[len(bom):].decode(codec, "replace")
    return head.decode("utf-8", "replace")


def discover(paths: Sequence[str], settings: Settings) -> Project:
    return Discovery(settings).run(paths)
