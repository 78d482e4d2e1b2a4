"""Python code written inside a template (SAM `InlineCode`, CloudFormation `Code.ZipFile`).

CloudFormation saves such code as `index.py` at the root of the function's package, so the handler
must be `index.<function>`.  The module's text is shifted down with empty lines so that its rows are
the template's rows: a finding in the code points at the template line that holds it (columns are
shifted by the indentation that YAML removed from a block scalar).
"""
from __future__ import annotations

from pathlib import Path
from typing import List

from lambdalint.model.bundle import Bundle, BundleEntry, BundleError

INLINE_MODULE = "index.py"  # the file name CloudFormation gives inline code


class InlineCodeBundle(Bundle):
    """A bundle of one module, `index.py`, whose text lives in a template."""

    kind = "inline"

    def __init__(self, template_path: Path, template_display: str, code: str, first_row: int,
                 indent: int = 0):
        super().__init__(template_path.parent, template_display)
        self.template_display = template_display
        self.indent = indent  # columns YAML removed from each line of a block scalar
        # the code's first line is the template's line `first_row`
        self._text = "\n" * max(first_row - 1, 0) + code
        self._code_bytes = len(code.encode("utf-8", "surrogatepass"))  # what Lambda stores

    @property
    def is_layer(self) -> bool:
        return False

    @property
    def is_built(self) -> bool:
        return False

    def _list(self) -> List[BundleEntry]:
        return [BundleEntry(INLINE_MODULE, self._code_bytes, self._code_bytes, None, 0o644)]

    def read(self, path: str) -> bytes:
        if path != INLINE_MODULE:
            raise BundleError("no such file in the inline code", path)
        return self._text.encode("utf-8", "surrogatepass")

    def read_head(self, path: str, size: int) -> bytes:
        return self.read(path)[:size]

    def distribution_roots(self):
        return set()
