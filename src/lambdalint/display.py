"""Paths as shown to the user: as given on the command line, joined with `/`, normalised."""
from __future__ import annotations

import posixpath


def display_join(*parts: str) -> str:
    """Join display path parts; `.` and empty parts vanish, `a/../b` becomes `b`."""
    joined = posixpath.join(*[p.replace("\\", "/") for p in parts if p and p != "."]) if any(
        p and p != "." for p in parts) else "."
    return posixpath.normpath(joined)


def normalise(path: str) -> str:
    return display_join(path)
