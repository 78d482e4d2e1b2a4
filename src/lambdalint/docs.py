"""Rule documentation pages: the Markdown files under the repository's `rules/` folder.

In a wheel they are shipped as `lambdalint/rule_docs/`; in a source checkout they are read from
`rules/` beside `src/`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from lambdalint import PROJECT_URL

_PACKAGE_DOCS = Path(__file__).parent / "rule_docs"
_CHECKOUT_DOCS = Path(__file__).resolve().parents[2] / "rules"


def docs_folder() -> Path:
    return _PACKAGE_DOCS if _PACKAGE_DOCS.is_dir() else _CHECKOUT_DOCS


def rule_url(code: str) -> str:
    return f"{PROJECT_URL}/blob/main/rules/{code}.md"


def rule_page(code: str) -> Optional[str]:
    page = docs_folder() / f"{code}.md"
    return page.read_text(encoding="utf-8") if page.is_file() else None


def rule_sections(code: str) -> dict:
    """The page's `## Heading` sections: heading (lower case) -> text."""
    sections: dict = {}
    current = None
    for line in (rule_page(code) or "").splitlines():
        if line.startswith("## "):
            current = line[3:].strip().lower()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {heading: "\n".join(lines).strip() for heading, lines in sections.items()}
