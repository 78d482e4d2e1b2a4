"""Baselines: record today's findings so that only new ones are reported.

Findings are keyed by (code, file, member, logical location): the source line's text or the
template path, not the line number, so that edits elsewhere in a file do not break the baseline.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, List, Tuple

from lambdalint.config import ConfigError
from lambdalint.files import FileTooLarge, UnreadableFile, read_file
from lambdalint.findings import Finding
from lambdalint.limits import MAX_BASELINE_BYTES, MAX_BASELINE_COUNT_DIGITS
from lambdalint.output import printable, write_report

VERSION = 1
_TEXT_FIELDS = ("code", "filename", "key")


def _key(finding: Finding) -> Tuple[str, str, str, str]:
    return (finding.code, finding.filename.replace("\\", "/"), finding.member or "", finding.key)


def write_baseline(path: Path, findings: List[Finding]) -> None:
    counts = Counter(_key(f) for f in findings)
    entries = [{"code": c, "filename": f, "member": m or None, "key": k, "count": n}
               for (c, f, m, k), n in sorted(counts.items())]
    # ASCII JSON: a file name that is not UTF-8 is kept exactly (as a \udcxx escape) and matches
    # the same finding when the baseline is read back.
    write_report(str(path), json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n")


class NotABaseline(ValueError):
    """What is wrong with a baseline document, for the message."""


def apply_baseline(recorded: Counter, findings: List[Finding]) -> List[Finding]:
    """The findings not recorded in the baseline (`read_baseline`)."""
    known = Counter(recorded)
    new = []
    for finding in findings:
        key = _key(finding)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(finding)
    return new


def read_baseline(path: Path) -> Counter:
    """How many times each finding key is recorded; ConfigError (exit 2) for anything that is not a
    baseline lambdalint wrote: unreadable, too large, not JSON, or JSON of another shape."""
    try:
        document = json.loads(read_file(path, MAX_BASELINE_BYTES, "baseline").decode("utf-8"),
                              parse_int=_small_int, parse_constant=_no_constant)
        return _counts(document)
    except FileTooLarge:
        problem = f"larger than {MAX_BASELINE_BYTES // 2**20} MiB"
    except UnreadableFile as exc:
        problem = str(exc)
    except UnicodeDecodeError as exc:
        problem = f"not valid UTF-8 (byte {exc.start + 1})"
    except RecursionError:
        problem = "nested too deeply"
    except ValueError as exc:  # not JSON, or NotABaseline
        problem = str(exc)
    raise ConfigError(f"{printable(str(path))}: not a lambdalint baseline ({printable(problem)})")


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_BASELINE_COUNT_DIGITS:
        raise NotABaseline(f"number too large: {text[:20]}…")
    return int(text)


def _no_constant(name: str) -> Any:
    raise NotABaseline(f"{name} is not a count")  # NaN, Infinity, -Infinity


def _counts(document: Any) -> Counter:
    if not isinstance(document, dict) or document.get("version") != VERSION \
            or not isinstance(document.get("findings"), list):
        raise NotABaseline(f'expected {{"version": {VERSION}, "findings": [...]}}')
    known: Counter = Counter()
    for index, entry in enumerate(document["findings"]):
        code, filename, member, key, count = _entry(entry, f"findings[{index}]")
        known[(code, filename, member, key)] += count
    return known


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _entry(entry: Any, where: str) -> Tuple[str, str, str, str, int]:
    if not isinstance(entry, dict):
        raise NotABaseline(f"{where}: expected an object")
    for name in _TEXT_FIELDS:
        if not isinstance(entry.get(name), str):
            raise NotABaseline(f"{where}.{name}: expected a string")
    member = entry.get("member")
    if member is not None and not isinstance(member, str):
        raise NotABaseline(f"{where}.member: expected a string or null")
    count = entry.get("count")
    if type(count) is not int or count < 0:  # not a bool, not a float (1e400 is infinity)
        raise NotABaseline(f"{where}.count: expected a whole number, not negative, got {_shown(count)}")
    return entry["code"], entry["filename"], member or "", entry["key"], count
