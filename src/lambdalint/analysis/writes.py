"""File-system writes in Python code: which calls write, and to which path expression.

The calls that write are data (`data/write_sinks.toml`).  Shared by the run-time file-system rules
LL301, LL302 and LL303, which also use `working_directory` (relative paths after `os.chdir`) and
`helper_calls` (paths passed into the helper functions a scope calls)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import libcst as cst

WRITE_MODE_LETTERS = set("wax+")
# Pillow: calls that return an image, and image methods that return a new image.
PIL_IMAGE_FACTORIES = {"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes",
                       "PIL.Image.frombuffer", "PIL.Image.merge", "PIL.ImageOps.exif_transpose",
                       "PIL.ImageOps.fit", "PIL.ImageOps.contain", "PIL.ImageOps.pad",
                       "PIL.ImageOps.grayscale"}
PIL_IMAGE_METHODS = {"convert", "resize", "rotate", "crop", "copy", "transpose", "filter", "quantize",
                     "reduce", "point", "split"}
MAX_HELPER_DEPTH = 3

Write = Tuple[cst.Call, cst.BaseExpression, str]  # the call, its path expression, what it is


@dataclass(frozen=True)
class Sink:
    name: str
    kind: str  # function, mode, path-method, method
    position: Optional[int] = None
    keyword: str = ""
    mode_position: Optional[int] = None
    mode_keyword: str = ""
    default_mode: str = ""
    receiver: str = "any"
    no_argument: Optional[str] = None
    ignore: Tuple[str, ...] = ()
    shown: str = ""
    example: str = ""


@functools.lru_cache(maxsize=None)
def sinks() -> Dict[str, Dict[str, Sink]]:
    """kind -> name -> Sink, from data/write_sinks.toml."""
    from lambdalint.data import table

    result: Dict[str, Dict[str, Sink]] = {"function": {}, "mode": {}, "path-method": {}, "method": {}}
    for row in table("write_sinks")["sink"]:
        fields = dict(row, ignore=tuple(row.get("ignore", ())))
        result[row["kind"]][row["name"]] = Sink(**fields)
    return result


class WriteFinder(cst.CSTVisitor):
    def __init__(self, resolver, qualified_name, part=None) -> None:
        self.resolver = resolver
        self.qualified_name = qualified_name
        self.part = part  # the handler-path scope (PathScope), for `with ... as name` receivers
        self.writes: List[Write] = []
        self._with_targets: Optional[Dict[str, cst.BaseExpression]] = None

    def collect(self, calls) -> "WriteFinder":
        """The writes among calls another pass already collected (no traversal of its own)."""
        for call in calls:
            self.visit_Call(call)
        return self

    # Nested functions and lambdas run only when called; the handler path does not follow them.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        found = self._target(node)
        if found is not None:
            self.writes.append((node, *found))

    def _target(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        table = sinks()
        name = self.qualified_name(node.func)
        if name in table["mode"]:
            sink = table["mode"][name]
            mode = argument(node, sink.mode_position, sink.mode_keyword)
            if _writing_mode(mode) if mode is not None else bool(WRITE_MODE_LETTERS & set(sink.default_mode)):
                target = argument(node, sink.position, sink.keyword)
                shown = "open" if name == "builtins.open" else name
                return (target, f"{shown}(…, {_mode_text(mode)})") if target is not None else None
            return None
        if name in table["function"]:
            sink = table["function"][name]
            target = argument(node, sink.position, sink.keyword)
            if target is None or (isinstance(target, cst.SimpleString) and target.evaluated_value in sink.ignore):
                return None
            return target, (f"{name}({sink.keyword}=…)" if sink.position is None else f"{name}()")
        if not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        sink = table["method"].get(method)
        if sink is not None and (sink.receiver == "any" or self._is_pil_image(node.func.value)):
            target = argument(node, sink.position, sink.keyword)
            if target is None and sink.no_argument is not None and not node.args:
                target = cst.SimpleString(repr(sink.no_argument))
            return (target, sink.shown or f".{method}()") if target is not None else None
        sink = table["path-method"].get(method)
        if sink is not None and self.resolver.is_path_object(node.func.value):
            if sink.mode_position is None:
                return node.func.value, f"Path.{method}()"
            mode = argument(node, sink.mode_position, sink.mode_keyword)
            if _writing_mode(mode):
                return node.func.value, f"Path.{method}({_mode_text(mode)})"
        return None

    def _is_pil_image(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """The expression is a Pillow image: made by Image.open/new/..., an image method's result,
        or a name bound to one (assigned once, or `with Image.open(...) as name`)."""
        if depth > 10:
            return False
        if isinstance(node, cst.Call):
            if self.qualified_name(node.func) in PIL_IMAGE_FACTORIES:
                return True
            return (isinstance(node.func, cst.Attribute) and node.func.attr.value in PIL_IMAGE_METHODS
                    and self._is_pil_image(node.func.value, depth + 1))
        if isinstance(node, cst.Name):
            value = self.resolver.lookup(node.value)
            if value is None:
                value = self._with_target(node.value)
            return value is not None and self._is_pil_image(value, depth + 1)
        return False

    def _with_target(self, name: str) -> Optional[cst.BaseExpression]:
        if self._with_targets is None:
            self._with_targets = _with_targets(self.part.scope.nodes) if self.part is not None else {}
        return self._with_targets.get(name)


def _with_targets(roots) -> Dict[str, cst.BaseExpression]:
    """`with EXPR as name` in a scope (nested functions excluded): name -> EXPR, for names bound
    by exactly one `with` (a name bound twice is dropped)."""
    from lambdalint.analysis.cst_walk import children

    found: Dict[str, cst.BaseExpression] = {}
    twice = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    name = item.asname.name.value
                    (twice.add(name) if name in found else found.__setitem__(name, item.item))
        stack.extend(children(node))
    return {name: value for name, value in found.items() if name not in twice}


def argument(node: cst.Call, position: Optional[int], keyword: str) -> Optional[cst.BaseExpression]:
    """The argument given by keyword, else at `position` (-1: the last positional one; None: keyword only)."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if position is None:
        return None
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if position == -1:
        return positional[-1].value if positional else None
    return positional[position].value if len(positional) > position else None


def _writing_mode(mode_node: Optional[cst.BaseExpression]) -> bool:
    if isinstance(mode_node, cst.SimpleString) and isinstance(mode_node.evaluated_value, str):
        return bool(WRITE_MODE_LETTERS & set(mode_node.evaluated_value))
    return False


def _mode_text(mode: Optional[cst.BaseExpression]) -> str:
    return repr(mode.evaluated_value) if isinstance(mode, cst.SimpleString) else "default mode"


# --- the working directory: relative paths after os.chdir

def chdirs(ctx, part) -> List[Tuple[int, object]]:
    """(position among the scope's calls, folder PathValue) of each `os.chdir` in a scope; the folder is
    UNKNOWN unless it is an absolute path."""
    from lambdalint.analysis.state import scope_facts
    from lambdalint.analysis.static_paths import UNKNOWN

    def make():
        namer, resolver, _ = part.tools(ctx)
        found = []
        for index, (call, _, _) in enumerate(scope_facts(ctx, part).calls):
            if namer(call.func) == "os.chdir":
                folder = resolver.resolve(call.args[0].value) if call.args else UNKNOWN
                found.append((index, folder if folder.prefix.startswith("/") else UNKNOWN))
        return found

    return ctx.memo(("chdirs", id(part.source), part.scope.name), make)


def working_directory(ctx, fn, part, call: cst.Call):
    """The working directory when `call` runs: None for the code folder (no `os.chdir` before it), else
    a PathValue (UNKNOWN when it cannot be known).  The last `os.chdir` before the call in its scope
    counts, else the working directory the scope starts in (`_entry_directory`); UNKNOWN when the
    handler path moves to several folders."""
    from lambdalint.analysis.handler_path import handler_path
    from lambdalint.analysis.static_paths import UNKNOWN

    everywhere = ctx.memo(("chdir-folders", ctx.code_key(fn)), lambda: {
        folder for other in handler_path(fn, ctx) for _, folder in chdirs(ctx, other)})
    if not everywhere:
        return None  # the common case: no os.chdir at all
    folder = _directory_at(ctx, fn, part, call, frozenset())
    # several folders on the handler path: a call between may have moved elsewhere
    return UNKNOWN if folder is not None and len(everywhere) > 1 else folder


def _entry_directory(ctx, fn, part, visiting):
    """The working directory a scope starts in (the directory is process-wide): for module-level
    code, the code folder; for a handler, where its module's top-level code left it; for a helper,
    where its callers in the same module stand when they call it (UNKNOWN when they disagree); for a
    function called only from other modules, the one folder every `os.chdir` on the handler path
    goes to."""
    from lambdalint.analysis.handler_path import handler_path
    from lambdalint.analysis.static_paths import UNKNOWN

    if part.scope.function is None:
        return None
    parts = handler_path(fn, ctx)
    if part.is_handler:
        module = [folder for other in parts if other.source is part.source and other.scope.function is None
                  for _, folder in chdirs(ctx, other)]
        return module[-1] if module else None
    if id(part) in visiting:
        return UNKNOWN  # recursion: no more than the other callers tell
    if not visiting:
        return ctx.memo(("entry-directory", ctx.code_key(fn), id(part)), lambda: _callers_directory(ctx, fn, part, parts))
    return _callers_directory(ctx, fn, part, parts, visiting)


def _callers_directory(ctx, fn, part, parts, visiting=frozenset()):
    from lambdalint.analysis.static_paths import UNKNOWN

    visiting = visiting | {id(part)}
    found = set()
    for caller, call in _same_module_calls(ctx, fn).get((part.source.relpath, part.scope.name), ()):
        if caller is not part:
            found.add(_directory_at(ctx, fn, caller, call, visiting))
    if not found:
        found = {folder for other in parts if other is not part for _, folder in chdirs(ctx, other)}
        if not found:
            return None
    return found.pop() if len(found) == 1 else UNKNOWN


def _directory_at(ctx, fn, part, call, visiting):
    """The last `os.chdir` before the call in its scope, else the scope's entry directory."""
    from lambdalint.analysis.state import scope_facts

    positions = ctx.memo(("call-positions", id(part.source), part.scope.name), lambda: {
        id(c): index for index, (c, _, _) in enumerate(scope_facts(ctx, part).calls)})
    position = positions.get(id(call), -1)
    before = [folder for index, folder in chdirs(ctx, part) if index < position]
    return before[-1] if before else _entry_directory(ctx, fn, part, visiting)


def _same_module_calls(ctx, fn):
    """(module path, function name) -> [(caller scope, call)] for calls by name on the handler path."""
    from lambdalint.analysis.handler_path import handler_path
    from lambdalint.analysis.state import scope_facts

    def make():
        calls: Dict[Tuple[str, str], list] = {}
        for caller in handler_path(fn, ctx):
            for call, _, _ in scope_facts(ctx, caller).calls:
                if isinstance(call.func, cst.Name) and not (
                        caller.scope.function is not None and call.func.value in caller.scope.bindings):
                    calls.setdefault((caller.source.relpath, call.func.value), []).append((caller, call))
        return calls

    return ctx.memo(("same-module-calls", ctx.code_key(fn)), make)


def write_path(ctx, fn, part, call: cst.Call, target: cst.BaseExpression, resolver=None):
    """The path a write goes to: its target resolved, a relative one against the working directory."""
    from lambdalint.analysis.static_paths import classify

    value = (resolver or part.tools(ctx)[1]).resolve(target)
    if value.prefix and not value.prefix.startswith("/") and classify(value) == "outside":
        folder = working_directory(ctx, fn, part, call)
        if folder is not None:
            return folder.join(value)
    return value


# --- paths passed into helper functions

@dataclass(frozen=True)
class HelperCall:
    """A call chain from `origin` (a scope of the handler path) through `site` (a call in origin) into
    `callee` (a module-level function of the same module, possibly a few calls deeper), with what the
    callers' arguments make known about the callee's parameters."""

    origin: object  # PathScope
    site: cst.Call
    callee: object  # PathScope
    known: Dict[str, object]  # parameter -> fact


Evaluate = Callable[[object, cst.BaseExpression, Dict[str, object]], Optional[object]]


def helper_calls(ctx, fn, evaluate: Evaluate) -> Iterator[HelperCall]:
    """Calls on the handler path to module-level functions of the same module, followed into their
    callees up to MAX_HELPER_DEPTH calls deep.  `evaluate(part, argument, known)` gives the fact an
    argument expression of `part` carries (None: nothing known; `known`: facts of part's parameters).
    Only calls with at least one known argument are followed, each once per origin."""
    from lambdalint.analysis.handler_path import handler_path
    from lambdalint.analysis.state import scope_facts

    parts = handler_path(fn, ctx)
    functions = {(p.source.relpath, p.scope.name): p for p in parts if p.scope.function is not None}
    for origin in parts:
        seen = set()
        stack = [(origin, {}, None, 0)]
        while stack:
            part, known, site, depth = stack.pop()
            for call, _, _ in scope_facts(ctx, part).calls:
                callee = _same_module_callee(call, part, functions)
                if callee is None or (id(call), id(callee)) in seen:
                    continue
                facts = {}
                for parameter, value in _parameter_arguments(call, callee.scope.function).items():
                    fact = evaluate(part, value, known)
                    if fact is not None:
                        facts[parameter] = fact
                if not facts:
                    continue
                seen.add((id(call), id(callee)))
                yield HelperCall(origin, site or call, callee, facts)
                if depth + 1 < MAX_HELPER_DEPTH:
                    stack.append((callee, facts, site or call, depth + 1))


def _same_module_callee(call: cst.Call, part, functions):
    if not isinstance(call.func, cst.Name):
        return None
    name = call.func.value
    if part.scope.function is not None and name in part.scope.bindings:
        return None  # a local name or a parameter shadows the module's function
    return functions.get((part.source.relpath, name))


def _parameter_arguments(call: cst.Call, function: cst.FunctionDef) -> Dict[str, cst.BaseExpression]:
    """Parameter name -> the argument the call gives it (positions stop at the first *args)."""
    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    named = set(positional) | {p.name.value for p in params.kwonly_params}
    given: Dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            index = len(positional)  # unknown positions from here on
        elif arg.keyword is not None:
            if arg.keyword.value in named:
                given[arg.keyword.value] = arg.value
        elif index < len(positional):
            given[positional[index]] = arg.value
            index += 1
    return given

