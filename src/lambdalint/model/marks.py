"""Where a node of a loaded document is (1-based, end exclusive)."""
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Mark:
    line: int
    column: int
    end_line: int
    end_column: int
    display: Optional[str] = None  # the file, when a template is read from several (Terraform)
