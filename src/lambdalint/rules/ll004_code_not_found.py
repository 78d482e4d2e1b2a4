from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.project import CODE_FOUND, CODE_MISSING, CODE_NOT_BUILT, CODE_NOT_SET
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template, terraform

_APP = {"src/app.py": "def handler(event, context):\n    return 1\n"}
_NO_CODE_SAM = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n"
                "      Handler: src/app.handler\n      Runtime: python3.12\n")


class CodeNotFoundRule(Rule):
    code = "LL004"
    name = "code-not-found"
    severity = Severity.WARNING
    summary = "A function whose code the configuration does not locate: nothing of its code is checked"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(code_uri="src/lambda/"), "CodeUri names a folder that does not exist", **_APP),
        template("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                 "      Handler: app.handler\n      Runtime: python3.12\n", "CloudFormation without Code"),
        template(function_with(code_uri="dist/fn.zip"), "a zip not built yet (info)"),
        terraform('filename = "build/fn.zip"', "a Terraform filename not built yet (info)"),
        template(_NO_CODE_SAM, "SAM without CodeUri: SAM CLI ships the template's folder (info)", **_APP),
    )
    valid = (
        template(function_with(code_uri="src/"), "the folder exists", **_APP),
        template(function_with(), "inline code"),
        template(function_with(code_uri="s3://bucket/fn.zip"), "code in S3: configuration only"),
        template(function_with("PackageType: Image\nImageUri: 123.dkr.ecr.eu-west-1.amazonaws.com/fn:1",
                               code_uri="src/missing/"), "a container image"),
        Example({"template.yaml": function_with(code_uri="src/").replace("python3.12", "nodejs20.x")},
                "not a Python function: its code is not analysed anyway"),
    )

    def check_function(self, fn, ctx):
        location = fn.code_location
        if location is None or not fn.is_python or fn.package_type != "Zip":
            return
        config = fn.config
        at = TemplateAt(config.template, location.path or config.resource_path)
        resources = (config.logical_id,)
        name = config.name
        if location.status == CODE_FOUND and location.default_folder:
            yield Report(f"function {name} sets neither CodeUri nor InlineCode: SAM CLI builds and ships "
                         "the template's whole folder, which lambdalint checked as its code. Set CodeUri "
                         "to the folder of this function's code", at, Severity.INFO, resources)
        elif location.status == CODE_NOT_SET:
            yield Report(f"function {name} has no code: {_code_keys(config)}, so the deployment "
                         "fails and lambdalint cannot check its code", at, resources=resources)
        elif location.status == CODE_MISSING:
            yield Report(f"code of function {name} not found: '{location.written}' does not exist "
                         f"next to {config.template.display} (a build or deployment fails); its code "
                         "is not checked", at, resources=resources)
        elif location.status == CODE_NOT_BUILT:
            yield Report(f"code of function {name} not checked: '{location.written}' is not there yet. "
                         "Build first, or run on the build output", at, Severity.INFO, resources)


def _code_keys(config) -> str:
    """The settings that would give the function its code, in the words of its format."""
    dialect = config.template.dialect.name
    if dialect == "terraform":
        return "none of filename, s3_bucket and image_uri is set"
    if config.is_sam:
        return "neither CodeUri nor InlineCode is set"
    return "Code is not set"
