"""lint(project, rules, settings) -> sorted findings.  Pure: no printing, no exiting."""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint import code_process
from lambdalint.analysis.handlers import find_module_file, search_prefixes, split_handler
from lambdalint.config import Settings
from lambdalint.file_facts import FactStore, default_cache_folder, prefetch
from lambdalint.files import AccessLog
from lambdalint.findings import Finding, Report
from lambdalint.locations import resolve, template_resource
from lambdalint.model.bundle import Bundle
from lambdalint.model.project import CodeCounts, Function, Project
from lambdalint.registry import Registry
from lambdalint.rules.base import BUNDLE, CONFIG, SOURCE, Rule
from lambdalint.sources import SourceCache, SourceModule
from lambdalint.suppress import Suppressions, excluded, per_file_ignored

UNUSED_SUPPRESSION = "LL003"


@dataclass(frozen=True)
class HandlerTarget:
    module_name: str
    function: str
    source: Optional[SourceModule]  # None when missing, or compiled (.pyc, extension module)
    path: Optional[str]  # the module's file inside its bundle; None when not found


class Context:
    """What rules may ask of the project beyond their target: shared, cached, read-only views."""

    def __init__(self, project: Project, settings: Settings, store: Optional[FactStore] = None):
        self.project = project
        self.settings = settings
        self.store = store or FactStore()
        self.sources = SourceCache(self.store)
        self._attached = project.attached_bundles()
        self._modules: Dict[tuple, List[SourceModule]] = {}
        self._handler_imports: Dict[tuple, list] = {}
        self._cold_start = None
        self._memo: Dict[object, object] = {}
        self._code_keys: Dict[int, tuple] = {}

    def is_attached(self, bundle: Bundle) -> bool:
        return id(bundle) in self._attached

    def own_modules(self, fn: Function) -> List[SourceModule]:
        """The Python modules of the function's own code (not layers, not installed distributions).

        In a built artifact (a zip, a build folder) only the modules the handlers import are
        read: a bundle can hold thousands of vendored files that no rule needs to open."""
        if fn.code is None or not fn.is_python:
            return []
        key = self.code_key(fn)
        if key not in self._modules:
            paths = fn.code.own_python_files()
            if fn.code.is_built:
                reachable = self._reachable_paths(fn)
                if fn.handler is None:  # the candidates were read to find the handlers anyway
                    reachable.update(module.relpath for module in self._handler_candidates(fn))
                paths = [path for path in paths if path in reachable]
            self._modules[key] = [self.sources.get(fn.code, rel, fn.python_version) for rel in paths]
        return self._modules[key]

    def _handler_candidates(self, fn: Function) -> List[SourceModule]:
        """Modules that may hold `(event, context)` handlers: all own modules of a source folder;
        in a built artifact only shallow ones (a handler sits at the root or one folder down)."""
        paths = fn.code.own_python_files()
        if fn.code.is_built:
            paths = [path for path in paths if path.count("/") <= 1]
        return [self.sources.get(fn.code, rel, fn.python_version) for rel in paths]

    def _reachable_paths(self, fn: Function) -> set:
        reachable = set()
        for module, imports in self.handler_imports(fn):
            reachable.add(module.relpath)
            reachable.update(m.path for m in imports.init_modules if m.bundle is fn.code and m.path)
        return reachable

    def resolve_handler(self, fn: Function) -> Optional[HandlerTarget]:
        """Where the configured handler's module is (None for a malformed handler string)."""
        return self.memo(("resolved-handler", self.code_key(fn)), lambda: self._resolve_handler(fn))

    def _resolve_handler(self, fn: Function) -> Optional[HandlerTarget]:
        parts = split_handler(fn.handler.value) if fn.handler is not None else None
        if parts is None:
            return None
        module_name, function = parts
        roots = [(fn.code, False)] + [(layer.bundle, True) for layer in fn.layers]
        for bundle, is_layer in roots:
            if bundle is None:
                continue
            for prefix in search_prefixes(is_layer, fn.python_version):
                found = find_module_file(bundle, module_name, prefix)
                if found is not None:
                    source = self.sources.get(bundle, found.path, fn.python_version) if found.has_source else None
                    return HandlerTarget(module_name, function, source, found.path)
        return HandlerTarget(module_name, function, None, None)

    def handlers(self, fn: Function) -> List[Tuple[SourceModule, str]]:
        """(module, function name) of each handler: the configured one, or those found by signature."""
        if fn.handler is not None:
            target = self.resolve_handler(fn)
            return [(target.source, target.function)] if target and target.source else []
        if fn.code is None or not fn.is_python:
            return []
        return self.memo(("handlers", self.code_key(fn)), lambda: [
            (module, name) for module in self._handler_candidates(fn) for name in module.lambda_handlers()])


    def code_key(self, fn: Function) -> tuple:
        """What the analysis of a function's code depends on.  Functions that share their code,
        layers, runtime and handler (2,000 functions of one template on one folder) share one
        handler path and every walk of it: per-function memos are keyed by this, not by `fn`."""
        known = self._code_keys.get(id(fn))
        if known is None:  # asked by many rules for each function: worked out once
            handler = fn.handler.value if fn.handler is not None else None
            # the handler's type too: no handler must not share a key with `Handler: "None"`
            key = (id(fn.code), tuple(id(layer.bundle) for layer in fn.layers), fn.python_version,
                   type(handler).__name__, handler if isinstance(handler, str) else repr(handler))
            known = self._code_keys[id(fn)] = (fn, key)  # holding fn keeps its id unique
        return known[1]

    def memo(self, key, factory):
        """A value computed once per run (e.g. the scope analysis of a module for a handler)."""
        if key not in self._memo:
            self._memo[key] = factory()
        return self._memo[key]

    def handler_names(self, source: SourceModule) -> List[str]:
        """Every handler function in this module, across all functions of the project."""
        def collect():
            names: Dict[int, set] = {}
            for fn in self.project.functions:
                for module, name in self.handlers(fn):
                    names.setdefault(id(module), set()).add(name)
            return {key: sorted(found) for key, found in names.items()}

        return self.memo("handler-names", collect).get(id(source), [])

    def cold_start(self):
        """The shared import-graph and cost-model analysis (created on first use)."""
        if self._cold_start is None:
            from lambdalint.analysis.coldstart import ColdStartAnalysis

            self._cold_start = ColdStartAnalysis(store=self.store)
        return self._cold_start

    def handler_imports(self, fn: Function) -> list:
        """Per handler of the function: its module's imports with estimated costs."""
        key = self.code_key(fn)
        if key not in self._handler_imports:
            self._handler_imports[key] = [
                (module, self.cold_start().handler_imports(fn, _import_path(module, fn), name))
                for module, name in self.handlers(fn)
            ]
        return self._handler_imports[key]


def _import_path(module: SourceModule, fn: Function) -> str:
    """The module's path relative to its `sys.path` entry (a layer's python/ folder, or /var/task)."""
    relpath = module.relpath
    if module.bundle is not fn.code:
        for prefix in (f"python/lib/python{fn.python_version}/site-packages/", "python/"):
            if relpath.startswith(prefix):
                return relpath[len(prefix):]
    return relpath


@dataclass
class LintResult:
    findings: List[Finding]
    checked_files: int
    internal_errors: List[str]
    code_counts: Optional[CodeCounts] = None  # functions checked with code, config only, without


def needs_met(rule: Rule, fn: Function, ctx: Optional["Context"] = None) -> bool:
    if CONFIG in rule.needs and fn.config is None:
        return False
    if BUNDLE in rule.needs and fn.code is None:
        return False
    if SOURCE in rule.needs and (fn.code is None or not fn.is_python or fn.package_type != "Zip"):
        return False
    # without a Python module of its own there is nothing to parse (and libcst stays unimported)
    return not (SOURCE in rule.needs and ctx is not None and not ctx.own_modules(fn))


class _Runner:
    """Calls each rule on each target; a rule that crashes on one target is recorded as an
    internal error and every other target and rule still runs."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.reports: List[Tuple[Rule, Report]] = []
        self.errors_by_rule: List[Tuple[str, str]] = []  # (rule code, message)

    def call(self, rule: Rule, method: str, target, label: str) -> None:
        try:
            self.reports.extend((rule, report) for report in getattr(rule, method)(target, self.ctx))
        except Exception as exc:  # noqa: BLE001 - a bug in one rule must not hide the others
            if os.environ.get("LAMBDALINT_DEBUG"):
                raise
            message = f"{rule.code} crashed on {label}: {type(exc).__name__}: {exc}"
            self.errors_by_rule.append((rule.code, message))


def run_rules(rules: Sequence[Rule], project: Project, ctx: Context,
              progress: Optional[Callable[[str], None]] = None) -> _Runner:
    runner = _Runner(ctx)
    for rule in rules:
        if progress is not None:
            progress(rule.code)
        scopes = rule.scopes()
        if "function" in scopes:
            checked_code = set()  # code_only rules: the same code gives the same reports, at the same places
            for fn in project.functions:
                key = ctx.code_key(fn) if rule.code_only else None
                if key in checked_code or not needs_met(rule, fn, ctx):
                    continue
                if key is not None:
                    checked_code.add(key)
                runner.call(rule, "check_function", fn, f"function {fn.name}")
        if "bundle" in scopes:
            for bundle in project.bundles:
                runner.call(rule, "check_bundle", bundle, bundle.display)
        if "module" in scopes:
            seen = set()
            for fn in project.functions:
                if not needs_met(rule, fn, ctx):
                    continue
                for module in ctx.own_modules(fn):
                    if id(module) not in seen:
                        seen.add(id(module))
                        runner.call(rule, "check_module", module, module.filename)
        if "project" in scopes:
            runner.call(rule, "check_project", project, "the project")
    return runner


def lint(project: Project, rules: Sequence[Rule], settings: Settings, registry: Registry,
         progress: Optional[Callable[[str], None]] = None) -> LintResult:
    """Run `rules` over `project`; `progress` is called with each rule's code as it starts."""
    store = FactStore(default_cache_folder() if settings.cache else None)
    ctx = Context(project, settings, store)
    # The project model (templates, listings) lives until the run ends.  Freezing it keeps the
    # garbage collections that analysis triggers (importing libcst alone allocates ~100k objects)
    # from walking it again and again; it is unfrozen when the run ends.  A caller that froze
    # objects itself (lambdalint used as a library) keeps its own freeze untouched.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        if any(SOURCE in rule.needs for rule in rules):
            prefetch(store, _source_tree_modules(ctx), settings.jobs or os.cpu_count() or 1)
        return _lint(ctx, rules, registry, progress)
    finally:
        if freeze:
            gc.unfreeze()
        store.close()


def _source_tree_modules(ctx: Context) -> List[SourceModule]:
    """The own modules of functions whose code is a source folder (all of them are checked):
    the parse work known before any rule runs, done in parallel when there is much of it."""
    modules: Dict[int, SourceModule] = {}  # functions sharing code share their modules
    for fn in ctx.project.functions:
        if fn.code is not None and fn.is_python and not fn.code.is_built:
            modules.update((id(module), module) for module in ctx.own_modules(fn))
    return list(modules.values())


def _lint(ctx: Context, rules: Sequence[Rule], registry: Registry,
          progress: Optional[Callable[[str], None]]) -> LintResult:
    project, settings = ctx.project, ctx.settings
    outcome = _run_rules_split(rules, ctx, progress)
    selected = {rule.code for rule in rules}
    suppressions = _collect_suppressions(project, ctx, registry, outcome.modules)
    findings = set()
    for finding, resources in outcome.resolved:
        if _filtered(finding, settings, registry):
            continue
        if suppressions.is_suppressed(finding, resources):
            continue
        findings.add(finding)
    if UNUSED_SUPPRESSION in selected:
        ll003 = registry.get(UNUSED_SUPPRESSION)
        severity = settings.severities.get(UNUSED_SUPPRESSION, ll003.severity)
        for report in suppressions.unused(lambda code: code in selected):
            finding = resolve(report, ll003.code, ll003.name, severity)
            if not _filtered(finding, settings, registry):
                findings.add(finding)
    read_modules = {key for key, _ in ctx.sources.items()} | {module[0] for module in outcome.modules}
    checked = len(project.templates) + len(read_modules) + sum(1 for b in project.bundles if b.is_zip)
    errors = [message for _, message in sorted(outcome.internal_errors, key=lambda error: error[0])]
    return LintResult(sorted(findings, key=Finding.sort_key), checked, errors, project.code_counts())


def _run_rules_split(rules: Sequence[Rule], ctx: Context,
                     progress: Optional[Callable[[str], None]]) -> code_process.RulesOutcome:
    """Every rule's reports, resolved; the code rules run in a child process when that is worth it
    (see code_process).  Internal errors carry their rule's position, to be listed in rule order."""
    positions = {rule.code: index for index, rule in enumerate(rules)}
    # LL003 needs every own module's comments: read (not parsed) where the code is read
    read_all_modules = any(rule.code == UNUSED_SUPPRESSION for rule in rules)
    child = _start_code_process(rules, positions, ctx, read_all_modules)
    if child is None:
        return _run_here(rules, positions, ctx, progress, read_all_modules)
    try:
        outcome = _run_here([rule for rule in rules if rule not in child.rules], positions, ctx, progress, False)
        for rule in child.rules:
            if progress is not None:
                progress(rule.code)
        from_child = child.outcome()
    except BaseException:
        child.abandon()
        raise
    if from_child is None:  # the child failed: its rules run here, nothing is lost
        from_child = _run_here(child.rules, positions, ctx, None, read_all_modules)
    else:
        _adopt(from_child, ctx)
    outcome.resolved.extend(from_child.resolved)
    outcome.internal_errors.extend(from_child.internal_errors)
    outcome.modules.extend(from_child.modules)
    return outcome


def _start_code_process(rules: Sequence[Rule], positions: Dict[str, int], ctx: Context,
                        read_all_modules: bool) -> Optional[code_process.CodeProcess]:
    if not code_process.worth_a_process(rules, ctx.settings, ctx.project):
        return None
    child_rules = code_process.code_rules(rules)
    try:
        return code_process.CodeProcess(
            child_rules, ctx, lambda: _run_here(child_rules, positions, ctx, None, read_all_modules))
    except OSError:  # no process to be had (limits, a sandbox): everything runs here
        return None


def _run_here(rules: Sequence[Rule], positions: Dict[str, int], ctx: Context,
              progress: Optional[Callable[[str], None]], read_all_modules: bool) -> code_process.RulesOutcome:
    runner = run_rules(rules, ctx.project, ctx, progress)
    if read_all_modules:
        for fn in ctx.project.functions:
            ctx.own_modules(fn)  # their comments are read later (_collect_suppressions)
    return code_process.RulesOutcome(
        resolved=_resolved(runner.reports, ctx.settings),
        internal_errors=[(positions[code], message) for code, message in runner.errors_by_rule])


def _adopt(outcome: code_process.RulesOutcome, ctx: Context) -> None:
    """What the child read and learnt becomes this run's: the run cache checks those files, the
    fact cache keeps those facts."""
    log = AccessLog.current
    if log is not None:
        for path, identity in outcome.accessed.items():
            log.note(path, identity)
    ctx.store.add_learnt(*outcome.learnt)


def _resolved(reports: Sequence[Tuple[Rule, Report]], settings: Settings) -> List[tuple]:
    """(finding, names of the template resources it concerns) of each report."""
    resolved = []
    for rule, report in reports:
        severity = settings.severities.get(rule.code, rule.severity)
        finding = resolve(report, rule.code, rule.name, severity)
        resources = [r for r in (template_resource(report.at), *report.resources) if r]
        resolved.append((finding, resources))
    return resolved


def _filtered(finding: Finding, settings: Settings, registry: Registry) -> bool:
    return (excluded(finding, settings.exclude)
            or per_file_ignored(finding, settings.per_file_ignores, registry.code_matches))


def _collect_suppressions(project: Project, ctx: Context, registry: Registry,
                          other_modules: Sequence[tuple]) -> Suppressions:
    """`other_modules`: (key, filename, member, directive lines) of modules the code process read."""
    suppressions = Suppressions(registry.canonical)
    for template in project.templates:
        for display, lines in template.source_files:
            suppressions.add_source(display, None, enumerate(lines, start=1), python=False)
        for logical_id, resource in template.resources.items():
            if isinstance(resource, dict):
                suppressions.add_resource_metadata(template, str(logical_id), resource)
    for _, filename, member, lines in other_modules:  # read by the code process: not read again
        suppressions.add_source(filename, member, lines, python=True)
    known = {module[0] for module in other_modules}
    for key, module in ctx.sources.items():
        if key not in known:
            suppressions.add_source(module.filename, module.member, module.directive_lines(), python=True)
    return suppressions


def make_rules(rule_classes: Iterable, settings: Settings) -> List[Rule]:
    return [cls(settings.rule_options.get(cls.code, {})) for cls in rule_classes]
