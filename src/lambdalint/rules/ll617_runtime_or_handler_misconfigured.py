from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, serverless, template

ZIP_CFN = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/fn
      Code: {{ZipFile: "def handler(e, c): pass"}}
{properties}"""

IMAGE_SAM = """\
Transform: AWS::Serverless-2016-10-31
{globals}Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest
{properties}"""


def _tf(attributes: str) -> str:
    return 'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  role = "arn:aws:iam::1:role/r"\n' \
        + "".join(f"  {line}\n" for line in attributes.splitlines()) + "}\n"


class RuntimeOrHandlerMisconfiguredRule(Rule):
    code = "LL617"
    name = "runtime-or-handler-misconfigured"
    severity = Severity.ERROR
    summary = "A zip function without Runtime or Handler, or an image function that sets them (the deployment fails)"
    needs = frozenset({CONFIG})
    invalid = (
        Example({"template.yaml": ZIP_CFN.format(properties="      Handler: index.handler\n")},
                "CloudFormation zip function without Runtime"),
        Example({"template.yaml": ZIP_CFN.format(properties="      Runtime: python3.12\n")},
                "inline code without Handler"),
        Example({"template.yaml": IMAGE_SAM.format(globals="", properties="      Runtime: python3.12\n")},
                "an image function that sets Runtime"),
        Example({"main.tf": _tf('handler = "app.handler"\nfilename = "fn.zip"')}, "Terraform zip function without runtime"),
        Example({"main.tf": _tf('package_type = "Image"\nimage_uri = "1.dkr.ecr.us-east-1.amazonaws.com/fn:1"\n'
                                'handler = "app.handler"')}, "Terraform image function with a handler"),
        serverless("fn:\n  runtime: python3.12\n  events: []", "serverless.yml function without handler nor image"),
    )
    valid = (
        template(function_with(), "a SAM zip function with both"),
        template(function_with(globals_="Runtime: python3.12").replace("      Runtime: python3.12\n", ""),
                 "Runtime from SAM Globals"),
        Example({"template.yaml": IMAGE_SAM.format(globals="Globals:\n  Function:\n    Runtime: python3.12\n",
                                                   properties="")},
                "an image function; Runtime in Globals is not the function's own"),
        Example({"template.yaml": ZIP_CFN.format(properties="      Handler: index.handler\n      Runtime: !Ref Runtime\n")},
                "Runtime known at deploy time"),
        Example({"main.tf": _tf('package_type = "Image"\nimage_uri = "1.dkr.ecr.us-east-1.amazonaws.com/fn:1"')},
                "Terraform image function"),
        Example({"main.tf": _tf('package_type = var.package_type\nfilename = "fn.zip"')},
                "Terraform package type unknown"),
        serverless("fn:\n  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest", "serverless.yml image function"),
        Example({"serverless.yml": "service: s\nprovider:\n  name: aws\nfunctions:\n  fn:\n    handler: app.handler\n"},
                "serverless.yml without runtime: the framework deploys its default runtime"),
        Example({"serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
                                   "  - fn:\n      handler: app.handler\n"},
                "serverless.yml functions given as a list of maps: the handler is the listed function's"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        if config.logical_id.startswith("module."):
            return  # the Terraform lambda module supplies its own defaults
        package_type = config.get("PackageType")
        if package_type is not None and not isinstance(package_type.value, str):
            return  # known at deploy time
        kind = package_type.value if package_type is not None else "Zip"
        if kind == "Image":
            yield from self._image(config)
        elif kind == "Zip" and not _image_code(config):
            yield from self._zip(config)

    def _zip(self, config):
        missing = [key for key in ("Runtime", "Handler") if config.get(key) is None]
        if not missing:
            return
        words = " and ".join(config.template.term(key) for key in missing)
        yield Report(
            f"{config.name} is a zip function without {words}: Lambda requires both for a .zip package "
            "(\"Runtime and Handler are mandatory parameters for functions created with deployment "
            f"packages\"), so the deployment fails. Set {words}",
            TemplateAt(config.template, config.resource_path), resources=(config.logical_id,))

    def _image(self, config):
        keys = ("Handler",) if config.template.dialect.name == "serverless" else ("Runtime", "Handler")
        for key in keys:
            own = config.get(key)
            if own is None or own.from_globals:
                continue  # SAM leaves Globals out of image functions' own settings here
            yield Report(
                f"{config.name} is a container image function that sets {config.template.term(key)}: "
                "Lambda rejects Runtime and Handler for PackageType Image (the image's CMD and "
                "ENTRYPOINT give them), so the deployment fails. Remove it, or set the command in "
                "ImageConfig",
                TemplateAt(config.template, own.path), resources=(config.logical_id,))


def _image_code(config) -> bool:
    """Code given as an image (`ImageUri`) without a package type: judged elsewhere, not guessed."""
    code = config.template.properties(config.logical_id).get("Code")
    return (isinstance(code, dict) and "ImageUri" in code) or config.get("ImageUri") is not None
