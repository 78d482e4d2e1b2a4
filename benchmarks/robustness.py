"""Hostile inputs: time and peak memory of `lambdalint check` on a folder of bad archives.

Builds, in a temp folder, the same hostile folder as `tests/test_robustness.py` (a corrupt zip, a
zip cut in half, a zip whose headers declare 1 GiB for a tiny entry, a CloudFormation template
carrying a 10**9 YAML alias bomb, the same bomb in a serverless.yml, a .tf file with strings nested
3,000 levels deep in interpolations, a Python 2 file, and a good handler that writes to a relative
path), runs `lambdalint check hostile --output-format json --isolated` in fresh processes, and
prints the median wall time, the peak RSS of the lambdalint process (ru_maxrss of the child), and
the findings summary line of the text format.

    python benchmarks/robustness.py [--runs 5]
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_robustness import MAX_RSS_MB, build_hostile_folder, run_measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = build_hostile_folder(root / "hostile")
        print("inputs: " + ", ".join(f"{p.name} ({p.stat().st_size:,} B)"
                                     for p in sorted(folder.iterdir())))
        runs = [run_measured(Path("hostile"), cwd=root) for _ in range(args.runs)]
        text = run_measured(Path("hostile"), cwd=root, output_format="text")

    seconds = [run["seconds"] for run in runs]
    peaks_mb = [run["maxrss_kb"] / 1024 for run in runs]
    exit_codes = sorted({run["rc"] for run in runs})
    tracebacks = sum("Traceback" in run["stderr"] for run in runs)
    findings = json.loads(runs[-1]["stdout"])
    by_code = collections.Counter(f["code"] for f in findings)
    summary = next((line for line in text["stdout"].splitlines() if line.startswith("Found ")),
                   "(no summary line)")

    print(f"runs: {len(runs)}, exit codes {exit_codes}, tracebacks {tracebacks}")
    print(f"wall time: median {statistics.median(seconds) * 1000:.0f} ms "
          f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f})")
    print(f"peak RSS of lambdalint: max {max(peaks_mb):.1f} MB, median "
          f"{statistics.median(peaks_mb):.1f} MB (budget {MAX_RSS_MB} MB)")
    print("findings: " + ", ".join(f"{code} x{n}" for code, n in sorted(by_code.items())))
    for finding in findings:
        if finding["code"] == "LL002":
            print(f"  LL002 {finding['filename']}: {finding['message']}")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
