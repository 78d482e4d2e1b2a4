"""Versioned data tables (AWS quotas, runtimes, event-source kinds), each with its source and the
date it was checked.  Rules read these instead of carrying literals."""
from __future__ import annotations

import functools
import sys
from importlib import resources
from typing import Any, Dict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib


@functools.lru_cache(maxsize=None)
def table(name: str) -> Dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def quota(name: str) -> int:
    return table("quotas")["quotas"][name]


def runtimes() -> Dict[str, Dict[str, str]]:
    return table("runtimes")["runtimes"]


@functools.lru_cache(maxsize=None)
def python_runtimes() -> Dict[str, Dict[str, str]]:
    """The Python rows of the runtime table (they carry the Python version and glibc); one
    table per run, not to be changed."""
    return {name: row for name, row in runtimes().items() if "python" in row}


def runtime_defaults() -> Dict[str, Any]:
    return table("runtimes")["meta"]


def event_sources() -> Dict[str, Any]:
    return table("event_sources")


def generated_modules(plugins) -> frozenset:
    """Modules that these Serverless Framework plugins add to the package at deploy time."""
    known = table("generated_modules")["plugins"]
    return frozenset(module for plugin in plugins if isinstance(plugin, str)
                     for module in known.get(plugin, {}).get("modules", ()))
