"""How `lambdalint check` grows with the size of a source tree (issue 12): a handler plus vendored
packages, no template, at 10 -> 10,000 `.py` files, checked as a folder and as the same files
zipped, with ruff (`--select ALL`) and `python -m compileall` on the same folder side by side.

The trees are generated from the `.py` files of the running Python's standard library (real code,
not toy modules), each copy given a unique first line so no two files share content (a content
cache must not flatter the numbers).  A tree holds:

- `app.py`: the handler, importing the own package and one package of each vendored kind;
- `service/`: the function's own code (about 2 % of the files, 3 to 40 modules);
- vendored packages copied in without any metadata (`cp -r` of a library from a virtualenv), named
  in the folder's `requirements.txt`; with `--installed-share S`, that share of them is installed
  instead (`pip install -t .`: each package with its `*.dist-info/RECORD`).

Each row is the median of `--runs` interleaved fresh processes, with the peak RSS of the slowest
tool measured per process (wait4).  lambdalint runs with `--no-cache` (cold: every file parsed) and,
separately, with its cache warm (the pre-commit case: an unchanged tree).  The growth exponent is
the least-squares slope of log(time) over log(files) for the trees of 100 files and more.

    python benchmarks/scaling.py                       # 10, 100, 1,000, 10,000 files
    python benchmarks/scaling.py --sizes 100 1000 --runs 3 --json out.json
    python benchmarks/scaling.py --lambdalint "/old/venv/bin/lambdalint"   # another build
    python benchmarks/scaling.py --before "env PYTHONPATH=/tmp/old/src python -m lambdalint"  # side by side
    python benchmarks/scaling.py --ruff /path/to/ruff
    python benchmarks/scaling.py --own-code            # no requirements.txt: every file is own code

Trees are built once in ~/.cache/lambdalint-bench/scaling-N/ (never inside the repository).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import statistics
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import run_once  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalint-bench"
FORMAT = 2  # bump when the tree's recipe changes
FILES_PER_PACKAGE = 100


def stdlib_corpus() -> List[Path]:
    """The standard library's own modules, in a stable order (no tests: some are invalid on purpose)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if parts & {"site-packages", "test", "tests", "idle_test", "lib2to3", "dist-packages"}:
            continue
        found.append(path)
    return found


def build_tree(size: int, corpus: List[Path], installed_share: float = 0.0, declared: bool = True) -> Path:
    target = CACHE / f"scaling-{FORMAT}-{size}-{installed_share:g}{'' if declared else '-own'}"
    if (target / "DONE").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    tree = target / "tree"
    tree.mkdir(parents=True)
    own = min(40, max(3, size // 50))
    packages = _split(max(2, size - own - 1))
    installed_count = round(len(packages) * installed_share)
    names = [f"{'dist' if index < installed_count else 'copied'}_{index:03d}" for index in range(len(packages))]
    texts = _texts(corpus)
    _write_own_code(tree, own, imported=[names[0], names[-1]])
    for index, (name, files) in enumerate(zip(names, packages)):
        _write_package(tree, name, files, texts, installed=index < installed_count)
    if declared:
        (tree / "requirements.txt").write_text("".join(f"{name.replace('_', '-')}==1.0\n" for name in names))
    _write_zip(tree, target / "tree.zip")
    (target / "DONE").write_text("ok\n")
    return target


def _texts(corpus: List[Path]):
    """An endless supply of (label, text): the corpus, round after round."""
    round_number = 0
    while True:
        for path in corpus:
            try:
                text = path.read_text("utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            yield f"{round_number}:{path.name}", text
        round_number += 1


def _write_own_code(tree: Path, modules: int, imported: List[str]) -> None:
    """app.py (the handler) and service/: modules importing each other in a chain."""
    service = tree / "service"
    service.mkdir()
    (service / "__init__.py").write_text("from service.mod_00 import run\n")
    chain = modules - 1
    for number in range(chain):
        nxt = f"from service.mod_{number + 1:02d} import step as _next\n" if number + 1 < chain else ""
        (service / f"mod_{number:02d}.py").write_text(
            f"import json\n{nxt}\n\ndef step(value):\n    return json.dumps(value)\n\n\n"
            "def run(event):\n    return step(event)\n")
    imports = "".join(f"import {name}\n" for name in imported)
    (tree / "app.py").write_text(
        f"import json\n\n{imports}from service import run\n\n\n"
        "def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(run(event))}\n")


def _split(files: int) -> List[int]:
    """Files per vendored package: full packages, at least two (one installed, one copied)."""
    if files < 2 * FILES_PER_PACKAGE:
        return [files - files // 2, files // 2]
    counts = [FILES_PER_PACKAGE] * (files // FILES_PER_PACKAGE)
    if files % FILES_PER_PACKAGE:
        counts.append(files % FILES_PER_PACKAGE)
    return counts


def _write_package(tree: Path, name: str, files: int, texts, installed: bool) -> None:
    package = tree / name
    package.mkdir()
    modules = []
    for number in range(files - 1):
        label, text = next(texts)
        module = f"m{number:03d}"
        (package / f"{module}.py").write_text(f"# scaling benchmark copy of {label}\n{text}", "utf-8")
        modules.append(module)
    # The package imports a few of its modules at import, as real libraries do.
    init = "".join(f"from . import {module}\n" for module in modules[:3])
    (package / "__init__.py").write_text(f"# {name}\n{init}")
    if installed:
        info = tree / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "top_level.txt").write_text(f"{name}\n")
        record = [f"{name}/{module}.py,," for module in ["__init__"] + modules]
        (info / "RECORD").write_text("\n".join(record + [f"{name}-1.0.dist-info/RECORD,,"]) + "\n")


def _write_zip(tree: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(tree).as_posix())


def count_py(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.py"))


# -- timing ------------------------------------------------------------------------------------
def tools(lambdalint: List[str], ruff: Optional[str], target: Path, cache_dir: Path,
          pycache: Path) -> Dict[str, Tuple[List[str], Dict[str, str]]]:
    tree, archive = str(target / "tree"), str(target / "tree.zip")
    cache_env = {"LAMBDALINT_CACHE_DIR": str(cache_dir)}
    found = {
        "check folder (cold)": (lambdalint + ["check", tree, "--isolated", "--no-cache"], {}),
        "check folder (warm cache)": (lambdalint + ["check", tree, "--isolated"], cache_env),
        "check zip": (lambdalint + ["check", archive, "--isolated", "--no-cache"], {}),
        "compileall": ([sys.executable, "-m", "compileall", "-q", "-f", tree],
                       {"PYTHONPYCACHEPREFIX": str(pycache)}),
    }
    if ruff:
        found["ruff ALL"] = ([ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "--quiet",
                              "--isolated", tree], {})
    return found


def measure(size: int, target: Path, lambdalint: List[str], ruff: Optional[str], runs: int,
            no_cache_supported: bool, before: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        commands = tools(lambdalint, ruff, target, Path(scratch) / "cache", Path(scratch) / "pyc")
        if not no_cache_supported:  # an older build: no cache, no flag
            commands = {label: ([part for part in cmd if part != "--no-cache"], env)
                        for label, (cmd, env) in commands.items() if "warm" not in label}
        if before:  # an older build (no cache, no --no-cache), measured in the same rounds
            tree, archive = str(target / "tree"), str(target / "tree.zip")
            commands = {"before: check folder": (before + ["check", tree, "--isolated"], {}),
                        "before: check zip": (before + ["check", archive, "--isolated"], {}), **commands}
        for label, (command, env) in commands.items():  # warm-up: OS cache, and the parse cache
            run_once(command, env)
        samples: Dict[str, List[Tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(runs):  # interleaved, so a slow moment hurts every tool alike
            for label, (command, env) in commands.items():
                samples[label].append(run_once(command, env))
    return {label: {"seconds": statistics.median(s for s, _ in values),
                    "rss_mb": max(m for _, m in values)} for label, values in samples.items()}


def exponent(points: List[Tuple[int, float]]) -> Optional[float]:
    points = [(n, t) for n, t in points if n >= 100 and t > 0]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    return (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
            / sum((x - mean_x) ** 2 for x in xs))


def table(results: Dict[int, Dict[str, Dict[str, float]]]) -> str:
    labels = list(next(iter(results.values())))
    lines = ["| .py files | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for files, row in results.items():
        cells = [f"{row[label]['seconds']:.2f} s, {row[label]['rss_mb']:.0f} MB" for label in labels]
        lines.append(f"| {files:,} | " + " | ".join(cells) + " |")
    slopes = []
    for label in labels:
        slope = exponent([(files, row[label]["seconds"]) for files, row in results.items()])
        slopes.append(f"{slope:.2f}" if slope is not None else "-")
    lines.append("| growth exponent | " + " | ".join(slopes) + " |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lambdalint", default=None, help="command to run (default: this Python's)")
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="ruff executable (default: on PATH)")
    parser.add_argument("--installed-share", type=float, default=0.0,
                        help="share of the vendored packages installed with metadata (default 0: all copied)")
    parser.add_argument("--own-code", action="store_true",
                        help="no requirements.txt: the copied packages count as the function's own code "
                             "(a monorepo), so every file is checked")
    parser.add_argument("--before", help="command of an older build (no cache) to measure side by side")
    parser.add_argument("--old", action="store_true", help="the build has no cache (no --no-cache flag)")
    parser.add_argument("--json", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    lambdalint = shlex.split(args.lambdalint) if args.lambdalint else [sys.executable, "-m", "lambdalint"]
    corpus = stdlib_corpus()
    results: Dict[int, Dict[str, Dict[str, float]]] = {}
    for size in args.sizes:
        target = build_tree(size, corpus, args.installed_share, declared=not args.own_code)
        files = count_py(target / "tree")
        print(f"measuring {files:,} .py files ({target}) ...", file=sys.stderr, flush=True)
        before = shlex.split(args.before) if args.before else None
        results[files] = measure(size, target, lambdalint, args.ruff, args.runs, not args.old, before)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
