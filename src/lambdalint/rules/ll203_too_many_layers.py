from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule, template



def layer_list(indent: int, first: int, count: int) -> str:
    return "".join(f"{' ' * indent}- arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1\n"
                   for i in range(first, first + count))


FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
{globals}Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      InlineCode: "def handler(e, c): pass"
      Layers:
{layers}"""
GLOBAL_LAYERS = "Globals:\n  Function:\n    Layers:\n" + layer_list(6, 0, 3)


class TooManyLayersRule(Rule):
    code = "LL203"
    name = "too-many-layers"
    severity = Severity.ERROR
    summary = "A function with more than 5 layers"
    needs = frozenset({CONFIG})
    invalid = (
        template(FUNCTION.format(globals="", layers=layer_list(8, 0, 6)), "six layers"),
        template(FUNCTION.format(globals=GLOBAL_LAYERS, layers=layer_list(8, 3, 3)),
                 "SAM Globals layers are added to the function's own"),
    )
    valid = (
        template(FUNCTION.format(globals="", layers=layer_list(8, 0, 5)), "five layers"),
        template(FUNCTION.format(globals=GLOBAL_LAYERS, layers=layer_list(8, 3, 2)),
                 "five layers with Globals"),
    )

    def check_function(self, fn, ctx):
        layers = fn.config.get_list("Layers")
        limit = quota("layers_per_function")
        if len(layers) > limit:
            where = layers[-1].path[:-1]  # the function's own Layers list when it has one
            yield Report(
                f"function {fn.config.logical_id} has {len(layers)} layers; Lambda allows at most "
                f"{limit}: merge layers or move dependencies into the function's package",
                TemplateAt(fn.config.template, where), resources=(fn.config.logical_id,))
