"""Builders for the small projects that rules embed as `valid` / `invalid` examples."""
from typing import Tuple

from lambdalint.rules.base import Example

SAM_FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
{globals}Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      {code}
      Handler: {handler}
      Runtime: python3.12
{properties}{resources}"""


def python(code: str, description: str = "", args: Tuple[str, ...] = ()) -> Example:
    """A bundle checked without a template: one module, `app.py`."""
    return Example({"app.py": code}, description, args)


def template(text: str, description: str = "", args: Tuple[str, ...] = (), **files) -> Example:
    return Example({"template.yaml": text, **files}, description, args)


def function_with(properties: str = "", globals_: str = "", code_uri: str = "",
                  handler: str = "app.handler", resources: str = "") -> str:
    """A SAM template with one function `Fn`: `properties` and `Globals.Function` lines are
    indented for you; without `code_uri` the code is inline (so no bundle is needed)."""
    props = "".join(f"      {line}\n" for line in properties.splitlines())
    glob = ("Globals:\n  Function:\n" + "".join(f"    {line}\n" for line in globals_.splitlines())
            if globals_ else "")
    code = f"CodeUri: {code_uri}" if code_uri else 'InlineCode: "def handler(e, c): pass"'
    return SAM_FUNCTION.format(globals=glob, code=code, handler=handler, properties=props,
                               resources=resources)


LAYER_RESOURCE = """\
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
"""


def function_with_layer() -> str:
    """A function (code in src/) using the local layer `Deps` (content in layer/)."""
    return function_with("Layers: [!Ref Deps]", code_uri="src/", resources=LAYER_RESOURCE)


CFN_FUNCTION = """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(e, c): pass"}
"""
