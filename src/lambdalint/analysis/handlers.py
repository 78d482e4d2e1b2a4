"""How the Python runtime turns a handler string into a module and a function.

Lambda's bootstrap splits the handler at its last dot, turns `/` into `.` in the module part and
calls `importlib.import_module`; so `src/app.handler`, hyphenated module files and namespace
packages all work.
"""
from __future__ import annotations

import re
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


def module_candidates(module: str, python_version: str = "") -> List[str]:
    """Relative paths where the module may live in a bundle, a layer's python/ folder first."""
    base = module.replace(".", "/")
    paths = [f"{base}.py", f"{base}/__init__.py"]
    layer_roots = ["python/"]
    if python_version:
        layer_roots.append(f"python/lib/python{python_version}/site-packages/")
    return paths + [root + p for root in layer_roots for p in paths]
