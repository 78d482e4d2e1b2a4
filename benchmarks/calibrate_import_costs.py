"""Calibrate lambdalint's static import-cost estimate against real `import X` times.

Installs ~55 popular packages into one shared target folder (as a Lambda bundle would hold them),
compiles valid `.pyc`, measures `python -X importtime -c "import X"` in fresh processes, computes
the static features of each import (lambdalint.analysis.imports.closure_features, or a temporary
fallback when that is missing), fits

    estimated_ms = per_module*modules + per_kb*source_kB + per_native*native_modules
                   + per_stdlib*stdlib_modules

by non-negative least squares on half of the packages and reports how well it ranks and sizes the
other half.

    python benchmarks/calibrate_import_costs.py [--cache DIR] [--runs 5] [--write-table]

Writes benchmarks/calibration/measurements.json and report.txt; with --write-table also
benchmarks/calibration/import_costs.toml (to be copied into src/lambdalint/data/ later).
The installed packages stay in the cache folder (default ~/.cache/lambdalint-calibration/site,
reused when its requirement list is unchanged); nothing of them is committed.
Measurements run one process at a time, so the machine stays usable.
"""
from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
OUT = HERE / "calibration"
DEFAULT_CACHE = Path("~/.cache/lambdalint-calibration/site").expanduser()
MARKER = ".lambdalint-calibration.json"

# (pip requirement, module imported by `import X`, set).  The set is fixed: "fit" packages are
# the only ones the coefficients are fitted on; "held" packages are never fitted on and give the
# published held-out figures.  Each kind of package (tiny pure-Python, large pure-Python, native
# with big shared libraries, lazy `__getattr__` packages) has members in both sets.
PACKAGES: List[Tuple[str, str, str]] = [
    # the packages of the spec's "Measured import cost" list (torch skipped: too large)
    ("boto3", "boto3", "fit"),
    ("botocore", "botocore.session", "held"),
    ("requests", "requests", "fit"),
    ("numpy", "numpy", "fit"),
    ("pandas", "pandas", "held"),
    ("scipy", "scipy", "fit"),
    ("scikit-learn", "sklearn", "held"),
    ("matplotlib", "matplotlib", "held"),
    ("matplotlib", "matplotlib.pyplot", "fit"),
    ("pydantic", "pydantic", "held"),
    ("sqlalchemy", "sqlalchemy", "fit"),
    ("sqlalchemy", "sqlalchemy.orm", "held"),
    ("aws-lambda-powertools", "aws_lambda_powertools", "held"),
    ("jinja2", "jinja2", "fit"),
    ("pyyaml", "yaml", "held"),
    ("openpyxl", "openpyxl", "held"),
    ("psycopg2-binary", "psycopg2", "fit"),
    ("pymysql", "pymysql", "fit"),
    ("redis", "redis", "fit"),
    ("httpx", "httpx", "fit"),
    ("fastapi", "fastapi", "fit"),
    ("langchain-core", "langchain_core", "fit"),
    ("pillow", "PIL.Image", "fit"),
    ("lxml", "lxml.etree", "held"),
    ("cryptography", "cryptography.x509", "held"),
    # small pure-Python
    ("six", "six", "fit"),
    ("idna", "idna", "held"),
    ("attrs", "attrs", "fit"),
    ("cachetools", "cachetools", "held"),
    ("tenacity", "tenacity", "held"),
    ("jmespath", "jmespath", "held"),
    ("python-dateutil", "dateutil.parser", "fit"),
    ("pytz", "pytz", "held"),
    ("simplejson", "simplejson", "held"),
    # mid-size, native, and large pure-Python
    ("click", "click", "fit"),
    ("rich", "rich.console", "held"),
    ("jsonschema", "jsonschema", "fit"),
    ("marshmallow", "marshmallow", "fit"),
    ("werkzeug", "werkzeug", "fit"),
    ("flask", "flask", "held"),
    ("starlette", "starlette.applications", "fit"),
    ("mangum", "mangum", "fit"),
    ("aiohttp", "aiohttp", "held"),
    ("beautifulsoup4", "bs4", "fit"),
    ("markdown", "markdown", "held"),
    ("pygments", "pygments.lexers", "fit"),
    ("networkx", "networkx", "held"),
    ("structlog", "structlog", "held"),
    ("pyjwt", "jwt", "held"),
    ("pymongo", "pymongo", "held"),
    ("orjson", "orjson", "fit"),
    ("ujson", "ujson", "held"),
    ("tqdm", "tqdm", "fit"),
    ("regex", "regex", "held"),
    ("sympy", "sympy", "fit"),
    ("docutils", "docutils.core", "held"),
    # added for issue 13 -- tiny pure-Python
    ("rich", "rich", "held"),
    ("pygments", "pygments", "held"),
    ("packaging", "packaging.version", "fit"),
    ("certifi", "certifi", "held"),
    ("decorator", "decorator", "fit"),
    ("tomli", "tomli", "held"),
    ("backoff", "backoff", "fit"),
    ("typing-extensions", "typing_extensions", "held"),
    ("more-itertools", "more_itertools", "fit"),
    ("filelock", "filelock", "held"),
    ("platformdirs", "platformdirs", "fit"),
    ("itsdangerous", "itsdangerous", "held"),
    ("blinker", "blinker", "fit"),
    ("humanize", "humanize", "held"),
    ("sniffio", "sniffio", "fit"),
    ("h11", "h11", "held"),
    ("toolz", "toolz", "fit"),
    ("xmltodict", "xmltodict", "held"),
    ("python-json-logger", "pythonjsonlogger", "fit"),
    ("sqlparse", "sqlparse", "held"),
    # large pure-Python
    ("nltk", "nltk", "held"),
    ("dnspython", "dns.resolver", "fit"),
    ("pyparsing", "pyparsing", "held"),
    ("babel", "babel.dates", "fit"),
    ("slack-sdk", "slack_sdk", "held"),
    ("elasticsearch", "elasticsearch", "fit"),
    ("twilio", "twilio.rest", "held"),
    ("google-auth", "google.auth", "fit"),
    ("arrow", "arrow", "held"),
    ("azure-core", "azure.core", "fit"),
    ("sentry-sdk", "sentry_sdk", "held"),
    ("aws-xray-sdk", "aws_xray_sdk.core", "fit"),
    ("oauthlib", "oauthlib.oauth2", "held"),
    # native-heavy (extensions and the shared libraries they link)
    ("pyarrow", "pyarrow", "held"),
    ("pyarrow", "pyarrow.parquet", "fit"),
    ("pydantic-core", "pydantic_core", "held"),
    ("lxml", "lxml.html", "fit"),
    ("msgpack", "msgpack", "held"),
    ("zstandard", "zstandard", "fit"),
    ("grpcio", "grpc", "held"),
    ("shapely", "shapely", "fit"),
    ("polars", "polars", "held"),
    ("duckdb", "duckdb", "fit"),
    ("psutil", "psutil", "held"),
    ("bcrypt", "bcrypt", "fit"),
    ("pynacl", "nacl.signing", "held"),
    ("rapidfuzz", "rapidfuzz", "fit"),
    ("xxhash", "xxhash", "held"),
    ("lz4", "lz4.frame", "fit"),
    ("markupsafe", "markupsafe", "held"),
    ("charset-normalizer", "charset_normalizer", "fit"),
    ("wrapt", "wrapt", "held"),
    ("pyzmq", "zmq", "fit"),
    ("opencv-python-headless", "cv2", "held"),
    # lazy packages (module-level `__getattr__`, or names imported from them on first use)
    ("openai", "openai", "held"),
    ("stripe", "stripe", "held"),
    ("anthropic", "anthropic", "fit"),
    ("scipy", "scipy.stats", "held"),
    ("scipy", "scipy.optimize", "fit"),
    ("scipy", "scipy.sparse", "held"),
    ("huggingface-hub", "huggingface_hub", "fit"),
    ("plotly", "plotly.graph_objects", "held"),
    ("pydantic-settings", "pydantic_settings", "fit"),
]

# heavy standard-library modules a handler may import (measured without PYTHONPATH)
STDLIB = [
    "asyncio", "email", "email.message", "http.client", "json", "decimal", "logging", "ssl",
    "urllib.request", "xml.etree.ElementTree", "sqlite3", "multiprocessing", "concurrent.futures",
    "uuid", "datetime", "csv", "typing", "dataclasses", "subprocess", "zipfile", "tarfile", "gzip",
    "hashlib", "socket", "argparse", "tempfile", "shutil", "base64", "random", "re",
]

FEATURES = ("modules", "source_kB", "native_modules", "stdlib_modules")
TOML_KEYS = ("per_module", "per_kb", "per_native", "per_stdlib")
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


# -- installing --------------------------------------------------------------------------------
def pip(args: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def requirements() -> List[str]:
    return sorted({req for req, _, _ in PACKAGES})


def install(site: Path) -> dict:
    """Install every requirement into `site` (one target, shared dependencies) unless the cache
    already holds exactly this list; drop requirements that cannot be installed as wheels."""
    wanted = requirements()
    marker = site / MARKER
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("requested") == wanted:
            info["reused"] = True
            return info
        shutil.rmtree(site)  # our own folder (it has our marker): start again
    elif site.exists() and any(site.iterdir()):
        sys.exit(f"{site} is not empty and was not made by this script; pass another --cache")
    site.parent.mkdir(parents=True, exist_ok=True)
    dropped: Dict[str, str] = {}
    start = time.perf_counter()
    base = ["install", "--target", str(site), "--only-binary=:all:", "--no-warn-conflicts"]
    result = pip(base + wanted)
    if result.returncode != 0:  # find the requirements that cannot be installed, then retry
        if site.exists():
            shutil.rmtree(site)
        with tempfile.TemporaryDirectory() as scratch:
            for req in wanted:
                probe = pip(["install", "--dry-run", "--ignore-installed", "--target", scratch,
                             "--only-binary=:all:", req])
                if probe.returncode != 0:
                    dropped[req] = (probe.stderr.strip().splitlines() or ["?"])[-1]
        keep = [req for req in wanted if req not in dropped]
        result = pip(base + keep)
        if result.returncode != 0:
            sys.exit("pip install failed:\n" + result.stderr[-4000:])
    install_s = time.perf_counter() - start
    start = time.perf_counter()
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q", "-j0", str(site)],
                              capture_output=True, text=True)
    compile_s = time.perf_counter() - start
    info = {"requested": wanted, "dropped": dropped, "install_seconds": round(install_s, 1),
            "compile_seconds": round(compile_s, 1), "compileall_returncode": compiled.returncode,
            "installed": str(datetime.date.today()), "reused": False}
    marker.write_text(json.dumps(info, indent=1))
    return info


def measuring_python(site: Path) -> str:
    """A bare venv (no pip, no system site-packages): the interpreter's own site-packages (which
    may hold lambdalint's dependencies) must not satisfy imports the bundle does not satisfy."""
    venv = site.parent / (site.name + "-venv")
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(python)


def versions(site: Path) -> Dict[str, str]:
    from importlib import metadata

    return {_norm(d.metadata["Name"]): d.version for d in metadata.distributions(path=[str(site)])}


def installed_megabytes(site: Path) -> Dict[str, Tuple[float, float]]:
    """Per distribution: (own installed MB from RECORD, MB with its non-extra dependencies)."""
    from importlib import metadata

    own: Dict[str, float] = {}
    deps: Dict[str, List[str]] = {}
    for dist in metadata.distributions(path=[str(site)]):
        name = _norm(dist.metadata["Name"])
        total = 0
        for file in dist.files or []:
            path = site / file
            if path.is_file():
                total += path.stat().st_size
        own[name] = total / 1e6
        deps[name] = []
        for req in dist.requires or []:
            if ";" in req and "extra" in req.split(";", 1)[1]:
                continue
            match = re.match(r"[A-Za-z0-9._-]+", req)
            if match:
                deps[name].append(_norm(match.group(0)))
    sizes = {}
    for name in own:
        seen, pending = set(), [name]
        while pending:
            current = pending.pop()
            if current in seen or current not in own:
                continue
            seen.add(current)
            pending.extend(deps[current])
        sizes[name] = (own[name], sum(own[n] for n in seen))
    return sizes


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- measuring ---------------------------------------------------------------------------------
def import_time(python: str, module: str, site: Optional[Path]) -> Tuple[float, List[str]]:
    """One fresh process: cumulative ms of the top-level `module` line, and the names of the
    modules imported under it (`module` last; failed import attempts are listed too)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if site is not None:
        env["PYTHONPATH"] = str(site)
    result = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip().splitlines() or ["?"])[-1])
    subtree: List[str] = []
    for line in result.stderr.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        cumulative, indent, name = int(match.group(2)), match.group(3), match.group(4)
        if indent:
            subtree.append(name)
            continue
        if name == module:
            return cumulative / 1000.0, subtree + [name]
        subtree = []
    return 0.0, []  # already imported at interpreter start-up


def measure(python: str, module: str, site: Optional[Path], runs: int) -> dict:
    import_time(python, module, site)  # warm-up: OS file cache
    times, names = [], []
    for _ in range(runs):
        ms, names = import_time(python, module, site)
        times.append(round(ms, 2))
    stdlib = [n for n in names if n.split(".")[0] in sys.stdlib_module_names]
    return {"runs_ms": times, "median_ms": round(statistics.median(times), 1),
            "loaded_modules": len(names), "loaded_stdlib_modules": len(stdlib),
            "_loaded_names": [n for n in names if n.split(".")[0] not in sys.stdlib_module_names]}


# -- static features ---------------------------------------------------------------------------
def real_closure_features():
    try:
        from lambdalint.analysis.imports import closure_features
    except ImportError:
        return None
    return closure_features


# TEMPORARY FALLBACK — used only when lambdalint.analysis.imports.closure_features is missing
# (and always computed, for comparison). A plain BFS with `ast` over module-level imports
# (also in try/if/with/class bodies; not in functions, not under `if TYPE_CHECKING:`,
# `if __name__ == "__main__":` or Windows-only tests), resolving absolute and relative imports
# against the bundle folder only. Also returns the names it reached (key "_names", not saved).
def _fallback_features(root: Path, module_name: str) -> dict:
    stdlib_names = sys.stdlib_module_names
    seen, stdlib, names = set(), set(), set()
    out = {"modules": 0, "source_bytes": 0, "native_modules": 0, "native_bytes": 0,
           "stdlib_modules": 0}
    pending = [module_name]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            part = ".".join(parts[:i])
            if part in seen:
                continue
            seen.add(part)
            found = _fallback_locate(root, part)
            if found is None:
                if parts[0] in stdlib_names:
                    stdlib.add(part)
                continue
            path, is_package = found
            names.add(part)
            if path.suffix != ".py":
                out["native_modules"] += 1
                out["native_bytes"] += path.stat().st_size
                continue
            out["modules"] += 1
            out["source_bytes"] += path.stat().st_size
            package = part if is_package else part.rpartition(".")[0]
            pending.extend(_fallback_imports(root, path, package))
    out["stdlib_modules"] = len(stdlib)
    out["_names"] = names
    return out


def _fallback_locate(root: Path, name: str) -> Optional[Tuple[Path, bool]]:
    base = root.joinpath(*name.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_name(base.name + ".py").is_file():
        return base.with_name(base.name + ".py"), False
    if base.parent.is_dir():
        for native in base.parent.glob(base.name + ".*.so"):
            return native, False
        if base.with_name(base.name + ".so").is_file():
            return base.with_name(base.name + ".so"), False
    return None


def _fallback_imports(root: Path, path: Path, package: str) -> List[str]:
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return []
    names: List[str] = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    bits = package.split(".") if package else []
                    if node.level - 1 > len(bits):
                        continue
                    bits = bits[: len(bits) - (node.level - 1)] + ([node.module] if node.module else [])
                    base = ".".join(bits)
                else:
                    base = node.module or ""
                if not base:
                    continue
                names.append(base)
                for alias in node.names:
                    if alias.name != "*" and _fallback_locate(root, f"{base}.{alias.name}"):
                        names.append(f"{base}.{alias.name}")
            elif isinstance(node, ast.If):
                if not _fallback_never_true(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, (ast.With, ast.ClassDef, ast.For, ast.While)):
                visit(node.body)
                visit(getattr(node, "orelse", []))

    visit(tree.body)
    return names


def _fallback_never_true(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:`, `if __name__ == "__main__":` and Windows-only tests (`sys.platform ==
    "win32"`, `sys.platform.startswith("win")`, `os.name == "nt"`) never run their body on Lambda."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    text = ast.unparse(test).replace("'", '"')
    return text in ('__name__ == "__main__"', 'sys.platform == "win32"', 'os.name == "nt"',
                    'sys.platform.startswith("win")', 'platform.system() == "Windows"')
# END OF TEMPORARY FALLBACK


def vector(features: dict) -> List[float]:
    return [features["modules"], features["source_bytes"] / 1000.0, features["native_modules"],
            features["stdlib_modules"]]


# -- fitting and statistics --------------------------------------------------------------------
# A module costs at least this much to find, load and execute (ms); without the floor the fit
# trades the module count for source bytes, which are nearly collinear with it.
PER_MODULE_FLOOR = 0.1


def fit_model(rows: List[List[float]], y: List[float]) -> List[float]:
    """The model the table uses: errors weighted by 1/measured (so small and large imports both
    count), per_module at least PER_MODULE_FLOOR, every coefficient non-negative."""
    return nnls(rows, y, [1.0 / v for v in y], lower=[PER_MODULE_FLOOR, 0.0, 0.0, 0.0])


def nnls(rows: List[List[float]], y: List[float], weights: Optional[List[float]] = None,
         iterations: int = 20_000, lower: Optional[List[float]] = None) -> List[float]:
    """min sum w_i (y_i - x_i.c)^2 subject to c >= lower (default 0), by coordinate descent."""
    n = len(rows[0])
    w = weights or [1.0] * len(rows)
    bounds = lower or [0.0] * n
    coef = list(bounds)
    residual = [v - predict(coef, r) for v, r in zip(y, rows)]
    residual = list(y)
    norms = [sum(wi * r[j] ** 2 for wi, r in zip(w, rows)) for j in range(n)]
    for _ in range(iterations):
        change = 0.0
        for j in range(n):
            if norms[j] == 0:
                continue
            gradient = sum(wi * r[j] * res for wi, r, res in zip(w, rows, residual))
            new = max(bounds[j], coef[j] + gradient / norms[j])
            delta = new - coef[j]
            if delta:
                coef[j] = new
                residual = [res - delta * r[j] for res, r in zip(residual, rows)]
                change = max(change, abs(delta) * (norms[j] ** 0.5))
        if change < 1e-10:
            break
    return coef


def predict(coef: Sequence[float], row: Sequence[float]) -> float:
    return sum(c * x for c, x in zip(coef, row))


def ranks(values: Sequence[float]) -> List[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    return result


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else float("nan")


def ratio(estimate: float, measured: float) -> float:
    if estimate <= 0 or measured <= 0:
        return float("inf")
    return max(estimate / measured, measured / estimate)


# -- the model lambdalint uses (issue 13) --------------------------------------------------------
def preloaded_stdlib(python: str) -> List[str]:
    """Standard-library modules the interpreter has loaded before the first import (free)."""
    result = subprocess.run([python, "-c", "import sys; print(' '.join(sorted(sys.modules)))"],
                            capture_output=True, text=True, check=True)
    return [n for n in result.stdout.split() if n != "__main__"]


def stdlib_table(python: str, names: Iterable[str], runs: int, preloaded: Sequence[str]) -> Tuple[dict, dict]:
    """Each standard-library module's own import time (median ms of the `self` column over
    `runs` fresh processes that import it alone) and the modules it imports (its children in
    the -X importtime tree), for every module loaded by importing `names`."""
    own: Dict[str, List[float]] = {}
    children: Dict[str, List[str]] = {}
    pending, done = sorted(set(names)), set(preloaded)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        for run in range(runs + 1):  # the first run warms the file cache
            result = subprocess.run([python, "-X", "importtime", "-c", f"import {name}"],
                                    capture_output=True, text=True, env=env)
            if result.returncode != 0:
                break
            stack: List[Tuple[int, str]] = []
            rows = [LINE.match(line) for line in result.stderr.splitlines()]
            # importtime prints a module after its children: read the tree bottom-up
            for match in reversed([m for m in rows if m]):
                depth, module = len(match.group(3)) // 2, match.group(4)
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                if stack and run:
                    kids = children.setdefault(stack[-1][1], [])
                    if module not in kids:
                        kids.append(module)
                stack.append((depth, module))
                if run:
                    own.setdefault(module, []).append(int(match.group(1)) / 1000.0)
        for module in list(own):
            if module not in done and module not in pending:
                pending.append(module)
    self_ms = {m: round(statistics.median(v), 3) for m, v in own.items()
               if m.split(".")[0] in sys.stdlib_module_names and m not in preloaded}
    kids = {m: sorted(k for k in v if k in self_ms) for m, v in children.items() if m in self_ms}
    return self_ms, {m: v for m, v in kids.items() if v}


_GRAPHS: dict = {}


def model_features(site: Path, module: str, preloaded: Sequence[str], stdlib_ms: dict,
                   stdlib_imports: dict) -> Tuple[dict, dict]:
    """The inputs of lambdalint.analysis.costs.CostModel for `import module` from the site folder,
    computed by the same code lambdalint runs (import graph + CostModel.features), and the
    published model's inputs (imports.features) from the same closure.  One graph for every
    import: the 2 GB site folder is listed once."""
    from lambdalint.analysis.costs import CostModel
    from lambdalint.analysis.imports import ImportGraph, Root, features
    from lambdalint.model.bundle import FolderBundle

    if site not in _GRAPHS:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        graph = ImportGraph([Root(FolderBundle(site, str(site)), "", "bundle")], version)
        _GRAPHS[site] = (graph, CostModel(0, 0, 0, 0, {}, {}, preloaded=frozenset(preloaded),
                                          stdlib_ms=stdlib_ms, stdlib_imports=stdlib_imports))
    graph, model = _GRAPHS[site]
    closure = graph.closure([module])
    return model.features(closure), features(closure)


def model_vector(features: dict) -> List[float]:
    from lambdalint.analysis.costs import FEATURES

    return [features[name] for name in FEATURES]


def published_estimate(features: dict) -> float:
    """The estimate of the model published before issue 13 (coefficients of the table then)."""
    return (0.1211 * features["modules"] + 0.0171 * features["source_bytes"] / 1000
            + 1.3558 * features["native_modules"] + 0.9866 * features["stdlib_modules"])


def fit_new_model(rows: List[List[float]], y: List[float]) -> List[float]:
    """Squared errors weighted by 1/measured (as the published model was fitted: small and large
    imports both count); every coefficient non-negative."""
    return nnls(rows, y, [1.0 / v for v in y])


def summary(estimates: Sequence[float], measured: Sequence[float]) -> Tuple[float, float]:
    within = sum(1 for e, m in zip(estimates, measured) if ratio(e, m) <= 2) / len(measured)
    return spearman(estimates, measured), within


def evaluate_sets(results: List[dict], say) -> dict:
    """Fit the new model on the "fit" set only; report before/after on the fixed "held" set."""
    from lambdalint.analysis.costs import COEFFICIENTS

    fit = [r for r in results if r["set"] == "fit"]
    held = [r for r in results if r["set"] == "held"]
    coef = fit_new_model([model_vector(r["model_features"]) for r in fit],
                         [r["reference_ms"] for r in fit])
    say(f"\n== model fitted on the {len(fit)} packages of the fitting set; evaluated on the "
        f"{len(held)} held-out packages (never fitted on) ==")
    say("coefficients: " + ", ".join(f"{k}={c:.4g}" for k, c in zip(COEFFICIENTS, coef)))
    say(f"{'held-out import':<24}{'ref ms':>8}{'before':>8}{'x':>6}{'after':>8}{'x':>6}"
        f"{'pkgs':>5}{'mods':>6}{'kB':>7}{'nat':>5}{'natMB':>7}{'stdms':>6}{'std?':>5}")
    before, after, measured = [], [], []
    for r in sorted(held, key=lambda r: r["reference_ms"]):
        f = r["model_features"]
        b = published_estimate(r["features"])
        a = predict(coef, model_vector(f))
        m = r["reference_ms"]
        before.append(b)
        after.append(a)
        measured.append(m)
        r["estimate_before"], r["estimate_after"] = round(b, 1), round(a, 1)
        say(f"{r['import']:<24}{m:>8.1f}{b:>8.1f}{b / m:>6.2f}{a:>8.1f}{a / m:>6.2f}"
            f"{f['packages']:>5.0f}{f['modules']:>6.0f}{f['source_kb']:>7.0f}"
            f"{f['native_modules']:>5.0f}{f['native_mb']:>7.1f}{f['stdlib_ms']:>6.1f}"
            f"{f['stdlib_modules']:>5.0f}")
    rho_b, within_b = summary(before, measured)
    rho_a, within_a = summary(after, measured)
    say(f"held-out BEFORE (published model): Spearman rho {rho_b:.3f}, within 2x {within_b:.0%}")
    say(f"held-out AFTER  (new model):       Spearman rho {rho_a:.3f}, within 2x {within_a:.0%}")
    fit_est = [predict(coef, model_vector(r["model_features"])) for r in fit]
    rho_f, within_f = summary(fit_est, [r["reference_ms"] for r in fit])
    say(f"(fitting set, in-sample: rho {rho_f:.3f}, within 2x {within_f:.0%})")
    return {"coefficients": dict(zip(COEFFICIENTS, coef)), "held_out": [r["import"] for r in held],
            "fit": [r["import"] for r in fit], "before": {"rho": rho_b, "within_2x": within_b},
            "after": {"rho": rho_a, "within_2x": within_a},
            "in_sample": {"rho": rho_f, "within_2x": within_f}}


# -- reporting ---------------------------------------------------------------------------------
def _tops(names: Iterable[str], limit: int = 3) -> List[str]:
    """The packages most of `names` belong to (two name levels), largest first."""
    counts: Dict[str, int] = {}
    for name in names:
        key = ".".join(name.split(".")[:2])
        counts[key] = counts.get(key, 0) + 1
    return [f"{k}({v})" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def evaluate(label: str, results: List[dict], key: str, say) -> dict:
    """Fit on the fitting half, report on the held-out half, then refit on everything."""
    ordered = sorted(results, key=lambda r: r["import"])
    fit = [r for i, r in enumerate(ordered) if i % 2 == 0]
    held = [r for i, r in enumerate(ordered) if i % 2 == 1]
    coef = fit_model([vector(r[key]) for r in fit], [r["median_ms"] for r in fit])
    rel_coef = nnls([vector(r[key]) for r in fit], [r["median_ms"] for r in fit],
                    [1.0 / r["median_ms"] ** 2 for r in fit])
    say(f"\n== {label}: fitted on {len(fit)} packages, evaluated on {len(held)} held-out ==")
    say("coefficients (ms): " + ", ".join(f"{k}={c:.4g}" for k, c in zip(TOML_KEYS, coef)))
    say(f"{'held-out import':<26}{'measured':>9}{'estimate':>9}{'ratio':>7}{'modules':>8}"
        f"{'kB':>7}{'native':>7}{'stdlib':>7}{'loaded':>7}")
    rows = []
    for r in held:
        est = predict(coef, vector(r[key]))
        rows.append((r, est, ratio(est, r["median_ms"])))
    for r, est, q in sorted(rows, key=lambda t: -t[2]):
        f = r[key]
        say(f"{r['import']:<26}{r['median_ms']:>9.1f}{est:>9.1f}{q:>7.2f}{f['modules']:>8}"
            f"{f['source_bytes'] / 1000:>7.0f}{f['native_modules']:>7}{f['stdlib_modules']:>7}"
            f"{r['loaded_modules']:>7}")
    measured = [r["median_ms"] for r, _, _ in rows]
    estimates = [e for _, e, _ in rows]
    rho = spearman(estimates, measured)
    within = sum(1 for _, _, q in rows if q <= 2) / len(rows)
    rel_ratios = [ratio(predict(rel_coef, vector(r[key])), r["median_ms"]) for r in held]
    rel_within = sum(1 for q in rel_ratios if q <= 2) / len(rows)
    say(f"held-out Spearman rho(estimate, measured) = {rho:.3f}; within 2x: "
        f"{within:.0%} ({sum(1 for _, _, q in rows if q <= 2)}/{len(rows)})")
    say(f"(relative-error weighted NNLS instead: within 2x {rel_within:.0%}; coefficients "
        + ", ".join(f"{c:.4g}" for c in rel_coef) + ")")
    swapped = fit_model([vector(r[key]) for r in held], [r["median_ms"] for r in held])
    swapped_est = [predict(swapped, vector(r[key])) for r in fit]
    swapped_rho = spearman(swapped_est, [r["median_ms"] for r in fit])
    swapped_within = sum(1 for e, r in zip(swapped_est, fit) if ratio(e, r["median_ms"]) <= 2) / len(fit)
    say(f"halves swapped (fit on the held-out half, evaluate on the fitting half): rho = "
        f"{swapped_rho:.3f}; within 2x: {swapped_within:.0%}; coefficients "
        + ", ".join(f"{c:.4g}" for c in swapped))
    everything = fit_model([vector(r[key]) for r in ordered], [r["median_ms"] for r in ordered])
    in_sample = [ratio(predict(everything, vector(r[key])), r["median_ms"]) for r in ordered]
    say("refit on all packages (for the table): "
        + ", ".join(f"{k}={c:.4g}" for k, c in zip(TOML_KEYS, everything))
        + f"; in-sample within 2x: {sum(1 for q in in_sample if q <= 2) / len(ordered):.0%}")
    return {"coefficients_fit_half": coef, "coefficients_all": everything, "rho": rho,
            "within_2x": within, "relative_weighted_within_2x": rel_within,
            "swapped_rho": swapped_rho, "swapped_within_2x": swapped_within,
            "held_out": [r["import"] for r in held]}


def write_table(path: Path, evaluation: dict, results: List[dict], stdlib: List[dict],
                runs: int, preloaded: Sequence[str], stdlib_ms: dict, stdlib_imports: dict) -> None:
    """The [meta], [model] and [preloaded] sections for src/lambdalint/data/import_costs.toml
    (its [measured] times are kept as published; today's reference-scaled times are listed
    commented out, for comparison)."""
    cpu, cores = cpu_model(), os.cpu_count()
    before, after = evaluation["before"], evaluation["after"]
    lines = [
        "[meta]",
        "version = 2",
        f'checked = "{datetime.date.today()}"',
        f'source = "benchmarks/calibrate_import_costs.py on {cpu}, CPython '
        f'{platform.python_version()}, median of {runs} fresh processes, valid .pyc"',
        f'reference_machine = "{cpu}, {cores} cores"',
        f'features = "lambdalint.analysis.costs.CostModel.features; coefficients fitted on '
        f'{len(evaluation["fit"])} packages (fitting set), evaluated on {len(evaluation["held_out"])} '
        f'others (held-out set)"',
        f'fitted = "{datetime.date.today()}"',
        f'held_out = "Spearman rho {after["rho"]:.3f}, {after["within_2x"]:.0%} within 2x '
        f'(previous model: rho {before["rho"]:.3f}, {before["within_2x"]:.0%})"',
        "",
        "[model]   # estimated_ms = per_package*top-level packages + per_module*modules"
        " + per_kb*source_kB + per_native*native_modules + per_native_mb*MB of extensions and"
        " their shipped shared libraries + per_stdlib*standard-library modules not preloaded",
    ]
    lines += [f"{k} = {c:.4f}" for k, c in evaluation["coefficients"].items()]
    lines += ["# not fitted: an SDK module the runtime provides that [measured] lacks (the previous"
              " per-module cost)", "per_runtime_module = 0.9866"]
    lines += ["", "[preloaded]   # standard-library modules loaded before the first import (cost 0)",
              "modules = [" + ", ".join(f'"{n}"' for n in preloaded) + "]", "",
              "[stdlib_ms]   # standard-library module -> its own import ms (without what it imports)"]
    lines += [f'"{k}" = {v}' for k, v in sorted(stdlib_ms.items())]
    lines += ["", "[stdlib_imports]   # standard-library module -> the modules it imports"]
    lines += [f'"{k}" = [' + ", ".join(f'"{n}"' for n in v) + "]" for k, v in sorted(stdlib_imports.items())]
    lines += ["",
              "# today's times, reference-scaled (not copied: the published [measured] stays)"]
    for r in sorted(results + stdlib, key=lambda r: r["import"]):
        lines.append(f'# "{r["import"]}" = {r["reference_ms"]:.1f}')
    path.write_text("\n".join(lines) + "\n")


def reference_scale(results: List[dict]) -> float:
    """Today's machine against the reference run of the published table: the median ratio of
    today's time to the table's for the imports in both (the machine is shared, so a busy day
    is slower); measurements are divided by it before fitting."""
    import tomllib  # Python >= 3.11 (the benchmark only)

    table_path = HERE.parent / "src" / "lambdalint" / "data" / "import_costs.toml"
    published = tomllib.loads(table_path.read_text())["measured"]
    ratios = [r["median_ms"] / published[r["import"]] for r in results
              if published.get(r["import"], 0) >= 3 and r["median_ms"] > 0]
    return statistics.median(ratios) if ratios else 1.0


def measure_all(python: str, site: Path, info: dict, runs: int, say) -> Tuple[List[dict], List[dict]]:
    results: List[dict] = []
    say(f"\n{'import':<26}{'set':>5}{'version':>12}{'median ms':>10}{'min':>8}{'max':>8}{'loaded':>7}")
    vers = versions(site)
    for req, module, kind in PACKAGES:
        if req in info["dropped"]:
            continue
        try:
            m = measure(python, module, site, runs)
        except RuntimeError as exc:
            say(f"{module:<26} FAILED TO IMPORT: {exc}")
            continue
        version = vers.get(_norm(req), "?")
        say(f"{module:<26}{kind:>5}{version:>12}{m['median_ms']:>10.1f}{min(m['runs_ms']):>8.1f}"
            f"{max(m['runs_ms']):>8.1f}{m['loaded_modules']:>7}")
        m.pop("_loaded_names")
        results.append({"package": req, "import": module, "set": kind, "version": version, **m})
    stdlib_results = []
    for module in STDLIB:
        m = measure(python, module, None, runs)
        m.pop("_loaded_names")
        stdlib_results.append({"package": "(stdlib)", "import": module,
                               "version": platform.python_version(), **m})
    return results, stdlib_results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="site folder the packages are installed into (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per import")
    parser.add_argument("--reuse-measurements", type=Path, metavar="JSON",
                        help="take the times from a previous measurements.json (features and "
                             "fit only)")
    parser.add_argument("--write-table", action="store_true",
                        help="also write benchmarks/calibration/import_costs.toml")
    args = parser.parse_args()
    site = args.cache.expanduser().resolve()
    report: List[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        report.append(text)

    info = install(site)
    python = measuring_python(site)
    say(f"CPython {platform.python_version()} on {cpu_model()} ({os.cpu_count()} cores), "
        f"{args.runs} fresh processes per import, one at a time, median of -X importtime cumulative")
    say(f"site: {site} ({'reused; ' if info['reused'] else ''}install {info['install_seconds']} s, "
        f"compileall {info['compile_seconds']} s, when installed)")
    for req, why in info["dropped"].items():
        say(f"DROPPED {req}: could not be installed as a wheel ({why})")
    start = time.perf_counter()
    if args.reuse_measurements:
        previous = json.loads(args.reuse_measurements.read_text())
        sets = {module: kind for _, module, kind in PACKAGES}
        results = [dict(r, set=sets[r["import"]]) for r in previous["packages"] if r["import"] in sets]
        stdlib_results = previous["stdlib"]
        say(f"measurements reused from {args.reuse_measurements} ({previous['meta']['date']})")
        for r in results:
            say(f"{r['import']:<26}{r['set']:>5}{r['version']:>12}{r['median_ms']:>10.1f}"
                f"{min(r['runs_ms']):>8.1f}{max(r['runs_ms']):>8.1f}{r['loaded_modules']:>7}")
    else:
        results, stdlib_results = measure_all(python, site, info, args.runs, say)
    measure_s = time.perf_counter() - start
    scale = reference_scale(results)
    say(f"\nmachine load: today's times are {scale:.2f}x the published table's for the imports in "
        f"both (median); divided by it to give reference-machine ms")
    for r in results + stdlib_results:
        r["reference_ms"] = round(r["median_ms"] / scale, 2)

    preloaded = preloaded_stdlib(python)
    from lambdalint.analysis.imports import ImportGraph, Root
    from lambdalint.model.bundle import FolderBundle

    start = time.perf_counter()
    graph = ImportGraph([Root(FolderBundle(site, str(site)), "", "bundle")],
                        f"{sys.version_info[0]}.{sys.version_info[1]}")
    reached = {m.name for r in results for m in graph.closure([r["import"]]) if m.origin == "stdlib"}
    reached |= set(STDLIB)
    if args.reuse_measurements and "stdlib_ms" in previous:
        stdlib_ms, stdlib_imports = previous["stdlib_ms"], previous["stdlib_imports"]
    else:
        stdlib_ms, stdlib_imports = stdlib_table(python, reached, args.runs, preloaded)
    say(f"standard library: {len(reached)} modules reached, {len(stdlib_ms)} measured with what "
        f"they load ({time.perf_counter() - start:.0f} s)")
    start = time.perf_counter()
    for r in results:
        new, old = model_features(site, r["import"], preloaded, stdlib_ms, stdlib_imports)
        r["model_features"] = {k: round(v, 3) for k, v in new.items()}
        r["features"] = old  # the published model's inputs
    say(f"static features of {len(results)} imports: {time.perf_counter() - start:.1f} s")
    say(f"sets: {sum(r['set'] == 'fit' for r in results)} fitting, "
        f"{sum(r['set'] == 'held' for r in results)} held-out (fixed in PACKAGES)")
    evaluation = evaluate_sets(results, say)

    OUT.mkdir(exist_ok=True)
    (OUT / "measurements.json").write_text(json.dumps({
        "meta": {"date": str(datetime.date.today()), "python": platform.python_version(),
                 "cpu": cpu_model(), "cores": os.cpu_count(), "runs": args.runs,
                 "install": {k: info[k] for k in ("install_seconds", "compile_seconds", "dropped")},
                 "measurement_seconds": round(measure_s, 1), "reference_scale": round(scale, 3),
                 "preloaded_stdlib": preloaded},
        "stdlib_ms": stdlib_ms, "stdlib_imports": stdlib_imports,
        "evaluation": evaluation, "packages": results, "stdlib": stdlib_results}, indent=1) + "\n")
    (OUT / "report.txt").write_text("\n".join(report) + "\n")
    if args.write_table:
        write_table(OUT / "import_costs.toml", evaluation, results, stdlib_results, args.runs, preloaded,
                    stdlib_ms, stdlib_imports)
    print(f"\nwrote {OUT / 'measurements.json'} and report.txt"
          + (" and import_costs.toml" if args.write_table else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
