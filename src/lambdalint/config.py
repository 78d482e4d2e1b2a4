"""Configuration: `[tool.lambdalint]` in pyproject.toml or `lambdalint.toml`, validated strictly."""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from lambdalint.data import python_runtimes, runtime_defaults
from lambdalint.files import FileTooLarge, UnreadableFile, read_file, read_head, real_path
from lambdalint.findings import Severity
from lambdalint.limits import MAX_CONFIG_BYTES
from lambdalint.output import printable
from lambdalint.registry import Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    """Invalid configuration or usage: exit code 2 with this message."""


@dataclass
class Settings:
    select: Optional[List[str]] = None  # None: every rule
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    runtime: str = ""
    architecture: str = ""
    exclude: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    rule_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # code -> option -> value
    severities: Dict[str, Severity] = field(default_factory=dict)
    source: Optional[Path] = None  # the file these settings came from
    jobs: int = 0  # worker processes for parsing (--jobs); 0: one per core
    cache: bool = True  # keep what parsing told in the user cache directory (--no-cache: False)
    # run the code rules in a forked process (code_process); only the CLI allows it, since a
    # library host's other threads could hold a lock the child needs
    fork_code_rules: bool = False

    def __post_init__(self) -> None:
        defaults = runtime_defaults()
        self.runtime = self.runtime or defaults["default_runtime"]
        self.architecture = self.architecture or defaults["default_architecture"]


_LIST_KEYS = {"select": "select", "extend-select": "extend_select", "ignore": "ignore",
              "exclude": "exclude"}
_STR_KEYS = {"runtime": "runtime", "architecture": "architecture"}
_KNOWN_KEYS = set(_LIST_KEYS) | set(_STR_KEYS) | {"per-file-ignores", "rules"}


def find_config(start: Path) -> Optional[Path]:
    """The nearest `lambdalint.toml`, or `pyproject.toml` with `[tool.lambdalint]`, above `start`."""
    folder = real_path(start)
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "lambdalint.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _holds_lambdalint_table(pyproject):
            return pyproject
    return None


def _holds_lambdalint_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml found above the checked path configures lambdalint.

    One whose `tool` is not a table (`tool = 1`) holds no lambdalint configuration: the rest of
    pyproject.toml belongs to other tools, it is not lambdalint's to judge.  One that cannot be
    parsed is ours only if it has a `[tool.lambdalint` header (loading it then says what is wrong)."""
    try:
        tool = _read_toml(pyproject).get("tool")
    except ConfigError:
        try:
            return b"[tool.lambdalint" in read_head(pyproject, MAX_CONFIG_BYTES)
        except UnreadableFile:
            return False
    return isinstance(tool, dict) and "lambdalint" in tool


def _read_toml(path: Path) -> Dict[str, Any]:
    """A TOML document from a regular file of at most MAX_CONFIG_BYTES (never a FIFO or device)."""
    try:
        text = read_file(path, MAX_CONFIG_BYTES, "configuration file").decode("utf-8")
        return tomllib.loads(text)
    except FileTooLarge:
        raise ConfigError(f"{_shown(path)}: cannot read configuration: larger than "
                          f"{MAX_CONFIG_BYTES // 2**20} MiB") from None
    except UnreadableFile as exc:
        raise ConfigError(f"{_shown(path)}: cannot read configuration: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_shown(path)}: cannot read configuration: not valid UTF-8 "
                          f"(byte {exc.start + 1})") from None
    except RecursionError:
        raise ConfigError(f"{_shown(path)}: cannot read configuration: nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more digits than int() takes
        raise ConfigError(f"{_shown(path)}: cannot read configuration: {printable(str(exc))}") from None


def _shown(path: Path) -> str:
    """A configuration file's name as messages show it."""
    return printable(str(path))


def load_settings(path: Optional[Path], registry: Registry) -> Settings:
    if path is None:
        return Settings()
    document = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{_shown(path)}: invalid configuration key 'tool': expected a table "
                              f"holding [tool.lambdalint], got {_type_name(tool)}")
        table = tool.get("lambdalint", {})
        prefix = "tool.lambdalint."
    else:
        table, prefix = document, ""
    return _settings_from_table(table, path, prefix, registry)


def _shorten(text: str, limit: int = 300) -> str:
    """A message part quoting user values (a 1 MB array in the wrong place) cut to a readable size."""
    return text if len(text) <= limit else text[:limit] + "…"


def _type_name(value: Any) -> str:
    """What TOML calls the type of a value, for messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "an array", dict: "a table"}
    return next((name for kind, name in names.items() if type(value) is kind), "a date or time")


def _list_type_name(value: Any) -> str:
    if not isinstance(value, list):
        return _type_name(value)
    wrong = next(item for item in value if not isinstance(item, str))
    return f"an array holding {_type_name(wrong)}"


def _settings_from_table(table: Any, path: Path, prefix: str, registry: Registry) -> Settings:
    def fail(key: str, problem: str) -> ConfigError:
        shown_key = _shorten(printable(prefix + key))
        return ConfigError(f"{_shown(path)}: invalid configuration key '{shown_key}': {_shorten(printable(problem))}")

    if not isinstance(table, dict):  # `[tool] lambdalint = "x"` (a TOML document is always a table)
        raise ConfigError(f"{_shown(path)}: invalid configuration key '{prefix.rstrip('.')}': "
                          f"expected a table, got {_type_name(table)}")
    settings = Settings(source=path)
    for key, value in table.items():
        if key not in _KNOWN_KEYS:
            raise fail(key, f"unknown key (known: {', '.join(sorted(_KNOWN_KEYS))})")
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(key, f"expected a list of strings, got {_list_type_name(value)}")
            if key != "exclude":
                for selector in value:
                    if not registry.matches_any(selector):
                        raise fail(key, f"unknown rule code, prefix or name '{selector}'")
            setattr(settings, _LIST_KEYS[key], list(value))
        elif key in _STR_KEYS:
            if not isinstance(value, str):
                raise fail(key, f"expected a string, got {_type_name(value)}")
            setattr(settings, _STR_KEYS[key], value)
        elif key == "per-file-ignores":
            settings.per_file_ignores = _per_file_ignores(value, fail, registry)
        elif key == "rules":
            _rule_tables(value, settings, fail, registry)
    check_runtime(settings.runtime, lambda msg: fail("runtime", msg))
    check_architecture(settings.architecture, lambda msg: fail("architecture", msg))
    return settings


def _per_file_ignores(value: Any, fail, registry: Registry) -> Dict[str, List[str]]:
    if not isinstance(value, dict):
        raise fail("per-file-ignores", "expected a table of glob = [codes]")
    result = {}
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise fail(f"per-file-ignores.{pattern}", "expected a list of rule codes")
        for code in codes:
            if not registry.matches_any(code):
                raise fail(f"per-file-ignores.{pattern}", f"unknown rule code, prefix or name '{code}'")
        result[pattern] = codes
    return result


def _rule_tables(value: Any, settings: Settings, fail, registry: Registry) -> None:
    if not isinstance(value, dict):
        raise fail("rules", "expected a table per rule code")
    for selector, options in value.items():
        rule = registry.get(selector)
        if rule is None and registry.is_planned(selector):
            continue  # a catalogue rule not implemented yet: its options cannot be checked
        if rule is None:
            raise fail(f"rules.{selector}", "unknown rule code or name")
        if not isinstance(options, dict):
            raise fail(f"rules.{selector}", "expected a table of options")
        known = {o.name: o for o in rule.options}
        for name, raw in options.items():
            key = f"rules.{selector}.{name}"
            if name == "severity":
                if raw not in [s.value for s in Severity]:
                    raise fail(key, "expected one of 'error', 'warning', 'info'")
                settings.severities[rule.code] = Severity(raw)
                continue
            if name not in known:
                choices = ", ".join(sorted(known) + ["severity"])
                raise fail(key, f"unknown option for {rule.code} (known: {choices})")
            try:
                value = known[name].validate(raw)
            except (TypeError, ValueError, OverflowError) as exc:
                raise fail(key, str(exc)) from None
            if isinstance(value, (int, float)) and not _sane_number(value):
                raise fail(key, f"expected a finite number of at least 0, got {raw!r}")
            settings.rule_options.setdefault(rule.code, {})[name] = value


def _sane_number(value) -> bool:
    """Every numeric option is a budget or threshold (ms, MB): finite and not negative."""
    return value >= 0 and not (isinstance(value, float) and math.isinf(value))


def check_runtime(runtime: str, fail) -> None:
    if runtime not in python_runtimes():
        raise fail(f"unknown Python runtime '{runtime}' (known: {', '.join(sorted(python_runtimes()))})")


def check_architecture(architecture: str, fail) -> None:
    known = runtime_defaults()["architectures"]
    if architecture not in known:
        raise fail(f"unknown architecture '{architecture}' (known: {', '.join(known)})")


def apply_cli(settings: Settings, select: Sequence[str], extend_select: Sequence[str],
              ignore: Sequence[str], runtime: Optional[str], architecture: Optional[str],
              registry: Registry) -> Settings:
    for option, selectors in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore)):
        for selector in selectors:
            if not registry.matches_any(selector):
                raise ConfigError(f"{option}: unknown rule code, prefix or name '{selector}'")
    if select:
        settings.select = list(select)
    settings.extend_select += list(extend_select)
    settings.ignore += list(ignore)
    if runtime:
        check_runtime(runtime, lambda msg: ConfigError(f"--runtime: {msg}"))
        settings.runtime = runtime
    if architecture:
        check_architecture(architecture, lambda msg: ConfigError(f"--architecture: {msg}"))
        settings.architecture = architecture
    return settings
