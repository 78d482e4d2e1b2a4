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


SERVERLESS_SERVICE = """\
service: example
provider:
  name: aws
  runtime: python3.12
functions:
{functions}"""


def serverless(functions: str, description: str = "", resources: str = "") -> Example:
    """A serverless.yml with the given `functions:` body (indented for you)."""
    body = "".join(f"  {line}\n" for line in functions.splitlines())
    extra = "resources:\n  Resources:\n" + "".join(f"    {line}\n" for line in resources.splitlines()) \
        if resources else ""
    return Example({"serverless.yml": SERVERLESS_SERVICE.format(functions=body) + extra}, description)


TERRAFORM_FUNCTION = """\
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  runtime       = "{runtime}"
  handler       = "app.handler"
{attributes}}}
"""


def terraform(attributes: str = "", description: str = "", resources: str = "",
              runtime: str = "python3.12") -> Example:
    """A main.tf with one `aws_lambda_function.fn` (its `attributes` indented for you) and more."""
    body = "".join(f"  {line}\n" for line in attributes.splitlines())
    return Example({"main.tf": TERRAFORM_FUNCTION.format(attributes=body, runtime=runtime) + resources}, description)


TERRAFORM_QUEUE_TRIGGER = """\
resource "aws_sqs_queue" "dlq" {{}}
resource "aws_sqs_queue" "jobs" {{
{attributes}}}
resource "aws_lambda_event_source_mapping" "jobs" {{
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.fn.arn
}}
"""


def terraform_queue_trigger(queue_attributes: str) -> str:
    """Terraform resources: a queue `jobs` with these attributes triggering `aws_lambda_function.fn`
    (see `terraform()`), and a queue `dlq` for redrive policies."""
    body = "".join(f"  {line}\n" for line in queue_attributes.splitlines())
    return TERRAFORM_QUEUE_TRIGGER.format(attributes=body)
