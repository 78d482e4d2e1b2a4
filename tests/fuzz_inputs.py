"""Hostile-input generators and the promises lambdalint keeps on every input (issue 10).

Shared by `tests/test_fuzz.py` (a short, deterministic run inside the test suite) and
`benchmarks/fuzz.py` (the same generators for as long as you like).  Nothing here is imported by
lambdalint itself.

A generator is a hypothesis strategy drawing a `Case`: the files to write in a fresh folder and the
`lambdalint check` paths and options to run there.  One strategy per input loader (`zip`, `yaml`
templates, `serverless`, `hcl`, `python` sources, `config` files and baselines) and one for `--fix`
(`fix`); each takes a `Scale` (the test uses SHORT, the long profile LONG: bigger bombs, deeper
nesting, FIFOs and /dev/zero).

`run_isolated(case, scratch)` runs one case in a forked child (a crash, a hang or a memory bomb
cannot take the caller down), under an address-space cap and a hard timeout, and returns an
`Outcome`: `kind` is None when every promise was kept, else
- "crash": an exception, "internal error" or a traceback, an exit code other than 0/1 (2 only with
  a "lambdalint: error:" message where the case is about configuration or options), a format
  (text/json/sarif/github) that does not render, is not valid UTF-8, or (json, sarif) does not
  parse, or the canary finding missing: a good handler checked next to the hostile input must still
  be reported (LL301), whatever the hostile input does;
- "timeout": one command took longer than TIME_BUDGET_S (or the child was killed);
- "memory": the peak RSS of the run went above RSS_BUDGET_MB (estimated from the child's growth);
- "fix": the `--fix` contract broke (see `check_fix`).
"""
from __future__ import annotations

import ast
import codecs
import difflib
import json
import os
import re
import resource
import shutil
import signal
import struct
import tempfile
import time
import traceback
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from hypothesis import assume
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

TIME_BUDGET_S = 5.0  # per command, on the 2-core reference machine
RSS_BUDGET_MB = 300  # peak RSS of one `lambdalint` process
FRESH_PROCESS_MB = 40  # RSS of a fresh `lambdalint check` on a tiny folder (measured: 34 MB)
HARD_TIMEOUT_S = 20.0  # the child is killed after this (a hang must not stop the run)
ADDRESS_SPACE_CAP = 3 * 1024 ** 3  # bytes of address space a child may add to its parent's
FORMATS = ("text", "json", "sarif", "github")
CASE = "case"  # the folder holding the generated input (next to it: the canary)
CANARY = "canary"
CANARY_HANDLER = """\
import json


def handler(event, context):
    with open("out.txt", "w") as out:
        out.write(json.dumps(event))
    return {"ok": True}
"""


@dataclass(frozen=True)
class Scale:
    """How big and how nasty the generated inputs may get."""

    name: str
    bomb_bytes: int  # inflated size of the compression bombs
    depth: int  # deepest nesting generated
    terms: int  # longest chains (a + a + ...), handlers per module, aliases per level
    text: int  # longest string / line / name
    specials: bool  # FIFOs and /dev/zero in code paths (a hang costs the whole timeout)
    max_bytes: int  # a mutation that would make a file larger than this is not applied


SHORT = Scale("short", bomb_bytes=32 * 1024 ** 2, depth=1_200, terms=3_000, text=70_000, specials=False,
              max_bytes=1_000_000)
LONG = Scale("long", bomb_bytes=512 * 1024 ** 2, depth=12_000, terms=60_000, text=2_000_000, specials=True,
             max_bytes=8_000_000)


# -- the case ----------------------------------------------------------------------------------------
@dataclass
class Case:
    target: str
    files: Dict[str, bytes]  # path under the case's root -> content
    paths: List[str] = field(default_factory=lambda: [CASE])  # `lambdalint check PATHS`
    options: List[str] = field(default_factory=list)
    isolated: bool = True  # --isolated (the config target reads configuration files)
    usage_errors: bool = False  # exit 2 with "lambdalint: error:" is a right answer
    canary: bool = True  # check a good handler too: its finding must be reported
    links: Dict[str, str] = field(default_factory=dict)  # symlink path -> target
    fifos: List[str] = field(default_factory=list)

    def write(self, root: Path) -> None:
        for rel, data in self.files.items():
            target = _under(root, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for rel, destination in self.links.items():
            target = _under(root, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not os.path.lexists(target):  # a generated file of that name wins
                os.symlink(destination, target)
        for rel in self.fifos:
            target = _under(root, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not os.path.lexists(target):
                os.mkfifo(target)
        if self.canary:
            (root / CANARY).mkdir(exist_ok=True)
            (root / CANARY / "app.py").write_text(CANARY_HANDLER)

    def command(self) -> List[str]:
        paths = self.paths + ([CANARY] if self.canary else [])
        return ["check", *paths, *(["--isolated"] if self.isolated else []), *self.options]

    def describe(self) -> str:
        lines = [f"target {self.target}: lambdalint {' '.join(map(_shell_word, self.command()))}"]
        for rel, data in sorted(self.files.items()):
            lines.append(f"  {rel!r}: {len(data):,} bytes {data[:120]!r}{'...' if len(data) > 120 else ''}")
        lines += [f"  {rel!r} -> {dest!r} (symlink)" for rel, dest in sorted(self.links.items())]
        lines += [f"  {rel!r} (FIFO)" for rel in self.fifos]
        return "\n".join(lines)

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example
        return f"Case(\n{self.describe()}\n)"


def _under(root: Path, rel: str) -> Path:
    return root / rel


def _shell_word(word: str) -> str:
    return word if re.fullmatch(r"[\w./:=,@+-]+", word) else repr(word)


# -- the promises --------------------------------------------------------------------------------------
class Broken(AssertionError):
    """A promise not kept: `kind` is crash, timeout, memory or fix."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"[{kind}] {message}")
        self.kind = kind
        self.message = message


def expect(condition: bool, kind: str, message: str) -> None:
    if not condition:
        raise Broken(kind, message)


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextmanager
def every_format_rendered(reports: Dict[str, str]) -> Iterator[None]:
    """While active, the CLI's call of `lambdalint.output.render` renders every format of the same
    findings into `reports` (and returns the one the command asked for)."""
    import lambdalint.output as output

    real = output.render

    def render_all(fmt, findings, rules, checked_files, code_counts=None):
        for other in FORMATS:
            reports[other] = real(other, findings, rules, checked_files, code_counts)
        return reports[fmt]

    output.render = render_all
    try:
        yield
    finally:
        output.render = real


def invoke(args: Sequence[str]):
    """`lambdalint ARGS` in-process: (click Result, seconds); an escaping exception is a crash."""
    from support import run_cli

    start = time.perf_counter()
    try:
        result = run_cli(list(args))
    except Exception as exc:  # noqa: BLE001 - the finding of the fuzzer
        raise Broken("crash", f"exception escaped: {type(exc).__name__}: {exc}\n{_short_traceback()}") from exc
    seconds = time.perf_counter() - start
    expect(seconds <= TIME_BUDGET_S, "timeout", f"`lambdalint {' '.join(args)}` took {seconds:.1f} s")
    return result, seconds


def _short_traceback() -> str:
    return "".join(traceback.format_exc().splitlines(keepends=True)[-12:])


def _stderr(result) -> str:
    return result.stderr_bytes.decode("utf-8", "backslashreplace") if result.stderr_bytes else ""


def _worst_lines(stderr: str) -> str:
    """The lines of stderr that say what broke (internal errors, the traceback's end), first."""
    lines = stderr.splitlines()
    bad = [line for line in lines if "internal error" in line or "Error" in line]
    return "\n".join(bad[:8] or lines[-8:])[:3000]


def check_lint(case: Case, root: Path) -> dict:
    """Run the case's command once; every promise of a lint run (see the module docstring)."""
    reports: Dict[str, str] = {}
    with inside(root), every_format_rendered(reports):
        result, seconds = invoke(case.command() + ["--output-format", "sarif", "--no-progress"])
    stderr = _stderr(result)
    expect("internal error" not in stderr and "Traceback" not in stderr, "crash", _worst_lines(stderr))
    if result.exit_code == 2 and case.usage_errors and "lambdalint: error:" in stderr:
        return {"seconds": seconds, "exit": 2}
    expect(result.exit_code in (0, 1), "crash", f"exit code {result.exit_code}; stderr: {stderr[-3000:]}")
    expect(set(reports) == set(FORMATS), "crash", "the report was never rendered")
    for fmt, text in reports.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Broken("crash", f"{fmt} report is not valid UTF-8: {exc}") from None
    try:
        result.stdout_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Broken("crash", f"stdout is not valid UTF-8: {exc}") from None
    documents = {}
    for fmt in ("json", "sarif"):
        try:
            documents[fmt] = json.loads(reports[fmt])
        except ValueError as exc:
            raise Broken("crash", f"{fmt} report does not parse: {exc}") from None
    if case.canary:
        found = [f for f in documents["json"] if f.get("code") == "LL301"
                 and str(f.get("filename", "")).endswith(f"{CANARY}/app.py")]
        expect(bool(found), "crash", "the canary's LL301 is missing: the other inputs were not checked")
        expect(result.exit_code == 1, "crash", f"exit code {result.exit_code} although there are findings")
    return {"seconds": seconds, "exit": result.exit_code,
            "codes": sorted({f.get("code") for f in documents["json"]})}


def check_fix(case: Case, root: Path) -> dict:
    """The `--fix` contract on the project under CASE: `--diff` writes nothing and shows exactly
    what `--fix` writes, fixed files compile, a second `--fix` changes nothing
    (`test_hostile_fixes.assert_fix_contract`); and each changed file only had import lines (with
    their comments) moved: every other line is byte for byte the same, no line ending is new, the
    BOM stays, no module-level name appears or disappears except the moved imports, and a moved
    name is imported again in every function that uses it."""
    from test_hostile_fixes import assert_fix_contract, snapshot

    project = root / CASE
    before = snapshot(project)
    start = time.perf_counter()
    try:
        with inside(root):
            after = assert_fix_contract(Path(CASE), *case.options)
    except Broken:
        raise
    except AssertionError as exc:
        kind = "crash" if "internal error" in str(exc) else "fix"
        raise Broken(kind, f"assert_fix_contract: {str(exc)[:4000]}") from None
    except Exception as exc:  # noqa: BLE001
        raise Broken("crash", f"exception escaped: {type(exc).__name__}: {exc}\n{_short_traceback()}") from None
    seconds = time.perf_counter() - start
    expect(seconds <= 3 * TIME_BUDGET_S, "timeout", f"--diff, --fix, --fix took {seconds:.1f} s")
    changed = sorted(rel for rel in after if after[rel] != before.get(rel))
    for rel in changed:
        expect(rel in before, "fix", f"--fix created {rel}")
        problem = moved_imports_only(before[rel], after[rel]) or names_kept(before[rel], after[rel])
        expect(problem is None, "fix", f"{rel}: {problem}")
    return {"seconds": seconds, "changed": len(changed)}


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_MOVABLE = re.compile(rb"^[ \t]*(?:import[ \t]|from[ \t]|#)")
_BOM = codecs.BOM_UTF8


def moved_imports_only(old: bytes, new: bytes) -> Optional[str]:
    """None when the only changed lines are import statements and comments, each inserted import
    being one of the removed ones; else what is wrong."""
    if old.startswith(_BOM) != new.startswith(_BOM):
        return "the UTF-8 BOM was added or removed"
    if old.startswith(_BOM):
        old, new = old[3:], new[3:]
    old_lines, new_lines = _LINE.findall(old), _LINE.findall(new)
    endings = {_ending(line) for line in old_lines}
    removed, inserted = [], []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += old_lines[i1:i2]
            inserted += new_lines[j1:j2]
    for line in removed + inserted:
        if not _MOVABLE.match(line):
            return f"a line that is not an import or a comment changed: {line!r}"
    for line in inserted:
        if _ending(line) not in endings:
            return f"inserted line with a line ending the file never used: {line!r}"
    removed_statements = {line.strip() for line in removed}
    for line in inserted:
        if not line.lstrip().startswith(b"#") and line.strip() not in removed_statements:
            return f"inserted import {line!r} is not one of the removed lines"
    return None


def _ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")):]


def names_kept(old: bytes, new: bytes) -> Optional[str]:
    """None when the module-level names after the fix are those before it less some imported
    names, and every use of such a name is in a function that imports it again; else what is
    wrong."""
    before, after = ast.parse(old), ast.parse(new)
    names_before, names_after = module_names(before), module_names(after)
    if names_after - names_before:
        return f"new module-level names: {sorted(names_after - names_before)}"
    lost = names_before - names_after
    imported = {name for node in _module_statements(before) if isinstance(node, (ast.Import, ast.ImportFrom))
                for name in _bound_by_import(node)}
    if lost - imported:
        return f"module-level names lost: {sorted(lost - imported)}"
    unbound = unbound_uses(after, lost)
    return f"a moved name is used where it is no longer defined: {unbound}" if unbound else None


def _module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements that run at import time (not inside functions or classes)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                pending.extend(getattr(node, name, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                pending.extend(handler.body)


def _bound_by_import(node) -> List[str]:
    return [alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"]


def module_names(tree: ast.Module) -> set:
    names = set()
    for node in _module_statements(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(_bound_by_import(node))
        else:
            for name, value in ast.iter_fields(node):
                if name in ("body", "orelse", "finalbody", "handlers"):
                    continue
                for part in value if isinstance(value, list) else [value]:
                    if isinstance(part, ast.AST):
                        names.update(n.id for n in ast.walk(part) if isinstance(n, ast.Name)
                                     and isinstance(n.ctx, (ast.Store, ast.Del)))
    return names


def unbound_uses(tree: ast.Module, moved: set) -> List[str]:
    """Where a name of `moved` is read outside every function that binds it (module level, a
    class body, a decorator, a default value, an annotation evaluated at definition time, a
    lambda, or a function that does not import it)."""
    lazy_annotations = any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
                           and any(alias.name == "annotations" for alias in node.names) for node in tree.body)
    problems: List[str] = []

    def visit(node: ast.AST, bound: set, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            outer = [*node.decorator_list, *args.defaults, *[d for d in args.kw_defaults if d is not None]]
            if not lazy_annotations:
                outer += [a.annotation for a in ast.walk(args) if isinstance(a, ast.arg) and a.annotation]
                outer += [node.returns] if node.returns else []
            for part in outer:
                visit(part, bound, where)
            inner = bound | _locally_bound(node)
            for statement in node.body:
                visit(statement, inner, f"{node.name}()")
            return
        if isinstance(node, ast.Lambda):
            for part in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
                visit(part, bound, where)
            arguments = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            visit(node.body, bound | arguments, f"a lambda in {where}")
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in moved \
                and node.id not in bound:
            problems.append(f"{where} reads {node.id}")
        for child in ast.iter_child_nodes(node):
            visit(child, bound, where)

    visit(tree, set(), "module level")
    return sorted(set(problems))


def _locally_bound(function) -> set:
    """Names a function binds itself (arguments, imports, assignments, `global`), not counting
    those of nested functions."""
    bound = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    pending = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_bound_by_import(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue
        if not isinstance(node, ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return bound


def check_case(case: Case, root: Path) -> dict:
    return check_fix(case, root) if case.target == "fix" else check_lint(case, root)


# -- running a case in a forked child ------------------------------------------------------------------
@dataclass
class Outcome:
    case: Case
    kind: Optional[str]  # None: every promise kept
    message: str
    seconds: float  # wall time of the child
    rss_mb: float  # estimated peak RSS of a lambdalint process doing the same work
    stats: dict = field(default_factory=dict)

    def report(self) -> str:
        return (f"[{self.kind}] {self.message}\n({self.seconds:.1f} s, ~{self.rss_mb:.0f} MB)\n"
                f"{self.case.describe()}")


def warm_up(scratch: Path) -> None:
    """Import and initialise lambdalint in this process once, so that each forked child starts warm."""
    import lambdalint.cli  # noqa: F401
    import test_hostile_fixes  # noqa: F401

    root = Path(tempfile.mkdtemp(dir=scratch))
    case = Case("warm-up", {f"{CASE}/app.py": b"import pandas as pd\n\n\ndef f(x):\n    return pd.X(x)\n\n\n"
                                              b"def handler(event, context):\n    return 1\n"})
    case.write(root)
    check_lint(case, root)
    shutil.rmtree(root, ignore_errors=True)


def run_isolated(case: Case, scratch: Path, hard_timeout: float = HARD_TIMEOUT_S) -> Outcome:
    """Write the case under `scratch`, check it in a forked child; the folder is removed after."""
    root = Path(tempfile.mkdtemp(dir=scratch))
    try:
        case.write(root)
        return _fork_and_check(case, root, hard_timeout)
    finally:
        _remove_tree(root)


def _remove_tree(root: Path) -> None:
    for folder, dirs, _ in os.walk(root):  # modes set by a case (0o000 folders) must not stop rmtree
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o755)
                except OSError:
                    pass
    shutil.rmtree(root, ignore_errors=True)
    for suffix in (".result", ".stderr"):
        try:
            os.unlink(str(root) + suffix)
        except OSError:
            pass


def _fork_and_check(case: Case, root: Path, hard_timeout: float) -> Outcome:
    result_file, stderr_file = str(root) + ".result", str(root) + ".stderr"
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(case, root, result_file, stderr_file)
    status, usage, killed = _wait(pid, hard_timeout)
    seconds = time.perf_counter() - start
    try:
        with open(result_file) as handle:
            result = json.load(handle)
    except (OSError, ValueError):
        result = None
    start_kb = result["rss_start_kb"] if result else _rss_kb()
    rss_mb = FRESH_PROCESS_MB + max(0, usage.ru_maxrss - start_kb) / 1024
    if killed:
        return Outcome(case, "timeout", f"killed after {hard_timeout:.0f} s (a hang)", seconds, rss_mb)
    if result is None:
        how = (f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
               else f"exit status {os.WEXITSTATUS(status)}")
        return Outcome(case, "crash", f"the checking process died ({how}): {_tail(stderr_file)}",
                       seconds, rss_mb)
    kind, message = result["kind"], result["message"]
    if kind in (None, "crash") and rss_mb > RSS_BUDGET_MB:
        kind, message = "memory", f"peak RSS ~{rss_mb:.0f} MB > {RSS_BUDGET_MB} MB. {message}".strip()
    return Outcome(case, kind, message, seconds, rss_mb, result.get("stats") or {})


def _child(case: Case, root: Path, result_file: str, stderr_file: str) -> None:
    code = 70
    try:
        start_kb = _rss_kb()
        descriptor = os.open(stderr_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(descriptor, 1)
        os.dup2(descriptor, 2)
        _cap_address_space()
        try:
            stats = check_case(case, root)
            result = {"kind": None, "message": "", "stats": stats}
        except Broken as exc:
            result = {"kind": exc.kind, "message": exc.message}
        except BaseException as exc:  # noqa: BLE001 - MemoryError, RecursionError ...
            result = {"kind": "crash", "message": f"{type(exc).__name__}: {exc}\n{_short_traceback()}"}
        result["rss_start_kb"] = start_kb
        with open(result_file, "w") as handle:
            json.dump(result, handle)
        code = 0
    finally:
        os._exit(code)


def _cap_address_space() -> None:
    current = _status_kb("VmSize") * 1024 or 1024 ** 3
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + ADDRESS_SPACE_CAP
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _rss_kb() -> int:
    return _status_kb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _status_kb(field_name: str) -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait(pid: int, hard_timeout: float):
    deadline = time.monotonic() + hard_timeout
    pause = 0.002
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)


def _tail(path: str, size: int = 2000) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read()[-size:].decode("utf-8", "backslashreplace").strip()
    except OSError:
        return ""


# ====================================================================================================
# Generators
# ====================================================================================================
def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


GOOD_HANDLER = """\
import json
import os

TABLE = os.environ.get("TABLE", "t")


def handler(event, context):
    return {"body": json.dumps(event), "table": TABLE}
"""

# Odd scalars as text, valid or not, in the places a value goes (YAML, and most of them HCL/TOML).
ODD_NUMBERS = ["0", "-1", "1" + "0" * 5_000, "9" * 4_301, "-" + "9" * 700, "1e400", "1.0e+400", "-1e400",
               ".inf", "-.inf", ".nan", "NaN", "Infinity", "0x7FFFFFFFFFFFFFFF", "0o777", "0b101", "1_000",
               "012", "190:20:30", "1e3", "3.5", "-0", "+12", "1e-400", "18446744073709551616"]


# -- zip archives --------------------------------------------------------------------------------------
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
END_RECORD = struct.Struct("<IHHHHIIH")
# field -> (offset in the header, struct code): what header mutations overwrite
LOCAL_FIELDS = {"version": (4, "H"), "flags": (6, "H"), "method": (8, "H"), "crc": (14, "I"),
                "compressed": (18, "I"), "size": (22, "I"), "name_length": (26, "H"), "extra_length": (28, "H")}
CENTRAL_FIELDS = {"made_by": (4, "H"), "version": (6, "H"), "flags": (8, "H"), "method": (10, "H"),
                  "crc": (16, "I"), "compressed": (20, "I"), "size": (24, "I"), "name_length": (28, "H"),
                  "extra_length": (30, "H"), "comment_length": (32, "H"), "disk": (34, "H"),
                  "external_attr": (38, "I"), "offset": (42, "I")}
END_FIELDS = {"disk": (4, "H"), "cd_disk": (6, "H"), "entries_here": (8, "H"), "entries": (10, "H"),
              "cd_size": (12, "I"), "cd_offset": (16, "I"), "comment_length": (20, "H")}
METHODS = [*range(0, 21), 93, 94, 95, 96, 97, 98, 99, 0xFFFF]
COMPRESSIBLE = (0, 8, 12, 14)  # methods this generator really compresses with; others are relabelled


@dataclass
class ZipMember:
    name: bytes
    raw: bytes  # uncompressed content
    method: int = 8
    flags: int = 0
    mode: int = 0o100644
    unix: bool = True
    bomb: bool = False  # raw is ignored: the member inflates to Scale.bomb_bytes of zeros


def _compress(method: int, raw: bytes) -> bytes:
    if method == 0 or method not in COMPRESSIBLE:
        return raw
    compressor = zipfile._get_compressor(method)  # noqa: SLF001 - the stdlib's own encoders
    return compressor.compress(raw) + compressor.flush()


@lru_cache(maxsize=None)
def compressed_zeros(method: int, size: int) -> Tuple[bytes, int]:
    """`size` zero bytes compressed with deflate, bzip2 or LZMA (a bomb), and their CRC."""
    compressor = zipfile._get_compressor(method)  # noqa: SLF001
    chunk = bytes(1024 * 1024)
    parts, crc = [], 0
    for _ in range(size // len(chunk)):
        parts.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    return b"".join(parts), crc


def zip_bytes(members: Sequence[ZipMember], scale: Scale, comment: bytes = b"") -> Tuple[bytes, dict]:
    """A zip archive written field by field, and where its headers are (for header mutations)."""
    out, central, layout = bytearray(), bytearray(), {"local": [], "central": []}
    for member in members:
        if member.bomb:
            method = member.method if member.method in (8, 12, 14) else 8
            data, crc = compressed_zeros(method, scale.bomb_bytes)
            size = 1000  # declares a small file
        else:
            method, data, crc, size = member.method, _compress(member.method, member.raw), \
                zlib.crc32(member.raw), len(member.raw)
        version = {12: 46, 14: 63}.get(method, 20)
        name = member.name[:0xFFFF]
        offset = len(out)
        layout["local"].append(offset)
        out += LOCAL_HEADER.pack(0x04034B50, version, member.flags, method, 0x6000, 0x58A1, crc,
                                 len(data) & 0xFFFFFFFF, size & 0xFFFFFFFF, len(name), 0) + name + data
        layout["central"].append(len(central))
        made_by = (3 if member.unix else 0) << 8 | 63
        central += CENTRAL_HEADER.pack(0x02014B50, made_by, version, member.flags, method, 0x6000, 0x58A1,
                                       crc, len(data) & 0xFFFFFFFF, size & 0xFFFFFFFF, len(name), 0, 0, 0, 0,
                                       (member.mode & 0xFFFF) << 16, offset & 0xFFFFFFFF) + name
    cd_offset = len(out)
    layout["central"] = [cd_offset + at for at in layout["central"]]
    out += central
    layout["end"] = len(out)
    count = min(len(members), 0xFFFF)
    out += END_RECORD.pack(0x06054B50, 0, 0, count, count, len(central), cd_offset, len(comment)) + comment
    return bytes(out), layout


def _elf(draw) -> bytes:
    """A small ELF shared object whose header fields, dynamic section and version-needed chain come
    from the draw: counts and offsets that are right, lie, loop or point past the end."""
    bits = draw(st.sampled_from([64, 32]))
    order = draw(st.sampled_from(["<", ">"]))
    machine = draw(st.sampled_from([62, 183, 3, 40, 0, 0xFFFF]))
    strtab = b"\0libc.so.6\0GLIBC_2.17\0GLIBC_2.28\0GLIBC_2.99\0" + b"A" * draw(st.sampled_from([0, 10, 5000]))
    header_size, ph_size = (64, 56) if bits == 64 else (52, 32)
    dyn_entry = 16 if bits == 64 else 8
    ph_count = 2
    dyn_offset = header_size + ph_count * ph_size
    dyn_count = 6
    str_offset = dyn_offset + dyn_count * dyn_entry
    need_offset = str_offset + len(strtab)
    interesting = st.sampled_from([0, 1, 16, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF])
    vn_cnt = draw(st.one_of(st.sampled_from([1, 2, 3]), interesting)) & 0xFFFF
    vna_next = draw(st.one_of(st.just(16), interesting)) & 0xFFFFFFFF
    vna_name = draw(st.one_of(st.sampled_from([11, 22, 33, 44]), interesting)) & 0xFFFFFFFF
    vn_next = draw(st.one_of(st.just(0), interesting)) & 0xFFFFFFFF
    verneed = struct.pack(order + "HHIII", 1, vn_cnt, 1, 16, vn_next)
    auxes = b"".join(struct.pack(order + "IHHII", 0, 0, 0, vna_name, vna_next) for _ in range(3))
    total = need_offset + len(verneed) + len(auxes)
    strsz = draw(st.one_of(st.just(len(strtab)), interesting))
    verneednum = draw(st.one_of(st.just(1), interesting))
    dynamic = [(5, str_offset), (10, strsz), (0x6FFFFFFE, need_offset), (0x6FFFFFFF, verneednum),
               (draw(st.sampled_from([1, 0x6FFFFFFE])), 0), (0, 0)]
    dyn_fmt = order + ("qQ" if bits == 64 else "iI")
    body = b"".join(struct.pack(dyn_fmt, tag, value & (2 ** bits - 1)) for tag, value in dynamic)
    file_size = draw(st.one_of(st.just(total), interesting))
    if bits == 64:
        ident = b"\x7fELF\x02" + (b"\x01" if order == "<" else b"\x02") + b"\x01" + bytes(9)
        head = ident + struct.pack(order + "HHIQQQIHHHHHH", 3, machine, 1, 0, header_size, 0, 0,
                                   header_size, ph_size, ph_count, 64, 0, 0)
        phs = struct.pack(order + "IIQQQQQQ", 1, 5, 0, 0, 0, file_size, file_size, 4096)
        phs += struct.pack(order + "IIQQQQQQ", 2, 6, dyn_offset, dyn_offset, dyn_offset,
                           dyn_count * dyn_entry, dyn_count * dyn_entry, 8)
    else:
        ident = b"\x7fELF\x01" + (b"\x01" if order == "<" else b"\x02") + b"\x01" + bytes(9)
        head = ident + struct.pack(order + "HHIIIIIHHHHHH", 3, machine, 1, 0, header_size, 0, 0,
                                   header_size, ph_size, ph_count, 40, 0, 0)
        phs = struct.pack(order + "IIIIIIII", 1, 0, 0, 0, file_size & 0xFFFFFFFF, file_size & 0xFFFFFFFF, 5, 4096)
        phs += struct.pack(order + "IIIIIIII", 2, dyn_offset, dyn_offset, dyn_offset, dyn_count * dyn_entry,
                           dyn_count * dyn_entry, 6, 4)
    return head + phs + body + strtab + verneed + auxes


@st.composite
def native_content(draw) -> bytes:
    kind = draw(st.sampled_from(["elf", "elf-cut", "magic-only", "macho", "fat", "pe", "junk"]))
    if kind == "elf":
        return _elf(draw)
    if kind == "elf-cut":
        binary = _elf(draw)
        return binary[: draw(st.integers(0, len(binary)))]
    if kind == "magic-only":
        return draw(st.sampled_from([b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"MZ", b"\x7fEL"]))
    if kind == "macho":
        return b"\xcf\xfa\xed\xfe" + struct.pack("<iiIIII", draw(st.sampled_from([0x01000007, 0x0100000C, -1])),
                                                 3, 6, draw(st.sampled_from([0, 1, 0xFFFFFFFF])), 0, 0)
    if kind == "fat":
        count = draw(st.sampled_from([0, 1, 2, 0xFFFF, 0x7FFFFFFF]))
        arch = struct.pack(">iiIII", 0x01000007, 3, 4096, 1 << 30, 12)
        return b"\xca\xfe\xba\xbe" + struct.pack(">I", count) + arch * draw(st.integers(0, 3))
    if kind == "pe":
        pe_offset = draw(st.sampled_from([64, 0, 0xFFFFFFFF, 60]))
        return b"MZ" + bytes(58) + struct.pack("<I", pe_offset) + b"PE\0\0" + struct.pack("<H", 0x8664)
    return draw(st.binary(max_size=64))


@st.composite
def zip_member_name(draw, scale: Scale) -> bytes:
    plain = st.sampled_from([
        "app.py", "handler.py", "pkg/__init__.py", "pkg/mod.py", "lib/_x.cpython-312-x86_64-linux-gnu.so",
        "lib/_y.cpython-311-aarch64-linux-gnu.so", "libz.so.1", "bin/tool", "python/layer_mod.py",
        "python/lib/python3.12/site-packages/m.py", "pkg-1.0.dist-info/RECORD", "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/WHEEL", "__pycache__/app.cpython-312.pyc", "app.pyc", "tests/test_app.py",
        "boto3/__init__.py", "pandas/__init__.py", "d/", "pkg/", "app.pyi", "app.py.bak"]).map(_utf8)
    odd = st.sampled_from([
        b"", b"/", b"..", b"../app.py", b"../../etc/passwd", b"/abs/app.py", b"C:\\win\\app.py", b"a\\..\\b.py",
        b"app.py\x00.txt", b"\xff\xfe.py", b"caf\xe9.py", b"\xed\xa0\x80.py", b"a\nb.py", b"a\rb.py",
        b"\x1b[31mred.py", "\u202egnp.py".encode(), b"./app.py", b"app.py/", b"a//b.py", b"sp ace#frag?q.py",
        b"100%.py", b"\x7f.py", b"\t.py", b" .py", b"app.py ", b"dir/../app.py", b"a/./b.py"])
    long = st.integers(200, min(scale.text, 0xFFFF - 3)).map(lambda n: b"a" * n + b".py")
    deep = st.integers(10, 3_000).map(lambda n: b"d/" * n + b"x.py")
    return draw(st.one_of(plain, plain, plain, odd, long, deep))


@st.composite
def zip_member(draw, scale: Scale) -> ZipMember:
    name = draw(zip_member_name(scale))
    content = draw(st.one_of(
        st.just(_utf8(GOOD_HANDLER)), st.just(_utf8(CANARY_HANDLER)), st.binary(max_size=200),
        native_content(), st.just(b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        st.just(b"Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_28_x86_64\n"),
        st.just(b"pkg/__init__.py,sha256=x,10\npkg/mod.py,,\n" + b"x" * 100),
        st.just(b"\xcb\r\r\n\0\0\0\0" + bytes(8) + b"\xe3"),  # a .pyc header and junk
        st.just(b"print 'python 2'\n"), st.just(b"def handler(event, context):\n    return (" * 5)))
    method = draw(st.one_of(st.sampled_from(COMPRESSIBLE), st.sampled_from(METHODS)))
    flags = draw(st.sampled_from([0, 0x800, 0x1, 0x8, 0x801, 0x41, 0xFFFF]))
    mode = draw(st.sampled_from([0o100644, 0o100755, 0o100000, 0o100600, 0o120777, 0o040755, 0o010644,
                                 0o020644, 0o140644, 0o104755, 0, 0xFFFF]))
    bomb = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
    unix = draw(st.integers(0, 3)) > 0  # else "made by" MS-DOS: no Unix mode
    return ZipMember(name, content, method, flags, mode, unix, bomb)


@st.composite
def zip_archive(draw, scale: Scale) -> bytes:
    members = draw(st.lists(zip_member(scale), min_size=0, max_size=6))
    if draw(st.booleans()):
        members.insert(0, ZipMember(b"app.py", _utf8(GOOD_HANDLER)))
    comment = draw(st.sampled_from([b"", b"comment", b"PK\x05\x06" + bytes(18)]))
    data, layout = zip_bytes(members, scale, comment)
    for _ in range(draw(st.integers(0, 3))):
        data = draw(zip_mutation(data, layout))
    return data


@st.composite
def zip_mutation(draw, data: bytes, layout: dict) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "field", "field", "field", "junk-before", "junk-after",
                                 "duplicate-cd", "zip64"]))
    buffer = bytearray(data)
    if kind == "flip" and buffer:
        at = draw(st.integers(0, len(buffer) - 1))
        buffer[at] ^= draw(st.integers(1, 255))
    elif kind == "truncate":
        del buffer[draw(st.integers(0, len(buffer))):]
    elif kind == "field":
        where = draw(st.sampled_from(["local", "central", "end"]))
        table = {"local": LOCAL_FIELDS, "central": CENTRAL_FIELDS, "end": END_FIELDS}[where]
        starts = [layout["end"]] if where == "end" else layout[where]
        if not starts:
            return bytes(buffer)
        start = draw(st.sampled_from(starts))
        offset, code = table[draw(st.sampled_from(sorted(table)))]
        bits = 16 if code == "H" else 32
        value = draw(st.one_of(st.sampled_from([0, 1, 63, 64, 0xFF, 2 ** (bits - 1), 2 ** bits - 1]),
                               st.integers(0, 2 ** bits - 1)))
        if start + offset + bits // 8 <= len(buffer):
            struct.pack_into("<" + code, buffer, start + offset, value)
    elif kind == "junk-before":
        buffer[0:0] = draw(st.sampled_from([b"#!/bin/sh\nexit 0\n", bytes(100), b"PK\x03\x04"]))
    elif kind == "junk-after":
        buffer += draw(st.sampled_from([b"\0" * 10, b"PK\x05\x06", b"x" * 30]))
    elif kind == "duplicate-cd" and layout["central"]:
        cd = bytes(buffer[layout["central"][0]:layout["end"]])
        buffer[layout["end"]:layout["end"]] = cd
    elif kind == "zip64":
        count = draw(st.sampled_from([1, 0xFFFFFFFFFFFFFFFF, 2 ** 40]))
        record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                             draw(st.sampled_from([0, 2 ** 62])), draw(st.sampled_from([0, 2 ** 63 - 1])))
        locator = struct.pack("<IIQI", 0x07064B50, 0, len(buffer) - 22 if len(buffer) >= 22 else 0, 1)
        end = len(buffer) - 22 if len(buffer) >= 22 else len(buffer)
        buffer[end:end] = record + locator
        if len(buffer) >= 22:
            struct.pack_into("<HH", buffer, len(buffer) - 22 + 8, 0xFFFF, 0xFFFF)
    return bytes(buffer)


@st.composite
def zip_cases(draw, scale: Scale) -> Case:
    archive = draw(zip_archive(scale))
    layout = draw(st.sampled_from(["folder", "file", "template", "layer"]))
    files = {f"{CASE}/fn.zip": archive}
    paths = [CASE] if layout == "folder" else [f"{CASE}/fn.zip"]
    if layout in ("template", "layer"):
        layer = draw(zip_archive(scale)) if layout == "layer" else zip_bytes(
            [ZipMember(b"python/util.py", b"X = 1\n")], scale)[0]
        files[f"{CASE}/layer.zip"] = layer
        files[f"{CASE}/template.yaml"] = _utf8(sam_text(code_uri="fn.zip", layer_uri="layer.zip"))
        paths = [CASE]
    options = draw(st.sampled_from([[], ["--runtime", "python3.11"], ["--architecture", "arm64"],
                                    ["--runtime", "python3.8", "--architecture", "arm64"]]))
    return Case("zip", files, paths, options)


def sam_text(code_uri: str = "src/", layer_uri: str = "", handler: str = "app.handler") -> str:
    layers = "      Layers: [!Ref Deps]\n" if layer_uri else ""
    text = ("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n"
            "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: {code_uri}\n      Handler: {handler}\n      Runtime: python3.12\n{layers}")
    if layer_uri:
        text += f"  Deps:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: {layer_uri}\n"
    return text


# -- documents: a tree of values, written as YAML, JSON, HCL or TOML --------------------------------
@dataclass(frozen=True)
class Raw:
    """Text written verbatim where a value goes (odd scalars, tags, deep nesting, syntax errors)."""

    text: str


@dataclass(frozen=True)
class Tag:
    """A CloudFormation short form: `!GetAtt Fn.Arn` (YAML) / {"Fn::GetAtt": ...} (JSON)."""

    name: str  # Ref, GetAtt, Sub, ...
    value: Any


@dataclass(frozen=True)
class Anchor:
    name: str
    value: Any


@dataclass(frozen=True)
class Alias:
    name: str


_PLAIN_KEY = re.compile(r"^[A-Za-z_][\w.-]*$")


def yaml_text(value: Any) -> str:
    """A mapping written in block style (flow style for small leaves)."""
    return "".join(_yaml_entries(value, 0)) if isinstance(value, dict) else "---" + _yaml_node(value, 0)


def _yaml_entries(mapping: dict, indent: int) -> List[str]:
    pad = "  " * indent
    return [f"{pad}{_yaml_key(key)}:{_yaml_node(item, indent + 1)}" for key, item in mapping.items()]


def _yaml_key(key: Any) -> str:
    if isinstance(key, Raw):
        return key.text
    if isinstance(key, str) and _PLAIN_KEY.match(key) and key.lower() not in ("yes", "no", "on", "off", "null",
                                                                              "true", "false", "y", "n"):
        return key
    return json.dumps(key) if isinstance(key, str) else str(key)


def _yaml_node(value: Any, indent: int) -> str:
    """The text after `key:` or `-`: ` scalar\\n` or `\\n` + an indented block."""
    pad = "  " * indent
    if isinstance(value, Anchor):
        return f" &{value.name}" + _yaml_node(value.value, indent)
    if isinstance(value, Alias):
        return f" *{value.name}\n"
    if isinstance(value, Tag):
        if isinstance(value.value, (dict, list)) and value.value:
            return f" !{value.name} {_yaml_flow(value.value)}\n"
        return f" !{value.name}{_yaml_node(value.value, indent)}"
    if isinstance(value, dict) and value:
        return "\n" + "".join(_yaml_entries(value, indent))
    if isinstance(value, list) and value:
        return "\n" + "".join(f"{pad}-{_yaml_node(item, indent + 1)}" for item in value)
    return f" {_yaml_flow(value)}\n"


def _yaml_flow(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Alias):
        return f"*{value.name}"
    if isinstance(value, Anchor):
        return f"&{value.name} {_yaml_flow(value.value)}"
    if isinstance(value, Tag):
        return f"!{value.name} {_yaml_flow(value.value)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_key(k)}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else ".nan" if value != value else (
            ".inf" if value > 0 else "-.inf")
    return json.dumps(value)  # \uXXXX escapes: odd characters inside a valid document (raw ones: mutations)


_JSON_INTRINSIC = {"Ref": "Ref", "Condition": "Condition"}


def json_text(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, (Anchor,)):
        return json_text(value.value)
    if isinstance(value, Alias):
        return "null"
    if isinstance(value, Tag):
        key = _JSON_INTRINSIC.get(value.name, f"Fn::{value.name}")
        inner = value.value.split(".", 1) if value.name == "GetAtt" and isinstance(value.value, str) else value.value
        return json_text({key: inner})
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json_text(k if isinstance(k, (str, Raw)) else str(k))}: {json_text(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def hcl_value(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Tag):
        return _hcl_reference(value)
    if isinstance(value, (Anchor, Alias)):
        return "null"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_hcl_key(k)} = {hcl_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return "1e400"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False).replace("${", "$${")


def _hcl_reference(tag: Tag) -> str:
    text = str(tag.value) if not isinstance(tag.value, (dict, list)) else "x"
    return re.sub(r"[^\w.\[\]*-]", "_", text) or "x"


def _hcl_key(key: Any) -> str:
    if isinstance(key, Raw):
        return key.text
    return key if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][\w-]*", key) else json.dumps(str(key))


def toml_value(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '""'
    if isinstance(value, float):
        return "nan" if value != value else "inf" if value == float("inf") else "-inf" if value == -float(
            "inf") else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: Any) -> str:
    if isinstance(key, Raw):
        return key.text
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


# -- values of every type, for every position ------------------------------------------------------
ODD_STRINGS = ["", " ", "\x00", "a\x00b", "\t", "\n", "\r\n", "\x1b[2J", "\u202e", "\ud800", "\udcff", "\ufeff",
               "é", "日本", "${self:}", "${", "}", "$${x}", "%{if}", "!Ref", "*", "&", "{", "[", "'", '"', "\\",
               "../../etc/passwd", "/dev/zero", "/dev/null", "/", ".", "..", "~", "null", "yes", "NaN", "-",
               "a" * 300, "s3://bucket/key", "arn:aws:sqs:us-east-1:123456789012:q",
               "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"]


def scalars(scale: Scale) -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.booleans(), st.integers(), st.sampled_from([0, -1, 2 ** 31, 2 ** 63, 2 ** 64, 10 ** 30]),
        st.floats(), st.sampled_from(ODD_STRINGS), st.text(max_size=20),
        st.integers(1, 20).map(lambda n: "x" * min(scale.text, 10 ** 5) if n == 1 else "y" * n),
        st.sampled_from(ODD_NUMBERS).map(Raw))


def any_value(scale: Scale, depth: int = 2) -> st.SearchStrategy:
    """A value of any type: the wrong type in any position."""
    leaves = scalars(scale)
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)),
        max_leaves=8 if depth else 1)


def deep_nesting(draw, scale: Scale, style: str) -> Raw:
    """Brackets nested from tens to Scale.depth levels (flow style)."""
    depth = draw(st.sampled_from([50, 199, 201, 1_000, scale.depth]))
    opening, closing = {"list": ("[", "]"), "map": ("{a: ", "}"), "hcl-map": ("{a = ", "}"),
                        "json-map": ('{"a": ', "}")}[style]
    return Raw(opening * depth + "1" + closing * depth)


# -- CloudFormation / SAM templates ----------------------------------------------------------------------
RUNTIMES = ["python3.12", "python3.8", "python2.7", "python3.13", "python3.99", "nodejs18.x", "java21",
            "provided.al2", "", "PYTHON3.12"]
SAM_FUNCTION_KEYS = ["CodeUri", "Handler", "Runtime", "Timeout", "MemorySize", "Events", "Environment", "Layers",
                     "DeadLetterQueue", "EventInvokeConfig", "AutoPublishAlias", "ProvisionedConcurrencyConfig",
                     "ReservedConcurrentExecutions", "VpcConfig", "Architectures", "EphemeralStorage",
                     "PackageType", "Policies", "Role", "InlineCode", "FunctionName", "ImageUri",
                     "DeploymentPreference", "Tracing", "Description"]
LAMBDA_FUNCTION_KEYS = ["Code", "Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Layers",
                        "DeadLetterConfig", "ReservedConcurrentExecutions", "VpcConfig", "Role", "PackageType",
                        "EphemeralStorage", "Architectures", "FunctionName"]
RESOURCE_KEYS = {
    "AWS::Serverless::Function": SAM_FUNCTION_KEYS,
    "AWS::Lambda::Function": LAMBDA_FUNCTION_KEYS,
    "AWS::Lambda::EventSourceMapping": ["EventSourceArn", "FunctionName", "BatchSize", "StartingPosition",
                                        "DestinationConfig", "FunctionResponseTypes", "MaximumRetryAttempts",
                                        "BisectBatchOnFunctionError", "MaximumBatchingWindowInSeconds", "Enabled"],
    "AWS::SQS::Queue": ["VisibilityTimeout", "RedrivePolicy", "FifoQueue", "MessageRetentionPeriod"],
    "AWS::Serverless::LayerVersion": ["ContentUri", "CompatibleRuntimes", "LayerName"],
    "AWS::Lambda::LayerVersion": ["Content", "CompatibleRuntimes"],
    "AWS::Lambda::Alias": ["FunctionName", "FunctionVersion", "RoutingConfig", "ProvisionedConcurrencyConfig"],
    "AWS::Lambda::Version": ["FunctionName", "ProvisionedConcurrencyConfig"],
    "AWS::Lambda::EventInvokeConfig": ["FunctionName", "Qualifier", "MaximumRetryAttempts",
                                       "MaximumEventAgeInSeconds", "DestinationConfig"],
    "AWS::Lambda::Permission": ["FunctionName", "Principal", "SourceArn", "Action"],
    "AWS::SNS::Subscription": ["Protocol", "Endpoint", "TopicArn"],
    "AWS::Events::Rule": ["Targets", "ScheduleExpression", "EventPattern"],
    "AWS::ApiGatewayV2::Integration": ["IntegrationUri", "TimeoutInMillis", "IntegrationType", "ApiId"],
    "AWS::ApiGateway::Method": ["Integration", "HttpMethod"],
    "AWS::S3::Bucket": ["NotificationConfiguration", "BucketName"],
    "AWS::IAM::Role": ["Policies", "ManagedPolicyArns", "AssumeRolePolicyDocument"],
    "AWS::Kinesis::Stream": ["ShardCount"],
    "AWS::SNS::Topic": ["TopicName"],
    "AWS::ElasticLoadBalancingV2::TargetGroup": ["TargetType", "Targets"],
    "AWS::Scheduler::Schedule": ["Target", "ScheduleExpression"],
    "AWS::Serverless::Api": ["StageName", "DefinitionBody"],
}
NAMES = ["Fn", "Fn2", "Queue", "Dlq", "Stream", "Deps", "Topic", "Bucket", "Alias", "Role", "Api", "Missing"]
EVENT_TYPES = ["SQS", "Kinesis", "DynamoDB", "S3", "SNS", "Api", "HttpApi", "Schedule", "ScheduleV2",
               "EventBridgeRule", "CloudWatchEvent", "MSK", "MQ", "SelfManagedKafka", "Cognito", "IoTRule",
               "CloudWatchLogs", "Unknown"]
EVENT_KEYS = ["Queue", "Stream", "BatchSize", "StartingPosition", "MaximumRetryAttempts", "DestinationConfig",
              "BisectBatchOnFunctionError", "FunctionResponseTypes", "Bucket", "Events", "Topic", "Path",
              "Method", "Schedule", "Pattern", "Enabled", "MaximumBatchingWindowInSeconds", "TimeoutInMillis"]


def references() -> st.SearchStrategy:
    name = st.sampled_from(NAMES)
    return st.one_of(
        name.map(lambda n: Tag("Ref", n)), name.map(lambda n: Tag("GetAtt", f"{n}.Arn")),
        st.sampled_from(["Fn.Arn.Extra", "Fn", "", ".", "Queue.QueueName"]).map(lambda v: Tag("GetAtt", v)),
        st.lists(st.sampled_from(NAMES + ["Arn"]), max_size=3).map(lambda v: Tag("GetAtt", v)),
        st.sampled_from(["${Fn.Arn}", "arn:${AWS::Partition}:sqs:${AWS::Region}:1:q", "${"]).map(
            lambda v: Tag("Sub", v)),
        st.just(Tag("If", ["Cond", Tag("Ref", "Queue"), Tag("Ref", "AWS::NoValue")])),
        st.just(Tag("Join", ["", ["arn:", Tag("Ref", "AWS::Region")]])),
        st.just(Tag("ImportValue", "x")), st.just(Tag("Unknown", "x")),
        st.just({"Fn::GetAtt": "Fn.Arn"}), st.just({"Ref": ["a"]}),
        st.sampled_from(["arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:kinesis:us-east-1:1:stream/s",
                         "arn:aws:lambda:us-east-1:1:function:f", "arn:aws:sns:us-east-1:1:t"]))


def _good_value(key: str, scale: Scale) -> st.SearchStrategy:
    number = st.one_of(st.sampled_from([0, 1, 3, 30, 60, 128, 900, 901, 10_240, 10_241, -1, 100_000]),
                       st.sampled_from(["900", "abc", "3.5", "0x10", "9" * 5_000]), st.sampled_from(ODD_NUMBERS).map(Raw))
    event = st.fixed_dictionaries({"Type": st.sampled_from(EVENT_TYPES)}, optional={
        "Properties": st.dictionaries(st.sampled_from(EVENT_KEYS), st.one_of(references(), number, scalars(scale)),
                                      max_size=5)})
    destination = st.fixed_dictionaries({"OnFailure": st.one_of(st.fixed_dictionaries({
        "Destination": references(), "Type": st.sampled_from(["SQS", "SNS", "Lambda", "EventBridge", "S3", 1])}),
        scalars(scale))})
    table = {
        "CodeUri": st.sampled_from(["src/", ".", "fn.zip", "../", "/dev/null", "/etc", "s3://b/k", "src/app.py",
                                    "nonexistent/", "src/\x00", "a" * 300 + "/", "\udcff/", "~/x", "*"]),
        "ContentUri": st.sampled_from(["layer/", ".", "src/", "/", "missing/"]),
        "Handler": st.sampled_from(["app.handler", "app", "a.b.c.handler", "../app.handler", "app.handler\x00",
                                    "", ".handler", "app.", "src/app.handler", "app.handler" * 100]),
        "Runtime": st.sampled_from(RUNTIMES),
        "Events": st.dictionaries(st.sampled_from(["E1", "E2", "Q", "S"]), st.one_of(event, scalars(scale)),
                                  max_size=3),
        "Environment": st.one_of(st.fixed_dictionaries({"Variables": st.dictionaries(
            st.sampled_from(["TABLE", "AWS_REGION", "PASSWORD", "SECRET_KEY", "_HANDLER", "x" * 200, ""]),
            st.one_of(scalars(scale), references()), max_size=4)}), scalars(scale)),
        "Layers": st.lists(st.one_of(references(), st.just(Tag("Ref", "Deps"))), max_size=7),
        "EventInvokeConfig": st.fixed_dictionaries({}, optional={
            "MaximumRetryAttempts": number, "MaximumEventAgeInSeconds": number, "DestinationConfig": destination}),
        "DestinationConfig": destination,
        "DeadLetterQueue": st.fixed_dictionaries({"Type": st.sampled_from(["SQS", "SNS", "x"]),
                                                  "TargetArn": references()}),
        "DeadLetterConfig": st.fixed_dictionaries({"TargetArn": references()}),
        "RedrivePolicy": st.one_of(st.fixed_dictionaries({"deadLetterTargetArn": references(),
                                                          "maxReceiveCount": number}), st.just("{\"a\": 1}")),
        "RoutingConfig": st.fixed_dictionaries({"AdditionalVersionWeights": st.lists(st.fixed_dictionaries({
            "FunctionVersion": st.one_of(references(), st.sampled_from(["1", "$LATEST"])),
            "FunctionWeight": st.one_of(number, st.floats())}), max_size=3)}),
        "ProvisionedConcurrencyConfig": st.fixed_dictionaries({"ProvisionedConcurrentExecutions": number}),
        "VpcConfig": st.fixed_dictionaries({}, optional={"SubnetIds": st.lists(references(), max_size=2),
                                                         "SecurityGroupIds": st.lists(references(), max_size=2)}),
        "Architectures": st.lists(st.sampled_from(["x86_64", "arm64", "sparc"]), max_size=2),
        "EphemeralStorage": st.fixed_dictionaries({"Size": number}),
        "Code": st.one_of(st.sampled_from(["src/", "fn.zip", "/dev/null"]),
                          st.fixed_dictionaries({"ZipFile": st.just("def handler(e, c):\n    pass\n")}),
                          st.fixed_dictionaries({"S3Bucket": st.just("b"), "S3Key": st.just("k")})),
        "Targets": st.lists(st.fixed_dictionaries({"Arn": references(), "Id": st.just("T")}), max_size=2),
        "NotificationConfiguration": st.fixed_dictionaries({"LambdaConfigurations": st.lists(
            st.fixed_dictionaries({"Function": references(), "Event": st.just("s3:ObjectCreated:*")}), max_size=2)}),
        "Integration": st.fixed_dictionaries({"Uri": st.one_of(references(), st.just(Tag(
            "Sub", "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations"))),
            "TimeoutInMillis": number}),
    }
    if key in table:
        return table[key]
    if key in ("FunctionName", "EventSourceArn", "Endpoint", "TopicArn", "SourceArn", "IntegrationUri", "Role",
               "FunctionVersion", "Qualifier", "Target"):
        return references()
    return number


def value_for(key: str, scale: Scale) -> st.SearchStrategy:
    good = _good_value(key, scale)
    return st.one_of(good, good, good, good, any_value(scale), references())


@st.composite
def template_resource(draw, scale: Scale) -> Any:
    functions = ["AWS::Serverless::Function", "AWS::Lambda::Function"]
    kind = draw(st.one_of(st.sampled_from(functions), st.sampled_from(sorted(RESOURCE_KEYS))))
    keys = draw(st.lists(st.sampled_from(RESOURCE_KEYS[kind]), max_size=7, unique=True))
    properties = {key: draw(value_for(key, scale)) for key in keys}
    if kind == "AWS::Serverless::Function" and draw(st.booleans()):
        properties.setdefault("CodeUri", "src/")
        properties.setdefault("Handler", "app.handler")
        properties.setdefault("Runtime", "python3.12")
    body: Dict[Any, Any] = {"Type": kind, "Properties": properties}
    if draw(st.integers(0, 5)) == 0:
        body["Properties"] = draw(any_value(scale))
    if draw(st.integers(0, 7)) == 0:
        body["Type"] = draw(any_value(scale))
    if draw(st.integers(0, 5)) == 0:
        body["Metadata"] = {"aws:asset:path": draw(st.sampled_from(["asset.1", "src", "/dev/null", "..", "\x00"])),
                            "aws:asset:property": "Code"}
    if draw(st.integers(0, 5)) == 0:
        body[draw(st.sampled_from(["DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy"]))] = \
            draw(any_value(scale))
    if draw(st.integers(0, 9)) == 0:
        return draw(any_value(scale))
    return body


@st.composite
def template_tree(draw, scale: Scale, yaml_only: bool = True) -> Dict[Any, Any]:
    tree: Dict[Any, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if draw(st.booleans()):
        tree["Transform"] = draw(st.one_of(st.just("AWS::Serverless-2016-10-31"),
                                           st.just(["AWS::Serverless-2016-10-31"]), any_value(scale)))
    anchors = []
    if yaml_only and draw(st.booleans()):
        tree["Metadata"] = draw(_anchors(scale, anchors))
    if draw(st.booleans()):
        tree["Globals"] = {"Function": {key: draw(value_for(key, scale)) for key in draw(st.lists(
            st.sampled_from(SAM_FUNCTION_KEYS), max_size=5, unique=True))}}
        if draw(st.integers(0, 4)) == 0:
            tree["Globals"] = draw(any_value(scale))
    if draw(st.integers(0, 3)) == 0:
        tree["Parameters"] = {"P": {"Type": "Number", "Default": draw(scalars(scale))}}
    if draw(st.integers(0, 3)) == 0:
        tree["Conditions"] = {"Cond": Tag("Equals", [Tag("Ref", "P"), 1])}
    resources = {}
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True)):
        resources[name] = draw(template_resource(scale))
    if anchors and draw(st.booleans()):
        name = draw(st.sampled_from(NAMES))
        resources[name] = Alias(draw(st.sampled_from(anchors)))
    if yaml_only and draw(st.integers(0, 3)) == 0:
        resources[draw(st.sampled_from(NAMES))] = {"Type": "AWS::Serverless::Function", "Properties": {
            "CodeUri": "src/", Raw("<<"): Alias(anchors[0]) if anchors else {}, "Handler": "app.handler"}}
    if draw(st.integers(0, 6)) == 0:
        resources[Raw(draw(st.sampled_from(["1", "null", "true", "[a, b]", "? [a]", "~"])))] = {"Type": "x"}
    if draw(st.integers(0, 5)) == 0:
        resources["Deep"] = deep_nesting(draw, scale, "list" if yaml_only else "json-map")
    tree["Resources"] = resources if draw(st.integers(0, 9)) else draw(any_value(scale))
    if draw(st.integers(0, 4)) == 0:
        tree["Outputs"] = {"O": {"Value": draw(references())}}
    return tree


@st.composite
def _anchors(draw, scale: Scale, names: List[str]) -> dict:
    """Anchored values (reused by aliases later): plain, recursive, merge keys, alias bombs."""
    metadata = {}
    kind = draw(st.sampled_from(["plain", "recursive-list", "recursive-map", "recursive-merge", "bomb", "laughs"]))
    if kind == "plain":
        metadata["a"] = Anchor("a", {"Timeout": draw(scalars(scale)), "Runtime": "python3.12"})
        names.append("a")
    elif kind == "recursive-list":
        metadata["a"] = Anchor("a", [Alias("a")])
        names.append("a")
    elif kind == "recursive-map":
        metadata["a"] = Anchor("a", {"self": Alias("a"), "Timeout": 3})
        names.append("a")
    elif kind == "recursive-merge":
        metadata["a"] = Anchor("a", {Raw("<<"): Alias("a"), "Handler": "app.handler"})
        names.append("a")
    else:
        levels = draw(st.integers(2, 9 if scale is LONG else 7))
        width = draw(st.integers(2, 10))
        metadata["l0"] = Anchor("l0", ["lol"] * width)
        for level in range(1, levels):
            metadata[f"l{level}"] = Anchor(f"l{level}", [Alias(f"l{level - 1}")] * width)
        names.append(f"l{levels - 1}")
    return metadata


ODD_YAML_LINES = [
    "Timeout: !!binary aGVsbG8=", "X: !!binary ***", "X: !!set {a, b}", "X: !!omap [a: 1]",
    "X: !!python/object/apply:os.system ['true']", "X: !!python/name:os.system", "X: !!int abc",
    "X: !!float xyz", "X: !!timestamp nope", "X: 2001-02-30", "X: 2001-12-14t21:59:43.10-05:00",
    "X: *undefined", "X: &dup 1", "X: &dup 2", "? [a, b]\n: c", "? {a: b}\n: c", "X: [1, 2", "X: {a: 1",
    "X: '", 'X: "\\x00"', 'X: "\\ud800"', 'X: "\\U0010FFFF"', "X: |\n  block\n  text", "X: >-\n  folded",
    "X: !GetAtt", "X: !Ref", "X: !Sub [a, {b: !Ref c}]", "X: !If [C, a]", "X: !Base64 !Sub x",
    "X: !GetAtt [a, b, c]", "%YAML 1.1", "%TAG ! tag:x,2024:", "---", "...", "X: @reserved", "X: `tick",
    "<<: {a: 1}", "<<: [*undefined]", "<<: 1", "X: \t1", "\tX: 1", "X:\n- a\n - b", "X: !!null notnull",
    "X: !!str", "X: !<tag:yaml.org,2002:int> 12", "1: one", "null: x", "true: y", "? : z", "X: ~",
    "X: " + "\\" * 10, "X: \x85", "X: \u2028", "X: \x00", "Timeout: 1" + "0" * 5_000,
]


@st.composite
def text_mutation(draw, text: str, odd_lines: Sequence[str], scale: Scale, tokens: bool = False) -> str:
    """One edit of a configuration file's text: lines deleted, duplicated, moved, re-indented,
    a value replaced by an odd one, an odd line inserted, deep nesting, a byte cut or changed."""
    lines = text.splitlines(keepends=True) or [""]
    at = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "value", "value", "insert",
                                 "insert", "deep", "truncate", "char", "tabs", "repeat"]))
    if kind == "delete":
        del lines[at]
    elif kind == "duplicate":
        lines.insert(at, lines[at])
    elif kind == "swap" and len(lines) > 1:
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "indent":
        lines[at] = " " * draw(st.integers(1, 4)) + lines[at]
    elif kind == "dedent":
        lines[at] = lines[at].lstrip(" ")
    elif kind == "value":
        separator = " = " if tokens else ": "
        head, found, _ = lines[at].partition(separator)
        replacement = draw(st.one_of(st.sampled_from(ODD_NUMBERS), st.sampled_from(odd_lines).map(
            lambda line: line.split(": ", 1)[-1].split(" = ", 1)[-1])))
        if found:
            lines[at] = f"{head}{separator}{replacement}\n"
    elif kind == "insert":
        indent = re.match(r"[ \t]*", lines[at]).group(0)
        odd = draw(st.sampled_from(odd_lines))
        lines.insert(at, "".join(indent + line + "\n" for line in odd.split("\n")))
    elif kind == "deep":
        indent = re.match(r"[ \t]*", lines[at]).group(0)
        nested = deep_nesting(draw, scale, draw(st.sampled_from(["list", "hcl-map" if tokens else "map"])))
        lines.insert(at, f"{indent}X{' = ' if tokens else ': '}{nested.text}\n")
    elif kind == "truncate":
        joined = "".join(lines)
        return joined[:draw(st.integers(0, len(joined)))]
    elif kind == "char":
        line = lines[at]
        column = draw(st.integers(0, len(line)))
        odd = draw(st.sampled_from(["\x00", "\t", "\r", "\x0b", "\x0c", "\x1a", "\ufeff", "\u2028", "\x85", "'",
                                    '"', "{", "[", "&", "*", "!", "|", ">", "#", "%", "@", "\\", "$", "${", "\ud800"]))
        lines[at] = line[:column] + odd + line[column:]
    elif kind == "tabs":
        lines[at] = lines[at].replace("  ", "\t")
    elif kind == "repeat":
        count = draw(st.sampled_from([2, 100, 5_000]))
        lines[at:at + 1] = [lines[at]] * min(count, max(1, scale.max_bytes // max(1, len(lines[at]))))
    result = "".join(lines)
    return result if len(result) <= scale.max_bytes else text


@st.composite
def encoded(draw, text: str) -> bytes:
    """The text in UTF-8 (mostly), with CRLF or CR endings, a BOM, or another encoding."""
    how = draw(st.sampled_from(["utf-8"] * 16 + ["crlf", "crlf", "cr", "bom", "utf-16", "utf-32", "latin-1", "cut"]))
    raw = text.encode("utf-8", "surrogatepass")
    if how == "crlf":
        return raw.replace(b"\n", b"\r\n")
    if how == "cr":
        return raw.replace(b"\n", b"\r")
    if how == "bom":
        return codecs.BOM_UTF8 + raw
    if how in ("utf-16", "utf-32", "latin-1"):
        return text.encode(how, "replace")
    if how == "cut" and raw:
        return raw[:-1] + b"\xff\xc3"
    return raw


def _rule_example_files(names: Tuple[str, ...]) -> List[Dict[str, bytes]]:
    """Rule examples holding one of `names`, as text files (zips and big members left out)."""
    from lambdalint.rules import ALL_RULES

    seeds = []
    for rule in ALL_RULES:
        for example in (*rule.valid, *rule.invalid):
            files = {rel: (value.encode() if isinstance(value, str) else value)
                     for rel, value in example.files.items() if isinstance(value, (str, bytes))}
            if any(rel.rsplit("/", 1)[-1] in names or rel.endswith(names) for rel in files):
                seeds.append(files)
    return seeds


@lru_cache(maxsize=None)
def seed_projects(kind: str) -> Tuple[Tuple[Tuple[str, bytes], ...], ...]:
    """Small real projects to mutate: fixtures and rule examples holding a `kind` file."""
    names = {"yaml": ("template.yaml", "template.yml", ".json", "template.template"),
             "serverless": ("serverless.yml", "serverless.yaml"), "hcl": (".tf",)}[kind]
    projects = _rule_example_files(names)
    fixture_files = {"yaml": ["fixtures/demo/template.yaml", "fixtures/same-app/template.yaml"],
                     "serverless": ["fixtures/same-app/serverless.yml"], "hcl": ["fixtures/same-app/main.tf"]}
    for rel in fixture_files[kind]:
        path = REPO / rel
        project = {path.name: path.read_bytes()}
        for source in sorted(path.parent.rglob("*.py")):
            project[str(source.relative_to(path.parent))] = source.read_bytes()
        projects.append(project)
    return tuple(tuple(sorted(project.items())) for project in projects)


def _main_file(project: Dict[str, bytes], names: Tuple[str, ...]) -> str:
    candidates = [rel for rel in sorted(project) if rel.endswith(names)]
    return candidates[0]


@st.composite
def yaml_cases(draw, scale: Scale) -> Case:
    """SAM/CloudFormation templates: generated trees (YAML or JSON), or mutated seeds."""
    source = draw(st.sampled_from(["tree-yaml", "tree-yaml", "tree-json", "seed", "seed"]))
    if source == "seed":
        project = dict(draw(st.sampled_from(seed_projects("yaml"))))
        main = _main_file(project, ("template.yaml", "template.yml", ".json", ".template"))
        text = project[main].decode("utf-8")
        for _ in range(draw(st.integers(1, 3))):
            text = draw(text_mutation(text, ODD_YAML_LINES, scale))
        project[main] = draw(encoded(text))
        files = {f"{CASE}/{rel}": data for rel, data in project.items()}
        return Case("yaml", files, [CASE] if draw(st.booleans()) else [f"{CASE}/{main}"])
    as_json = source == "tree-json"
    tree = draw(template_tree(scale, yaml_only=not as_json))
    text = json_text(tree) if as_json else yaml_text(tree)
    if not as_json and draw(st.integers(0, 2)) == 0:
        text = draw(text_mutation(text, ODD_YAML_LINES, scale))
    name = "template.json" if as_json else draw(st.sampled_from(["template.yaml", "template.yml", "cdk.template"]))
    files = {f"{CASE}/{name}": draw(encoded(text)), f"{CASE}/src/app.py": _utf8(GOOD_HANDLER)}
    if draw(st.booleans()):
        files[f"{CASE}/fn.zip"] = zip_bytes([ZipMember(b"app.py", _utf8(GOOD_HANDLER))], scale)[0]
        files[f"{CASE}/layer/python/util.py"] = b"X = 1\n"
    links, fifos = draw(special_paths(scale, ["src2", "asset.1"]))
    return Case("yaml", files, [CASE] if draw(st.booleans()) else [f"{CASE}/{name}"], links=links, fifos=fifos)


@st.composite
def special_paths(draw, scale: Scale, names: Sequence[str]) -> Tuple[Dict[str, str], List[str]]:
    """Symlinks (dangling, looping, leaving the project, to devices) and FIFOs where code is looked for."""
    links: Dict[str, str] = {}
    fifos: List[str] = []
    if not draw(st.integers(0, 3)) == 0:
        return links, fifos
    name = draw(st.sampled_from(list(names)))
    targets = ["src", "/nonexistent", name, "..", "/", "src/app.py"]
    if scale.specials:
        targets += ["/dev/zero", "/dev/urandom", "/dev/null", "fifo"]
    target = draw(st.sampled_from(targets))
    if target == "fifo":
        fifos.append(f"{CASE}/{name}")
    else:
        links[f"{CASE}/{name}"] = target
    return links, fifos


# -- serverless.yml --------------------------------------------------------------------------------------
VARIABLES = ["${self:custom.a}", "${self:custom.b}", "${self:provider.stage}", "${self:}", "${self:custom}",
             "${self:functions.f.timeout}", "${opt:stage, 'dev'}", "${opt:t, 10}", "${opt:x}", "${sls:stage}",
             "${sls:instanceId}", "${env:HOME, 'x'}", "${env:NOPE}", "${ssm:/a/b}", "${file(./x.yml):k}",
             "${cf:stack.out}", "${self:custom.${opt:stage, 'dev'}}", "${self:custom.a, ${self:custom.b}}",
             "${aws:region}", "${strToBool(true)}", "${self:custom.missing}", "${self:custom.a",
             "${}", "${ }", "$${self:x}", "${self:custom.a}}", "${{}}", "${opt:t, 1" + "0" * 5_000 + "}",
             "${self:custom.deep}", "${self:custom.cycle1}", "${self:custom.big}", "${self:custom.list}",
             "${self:custom.map}", "${self:custom.num}", "prefix-${self:custom.a}-suffix",
             "${self:custom.a}${self:custom.a}${self:custom.b}"]


def variable_text() -> st.SearchStrategy:
    return st.lists(st.sampled_from(VARIABLES), min_size=1, max_size=3).map("".join)


@st.composite
def serverless_custom(draw, scale: Scale) -> dict:
    custom: Dict[Any, Any] = {"a": draw(st.one_of(variable_text(), scalars(scale))), "b": "plain",
                              "num": draw(st.one_of(st.sampled_from([3, 900, 901]), st.sampled_from(ODD_NUMBERS).map(Raw))),
                              "list": [1, "${self:custom.a}"], "map": {"k": "${self:custom.b}"},
                              "dev": "stage-value"}
    chain = draw(st.integers(0, 60))
    for index in range(chain):
        custom[f"c{index}"] = f"${{self:custom.c{index + 1}}}"
    custom["deep"] = "${self:custom.c0}" if chain else "x"
    custom["cycle1"] = "${self:custom.cycle2}"
    custom["cycle2"] = draw(st.sampled_from(["${self:custom.cycle1}", "${self:custom.cycle2}", "end"]))
    if draw(st.booleans()):  # a string bomb: each level repeats the previous one `width` times
        levels, width = draw(st.integers(2, 8)), draw(st.integers(2, 60))
        custom["v0"] = "A" * draw(st.sampled_from([1, 100, 1_000]))
        for level in range(1, levels):
            custom[f"v{level}"] = f"${{self:custom.v{level - 1}}}" * width
        custom["big"] = f"${{self:custom.v{levels - 1}}}"
    else:
        custom["big"] = "small"
    return custom


SERVERLESS_EVENTS = ["sqs", "stream", "s3", "sns", "http", "httpApi", "schedule", "eventBridge", "alb",
                     "kafka", "websocket", "cloudwatchLog", "unknown"]


@st.composite
def serverless_function(draw, scale: Scale) -> dict:
    value = st.one_of(variable_text(), scalars(scale), st.sampled_from([3, 30, 900, 901, 1024, 10_241]))
    function: Dict[str, Any] = {"handler": draw(st.sampled_from(["app.handler", "src/app.handler", "${self:custom.a}",
                                                                 "app", "", "x.y.z"]))}
    for key in draw(st.lists(st.sampled_from(["runtime", "timeout", "memorySize", "environment", "layers",
                                              "events", "destinations", "package", "module", "maximumRetryAttempts",
                                              "maximumEventAge", "onError", "vpc", "reservedConcurrency",
                                              "provisionedConcurrency", "architecture", "ephemeralStorageSize",
                                              "image"]), max_size=7, unique=True)):
        if key == "runtime":
            function[key] = draw(st.one_of(st.sampled_from(RUNTIMES), variable_text()))
        elif key == "events":
            function[key] = draw(st.lists(st.one_of(st.dictionaries(st.sampled_from(SERVERLESS_EVENTS), st.one_of(
                st.fixed_dictionaries({}, optional={"arn": st.one_of(references(), variable_text()),
                                                    "batchSize": value, "type": st.just("dynamodb"),
                                                    "startingPosition": st.just("LATEST"),
                                                    "maximumRetryAttempts": value, "destinations": st.fixed_dictionaries(
                                                        {"onFailure": st.one_of(variable_text(), references())}),
                                                    "bucket": st.just("b"), "event": st.just("s3:ObjectCreated:*"),
                                                    "path": st.just("/"), "method": st.just("get"),
                                                    "timeout": value}),
                value), min_size=1, max_size=1), scalars(scale)), max_size=4))
        elif key == "environment":
            function[key] = draw(st.dictionaries(st.sampled_from(["A", "AWS_REGION", "PASSWORD", "BIG"]), value,
                                                 max_size=3))
        elif key == "destinations":
            function[key] = {"onFailure": draw(st.one_of(variable_text(), references(), scalars(scale)))}
        elif key == "package":
            function[key] = {"artifact": draw(st.sampled_from(["fn.zip", "missing.zip", "/dev/null", "a\x00b.zip",
                                                              "${self:custom.a}", "x" * 300]))}
        elif key == "layers":
            function[key] = draw(st.lists(st.one_of(variable_text(), references()), max_size=6))
        elif key == "vpc":
            function[key] = {"securityGroupIds": ["sg-1"], "subnetIds": draw(st.one_of(st.just([]), value))}
        else:
            function[key] = draw(value)
    if draw(st.integers(0, 6)) == 0:
        return draw(any_value(scale))
    return function


@st.composite
def serverless_cases(draw, scale: Scale) -> Case:
    if draw(st.integers(0, 2)) == 0:
        project = dict(draw(st.sampled_from(seed_projects("serverless"))))
        main = _main_file(project, ("serverless.yml", "serverless.yaml"))
        text = project[main].decode("utf-8")
        for _ in range(draw(st.integers(1, 3))):
            text = draw(text_mutation(text, ODD_YAML_LINES + [f"x: {v}" for v in VARIABLES], scale))
        project[main] = draw(encoded(text))
        return Case("serverless", {f"{CASE}/{rel}": data for rel, data in project.items()})
    tree: Dict[Any, Any] = {"service": draw(st.one_of(st.just("svc"), variable_text(), scalars(scale))),
                            "frameworkVersion": "3"}
    tree["provider"] = {"name": "aws", "runtime": draw(st.sampled_from(RUNTIMES)),
                        "stage": draw(st.one_of(st.just("dev"), variable_text())),
                        **{key: draw(st.one_of(variable_text(), scalars(scale))) for key in draw(st.lists(
                            st.sampled_from(["timeout", "memorySize", "environment", "layers", "vpc", "architecture",
                                             "region"]), max_size=3, unique=True))}}
    if draw(st.integers(0, 5)) == 0:
        tree["provider"] = draw(any_value(scale))
    tree["custom"] = draw(serverless_custom(scale))
    tree["functions"] = {name: draw(serverless_function(scale)) for name in draw(st.lists(
        st.sampled_from(["f", "g", "worker", "${self:custom.a}"]), min_size=1, max_size=3, unique=True))}
    if draw(st.booleans()):
        tree["resources"] = {"Resources": {name: draw(template_resource(scale)) for name in draw(st.lists(
            st.sampled_from(NAMES), max_size=3, unique=True))}}
    if draw(st.integers(0, 3)) == 0:
        tree["package"] = {"artifact": draw(st.sampled_from(["fn.zip", "/dev/null", "missing.zip"]))}
    if draw(st.integers(0, 4)) == 0:
        tree["custom"]["self"] = Raw("&c {self: *c}")
    text = yaml_text(tree)
    if draw(st.integers(0, 3)) == 0:
        text = draw(text_mutation(text, ODD_YAML_LINES, scale))
    files = {f"{CASE}/serverless.yml": draw(encoded(text)), f"{CASE}/app.py": _utf8(GOOD_HANDLER),
             f"{CASE}/fn.zip": zip_bytes([ZipMember(b"app.py", _utf8(GOOD_HANDLER))], scale)[0]}
    if draw(st.booleans()):
        files[f"{CASE}/.serverless/svc.zip"] = draw(zip_archive(scale))
    return Case("serverless", files, [CASE] if draw(st.booleans()) else [f"{CASE}/serverless.yml"])


# -- Terraform ---------------------------------------------------------------------------------------------
ODD_HCL_EXPRESSIONS = ['"${local.x}"', '"%{if true}a%{endif}"', '"\\u0000"', '"\\\\"', '"a\\"b"', '"$${x}"', '"abc',
                  "<<EOT\nx\nEOT", "<<-EOT\n  x\n  EOT", "<<EOT\nno end", "1e400", "1e-400", "0x1F", "-0", "1.5e3",
                  ".5", "5.", "9" * 5_000, "var.x", "local.y", "aws_sqs_queue.q.arn", "module.m.x",
                  "data.archive_file.z.output_path", "jsonencode({a = 1})", 'file("x")', 'filebase64sha256("f.zip")',
                  'lookup(var.m, "k", 3)', "a ? b : c", "[for x in var.l : x]", "{for k, v in m : k => v}",
                  "aws_lambda_function.f[*].arn", "count.index", "each.key", "try(a, b)", "max(1, 2)", "!true",
                  "-var.x", "1 + 2 * 3", "(1)", "local.a[0]", 'local.a["k"]', "null", '"\ud800"', "local.cycle_a",
                  "local.bomb"]
ODD_HCL_TOKENS = ODD_HCL_EXPRESSIONS + ["{", "}", "[", "]", "(", ")", "=", ",", "\\", "#", "//", "/*", "*/", '"${',
                                        "}}", "${", "%{", "...", "=>", "?", ":", "\x00", "\ufeff"]


@st.composite
def hcl_expression(draw, scale: Scale) -> str:
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return draw(st.sampled_from(ODD_HCL_EXPRESSIONS))
    if choice == 1:
        depth = draw(st.sampled_from([2, 20, 21, 100, scale.depth // 4]))
        return '"' + '${"' * depth + "x" + '"}' * depth + '"'
    if choice == 2:
        return deep_nesting(draw, scale, draw(st.sampled_from(["list", "hcl-map"]))).text
    return hcl_value(draw(st.one_of(any_value(scale), references(), st.sampled_from(ODD_NUMBERS).map(Raw))))


TERRAFORM_RESOURCES = {
    "aws_lambda_function": ["function_name", "handler", "runtime", "filename", "timeout", "memory_size", "layers",
                            "role", "s3_bucket", "image_uri", "package_type", "reserved_concurrent_executions",
                            "architectures", "source_code_hash"],
    "aws_lambda_layer_version": ["layer_name", "filename", "compatible_runtimes"],
    "aws_lambda_event_source_mapping": ["event_source_arn", "function_name", "batch_size", "starting_position",
                                        "maximum_retry_attempts", "bisect_batch_on_function_error",
                                        "function_response_types"],
    "aws_lambda_function_event_invoke_config": ["function_name", "maximum_retry_attempts",
                                                "maximum_event_age_in_seconds", "qualifier"],
    "aws_lambda_permission": ["function_name", "principal", "source_arn", "action"],
    "aws_lambda_alias": ["function_name", "function_version", "name"],
    "aws_sqs_queue": ["visibility_timeout_seconds", "redrive_policy", "message_retention_seconds"],
    "aws_iam_role": ["name", "assume_role_policy", "managed_policy_arns"],
    "aws_s3_bucket_notification": ["bucket"],
    "aws_sns_topic_subscription": ["protocol", "endpoint", "topic_arn"],
    "aws_cloudwatch_event_target": ["arn", "rule"],
    "aws_apigatewayv2_integration": ["integration_uri", "timeout_milliseconds", "api_id"],
    "aws_lb_target_group_attachment": ["target_id", "target_group_arn"],
}
TERRAFORM_BLOCKS = ["environment", "vpc_config", "dead_letter_config", "ephemeral_storage", "destination_config",
                    "routing_config", "lambda_function", "lifecycle", "dynamic \"x\"", "image_config"]


@st.composite
def hcl_attribute(draw, key: str, scale: Scale, indent: str) -> str:
    good = {"handler": '"app.handler"', "runtime": f'"{draw(st.sampled_from(RUNTIMES))}"',
            "filename": draw(st.sampled_from(['"fn.zip"', "data.archive_file.z.output_path", '"/dev/null"',
                                              '"missing.zip"', '"a\\u0000b"', '"' + "x" * 300 + '"', '"src"'])),
            "function_name": draw(st.sampled_from(['"f"', "aws_lambda_function.f.function_name",
                                                   "aws_lambda_function.f.arn", "module.lambda.lambda_function_name"])),
            "event_source_arn": draw(st.sampled_from(["aws_sqs_queue.q.arn", "aws_kinesis_stream.s.arn", '"arn"'])),
            "redrive_policy": 'jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 3})'}
    number = str(draw(st.sampled_from([3, 30, 900, 901, 128, 10_241, -1])))
    value = draw(st.one_of(st.just(good.get(key, number)), st.just(good.get(key, number)), hcl_expression(scale)))
    return f"{indent}{key} = {value}\n"


@st.composite
def hcl_resource(draw, scale: Scale) -> str:
    kind = draw(st.sampled_from(sorted(TERRAFORM_RESOURCES)))
    name = draw(st.sampled_from(["f", "q", "dlq", "s", "z", "a b", "1x"]))
    lines = [f'resource "{kind}" "{name}" {{\n']
    for key in draw(st.lists(st.sampled_from(TERRAFORM_RESOURCES[kind]), max_size=6, unique=True)):
        lines.append(draw(hcl_attribute(key, scale, "  ")))
    for block in draw(st.lists(st.sampled_from(TERRAFORM_BLOCKS), max_size=2)):
        inner = "".join(draw(hcl_attribute(key, scale, "    ")) for key in draw(st.lists(st.sampled_from(
            ["variables", "subnet_ids", "security_group_ids", "target_arn", "size", "on_failure",
             "additional_version_weights", "lambda_function_arn", "events", "ignore_changes", "for_each"]),
            max_size=3, unique=True)))
        lines.append(f"  {block} {{\n{inner}  }}\n")
    lines.append("}\n")
    return "".join(lines)


@st.composite
def hcl_document(draw, scale: Scale) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["resource", "resource", "resource", "locals", "variable", "module", "data",
                                     "output", "bomb", "cycle"]))
        if kind == "resource":
            parts.append(draw(hcl_resource(scale)))
        elif kind == "locals":
            parts.append("locals {\n" + "".join(f"  {key} = {draw(hcl_expression(scale))}\n" for key in draw(
                st.lists(st.sampled_from(["x", "y", "runtime", "timeout", "a"]), min_size=1, max_size=4,
                         unique=True))) + "}\n")
        elif kind == "variable":
            parts.append(f'variable "x" {{\n  type = number\n  default = {draw(hcl_expression(scale))}\n}}\n')
        elif kind == "module":
            attributes = "".join(draw(hcl_attribute(key, scale, "  ")) for key in draw(st.lists(st.sampled_from(
                ["handler", "runtime", "timeout", "source_path", "allowed_triggers", "event_source_mapping",
                 "destination_on_failure", "attach_network_policy", "function_name", "layers"]), max_size=5,
                unique=True)))
            source = draw(st.sampled_from(['"terraform-aws-modules/lambda/aws"', '"./mod"', '"../"', '"/dev/null"',
                                           '"./mod/../mod"', "1"]))
            parts.append(f'module "lambda" {{\n  source = {source}\n{attributes}}}\n')
        elif kind == "data":
            source_dir = draw(st.sampled_from(['"src"', '"/dev/zero"', '".."', "local.x"]))
            output_path = draw(st.sampled_from(['"build/fn.zip"', '"fn.zip"', "1"]))
            parts.append(f'data "archive_file" "z" {{\n  type = "zip"\n  source_dir = {source_dir}\n'
                         f'  output_path = {output_path}\n}}\n')
        elif kind == "output":
            parts.append(f'output "o" {{\n  value = {draw(hcl_expression(scale))}\n}}\n')
        elif kind == "bomb":  # each local repeats the previous one `width` times
            levels, width = draw(st.integers(2, 8)), draw(st.integers(2, 40))
            lines = ['  bomb0 = "' + "A" * draw(st.sampled_from([1, 100, 1_000])) + '"\n']
            lines += [f'  bomb{i} = "' + f"${{local.bomb{i - 1}}}" * width + '"\n' for i in range(1, levels)]
            lines.append(f"  bomb = local.bomb{levels - 1}\n")
            parts.append("locals {\n" + "".join(lines) + "}\n" + _lambda_using("local.bomb"))
        else:
            parts.append("locals {\n  cycle_a = local.cycle_b\n  cycle_b = local.cycle_a\n}\n"
                         + _lambda_using("local.cycle_a"))
    return "".join(parts)


def _lambda_using(expression: str) -> str:
    return ('resource "aws_lambda_function" "uses" {\n  function_name = "u"\n  handler = "app.handler"\n'
            f'  runtime = "python3.12"\n  filename = "fn.zip"\n  timeout = {expression}\n'
            f'  environment {{\n    variables = {{ V = {expression} }}\n  }}\n}}\n')


_HCL_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|<<-?\w+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_][\w-]*|\$\{|%\{|'
                        r"\s+|.", re.S)


@st.composite
def token_mutation(draw, text: str, scale: Scale) -> str:
    tokens = _HCL_TOKEN.findall(text) or [""]
    at = draw(st.integers(0, len(tokens) - 1))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "repeat"]))
    if kind == "delete":
        del tokens[at]
    elif kind == "duplicate":
        tokens.insert(at, tokens[at])
    elif kind == "swap" and at + 1 < len(tokens):
        tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
    elif kind == "replace":
        tokens[at] = draw(st.sampled_from(ODD_HCL_TOKENS))
    elif kind == "insert":
        tokens.insert(at, draw(st.sampled_from(ODD_HCL_TOKENS)))
    else:
        count = draw(st.sampled_from([2, 200, 3_000]))
        tokens[at:at + 1] = [tokens[at]] * min(count, max(1, scale.max_bytes // max(1, len(tokens[at]))))
    result = "".join(tokens)
    return result if len(result) <= scale.max_bytes else text


@st.composite
def hcl_cases(draw, scale: Scale) -> Case:
    if draw(st.booleans()):
        project = dict(draw(st.sampled_from(seed_projects("hcl"))))
        main = _main_file(project, (".tf",))
        text = project[main].decode("utf-8")
    else:
        project, main = {"app.py": _utf8(GOOD_HANDLER)}, "main.tf"
        text = draw(hcl_document(scale))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        text = draw(st.one_of(token_mutation(text, scale), text_mutation(text, ODD_HCL_TOKENS, scale, tokens=True)))
    project[main] = draw(encoded(text))
    files = {f"{CASE}/{rel}": data for rel, data in project.items()}
    files[f"{CASE}/fn.zip"] = zip_bytes([ZipMember(b"app.py", _utf8(GOOD_HANDLER))], scale)[0]
    if draw(st.booleans()):
        files[f"{CASE}/terraform.tfvars"] = _utf8(f"x = {draw(hcl_expression(scale))}\n")
    if draw(st.integers(0, 3)) == 0:
        files[f"{CASE}/mod/main.tf"] = _utf8(draw(hcl_document(scale)))
    links, fifos = draw(special_paths(scale, ["src", "fn2.zip", "mod"]))
    folder = main.rsplit("/", 1)[0] if "/" in main else ""
    return Case("hcl", files, [f"{CASE}/{folder}".rstrip("/") if draw(st.booleans()) else f"{CASE}/{main}"],
                links=links, fifos=fifos)


# -- Python sources ----------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def python_seeds() -> Tuple[bytes, ...]:
    corpus = sorted((TESTS / "corpus" / "handlers").rglob("*.py"))
    seeds = [path.read_bytes() for path in corpus]
    seeds += [path.read_bytes() for path in sorted((REPO / "fixtures").rglob("*.py"))]
    for project in _rule_example_files(("app.py",)):
        seeds += [data for rel, data in project.items() if rel.endswith(".py")]
    return tuple(seeds)


DEEP_PYTHON = {
    "parens": lambda n: "(" * n + "1" + ")" * n,
    "list": lambda n: "[" * n + "]" * n,
    "dict": lambda n: "{1: " * n + "1" + "}" * n,
    "call": lambda n: "f(" * n + ")" * n,
    "subscript": lambda n: "a" + "[0]" * n,
    "unary": lambda n: "-" * n + "1",
    "not": lambda n: "not " * n + "x",
    "plus": lambda n: " + ".join(["a"] * n),
    "bool": lambda n: " and ".join(["a"] * n),
    "attribute": lambda n: "a" + ".b" * n,
    "lambda": lambda n: "lambda: " * n + "1",
    "fstring": lambda n: "f'{" * min(n, 30) + "1" + "}'" * min(n, 30),
    "strings": lambda n: "[" + ", ".join(f"'s{i}'" for i in range(n)) + "]",
    "compare": lambda n: " < ".join(["a"] * n),
}
PYTHON2_LINES = ['print "hello"', "except Exception, e:", "x = `1`", "n = 0777", "s = ur'x'", 'exec "x = 1"',
                 "raise E, 'v'", "print >>sys.stderr, 'x'", "def f((a, b)): pass", "x = 1L", "if x <> y: pass"]


@st.composite
def python_mutation(draw, source: bytes, scale: Scale) -> bytes:
    kind = draw(st.sampled_from(["deep", "deep", "indent-deep", "handlers", "cookie", "bom", "crlf", "cr", "mixed",
                                 "nul", "tabs", "python2", "long-line", "line", "truncate", "byte", "unicode"]))
    lines = source.splitlines(keepends=True) or [b""]
    at = draw(st.integers(0, len(lines)))
    if kind == "deep":
        style = draw(st.sampled_from(sorted(DEEP_PYTHON)))
        size = draw(st.sampled_from([10, 99, 100, 199, 200, 201, 1_000, scale.depth if style not in (
            "plus", "bool", "strings", "compare") else scale.terms]))
        lines.insert(at, _utf8(f"X = {DEEP_PYTHON[style](size)}\n"))
        if draw(st.booleans()):  # inside the handler, where the rules look
            lines.append(_utf8(f"\n\ndef handler(event, context):\n    return {DEEP_PYTHON[style](size)}\n"))
    elif kind == "indent-deep":
        depth = draw(st.sampled_from([50, 99, 100, 101, 500]))
        block = "".join("    " * level + "if x:\n" for level in range(depth)) + "    " * depth + "pass\n"
        lines.append(_utf8("\n\ndef handler(event, context):\n" + "".join("    " + line + "\n"
                                                                          for line in block.splitlines())))
    elif kind == "handlers":
        count = draw(st.sampled_from([10, 300, min(scale.terms, 3_000)]))
        lines += [_utf8(f"\n\ndef h{i}(event, context):\n    open('f{i}', 'w')\n") for i in range(count)]
    elif kind == "cookie":
        cookie = draw(st.sampled_from(["latin-1", "utf-8", "cp1252", "utf-16", "euc-jp", "nope", "utf-8-sig",
                                       "ascii", "iso-8859-15", "mac-roman", "undefined", "rot13", "unicode_escape",
                                       "uu_codec", "zlib", "hex"]))
        body = b"".join(lines)
        line = _utf8(f"# -*- coding: {cookie} -*-\n")
        lines = [line, b"# caf\xe9\n", body] if draw(st.booleans()) else [b"#!/usr/bin/env python\n", line, body]
    elif kind == "bom":
        lines.insert(0, codecs.BOM_UTF8 + draw(st.sampled_from([b"", b"# -*- coding: latin-1 -*-\n"])))
    elif kind in ("crlf", "cr"):
        return b"".join(lines).replace(b"\n", b"\r\n" if kind == "crlf" else b"\r")
    elif kind == "mixed":
        return b"".join(line.rstrip(b"\r\n") + draw(st.sampled_from([b"\n", b"\r\n", b"\r"])) for line in lines)
    elif kind == "nul":
        joined = b"".join(lines)
        cut = draw(st.integers(0, len(joined)))
        return joined[:cut] + b"\0" + joined[cut:]
    elif kind == "tabs":
        return b"".join(line.replace(b"    ", b"\t", draw(st.integers(1, 2))) for line in lines)
    elif kind == "python2":
        lines.insert(at, _utf8(draw(st.sampled_from(PYTHON2_LINES)) + "\n"))
    elif kind == "long-line":
        size = draw(st.sampled_from([10_000, scale.text]))
        lines.insert(at, _utf8(draw(st.sampled_from([f"X = '{'x' * size}'\n", f"{'y' * size} = 1\n",
                                                       f"# {'z' * size}\n"]))))
    elif kind == "line" and lines:
        index = min(at, len(lines) - 1)
        lines[index:index + 1] = draw(st.sampled_from([[], [lines[index]] * 2, [b"    " + lines[index]],
                                                       [lines[index].lstrip()]]))
    elif kind == "truncate":
        joined = b"".join(lines)
        return joined[:draw(st.integers(0, len(joined)))]
    elif kind == "byte":
        joined = bytearray(b"".join(lines))
        if joined:
            joined[draw(st.integers(0, len(joined) - 1))] = draw(st.sampled_from([0x00, 0x80, 0xFF, 0xC3, 0x0C, 0x1A]))
        return bytes(joined)
    else:
        lines.insert(at, draw(st.sampled_from(["\u202e = 1\n", "ﬁ = 1\n", "x\u200b = 1\n", "é = 'é'\n",
                                               "def ℌ(event, context): pass\n"])).encode())
    return b"".join(lines)


# On-disk names (str; \udcXX stands for a byte that is not UTF-8, as os.fsdecode gives it).
ODD_FILE_NAMES = ["\udcff\udcfe.py", "caf\udce9.py", "a b#c?d.py", "100%.py", "a\nb.py", "a\rb.py", "\x1b[31mred.py",
                  "\u202egnp.py", "tab\t.py", "quote\".py", "back\\slash.py", "<tag>.py", "x" * 250 + ".py",
                  "\u00e9\u0301.py", "\ufeffbom.py", "-.py", "--fix.py", ".hidden.py", "__init__.py"]


@st.composite
def python_cases(draw, scale: Scale) -> Case:
    source = draw(st.sampled_from(python_seeds()))
    for _ in range(draw(st.integers(1, 3))):
        mutated = draw(python_mutation(source, scale))
        source = mutated if len(mutated) <= scale.max_bytes else source
    files = {f"{CASE}/app.py": source}
    if draw(st.booleans()):
        files[f"{CASE}/helper.py"] = draw(st.sampled_from(python_seeds()))
    if draw(st.integers(0, 3)) == 0:  # a file name every report must escape or encode
        files[f"{CASE}/{draw(st.sampled_from(ODD_FILE_NAMES))}"] = _utf8(CANARY_HANDLER)
    paths = [CASE]
    if draw(st.integers(0, 3)) == 0:
        files[f"{CASE}/template.yaml"] = _utf8(sam_text(code_uri="."))
    elif draw(st.integers(0, 3)) == 0:
        paths = [f"{CASE}/app.py"]
    options = draw(st.sampled_from([[], [], ["--runtime", "python3.8"], ["--runtime", "python3.12"],
                                    ["--runtime", "python3.13"], ["--ignore", "LL2"]]))
    links, fifos = draw(special_paths(scale, ["linked.py", "pkg"]))
    return Case("python", files, paths, options, links=links, fifos=fifos)


# -- configuration and baselines ----------------------------------------------------------------------------
CONFIG_KEYS = ["select", "extend-select", "ignore", "exclude", "per-file-ignores", "runtime", "architecture",
               "rules", "unknown", "", "Select", "line-length"]
SELECTORS = ["LL1", "LL101", "LL301", "LL3", "LL2", "LL6", "write-outside-tmp", "heavy-import-unused", "LL9", "LL",
             "ALL", "", "ll301", "E501", "LL1,LL2", "*", "\x00", "LL3 01"]


@st.composite
def config_table(draw, scale: Scale) -> dict:
    table: Dict[Any, Any] = {}
    known = st.sampled_from(CONFIG_KEYS[:8])
    keys = st.one_of(known, known, known, known, st.sampled_from(CONFIG_KEYS))
    for key in draw(st.lists(keys, max_size=5, unique=True)):
        good = {
            "select": st.lists(st.one_of(st.sampled_from(SELECTORS[:8]), st.sampled_from(SELECTORS)), max_size=3),
            "extend-select": st.lists(st.sampled_from(SELECTORS[:8]), max_size=3),
            "ignore": st.lists(st.one_of(st.sampled_from(SELECTORS[:8]), st.sampled_from(SELECTORS)), max_size=3),
            "exclude": st.lists(st.sampled_from(["tests/*", "*", "", "[", "**/x", "/", "\\"]), max_size=3),
            "per-file-ignores": st.dictionaries(st.sampled_from(["*.py", "app.py", "[", ""]),
                                                st.lists(st.sampled_from(SELECTORS), max_size=2), max_size=2),
            "runtime": st.sampled_from(["python3.12", "python3.8", "python3.13"] + RUNTIMES),
            "architecture": st.sampled_from(["x86_64", "arm64", "sparc", ""]),
            "rules": st.dictionaries(st.sampled_from(["LL101", "LL103", "LL211", "LL301", "LL999", "bad"]),
                                     st.dictionaries(st.sampled_from(["heavy-import-ms", "init-budget-ms",
                                                                      "bloat-threshold-mb", "severity", "x"]),
                                                     st.one_of(st.sampled_from([0, 50, -1, 2 ** 63 - 1, 1.5, "error",
                                                                                "warning", "bogus"]),
                                                               st.floats()), max_size=3), max_size=3),
        }.get(key, any_value(scale))
        table[key] = draw(st.one_of(good, good, good, good, good, good, any_value(scale), st.sampled_from(
            [Raw("1979-05-27T07:32:00Z"), Raw("07:32:00"), Raw("1979-05-27"), Raw("inf"), Raw("nan"),
             Raw("9" * 30), Raw("0x7fffffffffffffff"), Raw("[[[[[[[[1]]]]]]]]")])))
    return table


def toml_text(table: dict, prefix: str) -> str:
    lines = [f"[{prefix}]"] if prefix else []
    lines += [f"{_toml_key(key)} = {toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


@st.composite
def baseline_text(draw, scale: Scale) -> str:
    def mostly(good: list, bad: list) -> st.SearchStrategy:
        return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), st.sampled_from(bad))

    entry = st.fixed_dictionaries({
        "code": mostly(["LL301", "LL101"], [1, None, "\udcff", ""]),
        "filename": mostly([f"{CASE}/app.py", "app.py"], ["\udcff", 1, "", "\x00"]),
        "member": mostly([None], ["x", 1, []]),
        "key": mostly(["k", 'open("out.txt", "w")'], ["", 2, {}]),
        "count": mostly([1, 2, 0], [-1, 1.5, True, Raw("1e400"), Raw("9" * 5_000), Raw("NaN"), Raw("Infinity"),
                                    Raw("-0"), 2 ** 70])})
    document = {"version": draw(st.sampled_from([1, 1, 1, 1, 2, "1", None, True, 1.0])),
                "findings": draw(st.one_of(st.lists(entry, max_size=3), st.lists(entry, max_size=3),
                                           any_value(scale)))}
    text = json_text(document)
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(["", "[", "{}", "null", "[" * 100_000, '{"version": 1, "findings": ' +
                                     "[" * 5_000 + "]" * 5_000 + "}", "\ufeff{}"]))
    return text


@st.composite
def config_cases(draw, scale: Scale) -> Case:
    files = {f"{CASE}/app.py": _utf8(CANARY_HANDLER)}
    options: List[str] = []
    where = draw(st.sampled_from(["lambdalint.toml"] * 3 + ["pyproject.toml"] * 3 + ["--config"] * 2
                                 + ["odd-pyproject", "baseline"]))
    table = draw(config_table(scale))
    if where in ("lambdalint.toml", "--config"):
        text = toml_text(table, "")
    elif where == "pyproject.toml":
        text = "[project]\nname = \"x\"\n\n" + toml_text(table, "tool.lambdalint")
    elif where == "odd-pyproject":
        text = draw(st.sampled_from(["tool = 1\n", "[tool]\nlambdalint = \"x\"\n", "tool = \"x\"\n",
                                     "[tool.lambdalint]\n[tool.lambdalint]\n", "[tool]\nlambdalint = [1]\n",
                                     "[[tool.lambdalint]]\nselect = []\n", "tool.lambdalint = 1\n"]))
    else:
        text = ""
    if text and draw(st.integers(0, 5)) == 0:
        text = draw(text_mutation(text, ["x = [", "[tool", "a = 1\na = 2", "= 1", "x = \"\\u0000\"",
                                         "x = " + "[" * 5_000 + "]" * 5_000, "x = 1979-13-45"], scale, tokens=True))
    name = {"lambdalint.toml": "lambdalint.toml", "--config": "settings.toml", "baseline": ""}.get(where,
                                                                                                 "pyproject.toml")
    if name:
        files[f"{CASE}/{name}"] = draw(encoded(text))
    else:  # so that no configuration file above the scratch folder is found instead
        files[f"{CASE}/lambdalint.toml"] = b""
    if where == "--config":
        options += ["--config", f"{CASE}/{name}"]
    if where == "baseline" or draw(st.integers(0, 4)) == 0:
        files[f"{CASE}/baseline.json"] = draw(encoded(draw(baseline_text(scale))))
        options += ["--baseline", f"{CASE}/baseline.json"]
    for option in draw(st.lists(st.sampled_from(["--select", "--ignore", "--extend-select", "--runtime",
                                                 "--architecture", "--exit-zero", "--statistics", "-q"]),
                                max_size=2, unique=True)):
        if option in ("--exit-zero", "--statistics", "-q"):
            options.append(option)
        elif option in ("--runtime", "--architecture"):
            options += [option, draw(st.sampled_from(RUNTIMES + ["arm64", "x86_64", "sparc"]))]
        else:
            options += [option, draw(st.sampled_from(SELECTORS))]
    return Case("config", files, [CASE], options, isolated=False, usage_errors=True, canary=False)


# -- --fix: handler modules with heavy imports used only in helpers ---------------------------------------
HEAVY_IMPORTS = [  # (import statement, name it binds, an expression using that name)
    ("import pandas as pd", "pd", "pd.DataFrame({x})"),
    ("import pandas", "pandas", "pandas.DataFrame({x})"),
    ("from pandas import DataFrame", "DataFrame", "DataFrame({x})"),
    ("from pandas import DataFrame as DF", "DF", "DF({x})"),
    ("import numpy as np", "np", "np.array({x})"),
    ("from sklearn.linear_model import LinearRegression", "LinearRegression", "LinearRegression().fit({x}, {x})"),
    ("import sklearn", "sklearn", "sklearn.base.clone({x})"),
    ("import matplotlib.pyplot as plt", "plt", "plt.plot({x})"),
    ("import matplotlib.pyplot", "matplotlib", "matplotlib.pyplot.plot({x})"),
    ("import torch", "torch", "torch.tensor({x})"),
    ("import sympy as sy", "sy", "sy.sympify({x})"),
    ("from scipy import stats", "stats", "stats.zscore({x})"),
    ("import openpyxl", "openpyxl", "openpyxl.Workbook({x})"),
    ("import sqlalchemy as sa", "sa", "sa.create_engine({x})"),
    ("import boto3", "boto3", "boto3.client({x})"),
    ("from fastapi import FastAPI", "FastAPI", "FastAPI(title={x})"),
]


@lru_cache(maxsize=None)
def heavy_modules() -> Tuple[str, ...]:
    """Modules whose measured import cost (lambdalint's own table) is over LL101's default 50 ms."""
    from lambdalint.data import table

    return tuple(sorted(module for module, ms in table("import_costs")["measured"].items() if ms >= 50))


@st.composite
def heavy_import(draw) -> Tuple[str, str, str]:
    """(import statement, the name it binds, an expression using the name with a `{x}` hole)."""
    if draw(st.booleans()):
        return draw(st.sampled_from(HEAVY_IMPORTS))
    module = draw(st.sampled_from(heavy_modules()))
    safe = module.replace(".", "_")
    form = draw(st.sampled_from(["plain", "alias", "from"]))
    if form == "plain":
        return f"import {module}", module.split(".")[0], f"{module}.run({{x}})"
    if form == "alias":
        return f"import {module} as m_{safe}", f"m_{safe}", f"m_{safe}.run({{x}})"
    package, _, last = module.rpartition(".")
    if package:
        return f"from {package} import {last}", last, f"{last}.run({{x}})"
    return f"from {module} import run as run_{safe}", f"run_{safe}", f"run_{safe}({{x}})"


def _helper(name: str, use: str, bound: str, style: str) -> List[str]:
    """A function `name(rows)` using `use` (which reads the imported name `bound`), in one of
    several shapes."""
    if style == "one-line":
        return [f"def {name}(rows): return {use}"]
    if style == "docstring":
        return [f"def {name}(rows):", '    """Use the heavy package."""', f"    return {use}"]
    if style == "long-docstring":
        return [f"def {name}(rows):", '    """Use the heavy package.', "", '    More words.', '    """',
                f"    result = {use}", "    return result"]
    if style == "decorated":
        return ["@functools.lru_cache(maxsize=None)", f"def {name}(rows):", f"    return {use}"]
    if style == "nested":
        return [f"def {name}(rows):", "    def inner(values):", f"        return {use.replace('rows', 'values')}",
                "    return inner(rows)"]
    if style == "method":
        return [f"class {name.title()}:", "    def run(self, rows):", f"        return {use}", "",
                f"def {name}(rows):", f"    return {name.title()}().run(rows)"]
    if style == "async":
        return [f"async def {name}(rows):", f"    return {use}"]
    if style == "comment-first":
        return [f"def {name}(rows):", "    # the heavy part", f"    value = {use}  # trailing", "    return value"]
    if style == "semicolon":
        return [f"def {name}(rows):", f"    value = {use}; return value"]
    if style == "global":
        return [f"def {name}(rows):", f"    global {bound}", f"    return {use}"]
    if style == "return-annotation":  # evaluated when the module runs `def`
        return [f"def {name}(rows) -> {bound}:", f"    return {use}"]
    if style == "string-annotation":
        return [f"def {name}(rows: '{bound}'):", f"    return {use}"]
    if style == "try-first":
        return [f"def {name}(rows):", "    try:", f"        return {use}", "    except ValueError:",
                "        return None"]
    if style == "docstring-only-use":
        return [f"def {name}(rows):", '    """Doc."""', f"    return {use}"]
    return [f"def {name}(rows):", f"    value = {use}", "    return value"]


HELPER_STYLES = ["plain", "one-line", "docstring", "long-docstring", "decorated", "nested", "method", "async",
                 "global", "return-annotation", "string-annotation", "try-first",
                 "comment-first", "semicolon", "docstring-only-use"]
MODULE_LEVEL_USES = ["EMPTY = {use}", "def defaults(rows, kind={name}):\n    return kind",
                     "@{name}.register\ndef registered(rows):\n    return rows",
                     "if __name__ == '__main__':\n    print({use})", "__all__ = ['{name}']",
                     "class Model:\n    kind = {name}", "ANNOTATED: '{name}' = None", "def annotated(x: {name}): return x",
                     "TYPE = type({name})", "global_use = lambda rows: {use}"]


@st.composite
def fix_module(draw) -> Tuple[str, List[str]]:
    """(Python text with LF endings, the names of its handlers)."""
    chosen = draw(st.lists(heavy_import(), min_size=1, max_size=3, unique_by=lambda heavy: heavy[1]))
    if draw(st.integers(0, 3)) == 0:  # the same package imported twice
        twin = {"pd": "from pandas import DataFrame", "np": "from numpy import array"}
        first = chosen[0]
        if first[1] in twin:
            chosen.append((twin[first[1]], twin[first[1]].split()[-1], twin[first[1]].split()[-1] + "({x})"))
    header = draw(st.sampled_from([[], ['"""Orders API."""'], ["#!/usr/bin/env python"],
                                   ["from __future__ import annotations"], ['"""Doc."""', "", "import os"]]))
    imports = ["import json", "import functools"]
    body: List[str] = ["TABLE = json.dumps({'t': 1})", ""]
    helpers = []
    for index, (statement, name, use) in enumerate(chosen):
        comment_above = draw(st.sampled_from(["", f"# {name} is only needed for exports", "# -- heavy --"]))
        trailing = draw(st.sampled_from(["", "  # heavy", "  # noqa: E402"]))
        if comment_above:
            imports.append(comment_above)
        same_line = draw(st.sampled_from(["", "", "", "", f"; SAME_LINE_{index} = 1", f"KEEP_{index} = 2; "]))
        if same_line.startswith(";"):
            imports.append(statement + same_line + trailing)
        else:
            imports.append(same_line + statement + trailing)
        if draw(st.integers(0, 5)) == 0:
            imports.append("")
        helper = f"export_{index}"
        helpers.append(helper)
        style = draw(st.sampled_from(HELPER_STYLES))
        body += ["", ""] + _helper(helper, use.format(x="rows"), name, style)
        if draw(st.integers(0, 11)) == 0:
            body += ["", ""] + draw(st.sampled_from(MODULE_LEVEL_USES)).format(
                name=name, use=use.format(x="[]")).split("\n")
    if draw(st.integers(0, 9)) == 0:
        imports.insert(draw(st.integers(0, len(imports))), "import os; import pandas as pdx")
    if draw(st.integers(0, 6)) == 0:
        imports.append("try:\n    import numpy as npt\nexcept ImportError:\n    npt = None")
    if draw(st.integers(0, 6)) == 0:
        imports.append("from pandas import (\n    DataFrame as MultiLine,\n)")
        body += ["", "", "def multi(rows):", "    return MultiLine(rows)"]
    handlers = draw(st.lists(st.sampled_from(["handler", "handler_b", "process"]), min_size=1, max_size=3,
                             unique=True))
    for handler in handlers:
        calls = draw(st.lists(st.sampled_from(helpers), min_size=1, max_size=len(helpers)))
        lines = [f"def {handler}(event, context):"]
        if draw(st.booleans()):
            lines.append('    """Entry point."""')
        for call in calls:
            lines += [f"    if event.get('format') == '{call}':", f"        return {call}(event['rows'])"]
        lines.append("    return {'body': TABLE}")
        body += ["", ""] + lines
    text = "\n".join(header + imports + body) + "\n"
    return text, handlers


@st.composite
def fix_text_variant(draw, text: str) -> bytes:
    """Textual variations: indentation, encoding and cookie, BOM, line endings, blank lines."""
    if draw(st.integers(0, 3)) == 0:
        text = re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text)
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n\n\n", "\n\n\x0c\n", 1)  # a form feed line
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "bom", "latin-1", "cp1252", "bom-cookie"]))
    if encoding in ("latin-1", "cp1252"):
        cookie = f"# -*- coding: {encoding} -*-\n# caf\u00e9 cr\u00e8me\n"
        text = cookie + text if not text.startswith("#!") else text.replace("\n", "\n" + cookie, 1)
    elif encoding == "bom-cookie":
        text = "# -*- coding: utf-8 -*-\n" + text
    raw = text.encode("latin-1" if encoding == "latin-1" else "cp1252" if encoding == "cp1252" else "utf-8")
    if encoding in ("bom", "bom-cookie"):
        raw = codecs.BOM_UTF8 + raw
    endings = draw(st.sampled_from(["lf", "lf", "crlf", "cr", "mixed"]))
    if endings == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif endings == "cr":
        raw = raw.replace(b"\n", b"\r")
    elif endings == "mixed":
        lines = raw.split(b"\n")
        raw = b"".join(line + draw(st.sampled_from([b"\n", b"\r\n"])) for line in lines[:-1]) + lines[-1]
    return raw


@st.composite
def fix_cases(draw, scale: Scale) -> Case:
    text, handlers = draw(fix_module())
    raw = draw(fix_text_variant(text))
    try:
        compile(raw, "app.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        assume(False)  # the generator's own mistake: only valid programs are fixed
    layout = draw(st.sampled_from(["folder", "folder", "template", "two-modules"]))
    files = {f"{CASE}/src/app.py": raw}
    if layout == "template":
        functions = draw(st.lists(st.sampled_from(handlers), min_size=1, max_size=2))
        lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31", "Resources:"]
        for index, handler in enumerate(functions):
            lines += [f"  Fn{index}:", "    Type: AWS::Serverless::Function",
                      f"    Properties: {{CodeUri: src/, Handler: app.{handler}, Runtime: python3.12}}"]
        files[f"{CASE}/template.yaml"] = _utf8("\n".join(lines) + "\n")
    elif layout == "two-modules":
        other, _ = draw(fix_module())
        files[f"{CASE}/src/helpers.py"] = draw(fix_text_variant(other.replace("def handler", "def helper_entry")))
        files[f"{CASE}/src/app.py"] = raw.replace(b"import json", b"import json\nimport helpers", 1)
    return Case("fix", files, [CASE], [], canary=False)


STRATEGIES: Dict[str, Callable[[Scale], st.SearchStrategy]] = {
    "zip": zip_cases, "yaml": yaml_cases, "serverless": serverless_cases, "hcl": hcl_cases,
    "python": python_cases, "config": config_cases, "fix": fix_cases,
}
