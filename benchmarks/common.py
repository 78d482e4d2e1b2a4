"""Small timing helpers shared by the benchmark scripts (median of fresh processes)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import List, Sequence

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
