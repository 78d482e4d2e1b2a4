"""Run lambdalint over a folder of real projects and summarise what it says.

    python benchmarks/realworld.py DIR [--json OUT] [--compare BEFORE.json] [--jobs N]
    python benchmarks/realworld.py AFTER.json --compare BEFORE.json     (no run: two saved results)

Each immediate subfolder of DIR is one project. lambdalint (the one installed for this interpreter,
or `--lambdalint CMD`) runs once per project in its own process, from inside the project folder,
with `check . --isolated`, so one crash or hang cannot take the others down and file names are
relative to the project (results from two machines or two checkouts compare). The report gives:
findings per rule (count, and number of projects with one), internal errors and time-outs,
projects where some code was not analysed (LL001, LL002, LL004 findings, or a summary line saying
that functions had no code), and timing (total, median and max per project).

`--json OUT` saves the per-project findings; `--compare BEFORE.json` prints the findings added and
removed per rule against such a file (a finding is identified by project, code, file and line, so
a reworded message is not a change). Nothing is ever written into DIR, and the real projects stay
outside the repository. Without DIR the script prints its usage and exits 0 (skipped). Standard
library only."""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

# One line of lambdalint's text output: `path:row:col: CODE [*] message` (`zip!member` as path).
FINDING_LINE = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<column>\d+): "
                          r"(?P<code>LL\d{3})(?: \[\*\])? (?P<message>.*)$")
# Codes that mean "this code was not (fully) analysed": syntax error, unreadable input, code not found.
NOT_ANALYSED_CODES = ("LL001", "LL002", "LL004")
# The coverage summary, e.g. "Checked 3 functions: 2 with code, 1 without code." (nonzero = not analysed)
WITHOUT_CODE = re.compile(r"(\d+)\s+(?:\w+\s+)?(?:without code|not analysed)")
INTERNAL_ERROR = "internal error"


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.target is None:
        parser.print_usage()
        print("skipped: no folder given")
        return 0
    target = Path(args.target)
    if target.is_file():
        results = _load(target)
    elif target.is_dir():
        if args.json and _inside(Path(args.json), target):
            parser.error(f"--json {args.json} is inside {target}: this script never writes into DIR")
        results = run_all(target, shlex.split(args.lambdalint) if args.lambdalint else _default_command(),
                          args.timeout, args.jobs, args.limit)
    else:
        parser.error(f"{target} is neither a folder of projects nor a saved JSON result")
    print(report(results), end="")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"\nsaved: {args.json}")
    if args.compare:
        print()
        print(compare(_load(Path(args.compare)), results, args.details), end="")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="realworld.py", description=__doc__.split("\n\n")[0],
        epilog="Without DIR nothing runs (exit 0).")
    parser.add_argument("target", nargs="?", metavar="DIR",
                        help="folder whose immediate subfolders are projects (or a JSON saved by --json)")
    parser.add_argument("--json", metavar="OUT", help="save the per-project findings here (not inside DIR)")
    parser.add_argument("--compare", metavar="BEFORE.json", help="print findings added/removed per rule")
    parser.add_argument("--details", action="store_true", help="with --compare: list every added/removed finding")
    parser.add_argument("--lambdalint", metavar="CMD",
                        help="command that runs lambdalint (default: this interpreter's `-m lambdalint`)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per project (default 600)")
    parser.add_argument("--jobs", type=int, default=1, help="projects checked at once (default 1: fair timings)")
    parser.add_argument("--limit", type=int, help="check only the first N projects (sorted by name)")
    return parser


def _default_command() -> List[str]:
    return [sys.executable, "-m", "lambdalint"]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# -- running ---------------------------------------------------------------------------------------
def projects_under(folder: Path) -> List[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def run_all(folder: Path, command: List[str], timeout: float, jobs: int, limit: Optional[int]) -> dict:
    projects = projects_under(folder)[:limit]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = list(pool.map(lambda project: run_one(project, command, timeout), projects))
    return {
        "command": command,
        "version": _version(command),
        "folder": str(folder),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "projects": {project.name: outcome for project, outcome in zip(projects, outcomes)},
    }


def run_one(project: Path, command: List[str], timeout: float) -> dict:
    """One lambdalint process inside PROJECT; what it found, said and how long it took."""
    env = {k: v for k, v in os.environ.items() if k not in ("LAMBDALINT_DEBUG", "LAMBDALINT_VERBOSE")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    args = [*command, "check", ".", "--isolated", "--exit-zero", "--no-progress", "--output-format", "text"]
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, cwd=project, capture_output=True, timeout=timeout, env=env)
        rc, out, err, timed_out = proc.returncode, proc.stdout, proc.stderr, False
    except subprocess.TimeoutExpired as exc:
        rc, out, err, timed_out = None, exc.stdout or b"", exc.stderr or b"", True
    seconds = time.perf_counter() - start
    findings, summary = parse_text(out.decode("utf-8", "replace"))
    stderr = err.decode("utf-8", "replace").splitlines()
    errors = [line for line in stderr if INTERNAL_ERROR in line]
    if timed_out:
        errors.append(f"timed out after {timeout:g} s")
    elif rc not in (0, 1) and not errors:
        errors.append(f"exit code {rc}: " + (stderr[-1] if stderr else "no message"))
    return {"seconds": round(seconds, 3), "rc": rc, "findings": findings, "summary": summary,
            "internal_errors": errors, "not_analysed": not_analysed_reasons(findings, summary)}


def parse_text(text: str) -> Tuple[List[dict], List[str]]:
    findings, summary = [], []
    for line in text.splitlines():
        match = FINDING_LINE.match(line)
        if match:
            findings.append({"code": match["code"], "file": match["file"], "line": int(match["line"]),
                             "column": int(match["column"]), "message": match["message"]})
        elif line.strip():
            summary.append(line)
    return findings, summary


def not_analysed_reasons(findings: List[dict], summary: List[str]) -> List[str]:
    reasons = [f"{code} x{count}" for code, count in
               sorted(Counter(f["code"] for f in findings if f["code"] in NOT_ANALYSED_CODES).items())]
    reasons += [line for line in summary if any(int(n) > 0 for n in WITHOUT_CODE.findall(line))]
    return reasons


def _version(command: List[str]) -> str:
    try:
        proc = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (proc.stdout or proc.stderr).strip()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# -- reporting -------------------------------------------------------------------------------------
def report(results: dict) -> str:
    projects: Dict[str, dict] = results["projects"]
    lines = [f"{results.get('version', 'lambdalint ?')} on {len(projects)} projects under {results.get('folder')}"]
    lines += ["", "Findings per rule:", f"  {'code':<6} {'findings':>8} {'projects':>8}"]
    per_code, projects_per_code = Counter(), defaultdict(set)
    for name, project in projects.items():
        for finding in project["findings"]:
            per_code[finding["code"]] += 1
            projects_per_code[finding["code"]].add(name)
    for code in sorted(per_code):
        lines.append(f"  {code:<6} {per_code[code]:>8} {len(projects_per_code[code]):>8}")
    with_findings = sum(1 for p in projects.values() if p["findings"])
    lines.append(f"  total  {sum(per_code.values()):>8} {with_findings:>8}")
    lines += _listing("Internal errors and time-outs", projects, "internal_errors")
    lines += _listing("Projects where some code was not analysed", projects, "not_analysed")
    lines += ["", _timing(projects)]
    return "\n".join(lines) + "\n"


def _listing(title: str, projects: Dict[str, dict], key: str) -> List[str]:
    named = [(name, p[key]) for name, p in sorted(projects.items()) if p[key]]
    lines = ["", f"{title}: {len(named)} project{'' if len(named) == 1 else 's'}"]
    lines += [f"  {name}: {'; '.join(items)}" for name, items in named]
    return lines


def _timing(projects: Dict[str, dict]) -> str:
    if not projects:
        return "Timing: no projects"
    times = {name: p["seconds"] for name, p in projects.items()}
    slowest = max(times, key=times.get)
    return (f"Timing: total {sum(times.values()):.1f} s, median {statistics.median(times.values()):.2f} s "
            f"per project, max {times[slowest]:.2f} s ({slowest})")


# -- comparing -------------------------------------------------------------------------------------
def _keys(results: dict, names: Iterable[str]) -> Counter:
    """Findings as a multiset of (code, project, file, line): a reworded message is the same finding."""
    return Counter((f["code"], name, f["file"], f["line"])
                   for name in names for f in results["projects"][name]["findings"])


def compare(before: dict, after: dict, details: bool = False) -> str:
    common = sorted(set(before["projects"]) & set(after["projects"]))
    old, new = _keys(before, common), _keys(after, common)
    added, removed = new - old, old - new
    lines = [f"Before: {before.get('version', '?')} ({' '.join(before.get('command', []))})",
             f"After:  {after.get('version', '?')} ({' '.join(after.get('command', []))})",
             f"Findings on the {len(common)} projects in both results:",
             f"  {'code':<6} {'before':>7} {'after':>7} {'added':>7} {'removed':>7}"]
    for code in sorted({key[0] for key in old + new}):
        def count(counter: Counter) -> int:
            return sum(n for key, n in counter.items() if key[0] == code)
        lines.append(f"  {code:<6} {count(old):>7} {count(new):>7} {_signed(count(added), '+'):>7} "
                     f"{_signed(count(removed), '-'):>7}")
    for label, only in (("only before", set(before["projects"]) - set(after["projects"])),
                        ("only after", set(after["projects"]) - set(before["projects"]))):
        if only:
            lines.append(f"  projects {label} (not compared): {', '.join(sorted(only))}")
    if details:
        messages = {(f["code"], name, f["file"], f["line"]): f["message"]
                    for results in (before, after) for name in common
                    for f in results["projects"][name]["findings"]}
        for sign, changed in (("+", added), ("-", removed)):
            for key in sorted(changed):
                code, name, file, line = key
                lines.append(f"{sign} {name}/{file}:{line}: {code} {messages[key]}")
    return "\n".join(lines) + "\n"


def _signed(count: int, sign: str) -> str:
    return f"{sign}{count}" if count else "0"


if __name__ == "__main__":
    sys.exit(main())
