"""Python source bytes to text as CPython reads them (PEP 263 coding cookie, UTF-8 BOM), and back.

The one place that knows a module's encoding: analysis decodes with it, and `--fix` encodes the
fixed text with it, so that every byte outside an edit stays as it was."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Optional

_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass(frozen=True)
class SourceText:
    text: str  # without the BOM; line endings as in the file
    encoding: str  # the declared encoding (default utf-8)
    bom: bool  # the file starts with a UTF-8 byte order mark


def declared_encoding(raw: bytes) -> Optional[str]:
    """The encoding a PEP 263 cookie on the first two lines declares, if any."""
    for line in raw.splitlines()[:2]:
        match = _CODING.match(line)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def decode_source(raw: bytes) -> SourceText:
    """Raises UnicodeDecodeError or LookupError (an unknown codec) like CPython would refuse it."""
    encoding = declared_encoding(raw) or "utf-8"
    bom = raw.startswith(codecs.BOM_UTF8)
    if _is_utf8(encoding):
        return SourceText(raw.decode("utf-8-sig"), encoding, bom)
    return SourceText(raw.decode(encoding), encoding, bom)


def encode_source(source: SourceText, text: str) -> bytes:
    """`text` in the file's own encoding, with its BOM if it had one (UnicodeEncodeError when a
    character has no encoding there)."""
    if _is_utf8(source.encoding):
        return (codecs.BOM_UTF8 if source.bom else b"") + text.encode("utf-8")
    return text.encode(source.encoding)


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8")


def parse_quietly(source, **options):
    """`ast.parse` without the warnings CPython prints about the user's code (Python 3.12 prints
    a SyntaxWarning for every invalid escape such as '\\d'): they are not lambdalint's to show,
    and a module parsed again (another runtime's grammar, another process) would show them twice."""
    import ast
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, **options)
