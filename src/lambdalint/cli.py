"""Command line: parse options, call the engine, render, exit.  Nothing else lives here."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Sequence

import click

from lambdalint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Sequence[str]) -> List[str]:
    """`--select LL2,LL5 --select LL601` -> ['LL2', 'LL5', 'LL601']."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_RECURSION = 60_000


def _with_deep_stack(function):
    """Run `function` in a thread with a large stack: parsers and visitors recurse once per
    nesting level, and real code (2,000 `+` terms in one expression) nests deeply."""
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    previous_stack, previous_limit = threading.stack_size(), sys.getrecursionlimit()
    threading.stack_size(DEEP_STACK_BYTES)
    sys.setrecursionlimit(DEEP_RECURSION)
    try:
        worker = threading.Thread(target=target, name="lambdalint")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous_stack)
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class _Group(click.Group):
    """Turns unexpected exceptions into a one-line message and exit code 2."""

    def invoke(self, ctx):
        try:
            return _with_deep_stack(lambda: super(_Group, self).invoke(ctx))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("LAMBDALINT_VERBOSE") or "--verbose" in sys.argv:
                raise
            click.echo(f"lambdalint: internal error: {type(exc).__name__}: {exc} "
                       "(run with --verbose for the traceback)", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="lambdalint")
def main() -> None:
    """lambdalint: lint AWS Lambda functions written in Python - handler code, built bundles and
    deployment templates together."""


def run() -> None:
    """The console entry point (`lambdalint`, `python -m lambdalint`): `main`, then the process
    ends without tearing the interpreter down.  Freeing a large run's objects one by one costs
    0.05-0.1 s that nothing needs (mypy exits the same way); every file was closed by then, and
    standard output and error are flushed here.  In-process callers (tests) use `main`."""
    try:
        main()
        code = EXIT_OK
    except SystemExit as exc:
        code = _exit_code(exc.code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`lambdalint check | head -1`): nothing more can be said
        pass
    os._exit(code)


def _exit_code(code) -> int:
    """What `sys.exit(code)` would make the process return."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (LL2) or names.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable: codes, prefixes or names.")
@click.option("--output-format", type=click.Choice(["text", "json", "sarif", "github"]),
              envvar="LAMBDALINT_OUTPUT_FORMAT", default="text", show_default=True)
@click.option("--output-file", type=click.Path(dir_okay=False),
              help="Write the report to this file, whole or not at all (-: standard output).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to source files (never inside archives).")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a diff instead of applying them.")
@click.option("--runtime", help="Runtime when configuration does not say (default python3.12).")
@click.option("--architecture", help="Architecture when configuration does not say (x86_64, arm64).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in this file and exit 0.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes for parsing many files and, in a template of 500 functions or "
                   "more, for checking their code beside the configuration (default 0: one per "
                   "core; 1: none).")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the parse cache (in the user cache directory, or "
                   "LAMBDALINT_CACHE_DIR).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="info", show_default=True,
              help="Exit 1 only when a finding of this severity or above remains.")
def check(paths, select, extend_select, ignore, output_format, output_file, config_path, isolated,
          exit_zero, statistics, fix, diff, runtime, architecture, baseline, write_baseline, quiet,
          no_progress, verbose, jobs, no_cache, fail_on) -> None:
    """Lint functions, bundles and templates under PATHS (default: the current folder)."""
    from lambdalint.config import ConfigError
    from lambdalint.discovery import discover
    from lambdalint.engine import lint, make_rules
    from lambdalint.output import OutputError, printable, render
    from lambdalint.output.text import render_statistics, summary

    paths = list(paths) or ["."]
    registry, settings = _settings(paths, config_path, isolated, runtime, architecture,
                                   _split(select), _split(extend_select), _split(ignore))
    settings.jobs, settings.cache = jobs, not no_cache
    settings.fork_code_rules = True  # this process's threads are known: see code_process
    _refuse_input_as_output([output_file, write_baseline], [*paths, settings.source, baseline])
    try:
        recorded = _read_baseline(baseline)  # before any work: a wrong file fails fast
        rules = make_rules(registry.select(settings.select, settings.extend_select, settings.ignore), settings)
        def run():
            project = discover(paths, settings)
            with _progress_bar(project, len(rules), output_format, quiet or no_progress) as progress:
                return lint(project, rules, settings, registry, progress)

        def run_or_replay():
            """An unchanged tree: the previous run's result (see run_cache), without the rules."""
            from lambdalint.files import AccessLog
            from lambdalint.run_cache import RunCache, run_key

            runs = RunCache()
            with AccessLog() as log:
                project = discover(paths, settings)
                key = run_key(project, settings, [rule.code for rule in rules], paths)
                replayed = runs.replay(key, log)
                if replayed is not None:
                    return replayed
                with _progress_bar(project, len(rules), output_format, quiet or no_progress) as progress:
                    result = lint(project, rules, settings, registry, progress)
            runs.record(key, result, log)
            return result

        if fix or diff:
            result = _fix(run, paths, diff, quiet)
        else:
            result = run_or_replay() if settings.cache else run()
        findings = result.findings
        if write_baseline:
            from lambdalint.baseline import write_baseline as write

            write(Path(write_baseline), findings)
            click.echo(f"Recorded {len(findings)} findings in {printable(write_baseline)}.", err=True)
            sys.exit(EXIT_OK)
        if baseline:
            from lambdalint.baseline import apply_baseline

            findings = apply_baseline(recorded, findings)
    except (ConfigError, OutputError) as exc:
        click.echo(f"lambdalint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)

    infos = _rule_infos(registry) if output_format == "sarif" else {}
    report = render(output_format, findings, infos, result.checked_files, result.code_counts)
    if output_format == "text" and quiet:
        report = "".join(line + "\n" for line in report.splitlines()[: len(findings)])
    if statistics:
        report = render_statistics(findings) + summary(findings, result.checked_files, result.code_counts) + "\n"
    _write_report(output_file, report)
    for error in result.internal_errors:
        click.echo(f"lambdalint: internal error: {error} (please report it)", err=True)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if _fails(findings, fail_on) and not exit_zero else EXIT_OK)


_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def _fails(findings, fail_on: str) -> bool:
    """`--fail-on`: a finding at or above that severity remains (the default, info: any finding)."""
    return any(_SEVERITY_RANK[finding.severity.value] >= _SEVERITY_RANK[fail_on] for finding in findings)


def _fix(run, paths, show_only: bool, quiet: bool):
    """`--diff` (print the plan and exit) or `--fix` (write it); the lint result after fixing."""
    from lambdalint.fixes import plan_fixes, unified_diff, write_fixes
    from lambdalint.output import printable

    plan = plan_fixes(run, paths)
    if show_only:
        click.echo(unified_diff(plan, printable), nl=False)
        _warn_refused(plan.refused)
        click.echo(f"Would fix {_plural(plan.fixed, 'finding')}.", err=True)
        sys.exit(EXIT_FINDINGS if plan.changed else EXIT_OK)
    planned_refusals = len(plan.refused)
    fixed = write_fixes(plan)
    _warn_refused(plan.refused)
    if fixed and not quiet:
        click.echo(f"Fixed {_plural(fixed, 'finding')}.", err=True)
    # a file left unwritten still holds what the last pass did not see: check it again
    return plan.result if len(plan.refused) == planned_refusals else run()


def _warn_input_errors(project) -> None:
    """Inputs that `size` and `coldstart` could not read: said, never skipped silently."""
    from lambdalint.output import printable

    for error in project.input_errors:
        click.echo(f"lambdalint: warning: {printable(error.at.filename)}: {printable(error.message)}", err=True)


def _warn_refused(refused) -> None:
    from lambdalint.output import printable

    for display, reason in sorted(refused.items()):
        click.echo(f"lambdalint: warning: not fixed: {printable(display)}: {reason}", err=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return False


def _progress_bar(project, steps: int, output_format: str, disabled: bool):
    """A bar on stderr, only on a terminal, only for long runs, never for machine formats."""
    from lambdalint.limits import LONG_RUN_BYTES, LONG_RUN_FILES

    if disabled or output_format in ("json", "sarif") or not sys.stderr.isatty():
        return _NoProgress()
    files = sum(len(bundle.entries) for bundle in project.bundles)
    archive_bytes = sum(bundle.file_size for bundle in project.bundles if bundle.is_zip)
    if files < LONG_RUN_FILES and archive_bytes < LONG_RUN_BYTES:
        return _NoProgress()
    return _ProgressBar(steps)


class _ProgressBar:
    def __init__(self, steps: int):
        self._bar = click.progressbar(length=steps, label="lambdalint", file=sys.stderr,
                                      item_show_func=lambda code: code)

    def __enter__(self):
        self._bar.__enter__()
        return lambda code: self._bar.update(1, code)

    def __exit__(self, *exc_info):
        return self._bar.__exit__(*exc_info)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--runtime", help="Runtime when configuration does not say (default python3.12).")
@click.option("--architecture", help="Architecture when configuration does not say.")
def coldstart(paths, output_format, config_path, isolated, runtime, architecture) -> None:
    """Estimated init cost of each handler's imports (reference machine, valid .pyc)."""
    from lambdalint import coldstart_report
    from lambdalint.discovery import discover

    paths = list(paths) or ["."]
    registry, settings = _settings(paths, config_path, isolated, runtime, architecture)
    project = discover(paths, settings)
    _warn_input_errors(project)
    functions = coldstart_report.collect(project, settings, registry)
    render = coldstart_report.render_json if output_format == "json" else coldstart_report.render_text
    click.echo(render(functions), nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--output-format", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--output-file", type=click.Path(dir_okay=False),
              help="Write the report to this file, whole or not at all (-: standard output).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--runtime", help="Runtime when configuration does not say (default python3.12).")
@click.option("--architecture", help="Architecture when configuration does not say.")
def size(paths, output_format, output_file, config_path, isolated, runtime, architecture) -> None:
    """Zipped and unzipped sizes against Lambda's limits, per layer and per package, with the
    removable content (html: a self-contained page with a treemap)."""
    from lambdalint import size_report
    from lambdalint.discovery import discover

    paths = list(paths) or ["."]
    registry, settings = _settings(paths, config_path, isolated, runtime, architecture)
    _refuse_input_as_output([output_file], [*paths, settings.source])
    project = discover(paths, settings)
    _warn_input_errors(project)
    functions = size_report.collect(project, settings)
    if output_format == "html":
        from lambdalint.output.size_html import render_html

        report = render_html(functions)
    else:
        report = (size_report.render_json if output_format == "json" else size_report.render_text)(functions)
    _write_report(output_file, report)


def _refuse_input_as_output(targets, inputs) -> None:
    """Exit 2 before any work when a report would replace one of the user's inputs."""
    from lambdalint.output import OutputError, refuse_input_as_output

    try:
        for target in targets:
            refuse_input_as_output(target, inputs)
    except OutputError as exc:
        click.echo(f"lambdalint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


def _write_report(output_file, report: str) -> None:
    """The report to standard output (no file, or `-`) or written whole to a file (exit 2 if not)."""
    from lambdalint.output import OutputError, write_report

    try:
        write_report(output_file, report)
    except OutputError as exc:
        click.echo(f"lambdalint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


def _read_baseline(baseline):
    """The recorded findings of `--baseline` (ConfigError when it is not a baseline), or None."""
    from lambdalint.baseline import read_baseline

    return read_baseline(Path(baseline)) if baseline else None


def _settings(paths, config_path, isolated, runtime, architecture, select=(), extend_select=(), ignore=()):
    """Registry and settings from the configuration file and the command line (exit 2 if invalid)."""
    from lambdalint.config import ConfigError, apply_cli, find_config, load_settings
    from lambdalint.registry import default_registry

    registry = default_registry()
    try:
        config_file = None if isolated else (Path(config_path) if config_path else find_config(Path(paths[0])))
        settings = load_settings(config_file, registry)
        apply_cli(settings, select, extend_select, ignore, runtime, architecture, registry)
    except ConfigError as exc:
        click.echo(f"lambdalint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    return registry, settings


@main.command("rule")
@click.argument("code_or_name")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule_command(code_or_name: str, output_format: str) -> None:
    """Print a rule's documentation page."""
    from lambdalint.docs import rule_page
    from lambdalint.registry import default_registry

    rule = default_registry().get(code_or_name)
    if rule is None:
        click.echo(f"lambdalint: error: unknown rule '{code_or_name}'", err=True)
        sys.exit(EXIT_ERROR)
    page = rule_page(rule.code) or f"# {rule.code}: {rule.name}\n\n{rule.summary}\n"
    if output_format == "json":
        click.echo(json.dumps({**_rule_row(rule), "explanation": page}, indent=2))
    else:
        click.echo(page, nl=not page.endswith("\n"))


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, severity, inputs, fixable, summary."""
    from lambdalint.registry import default_registry

    rows = [_rule_row(rule) for rule in default_registry().rules]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        inputs = ",".join(row["inputs"]) or "-"
        fixable = "fix" if row["fixable"] else "   "
        click.echo(f"{row['code']}  {row['name']:<36} {row['severity']:<8} {inputs:<14} {fixable}  {row['summary']}")


def _rule_row(rule) -> dict:
    from lambdalint.docs import rule_url

    return {"code": rule.code, "name": rule.name, "severity": rule.severity.value,
            "inputs": sorted(rule.needs), "fixable": rule.fixable(), "summary": rule.summary,
            "url": rule_url(rule.code),
            "options": [{"name": o.name, "type": o.type.__name__, "default": o.default, "help": o.help}
                        for o in rule.options]}


def _rule_infos(registry):
    from lambdalint.docs import rule_sections, rule_url
    from lambdalint.output import RuleInfo

    infos = {}
    for rule in registry.rules:
        sections = rule_sections(rule.code)
        infos[rule.code] = RuleInfo(
            code=rule.code, name=rule.name, summary=rule.summary,
            description=sections.get("what it detects", rule.summary),
            help=sections.get("how to fix", rule.summary),
            url=rule_url(rule.code), severity=rule.severity.value)
    return infos


if __name__ == "__main__":  # pragma: no cover
    main()
