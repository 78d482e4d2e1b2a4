"""A whole check of unchanged inputs answered from the previous run (the pre-commit case).

After discovery (templates read, folders listed: always done, it is cheap), a run is identified
by lambdalint's identity, the settings, the selected rules and the project's shape (templates,
bundles with their listings: every file's path, size and modification time).  The previous run
with that identity is replayed only if every file it read or looked for (`files.AccessLog`) still
has the same size and modification time, or is still missing, and none of them was modified in
the seconds before that run (a quick rewrite may keep both).  Otherwise the rules run and the
result is recorded.  Runs with internal errors and `--fix`/`--diff` are never recorded.

"Still" means as this run's discovery saw them: a file discovery looked at is not looked at again
(10,000 stats on a big tree).  So a file edited during the fraction of a second discovery takes may
be answered once from the previous run, as if the edit came just after this run; the next run sees
it (its size or modification time changed).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from lambdalint.file_facts import RACY_SECONDS, cache_identity, default_cache_folder
from lambdalint.files import AccessLog, access_identity
from lambdalint.findings import Finding, Position, Severity

RUNS_FOLDER = "runs"
KEPT_RUNS = 64  # the most recent runs kept (one per project and set of options, typically)


def run_key(project, settings, rule_codes: Sequence[str], paths: Sequence[str]) -> str:
    shape: List[Any] = [cache_identity(), _settings_identity(settings), sorted(rule_codes), list(paths),
                        os.getcwd(), [t.display for t in project.templates], len(project.functions)]
    for bundle in project.bundles:
        shape.append([type(bundle).__name__, bundle.display, str(bundle.path), _listing_digest(bundle)])
    return hashlib.blake2b(json.dumps(shape, default=str).encode(), digest_size=20).hexdigest()


def _settings_identity(settings) -> Dict[str, Any]:
    how_not_what = ("jobs", "cache", "fork_code_rules")  # how the run is done, not what it finds
    return {name: value for name, value in sorted(vars(settings).items()) if name not in how_not_what}


def _listing_digest(bundle) -> str:
    """Every entry of a folder (path, size, modification time, mode); an archive's own identity."""
    digest = hashlib.blake2b(digest_size=20)
    if bundle.is_zip:
        digest.update(repr(access_identity(bundle.path)).encode())
    else:
        for entry in bundle.entries:
            digest.update(repr((entry.path, entry.size, entry.mtime_ns, entry.mode, entry.is_symlink,
                                entry.is_dir)).encode())
    return digest.hexdigest()


class RunCache:
    def __init__(self, folder: Optional[Path] = None):
        self.folder = (folder or default_cache_folder()) / RUNS_FOLDER

    def replay(self, key: str, log: Optional[AccessLog] = None):
        """The recorded result of the run `key`, when every input it used is unchanged; else None.
        `log`: this run's, whose files (those discovery looked at) are not looked at again (see above)."""
        from lambdalint.engine import LintResult
        from lambdalint.model.project import CodeCounts

        seen = log.accessed if log is not None else {}
        try:
            record = json.loads((self.folder / f"{key}.json").read_text("utf-8"))
            for path, identity in record["accessed"]:
                if tuple(identity) != (seen.get(path) or access_identity(path)):
                    return None
            counts = record["code_counts"]
            return LintResult([_finding(item) for item in record["findings"]], record["checked_files"], [],
                              CodeCounts(**counts) if counts is not None else None)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def record(self, key: str, result, log: AccessLog) -> None:
        """Keep the result, unless a run would not be safe to replay."""
        if result.internal_errors or log.recently_modified(RACY_SECONDS):
            return
        counts = result.code_counts
        record = {"accessed": sorted([path, list(identity)] for path, identity in log.accessed.items()),
                  "findings": [_plain(finding) for finding in result.findings],
                  "checked_files": result.checked_files,
                  "code_counts": vars(counts) if counts is not None else None}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(record, out)
            os.replace(temporary, self.folder / f"{key}.json")
            self._prune()
        except (OSError, TypeError, ValueError):
            return

    def _prune(self) -> None:
        runs = sorted(self.folder.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in runs[KEPT_RUNS:]:
            old.unlink()


def _plain(finding: Finding) -> Dict[str, Any]:
    return {"filename": finding.filename, "start": [finding.start.row, finding.start.column],
            "code": finding.code, "end": [finding.end.row, finding.end.column], "message": finding.message,
            "name": finding.name, "severity": finding.severity.value, "member": finding.member,
            "url": finding.url, "key": finding.key, "fix": finding.fix}


def _finding(item: Dict[str, Any]) -> Finding:
    return Finding(item["filename"], Position(*item["start"]), item["code"], Position(*item["end"]),
                   item["message"], item["name"], Severity(item["severity"]), item["member"], item["url"],
                   item["key"], item["fix"])
