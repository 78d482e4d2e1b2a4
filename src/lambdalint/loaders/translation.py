"""Building a CloudFormation-shaped document from another format (Serverless Framework, Terraform).

Every rule reads templates in CloudFormation's shape.  A translation puts each value the user wrote
at the CloudFormation path that means the same thing and copies the marks of the value's whole
subtree, so a finding about `Resources.X.Properties.Timeout` points at the line that says
`timeout: 30` in serverless.yml or `timeout = 30` in main.tf.
"""
from __future__ import annotations

from typing import Any, Dict

from lambdalint.model.marks import Mark
from lambdalint.model.template import MISSING

Path_ = tuple


def unresolved(text: str) -> Dict[str, str]:
    """A value known only at deploy time: treated like a CloudFormation intrinsic, never judged."""
    return {"Fn::Unresolved": text}


class Translation:
    def __init__(self, source_data: Any, source_marks: Dict[Path_, Mark]):
        self.source_data = source_data
        self.source_marks = source_marks
        self.data: Dict[str, Any] = {}
        self.marks: Dict[Path_, Mark] = {}

    def source(self, path: Path_, default: Any = None) -> Any:
        value = _dig(self.source_data, path)
        return default if value is MISSING else value

    def put(self, target: Path_, value: Any, source: Path_ = None) -> None:
        """Set `value` at `target`; with `source`, the value's marks are the source subtree's."""
        node = self.data
        for key in target[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[target[-1]] = value
        if source is not None:
            self._copy_marks(tuple(target), tuple(source), value)

    def copy(self, target: Path_, source: Path_) -> bool:
        """Put the source's value at `target` when the source has one; True when it had."""
        value = _dig(self.source_data, source)
        if value is MISSING:
            return False
        self.put(target, value, source)
        return True

    def mark(self, target: Path_, source: Path_) -> None:
        """Give a node built here (a resource, an event) the position of what it came from."""
        found = self.source_marks.get(tuple(source))
        if found is not None:
            self.marks[tuple(target)] = found

    def _copy_marks(self, target: Path_, source: Path_, value: Any) -> None:
        self.mark(target, source)
        if isinstance(value, dict):
            for key, child in value.items():
                self._copy_marks(target + (key,), source + (key,), child)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                self._copy_marks(target + (index,), source + (index,), child)


def _dig(node: Any, keys: Path_) -> Any:
    """Like template.dig, also through lists (serverless events are a list)."""
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return MISSING
    return node
