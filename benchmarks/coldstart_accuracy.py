"""`lambdalint coldstart` on a bundle built from real wheels (pandas, numpy, boto3, requests):
its estimated init cost against the measured import time of the handler module, and how long
the import-closure analysis takes (and how many of the bundle's .py files it parses).

    python benchmarks/coldstart_accuracy.py [--cache DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import LAMBDALINT

PACKAGES = ["pandas", "numpy", "boto3", "requests"]
HANDLER = '''\
import json

import boto3
import numpy as np
import pandas as pd
import requests


def summarise(rows):
    return pd.DataFrame(rows).describe().to_json()


def handler(event, context):
    values = np.array(event.get("values", []))
    if event.get("summary"):
        return summarise(event["rows"])
    response = requests.get(event["url"], timeout=5)
    return {"status": response.status_code, "n": int(values.size), "body": json.dumps({})}
'''


def build(folder: Path) -> None:
    if not (folder / "pandas").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder),
                        "--only-binary=:all:", *PACKAGES], check=True)
    (folder / "app.py").write_text(HANDLER)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j0", str(folder)], check=True)


def measured_import_ms(folder: Path, runs: int = 5) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    times = []
    for i in range(runs + 1):
        stderr = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=folder,
                                env=env, capture_output=True, text=True).stderr
        match = re.search(r"\|\s+(\d+) \| app$", stderr, re.M)
        if i:  # the first run warms the file cache
            times.append(int(match.group(1)) / 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "lambdalint-coldstart-bundle"))
    folder = Path(parser.parse_args().cache)
    folder.mkdir(parents=True, exist_ok=True)
    build(folder)
    python_version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    start = time.perf_counter()
    report = json.loads(subprocess.run(LAMBDALINT + ["coldstart", str(folder), "--isolated", "--runtime",
                                                     python_version, "--output-format", "json"],
                                       capture_output=True, text=True, check=True).stdout)
    elapsed = time.perf_counter() - start
    print(subprocess.run(LAMBDALINT + ["coldstart", str(folder), "--isolated", "--runtime", python_version],
                         capture_output=True, text=True).stdout)
    (function,) = report["functions"]
    estimate = function["estimated_init_ms"]
    measured = measured_import_ms(folder)
    print(f"estimated init: {estimate:,.0f} ms; measured `import app`: {measured:,.0f} ms "
          f"(median of 5, valid .pyc); ratio {max(estimate, measured) / min(estimate, measured):.2f}x")

    from lambdalint.analysis.imports import ImportGraph, Root
    from lambdalint.model.bundle import FolderBundle

    bundle = FolderBundle(folder, "bundle")
    py_files = sum(1 for e in bundle.entries if e.path.endswith(".py"))
    start = time.perf_counter()
    graph = ImportGraph([Root(bundle, "", "bundle")], sys.version.split()[0][:4])
    closure = graph.closure(["app"])
    analysis = time.perf_counter() - start
    print(f"bundle: {py_files:,} .py files; closure: {len(closure):,} modules, {graph.parsed_files:,} "
          f"files parsed, {analysis:.2f} s in-process; `lambdalint coldstart` whole run {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
