"""Every rule's embedded examples: the invalid ones must be reported, the valid ones must not."""
import pytest

from lambdalint.rules import ALL_RULES
from support import check_json, materialize

CASES = [
    pytest.param(rule, example, expected, id=f"{rule.code}-{'invalid' if expected else 'valid'}-{i}")
    for rule in ALL_RULES
    for expected, examples in ((True, rule.invalid), (False, rule.valid))
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize("rule, example, expected", CASES)
def test_example(rule, example, expected, tmp_path, monkeypatch):
    materialize(example.files, tmp_path)
    monkeypatch.chdir(tmp_path)
    findings = check_json(["."], "--select", rule.code, *example.args)
    codes = [f["code"] for f in findings]
    if expected:
        assert rule.code in codes, f"{rule.code} not reported for: {example.description}\n{findings}"
    else:
        assert rule.code not in codes, f"{rule.code} reported for: {example.description}\n{findings}"
