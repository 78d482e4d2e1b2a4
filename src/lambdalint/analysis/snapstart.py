"""Lambda SnapStart: whether a function has it on, where Lambda accepts it (data/snapstart.toml),
and what the function's init code keeps that every restored environment would share (LL703)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from lambdalint.model.template import is_intrinsic

ON, OFF, UNKNOWN = "on", "off", "unknown"

# How each format spells the settings the SnapStart rules speak about.
_TERMS = {
    "serverless": {"SnapStart": "snapStart", "FileSystemConfigs": "fileSystemConfig",
                   "EphemeralStorage.Size": "ephemeralStorageSize", "Runtime": "runtime",
                   "ProvisionedConcurrencyConfig": "provisionedConcurrency", "VersionFunctions": "versionFunctions"},
    "terraform": {"SnapStart": "snap_start", "FileSystemConfigs": "file_system_config",
                  "EphemeralStorage.Size": "ephemeral_storage.size", "Runtime": "runtime", "Publish": "publish"},
}


def term(config, key: str) -> str:
    return _TERMS.get(config.template.dialect.name, {}).get(key, key)


@functools.lru_cache(maxsize=None)
def _table() -> dict:
    from lambdalint.data import table

    return table("snapstart")


def snapstart_state(fn) -> str:
    """ON when the function turns SnapStart on (`ApplyOn: PublishedVersions`, serverless
    `snapStart: true`, the Terraform module's `snap_start = true`), OFF when it does not, UNKNOWN for
    a value known only at deploy time."""
    setting = fn.config.get("SnapStart", "ApplyOn") if fn.config is not None else None
    if setting is None:
        return OFF
    value = setting.value
    if value is True or value == "PublishedVersions":
        return ON
    if value is False or value is None or isinstance(value, str) and value in ("None", "false"):
        return OFF
    if value == "true":
        return ON
    return UNKNOWN if is_intrinsic(value) else OFF


def runtime_supports_snapstart(runtime) -> Optional[bool]:
    """True/False for a runtime name; None when it is not text (a value known at deploy time)."""
    if not isinstance(runtime, str):
        return None
    match = re.match(r"([a-z]+)(\d+(?:\.\d+)?)", runtime)
    supported = _table()["supported_runtimes"]
    if match is None or match.group(1) not in supported:
        return False
    return _version(match.group(2)) >= _version(supported[match.group(1)])


def supported_runtimes_text() -> str:
    names = {"python": "Python", "java": "Java", "dotnet": ".NET"}
    return ", ".join(f"{names.get(family, family)} {version} and later"
                     for family, version in _table()["supported_runtimes"].items())


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def ephemeral_storage_limit_mb() -> int:
    return _table()["limits"]["ephemeral_storage_max_mb"]


# -- LL703: unique state made at init ------------------------------------------------------------
@dataclass(frozen=True)
class InitState:
    """A module-level statement of the handler's own modules whose result every restored
    environment shares."""

    part: object  # handler_path.PathScope of the module's top-level code
    node: object  # the libcst call to report
    kind: str  # "seed" | "unique" | "timestamp" | "connection" | "temp" | "credentials"
    what: str  # "a UUID"
    call: str  # "uuid.uuid4" or ".get_secret_value"
    names: Tuple[str, ...]  # globals it is stored into (empty for a seed)
    via: str = ""  # the own function called at init that makes it


@functools.lru_cache(maxsize=None)
def _factories() -> Dict[str, Tuple[str, str]]:
    """Qualified call name -> (kind, what)."""
    from lambdalint.analysis.clients import client_factories

    data = _table()
    found: Dict[str, Tuple[str, str]] = {}
    sdk = set(data["connections"]["sdk_packages"])
    for name, what in client_factories().items():
        if name.split(".", 1)[0] not in sdk:
            found[name] = ("connection", what)
    for name, what in data["connections"]["extra"].items():
        found[name] = ("connection", what)
    for section, kind in (("unique_values", "unique"), ("timestamps", "timestamp"), ("temp_files", "temp")):
        for name, what in data[section].items():
            found[name] = (kind, what)
    return found


def _classify(call, namer) -> Optional[Tuple[str, str, str]]:
    """(kind, what, name) of a call that makes unique state, else None."""
    import libcst as cst

    name = namer(call.func)
    if name is None and isinstance(call.func, cst.Attribute):
        method = call.func.attr.value
        if method in _table()["credential_methods"]:
            return "credentials", _table()["credential_methods"][method], f".{method}"
        return None
    if name in _factories():
        kind, what = _factories()[name]
        return kind, what, name
    if name is not None and "." in name and name.rsplit(".", 1)[1] in _table()["credential_methods"]:
        method = name.rsplit(".", 1)[1]  # `sts.assume_role` on a module-level client named `sts`
        return "credentials", _table()["credential_methods"][method], f".{method}"
    return None


def _calls_in(node) -> List[object]:
    """Calls in an expression, not in the lambdas it holds (they run later)."""
    import libcst as cst

    from lambdalint.analysis.cst_walk import children

    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (cst.Lambda, cst.FunctionDef)):
            continue
        if isinstance(item, cst.Call):
            found.append(item)
        stack.extend(reversed(list(children(item))))
    return found


def _target_names(target) -> Tuple[str, ...]:
    """The global names an assignment target binds or changes (`X`, `A, B`, `CACHE[k]`, `cfg.x`)."""
    import libcst as cst

    if isinstance(target, cst.Name):
        return (target.value,)
    if isinstance(target, (cst.Tuple, cst.List)):
        return tuple(name for element in target.elements for name in _target_names(element.value))
    if isinstance(target, (cst.Subscript, cst.Attribute)):
        return _target_names(target.value)
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return ()


def _seed_calls() -> Set[str]:
    return set(_table()["seeds"]["calls"])


def init_state(fn, ctx) -> List[InitState]:
    """The unique state made by the module-level code of the function's own modules, less what an
    after-restore hook makes again.  Memoised per code."""
    return ctx.memo(("snapstart-init-state", ctx.code_key(fn)), lambda: _init_state(fn, ctx))


def _init_state(fn, ctx) -> List[InitState]:
    from lambdalint.analysis.handler_path import handler_path, qualified_namer
    from lambdalint.analysis.state import scope_facts

    modules = [part for part in handler_path(fn, ctx) if part.scope.function is None]
    hooks = [_hook_effects(part, ctx) for part in modules]
    reseeded = any(reseeds for _, reseeds in hooks)
    found: List[InitState] = []
    for part, (remade, _) in zip(modules, hooks):
        namer = qualified_namer(part.aliases, {})
        facts = scope_facts(ctx, part)
        stored: Set[int] = set()
        for target, value, _, _ in facts.assignments:
            names = tuple(n for n in _target_names(target) if n not in remade)
            if value is None or not names:
                continue
            for call in _calls_in(value):
                stored.add(id(call))
                made = _classify(call, namer)
                via = ""
                if made is None:
                    made, via = _made_by_own_function(call, part, ctx), _own_function_name(call, part)
                    if made is None:
                        continue
                kind, what, name = made
                found.append(InitState(part, call, kind, what, name, names, via))
                break  # one finding per assignment
        if reseeded:
            continue
        for call, _, _ in facts.calls:
            if id(call) not in stored and namer(call.func) in _seed_calls():
                found.append(InitState(part, call, "seed", "a seeded generator", namer(call.func), ()))
    return found


def _own_function_name(call, part) -> str:
    import libcst as cst

    return call.func.value if isinstance(call.func, cst.Name) else ""


def _module_functions(part) -> Dict[str, object]:
    import libcst as cst

    tree = part.source.module
    return {s.name.value: s for s in tree.body if isinstance(s, cst.FunctionDef)} if tree is not None else {}


def _made_by_own_function(call, part, ctx) -> Optional[Tuple[str, str, str]]:
    """`CONN = connect_db()` with `connect_db` defined in the module: what it makes, one level deep."""
    from lambdalint.analysis.handler_path import qualified_namer
    from lambdalint.analysis.state import collect_facts

    name = _own_function_name(call, part)
    function = _module_functions(part).get(name) if name else None
    if function is None or part.scope.bindings.get(name) is not None:  # rebound to another value
        return None
    facts = ctx.memo(("snapstart-function-facts", id(part.source), name), lambda: collect_facts([function.body]))
    namer = qualified_namer(part.aliases, {})
    for inner, _, _ in facts.calls:
        made = _classify(inner, namer)
        if made is not None and made[0] != "timestamp":  # a helper reading the clock is not "now"
            return made
    return None


def _hook_effects(part, ctx) -> Tuple[Set[str], bool]:
    """(globals an after-restore hook of this module assigns again, whether a hook seeds random).
    A hook is a module-level function decorated with `register_after_restore` or passed to it,
    and the module's functions it calls (one level)."""
    import libcst as cst

    from lambdalint.analysis.handler_path import qualified_namer
    from lambdalint.analysis.state import collect_facts, scope_facts

    namer = qualified_namer(part.aliases, {})
    hook_names = set(_table()["hooks"]["after_restore"])
    functions = _module_functions(part)
    hooks: Set[str] = set()
    for name, function in functions.items():
        for decorator in function.decorators:
            target = decorator.decorator
            target = target.func if isinstance(target, cst.Call) else target
            if namer(target) in hook_names:
                hooks.add(name)
    for call, _, _ in scope_facts(ctx, part).calls:
        if namer(call.func) in hook_names and call.args and isinstance(call.args[0].value, cst.Name):
            hooks.add(call.args[0].value.value)
    remade: Set[str] = set()
    reseeds = False
    seen: Set[str] = set()
    pending = [(name, 0) for name in hooks]
    while pending:
        name, depth = pending.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        facts = collect_facts([functions[name].body])
        for target, _, _, _ in facts.assignments:
            remade.update(n for n in _target_names(target)
                          if n in facts.globals or not isinstance(target, cst.Name))
        for call, _, _ in facts.calls:
            if namer(call.func) in _seed_calls():
                reseeds = True
            if isinstance(call.func, cst.Name) and depth == 0:
                pending.append((call.func.value, 1))
            # `CACHE.clear()`, `CONN.close()` then reconnect: a mutated global is made again
            if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) \
                    and call.func.attr.value in ("clear", "update", "seed", "reset", "refresh"):
                remade.add(call.func.value.value)
    return remade, reseeds
