"""SARIF 2.1.0 as GitHub code scanning accepts it."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Dict, List

from lambdalint import PROJECT_URL, __version__
from lambdalint.findings import Finding, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def repo_relative_uri(filename: str) -> str:
    """A URI relative to the working directory (the repository root in CI), with / separators."""
    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return Path(os.path.normpath(path)).as_posix()


def fingerprint(finding: Finding, occurrence: int = 0) -> str:
    """Stable across line shifts: code, file, member, logical location (the line's text or the
    template path), and which occurrence of that it is."""
    key = "\0".join([finding.code, repo_relative_uri(finding.filename), finding.member or "",
                      finding.key, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def render_sarif(findings: List[Finding], rules: Dict[str, object]) -> str:
    codes = sorted(rules)
    index = {code: i for i, code in enumerate(codes)}
    results = []
    occurrences: Dict[tuple, int] = {}
    for f in findings:
        identity = (f.code, f.filename, f.member, f.key)
        occurrence = occurrences[identity] = occurrences.get(identity, -1) + 1
        message = f"{f.member}: {f.message}" if f.member else f.message
        result = {
            "ruleId": f.code,
            "level": LEVELS[f.severity],
            "message": {"text": message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": repo_relative_uri(f.filename)},
                "region": {"startLine": f.start.row, "startColumn": f.start.column,
                           "endLine": f.end.row, "endColumn": f.end.column},
            }}],
            "partialFingerprints": {"lambdalint/v1": fingerprint(f, occurrence)},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    driver = {
        "name": "lambdalint",
        "version": __version__,
        "informationUri": PROJECT_URL,
        "rules": [{
            "id": info.code,
            "name": info.name,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.description},
            "help": {"text": info.help},
            "helpUri": info.url,
            "defaultConfiguration": {"level": LEVELS[Severity(info.severity)]},
        } for info in (rules[code] for code in codes)],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
