"""Looking rules up by code, prefix or name, and choosing the enabled set."""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence

from lambdalint.rules.base import RuleClass


class Registry:
    def __init__(self, rules: Sequence[RuleClass], catalogue: Optional[Dict[str, str]] = None):
        self.rules = tuple(sorted(rules, key=lambda r: r.code))
        # Codes of the catalogue that are not implemented yet: valid in configuration, no effect.
        self.planned = {code: name for code, name in (catalogue or {}).items()
                        if not any(rule.code == code for rule in self.rules)}
        self._by_key: Dict[str, RuleClass] = {}
        for rule in self.rules:
            for key in (rule.code, rule.name):
                if key in self._by_key:
                    raise ValueError(f"duplicate rule code or name {key!r}")
                self._by_key[key] = rule

    def get(self, code_or_name: str) -> Optional[RuleClass]:
        return self._by_key.get(code_or_name) or self._by_key.get(code_or_name.upper())

    def canonical(self, code_or_name: str) -> Optional[str]:
        rule = self.get(code_or_name)
        return rule.code if rule else None

    @staticmethod
    def matches(rule: RuleClass, selector: str) -> bool:
        selector = selector.strip()
        return bool(selector) and (selector.upper() == "ALL" or rule.code.startswith(selector.upper())
                                   or rule.name == selector)

    def matches_any(self, selector: str) -> bool:
        """A selector names an implemented rule, or a code or name of the catalogue."""
        selector = selector.strip()
        if not selector:
            return False
        return (any(self.matches(rule, selector) for rule in self.rules)
                or any(code.startswith(selector.upper()) or name == selector
                       for code, name in self.planned.items()))

    def is_planned(self, code_or_name: str) -> bool:
        return code_or_name.upper() in self.planned or code_or_name in self.planned.values()

    def code_matches(self, code: str, selector: str) -> bool:
        rule = self.get(code)
        return rule is not None and self.matches(rule, selector)

    def select(self, select: Optional[Iterable[str]], extend_select: Iterable[str],
               ignore: Iterable[str]) -> List[RuleClass]:
        chosen = list(select) if select is not None else ["ALL"]
        chosen += list(extend_select)
        ignored = list(ignore)
        return [rule for rule in self.rules
                if any(self.matches(rule, s) for s in chosen)
                and not any(self.matches(rule, s) for s in ignored)]


def default_registry() -> Registry:
    from lambdalint.data import table
    from lambdalint.rules import ALL_RULES

    return Registry(ALL_RULES, table("catalogue")["codes"])
