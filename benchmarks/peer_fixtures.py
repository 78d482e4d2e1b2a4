"""lambdalint on the peer linters' sample inputs (../shared/peer-fixtures), each file on its own.

Terraform reads every .tf file of a folder as one configuration, so each sample is copied into a
folder of its own first (the two checkov Terraform samples declare the same addresses).  Prints,
per sample, the findings as `code  resource-line  message` for comparison with what the peer's own
test expects (see the fixtures' README).

    python benchmarks/peer_fixtures.py [../shared/peer-fixtures]
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "peer-fixtures"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    for sample in sorted(folder.iterdir()):
        if sample.suffix not in (".yaml", ".yml", ".json", ".tf"):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / sample.name
            shutil.copy(sample, copy)
            result = subprocess.run(
                [sys.executable, "-m", "lambdalint", "check", str(copy), "--isolated", "--output-format", "json"],
                capture_output=True, text=True, env={"LAMBDALINT_TODAY": "2026-11-27", "PATH": ""})
            findings = json.loads(result.stdout or "[]")
        print(f"== {sample.name}: {len(findings)} finding(s)")
        for finding in findings:
            print(f"   {finding['code']}  line {finding['location']['row']:>3}  {finding['message'][:110]}")


if __name__ == "__main__":
    main()
