from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, template



def layers(first: int, count: int) -> str:
    """`Layers:` and `count` layer ARNs, as lines for `function_with`."""
    return "Layers:\n" + "".join(f"  - arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1\n"
                                 for i in range(first, first + count))


GLOBAL_LAYERS = layers(0, 3)


class TooManyLayersRule(Rule):
    code = "LL203"
    name = "too-many-layers"
    severity = Severity.ERROR
    summary = "A function with more than 5 layers"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(layers(0, 6)), "six layers"),
        template(function_with(layers(3, 3), globals_=GLOBAL_LAYERS),
                 "SAM Globals layers are added to the function's own"),
    )
    valid = (
        template(function_with(layers(0, 5)), "five layers"),
        template(function_with(layers(3, 2), globals_=GLOBAL_LAYERS),
                 "five layers with Globals"),
    )

    def check_function(self, fn, ctx):
        layers = fn.config.get_list("Layers")
        limit = quota("layers_per_function")
        if len(layers) > limit:
            where = layers[-1].path[:-1]  # the function's own Layers list when it has one
            yield Report(
                f"function {fn.config.name} has {len(layers)} layers; Lambda allows at most "
                f"{limit}: merge layers or move dependencies into the function's package",
                TemplateAt(fn.config.template, where), resources=(fn.config.logical_id,))
