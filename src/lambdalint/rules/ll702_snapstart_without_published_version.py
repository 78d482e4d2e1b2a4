from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

_ON = "SnapStart:\n  ApplyOn: PublishedVersions"
_CFN_VERSION = """\
  FnVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
"""
_CFN_FUNCTION = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(e, c): pass"}
      SnapStart:
        ApplyOn: PublishedVersions
"""


class SnapStartWithoutPublishedVersionRule(Rule):
    code = "LL702"
    name = "snapstart-without-published-version"
    severity = Severity.WARNING
    summary = "SnapStart on a function that never publishes a version, so every invocation runs $LATEST without it"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(_ON), "SAM without AutoPublishAlias"),
        template(_CFN_FUNCTION, "CloudFormation without an AWS::Lambda::Version"),
        terraform("snap_start {\n  apply_on = \"PublishedVersions\"\n}", "Terraform without publish = true"),
        Example({"serverless.yml": "service: example\nprovider:\n  name: aws\n  runtime: python3.12\n"
                                   "  versionFunctions: false\nfunctions:\n  fn:\n    handler: app.handler\n"
                                   "    snapStart: true\n"}, "serverless.yml with versionFunctions: false"),
    )
    valid = (
        template(function_with("AutoPublishAlias: live\n" + _ON)),
        template(function_with(_ON, globals_="AutoPublishAlias: live"), "AutoPublishAlias in Globals"),
        template(_CFN_FUNCTION + _CFN_VERSION, "CloudFormation with an AWS::Lambda::Version"),
        terraform("publish = true\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}"),
        terraform("publish = var.publish\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}",
                  "publish known only at apply time"),
        serverless("fn:\n  handler: app.handler\n  snapStart: true", "the framework publishes versions by default"),
        template(function_with(), "no SnapStart"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.snapstart import ON, snapstart_state

        if snapstart_state(fn) != ON:
            return
        config = fn.config
        unpublished = _unpublished(config)
        if unpublished is None:
            return
        how, path = unpublished
        yield Report(
            f"{config.name} turns SnapStart on but {how}: SnapStart applies only to published versions "
            "(and aliases pointing at them), so every invocation of $LATEST still pays the full init. "
            "Publish versions and invoke them through an alias", TemplateAt(config.template, path),
            resources=(config.logical_id,))


def _unpublished(config):
    """(what is missing, where to report) when the function never publishes a version, else None."""
    from lambdalint.analysis.snapstart import term

    snap = config.get("SnapStart", "ApplyOn")
    dialect = config.template.dialect.name
    if dialect == "serverless":
        versions = config.get("VersionFunctions")
        if versions is not None and versions.value in (False, "false"):
            return f"{term(config, 'VersionFunctions')} is false", versions.path
        return None
    if dialect == "terraform":
        publish = config.get("Publish")
        if publish is None:
            return "does not set publish = true", snap.path[:-1]
        if publish.value in (False, "false"):
            return "sets publish = false", publish.path
        return None
    if config.targeting("AWS::Lambda::Version", unqualified=True):
        return None
    if config.is_sam:
        return (None if config.get("AutoPublishAlias") is not None
                else ("has no AutoPublishAlias (nor an AWS::Lambda::Version)", snap.path[:-1]))
    return "no AWS::Lambda::Version publishes it", snap.path[:-1]
