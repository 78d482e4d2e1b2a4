import math
from typing import Optional

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import CFN_FUNCTION, template

ALIAS = "Resources:\n" + CFN_FUNCTION.replace("{", "{{").replace("}", "}}") + """\
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: "{version}"
      Name: live
      RoutingConfig:
        AdditionalVersionWeights:
{weights}"""


def _alias(version: str = "3", weights=(("2", "0.1"),)) -> str:
    rows = "".join(f"          - FunctionVersion: \"{v}\"\n            FunctionWeight: {w}\n" for v, w in weights)
    return ALIAS.format(version=version, weights=rows)


class AliasRoutingInvalidRule(Rule):
    code = "LL610"
    name = "alias-routing-invalid"
    severity = Severity.ERROR
    summary = "Alias routing weights outside 0.0-1.0, more than one additional version, or routing to $LATEST"
    needs = frozenset({CONFIG})
    invalid = (
        template(_alias(weights=(("2", "1.5"),)), "a weight above 1"),
        template(_alias(weights=(("2", "0.1"), ("1", "0.1"))), "two additional versions"),
        template(_alias(weights=(("$LATEST", "0.1"),)), "routing to $LATEST"),
        template(_alias(version="$LATEST"), "an alias of $LATEST with routing"),
    )
    valid = (
        template(_alias(), "10 % to version 2"),
        template(_alias(weights=(("2", "0"),)), "a weight of 0"),
    )

    def check_project(self, project, ctx):
        for tpl in project.templates:
            for alias_id, _ in tpl.resources_of_type("AWS::Lambda::Alias"):
                yield from self._check(tpl, alias_id)

    def _check(self, tpl, alias_id):
        props = tpl.properties(alias_id)
        weights = tpl.get_value(("Resources", alias_id, "Properties", "RoutingConfig", "AdditionalVersionWeights"))
        if not isinstance(weights, list) or not weights:
            return
        base = ("Resources", alias_id, "Properties", "RoutingConfig", "AdditionalVersionWeights")
        problems = []
        if len(weights) > 1:
            problems.append((base, f"{len(weights)} additional versions (Lambda allows one)"))
        if str(props.get("FunctionVersion")) == "$LATEST":
            problems.append((("Resources", alias_id, "Properties", "FunctionVersion"),
                             "an alias of $LATEST cannot route to other versions"))
        for index, entry in enumerate(weights):
            if not isinstance(entry, dict):
                continue
            if str(entry.get("FunctionVersion")) == "$LATEST":
                problems.append((base + (index, "FunctionVersion"), "routing to $LATEST is not allowed"))
            weight = entry.get("FunctionWeight")
            value = _weight(weight)
            if value is not None and not 0.0 <= value <= 1.0:
                problems.append((base + (index, "FunctionWeight"), f"weight {_shown(weight)} is outside 0.0-1.0"))
        for path, problem in problems:
            yield Report(f"alias {alias_id}: {problem}, so the deployment fails. Route to one published "
                         "version with a weight between 0.0 and 1.0", TemplateAt(tpl, path), resources=(alias_id,))


def _weight(weight) -> Optional[float]:
    """A weight as a number; None when not one (`!Ref`, `true`, a word).  A number too large for
    a float (a 400-digit integer) is infinity: outside the range like any other too large one."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float, str)):
        return None
    try:
        return float(weight)
    except OverflowError:
        return math.inf if weight > 0 else -math.inf
    except ValueError:
        return None


def _shown(weight) -> str:
    """The weight as written, shortened when it is absurdly long."""
    text = weight if isinstance(weight, str) else repr(weight)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text):,} characters)"
