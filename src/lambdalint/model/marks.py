"""Where a node of a loaded document is (1-based, end exclusive)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    line: int
    column: int
    end_line: int
    end_column: int
