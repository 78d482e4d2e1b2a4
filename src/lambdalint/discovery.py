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
from lambdalint.findings import FileAt, Report
from lambdalint.loaders.cloudformation import (BundleCache, functions_from_template, load_template,
                                               looks_like_template)
from lambdalint.loaders.marked_yaml import DocumentError
from lambdalint.loaders.serverless import is_serverless_file, load_serverless
from lambdalint.loaders.terraform import (TerraformFileError, attach_triggers, is_terraform_file,
                                          load_terraform, local_module_folders)
from lambdalint.model.bundle import SKIPPED_DIRS, Bundle, BundleError, FolderBundle
from lambdalint.model.project import Function, Project
from lambdalint.model.template import Template

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SNIFF_BYTES = 64 * 1024


class Discovery:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.bundles = BundleCache()
        self.project = Project()
        self._broken: set = set()
        self._called_modules: set = set()  # Terraform folders some configuration calls as a module

    def run(self, paths: Sequence[str]) -> Project:
        for raw in paths:
            self._add_path(raw)
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
        if path.is_file():
            zips, templates, python_files = self._classify([(path, raw)], explicit=True)
            self._add_found(zips, templates)
            if python_files:
                self._add_loose_python(path, raw)
            return
        zips, templates, has_python = self._walk(path, raw)
        defined = self._add_found(zips, templates)
        if not defined and has_python:
            self._add_bundle_function(self.bundles.get(path, raw, excluded=self._excluded))

    def _walk(self, root: Path, display: str) -> Tuple[list, list, bool]:
        candidates = []
        for folder, dirs, files in os.walk(root):
            rel_folder = os.path.relpath(folder, root)
            dirs[:] = sorted(d for d in dirs if self._keep_dir(folder, d, rel_folder))
            for name in sorted(files):
                rel = name if rel_folder == "." else os.path.join(rel_folder, name)
                if not self._excluded(rel):
                    candidates.append((Path(folder) / name, display_join(display, rel)))
        zips, templates, python_files = self._classify(candidates, root=root)
        return zips, templates, bool(python_files)

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
        zips, templates, python_files = [], [], []
        for path, display in candidates:
            name = path.name
            if not name.endswith((".zip", ".py", ".tf") + TEMPLATE_SUFFIXES) or not path.is_file():
                continue  # also skips FIFOs, sockets and devices, which would block a read
            if name.endswith(".zip"):
                zips.append((path, display))
            elif name.endswith(".py"):
                python_files.append((path, display))
            elif is_serverless_file(path) or is_terraform_file(path):
                templates.append((path, display))
            elif name.endswith(TEMPLATE_SUFFIXES) and self._sniff_template(path):
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
            return load_terraform(_terraform_files(path, display),
                                  called_as_module=path.parent.resolve() in self._called_modules)
        return load_template(path, display)

    @staticmethod
    def _sniff_template(path: Path) -> bool:
        try:
            with open(path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except OSError:
            return False
        return looks_like_template(head.decode("utf-8", "replace"))

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
            for mark, message in template.problems:
                if mark is None:
                    self._unreadable(template.display, message)
                else:
                    self._unreadable(mark.display or template.display, message, mark.line, mark.column)
            self.project.templates.append(template)
            functions = functions_from_template(
                template, self.settings.runtime, self.settings.architecture, self.bundles)
            if template.dialect.name == "terraform":
                attach_triggers(template, functions)
            for fn in functions:
                for bundle in [fn.code] + [layer.bundle for layer in fn.layers]:
                    if bundle is not None:
                        self._readable(bundle)
            self.project.functions.extend(functions)
            defined = defined or bool(functions)
        return defined

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
        if id(bundle) in self._broken:
            return False
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
        return True

    def _unreadable(self, display: str, message: str, row: int = 1, column: int = 1) -> None:
        self.project.input_errors.append(Report(message, FileAt(display, row, column, key=message)))


def _terraform_folders_once(templates):
    """Templates to load, with only the first .tf file of each folder (it stands for the folder)."""
    seen = set()
    for path, display in templates:
        if is_terraform_file(path):
            if path.parent in seen:
                continue
            seen.add(path.parent)
        yield path, display


def _terraform_files(path: Path, display: str):
    """All .tf files of the folder of `path`: Terraform reads a folder as one configuration."""
    parent = str(Path(display).parent)
    return [(sibling, display_join("" if parent == "." else parent, sibling.name))
            for sibling in sorted(path.parent.glob("*.tf")) if sibling.is_file()]


def discover(paths: Sequence[str], settings: Settings) -> Project:
    return Discovery(settings).run(paths)
