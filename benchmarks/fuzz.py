"""Long fuzz profile: the hostile-input generators of `tests/fuzz_inputs.py` for as long as you like.

    python benchmarks/fuzz.py --minutes 30                     # every target, the time split evenly
    python benchmarks/fuzz.py --minutes 3 --target zip         # one target (zip, yaml, serverless,
                                                               # hcl, python, config, fix; or a,b)
    python benchmarks/fuzz.py --minutes 30 --seed 7 --out /tmp/fuzz-7   # reproducible, kept there

Run it for 30 minutes or more before resolving issue 10 (acceptance: nothing new found); it needs
the test extras (`pip install -e '.[test]'`: hypothesis) and a POSIX system (fork).

Each input is drawn by hypothesis (the test suite's strategies at the LONG scale: 512 MiB
bzip2/LZMA/deflate bombs, nesting up to 12,000 levels, 60,000-term chains, 2 MB lines, FIFOs and
/dev/zero in code paths) and checked in a forked child of this process (started warm: ~0.1 s per
input) with an address-space cap (+3 GiB) and a hard timeout; the promises are those of
`fuzz_inputs.check_lint` / `check_fix` (no crash or internal error, exit 0/1 or a clear exit-2
message, every output format renders and parses, the good handler beside the input still
reported, `--fix` contract) plus the budgets: < 5 s per command and < 300 MB peak RSS.

A timeout or memory failure is confirmed by running the real command (`python -m lambdalint ...`)
in a fresh process with the same caps, whose wall time and peak RSS are the numbers reported; a
failure that does not repeat there is counted as "unconfirmed", not as a failure.  The first
inputs of each kind of failure are saved under --out (default /tmp/lambdalint-fuzz-<time>, never
in the repository): `<target>/<kind>-<n>/` holds the files (`case/`, and `canary/` when it was
checked), README.txt (command, what happened, seconds, RSS) and `minimised/` when a cheap
line-by-line reduction (at most --minimise-seconds) kept the failure.  Reproduce with
`cd <folder> && lambdalint <command from README.txt>`.

Printed at the end (and written to <out>/summary.json): per target, the inputs tried, how many
kept every promise, failures per class (crash/internal error, timeout > 5 s, RSS > 300 MB, fix
contract broken), how many `--fix` inputs were actually rewritten, the slowest input and the
highest peak RSS; then one line per distinct failure with its saved folder.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import fuzz_inputs  # noqa: E402
from fuzz_inputs import LONG, SHORT, STRATEGIES, Case, Outcome, run_isolated, warm_up  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

KINDS = ("crash", "timeout", "memory", "fix")
BATCH = 50  # inputs per hypothesis run; each run gets the next seed
SAVED_PER_SIGNATURE = 3
CONFIRM_CAP_BYTES = 4 * 1024 ** 3  # address space of the fresh confirmation process

# The fresh confirmation run: a grandchild under an address-space cap, so that RUSAGE_CHILDREN is
# lambdalint's own peak RSS; prints rc, seconds, peak RSS (KB), the stderr tail, timed_out.
_CONFIRM = r"""
import json, resource, subprocess, sys, time
cap, timeout = int(sys.argv[1]), float(sys.argv[2])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start = time.perf_counter()
try:
    proc = subprocess.run(sys.argv[3:], capture_output=True, timeout=timeout, preexec_fn=limit)
    rc, err = proc.returncode, proc.stderr
except subprocess.TimeoutExpired as exc:
    rc, err = None, exc.stderr or b""
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - start, "timed_out": rc is None,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": err.decode("utf-8", "backslashreplace")[-2000:]}))
"""


def fresh_run(case: Case, folder: Path, timeout: float) -> dict:
    """The case's real command in a fresh `python -m lambdalint` (with --fix for the fix target)."""
    command = case.command() + (["--fix"] if case.target == "fix" else ["--output-format", "json"])
    wrapper = subprocess.run([sys.executable, "-c", _CONFIRM, str(CONFIRM_CAP_BYTES), str(timeout),
                              sys.executable, "-m", "lambdalint", *command],
                             cwd=folder, capture_output=True, text=True, timeout=timeout + 60)
    return json.loads(wrapper.stdout)


class Campaign:
    def __init__(self, args, scratch: Path, out: Path):
        self.args = args
        self.scratch = scratch
        self.out = out
        self.counts: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.slowest: Dict[str, float] = collections.defaultdict(float)
        self.peak_mb: Dict[str, float] = collections.defaultdict(float)
        self.signatures: Dict[str, dict] = {}

    # -- one input -----------------------------------------------------------------------------------
    def try_case(self, case: Case) -> None:
        counts = self.counts[case.target]
        try:
            outcome = run_isolated(case, self.scratch, self.args.hard_timeout)
        except OSError as exc:  # the harness could not write the case (a name the OS refuses)
            counts["harness errors"] += 1
            print(f"  harness error: {exc}", flush=True)
            return
        counts["tried"] += 1
        self.slowest[case.target] = max(self.slowest[case.target], outcome.seconds)
        self.peak_mb[case.target] = max(self.peak_mb[case.target], outcome.rss_mb)
        if case.target == "fix" and outcome.stats.get("changed"):
            counts["fixed"] += 1
        if outcome.kind is None:
            counts["ok"] += 1
            return
        self.record_failure(outcome)

    def record_failure(self, outcome: Outcome) -> None:
        counts = self.counts[outcome.case.target]
        measured = None
        if outcome.kind in ("timeout", "memory"):
            measured = self.confirm(outcome)
            if measured is None:
                counts["unconfirmed"] += 1
                return
        counts[outcome.kind] += 1
        key = f"{outcome.case.target} {outcome.kind} {signature(outcome.message)}"
        entry = self.signatures.setdefault(key, {"count": 0, "saved": [], "message": outcome.message[:500]})
        entry["count"] += 1
        if len(entry["saved"]) < SAVED_PER_SIGNATURE:
            minimise = not entry["saved"] and self.args.minimise_seconds > 0
            entry["saved"].append(str(self.save(outcome, measured, minimise)))
            print(f"  {outcome.kind}: {outcome.message.splitlines()[0][:150]} -> {entry['saved'][-1]}", flush=True)

    def confirm(self, outcome: Outcome) -> Optional[dict]:
        """The numbers of a fresh process; None when it stays within both budgets."""
        folder = Path(tempfile.mkdtemp(dir=self.scratch))
        try:
            outcome.case.write(folder)
            run = fresh_run(outcome.case, folder, max(self.args.hard_timeout, 2 * fuzz_inputs.TIME_BUDGET_S))
        finally:
            fuzz_inputs._remove_tree(folder)  # noqa: SLF001
        over_time = run["timed_out"] or run["seconds"] > fuzz_inputs.TIME_BUDGET_S * (
            3 if outcome.case.target == "fix" else 1)
        over_memory = run["maxrss_kb"] / 1024 > fuzz_inputs.RSS_BUDGET_MB
        return run if over_time or over_memory else None

    # -- saving ------------------------------------------------------------------------------------
    def save(self, outcome: Outcome, measured: Optional[dict], minimise: bool) -> Path:
        case = outcome.case
        folder = self.out / case.target / f"{outcome.kind}-{self.counts[case.target][outcome.kind]:03d}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        case.write(folder)
        lines = [f"kind: {outcome.kind}", f"command: cd {folder} && lambdalint {' '.join(case.command())}"
                 + (" --fix" if case.target == "fix" else ""),
                 f"in the fuzzer's child: {outcome.seconds:.2f} s, ~{outcome.rss_mb:.0f} MB peak RSS (estimated)"]
        if measured is not None:
            lines.append(f"fresh process: {measured['seconds']:.2f} s, {measured['maxrss_kb'] / 1024:.0f} MB "
                         f"peak RSS, exit {measured['rc']}{' (timed out)' if measured['timed_out'] else ''}")
        lines += ["", "what happened:", outcome.message, "", "input:", case.describe()]
        if minimise:
            smaller = self.minimise(outcome)
            if smaller is not None:
                smaller.write(folder / "minimised")
                lines += ["", "minimised (in minimised/, same command):", smaller.describe()]
        (folder / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="backslashreplace")
        return folder

    def minimise(self, outcome: Outcome) -> Optional[Case]:
        """Drop files, then lines of the largest file, while the same failure stays (time-boxed)."""
        deadline = time.monotonic() + self.args.minimise_seconds
        wanted = (outcome.kind, signature(outcome.message))

        def still_fails(candidate: Case) -> bool:
            if time.monotonic() > deadline:
                return False
            try:
                again = run_isolated(candidate, self.scratch, self.args.hard_timeout)
            except OSError:
                return False
            return again.kind == wanted[0] and (again.kind in ("timeout", "memory")
                                                or signature(again.message) == wanted[1])

        case, changed = outcome.case, False
        for rel in sorted(case.files):
            smaller = replace(case, files={k: v for k, v in case.files.items() if k != rel})
            if still_fails(smaller):
                case, changed = smaller, True
        if case.files:
            biggest = max(case.files, key=lambda rel: len(case.files[rel]))
            if not case.files[biggest].startswith(b"PK"):
                data = reduce_lines(case.files[biggest], lambda d: still_fails(
                    replace(case, files={**case.files, biggest: d})))
                if data != case.files[biggest]:
                    case, changed = replace(case, files={**case.files, biggest: data}), True
        return case if changed else None

    # -- the run -------------------------------------------------------------------------------------
    def run_target(self, target: str, until: float, first_seed: int) -> None:
        scale = LONG if self.args.scale == "long" else SHORT
        strategy = STRATEGIES[target](scale)
        batch = 0
        while time.monotonic() < until:
            @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @seed(first_seed + batch)
            @given(case=strategy)
            def one_batch(case):
                if time.monotonic() < until:
                    self.try_case(case)

            one_batch()
            batch += 1
            counts = self.counts[target]
            print(f"  {target}: {counts['tried']} tried, {counts['ok']} ok, "
                  f"{sum(counts[k] for k in KINDS)} failures", flush=True)

    def summary(self) -> dict:
        return {"targets": {target: {**counts, "slowest_s": round(self.slowest[target], 2),
                                     "peak_rss_mb": round(self.peak_mb[target])}
                            for target, counts in self.counts.items()},
                "failures": self.signatures}


def signature(message: str) -> str:
    """A failure's message with numbers, temporary paths and quoted values blurred: one per bug."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = re.sub(r"/tmp/\S+", "<tmp>", first)
    first = re.sub(r"crashed on (function )?\S+", "crashed on <target>", first)
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "<value>", first)
    return re.sub(r"\d+(\.\d+)?", "N", first)[:160]


def reduce_lines(data: bytes, still_fails: Callable[[bytes], bool]) -> bytes:
    """Delta debugging over lines: remove chunks (halves, quarters ...) while the failure stays."""
    lines = data.splitlines(keepends=True)
    parts = 2
    while len(lines) >= 2:
        size = math.ceil(len(lines) / parts)
        for start in range(0, len(lines), size):
            candidate = lines[:start] + lines[start + size:]
            if still_fails(b"".join(candidate)):
                lines, parts = candidate, max(parts - 1, 2)
                break
        else:
            if parts >= len(lines):
                break
            parts = min(len(lines), parts * 2)
    return b"".join(lines)


def print_summary(campaign: Campaign, minutes: float) -> None:
    print(f"\n== lambdalint fuzz: {minutes:g} min, scale {campaign.args.scale}, seed {campaign.args.seed}")
    header = f"{'target':<11}{'tried':>7}{'ok':>7}" + "".join(f"{k:>9}" for k in KINDS) + \
        f"{'unconf.':>9}{'fixed':>7}{'slowest':>9}{'peak RSS':>10}"
    print(header)
    for target, counts in campaign.counts.items():
        print(f"{target:<11}{counts['tried']:>7}{counts['ok']:>7}" + "".join(f"{counts[k]:>9}" for k in KINDS)
              + f"{counts['unconfirmed']:>9}{counts['fixed'] if target == 'fix' else '-':>7}"
              + f"{campaign.slowest[target]:>8.1f}s{campaign.peak_mb[target]:>7.0f} MB")
    if not campaign.signatures:
        print("\nno failures")
    for key, entry in sorted(campaign.signatures.items()):
        print(f"\n{key}  (x{entry['count']})\n  {entry['message'].splitlines()[0][:300]}")
        for folder in entry["saved"]:
            print(f"  saved: {folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="total wall time (split across targets)")
    parser.add_argument("--target", default="all", help="all, or a comma-separated list of: " + ", ".join(STRATEGIES))
    parser.add_argument("--seed", type=int, default=None, help="first hypothesis seed (default: from the clock)")
    parser.add_argument("--out", type=Path, default=None, help="where failing inputs are saved")
    parser.add_argument("--scale", choices=["long", "short"], default="long")
    parser.add_argument("--hard-timeout", type=float, default=fuzz_inputs.HARD_TIMEOUT_S)
    parser.add_argument("--minimise-seconds", type=float, default=60.0)
    args = parser.parse_args()
    if not hasattr(os, "fork"):
        parser.error("needs fork (Linux, macOS)")
    targets = list(STRATEGIES) if args.target == "all" else args.target.split(",")
    unknown = [t for t in targets if t not in STRATEGIES]
    if unknown:
        parser.error(f"unknown target {unknown}; choose from {', '.join(STRATEGIES)} or all")
    args.seed = args.seed if args.seed is not None else int(time.time()) % 100_000
    out = args.out or Path(tempfile.gettempdir()) / f"lambdalint-fuzz-{time.strftime('%Y%m%d-%H%M%S')}"
    repository = Path(__file__).resolve().parents[1]
    if out.resolve().is_relative_to(repository):
        parser.error("--out must be outside the repository")
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=out))
    set_hypothesis_home_dir(out / ".hypothesis")  # its caches, never in the repository

    print(f"lambdalint fuzz: targets {', '.join(targets)}; {args.minutes:g} min; seed {args.seed}; out {out}")
    started = time.monotonic()
    warm_up(scratch)
    if args.scale == "long":
        for method in (8, 12, 14):  # the bombs are compressed once, then shared by every child
            fuzz_inputs.compressed_zeros(method, LONG.bomb_bytes)
    baseline = fresh_run(Case("baseline", {}, paths=[]), _canary_folder(scratch), 60)
    fuzz_inputs.FRESH_PROCESS_MB = baseline["maxrss_kb"] / 1024
    print(f"ready after {time.monotonic() - started:.0f} s; a fresh lambdalint process on a tiny folder: "
          f"{baseline['seconds']:.2f} s, {fuzz_inputs.FRESH_PROCESS_MB:.0f} MB", flush=True)

    campaign = Campaign(args, scratch, out)
    budget = args.minutes * 60 / len(targets)
    start = time.monotonic()
    for index, target in enumerate(targets):
        print(f"-- {target}", flush=True)
        campaign.run_target(target, start + budget * (index + 1), args.seed * 1000 + index * 100)
    shutil.rmtree(scratch, ignore_errors=True)
    (out / "summary.json").write_text(json.dumps(campaign.summary(), indent=2, default=str) + "\n")
    print_summary(campaign, args.minutes)
    return 1 if campaign.signatures else 0


def _canary_folder(scratch: Path) -> Path:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    Case("baseline", {}, paths=[]).write(folder)
    return folder


if __name__ == "__main__":
    sys.exit(main())
