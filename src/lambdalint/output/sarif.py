"""SARIF 2.1.0 as GitHub code scanning accepts it."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Dict, List
from urllib.parse import quote_from_bytes

from lambdalint import PROJECT_URL, __version__
from lambdalint.findings import Finding, Severity
from lambdalint.output import printable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


# Relative URIs are relative to the repository root (where CI runs lambdalint); SARIF names that
# base `%SRCROOT%` and leaves its value to the consumer (GitHub: the checkout).
SOURCE_ROOT = "%SRCROOT%"


def repo_relative_path(filename: str) -> str:
    """The path relative to the working directory (the repository root in CI), with / separators;
    absolute when the file is elsewhere."""
    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_posix()
    return Path(os.path.normpath(path)).as_posix()


def artifact_location(filename: str) -> dict:
    """`{"uri", "uriBaseId"}`: a relative reference to the repository root, or a `file://` URI for a
    file outside it.  The path's bytes are percent-encoded (RFC 3986) so that no name can add a
    query or fragment (`a#b?.py`) or form an invalid escape (`100%.py`), as Path.as_uri() does;
    a name that is not UTF-8 keeps its exact bytes (`%FF`)."""
    path = repo_relative_path(filename)
    if Path(path).is_absolute():
        if os.name == "nt":
            return {"uri": Path(path).as_uri()}  # file:///C:/x: the drive's colon stays
        return {"uri": "file://" + _percent_encoded(path)}
    return {"uri": _percent_encoded(path), "uriBaseId": SOURCE_ROOT}


def _percent_encoded(path: str) -> str:
    # Only unreserved characters and `/` stay; `:` is encoded too, so that a first segment such as
    # `a:b.py` is not read as a scheme.
    return quote_from_bytes(_name_bytes(path), safe="/")


def _name_bytes(name: str) -> bytes:
    """The bytes of a file name: undecodable bytes (surrogate escapes) are given back as they were;
    any other lone surrogate (from a template's escaped string) as its UTF-8 form."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogatepass")


def fingerprint(finding: Finding, occurrence: int = 0) -> str:
    """Stable across line shifts: code, file, member, logical location (the line's text or the
    template path), and which occurrence of that it is."""
    path = repo_relative_path(finding.filename)
    if Path(path).is_absolute():  # as earlier versions computed it, so that alerts stay matched
        path = artifact_location(finding.filename)["uri"]
    key = "\0".join([finding.code, path, finding.member or "", finding.key, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def render_sarif(findings: List[Finding], rules: Dict[str, object]) -> str:
    codes = sorted(rules)
    index = {code: i for i, code in enumerate(codes)}
    results = []
    occurrences: Dict[tuple, int] = {}
    for f in findings:
        identity = (f.code, f.filename, f.member, f.key)
        occurrence = occurrences[identity] = occurrences.get(identity, -1) + 1
        message = printable(f"{f.member}: {f.message}" if f.member else f.message)
        result = {
            "ruleId": f.code,
            "level": LEVELS[f.severity],
            "message": {"text": message},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact_location(f.filename),
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
