"""Small timing helpers shared by the benchmark scripts (median of fresh processes)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

LAMBDALINT = [sys.executable, "-m", "lambdalint"]


def time_command(command: Sequence[str], runs: int = 7, cwd=None) -> List[float]:
    """Wall seconds of `runs` fresh runs (after one warm-up run that fills the OS cache)."""
    subprocess.run(command, cwd=cwd, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def describe(label: str, times: List[float]) -> str:
    return (f"{label:<34} median {statistics.median(times) * 1000:7.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, n={len(times)})")


def run_once(command: Sequence[str], env: Optional[Dict[str, str]] = None) -> Tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process (`env` added to bench_environment())."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**bench_environment(), **(env or {})})
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024


def bench_environment() -> Dict[str, str]:
    """This process's environment, except PYTHONDONTWRITEBYTECODE: an installed lambdalint (and
    ruff's and compileall's interpreters) run from bytecode, so every tool must be allowed to
    write its own (the warm-up run does) instead of compiling itself on every run."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
