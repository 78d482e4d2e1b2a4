"""`lambdalint check` on a SAM template with three functions and no Python sources, against
cfn-lint on the same template; also shows that libcst is never imported on such a run.

    pip install -e '.[bench]' && python benchmarks/template_vs_cfnlint.py
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from common import LAMBDALINT, describe, time_command

TEMPLATE = Path(__file__).parent / "data" / "sample_sam.yaml"


def main() -> int:
    ours = time_command(LAMBDALINT + ["check", str(TEMPLATE), "--isolated"])
    print(describe("lambdalint check", ours))
    imports = subprocess.run([sys.executable, "-X", "importtime"] + LAMBDALINT[1:] +
                             ["check", str(TEMPLATE), "--isolated"], capture_output=True, text=True).stderr
    print(f"libcst imported: {'yes' if ' libcst' in imports else 'no'}")
    cfn_lint = shutil.which("cfn-lint")
    if cfn_lint is None:
        print("cfn-lint not installed (pip install '.[bench]'): no comparison")
        return 0
    theirs = time_command([cfn_lint, str(TEMPLATE)])
    print(describe("cfn-lint", theirs))
    print(f"speed-up: {statistics.median(theirs) / statistics.median(ours):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
