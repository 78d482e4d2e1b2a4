"""How the Python runtime turns a handler string into a module and a function.

Lambda's bootstrap splits the handler at its last dot, turns `/` into `.` in the module part and
calls `importlib.import_module`; so `src/app.handler`, hyphenated module files and namespace
packages all work.  The module is looked up on Lambda's `sys.path`: the function's code folder,
then each layer's `python/` and `python/lib/pythonX.Y/site-packages/`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def split_handler(handler: str) -> Optional[Tuple[str, str]]:
    """(module name, function name), or None when the string is malformed."""
    if "." not in handler:
        return None
    module, function = handler.rsplit(".", 1)
    module = module.replace("/", ".")
    if not module or not _IDENTIFIER.match(function) or any(not part for part in module.split(".")):
        return None
    return module, function


def search_prefixes(is_layer: bool, python_version: str) -> List[str]:
    """Where a bundle's modules sit relative to its `sys.path` entry."""
    if not is_layer:
        return [""]
    return ["python/", f"python/lib/python{python_version}/site-packages/"]


@dataclass(frozen=True)
class ModuleFile:
    path: str  # inside the bundle
    has_source: bool  # False for sourceless .pyc and native extensions


def find_module_file(bundle, module: str, prefix: str) -> Optional[ModuleFile]:
    base = prefix + module.replace(".", "/")
    for candidate in (f"{base}/__init__.py", f"{base}.py"):  # a package wins, as in Python
        entry = bundle.entry(candidate)
        if entry is not None and not entry.is_dir:
            return ModuleFile(candidate, True)
    if bundle.entry(f"{base}.pyc") is not None:
        return ModuleFile(f"{base}.pyc", False)
    folder, _, stem = base.rpartition("/")
    for entry in bundle.files():
        name = entry.path.rpartition("/")[2]
        if entry.path.rpartition("/")[0] == folder and name.startswith(stem + ".") \
                and name.endswith((".so", ".pyd")):
            return ModuleFile(entry.path, False)
    return None
