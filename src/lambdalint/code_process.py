"""The code rules in a second process, while this one runs the configuration rules.

Analysing handler code costs a fixed ~0.2 s (importing libcst, parsing and walking the handler
path) that the configuration rules never need.  With a second core, a template of many functions
with their code (MIN_FUNCTIONS) runs the rules that read code (`SOURCE` or `BUNDLE` in their needs,
or a check per module) in a forked child, which shares the project model already built, while the
parent runs the configuration rules.  The child sends back plain data: its findings already
resolved, its internal errors, the suppression comments of the modules it read, the files it read
(for the run cache) and the file facts it learnt (for the fact cache, which only the parent
writes).  The parent merges them: the output is the output of one process (`--jobs 1`).

The child never uses what it inherits but cannot share safely: the fact cache's database
connection (it opens its own, read-only) and the open handles of zip archives (a forked file
descriptor shares its offset with the parent's).  It ends with `os._exit`, so nothing of the
parent is flushed or torn down twice.  If the child fails in any way, the parent runs its rules
itself: a failure costs time, never findings.  Only the CLI forks (a library host's threads are
unknown), and only on Linux (macOS system libraries are not fork-safe; Windows has no fork).
"""
from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lambdalint.files import AccessLog
from lambdalint.rules.base import BUNDLE, SOURCE, Rule

# Below this many functions the configuration rules are too short to hide the child's extra cost
# (~0.05 s: both processes copy the pages of the shared model they write).  Measured on 2 cores
# (benchmarks/shared_code.py layouts): no gain at 200-400 functions, 7 % at 800, 15-20 % at 2,000.
MIN_FUNCTIONS = 500
_READ_CHUNK = 1 << 20


@dataclass
class RulesOutcome:
    """What some rules produced, as plain data (what the child sends back)."""

    resolved: List[tuple] = field(default_factory=list)  # (finding, resource names) per report
    internal_errors: List[Tuple[int, str]] = field(default_factory=list)  # (rule position, message)
    modules: List[tuple] = field(default_factory=list)  # (cache key, filename, member, directive lines)
    accessed: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    learnt: Tuple[list, list] = field(default_factory=lambda: ([], []))  # the fact store's new facts, stats


def code_rules(rules: Sequence[Rule]) -> List[Rule]:
    """The rules that read the code: its Python sources, its modules or its bundles (zips,
    folders, layers)."""
    return [rule for rule in rules if SOURCE in rule.needs or BUNDLE in rule.needs or "module" in rule.scopes()]


def worth_a_process(rules: Sequence[Rule], settings, project) -> bool:
    """Whether the code rules should run in a child: the caller allows it (the CLI, whose threads
    are known), there is a second core, the platform forks safely, and both kinds of rule have
    work.  Decided from the selection and the model only: asking the context would read code."""
    if not settings.fork_code_rules or sys.platform != "linux" or not hasattr(os, "fork") \
            or os.environ.get("LAMBDALINT_DEBUG"):
        return False
    if (settings.jobs or os.cpu_count() or 1) < 2 or len(project.functions) < MIN_FUNCTIONS:
        return False
    children = code_rules(rules)
    if len(children) == len(rules) or not any(SOURCE in rule.needs for rule in children):
        return False
    return any(fn.code is not None and fn.is_python for fn in project.functions)


class CodeProcess:
    """A forked child running `rules`; `outcome()` waits for what it found."""

    def __init__(self, rules: Sequence[Rule], ctx, run: Callable[[], RulesOutcome]):
        """`run` runs `rules` on `ctx` (in the child) and returns their findings and errors."""
        self.rules = list(rules)
        read_end, write_end = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns when forking with other threads alive: the CLI's main
                # thread only waits for the worker thread, so the child meets no lock it holds.
                warnings.simplefilter("ignore", DeprecationWarning)
                self.pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if self.pid == 0:
            _child(ctx, run, read_end, write_end)  # never returns
        os.close(write_end)
        self._read_end = read_end

    def outcome(self) -> Optional[RulesOutcome]:
        """The child's outcome; None if it failed (its rules must then run here)."""
        import pickle

        chunks = []
        try:
            with os.fdopen(self._read_end, "rb") as pipe:
                while True:
                    chunk = pipe.read(_READ_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): trust nothing
            return None
        except BaseException:  # interrupted: the child is stopped, not awaited
            self.abandon()
            raise
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            outcome = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a truncated message is a failed child
            return None
        return outcome if isinstance(outcome, RulesOutcome) else None

    def abandon(self) -> None:
        """Stop the child (this process is failing or interrupted) and reap it."""
        try:
            os.close(self._read_end)
        except OSError:
            pass
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:  # ChildProcessError included: already gone
            pass


def _child(ctx, run: Callable[[], RulesOutcome], read_end: int, write_end: int) -> None:
    """The child's whole life: whatever happens, it ends here, never back in the parent's code."""
    status = 1
    try:
        import pickle


        os.close(read_end)
        for bundle in ctx.project.bundles:
            bundle.forget_open_handles()
        ctx.store.detach_for_child()
        log = AccessLog.current
        before = set(log.accessed) if log is not None else set()
        outcome = run()
        outcome.modules = [(key, module.filename, module.member, module.directive_lines())
                           for key, module in ctx.sources.items()]
        if log is not None:
            outcome.accessed = {path: identity for path, identity in log.accessed.items() if path not in before}
        outcome.learnt = ctx.store.learnt()
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # noqa: BLE001 - any failure: the parent runs these rules itself
        status = 1
    finally:
        os._exit(status)
