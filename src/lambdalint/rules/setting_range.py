"""Shared by the rules that check a numeric function setting against the range Lambda accepts."""
from typing import Iterator, Tuple

from lambdalint.findings import Report, TemplateAt
from lambdalint.model.template import format_number

def out_of_range(fn, keys: Tuple[str, ...], minimum: int, maximum: int, label: str,
                 unit: str) -> Iterator[Report]:
    """A report at the line that sets the value (the function's own, or Globals) when outside.
    Integer text too long to convert is out of range; a value that is not an integer is unknown."""
    setting = fn.config.get(*keys)
    value = setting.as_number() if setting is not None else None
    if value is None or minimum <= value <= maximum:
        return
    origin = fn.config.origin(setting)
    yield Report(
        f"{fn.config.template.term(label)} is {format_number(value)} {unit}{origin}; Lambda accepts {minimum:,} to {maximum:,} {unit}, "
        "so the deployment fails",
        TemplateAt(fn.config.template, setting.path), resources=(fn.config.logical_id,))
