from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import as_mapping, format_number, is_intrinsic
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

_ON = "SnapStart:\n  ApplyOn: PublishedVersions"
_ALIAS = "AutoPublishAlias: live\n"


class SnapStartUnsupportedConfigurationRule(Rule):
    code = "LL701"
    name = "snapstart-unsupported-configuration"
    severity = Severity.ERROR
    summary = ("SnapStart on a runtime or package type that does not support it, or with EFS, ephemeral "
               "storage over 512 MB or provisioned concurrency")
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(_ALIAS + _ON + "\nRuntime: python3.11"), "python3.11"),
        template(function_with(_ALIAS + _ON + "\nEphemeralStorage:\n  Size: 1024"), "ephemeral storage over 512 MB"),
        template(function_with(_ALIAS + _ON + "\nFileSystemConfigs:\n  - Arn: arn:aws:elasticfilesystem:"
                               "us-east-1:123456789012:access-point/fsap-1\n    LocalMountPath: /mnt/data"), "EFS"),
        template(function_with(_ALIAS + _ON + "\nProvisionedConcurrencyConfig:\n  ProvisionedConcurrentExecutions: 2"),
                 "provisioned concurrency"),
        template(function_with(_ALIAS + "EphemeralStorage:\n  Size: 1024", globals_=_ON), "SnapStart from Globals"),
        serverless("fn:\n  handler: app.handler\n  runtime: python3.11\n  snapStart: true", "serverless.yml"),
        terraform("publish = true\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}\n"
                  "ephemeral_storage {\n  size = 2048\n}", "Terraform"),
        terraform("publish = true\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}", "Terraform python3.9",
                  runtime="python3.9"),
        terraform("publish = true\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}",
                  "Terraform provisioned concurrency on the published version",
                  resources='resource "aws_lambda_provisioned_concurrency_config" "fn" {\n'
                            '  function_name                     = aws_lambda_function.fn.function_name\n'
                            '  qualifier                         = aws_lambda_function.fn.version\n'
                            '  provisioned_concurrent_executions = 2\n}\n'),
    )
    valid = (
        template(function_with(_ALIAS + _ON + "\nEphemeralStorage:\n  Size: 512")),
        template(function_with("Runtime: python3.11\nEphemeralStorage:\n  Size: 4096"), "SnapStart off"),
        template(function_with(_ALIAS + "SnapStart:\n  ApplyOn: None\nRuntime: python3.11"), "ApplyOn: None"),
        template(function_with(_ALIAS + "SnapStart:\n  ApplyOn: !Ref Snap\nRuntime: python3.11"),
                 "a value known at deploy time"),
        template(function_with(_ALIAS + _ON + "\nRuntime: !Ref Runtime"), "a runtime known at deploy time"),
        serverless("fn:\n  handler: app.handler\n  runtime: python3.13\n  snapStart: true"),
        terraform("publish = true\nsnap_start {\n  apply_on = \"PublishedVersions\"\n}", runtime="python3.12"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.snapstart import ON, snapstart_state

        if snapstart_state(fn) != ON:
            return
        config = fn.config
        snap = config.get("SnapStart", "ApplyOn")
        for message, setting_path in _problems(config, snap):
            yield Report(message, TemplateAt(config.template, setting_path),
                         resources=(config.logical_id,))


def _problems(config, snap):
    """(message, template path) for each setting Lambda refuses together with SnapStart; each
    message names the function (a setting in Globals or the provider reaches several)."""
    from lambdalint.analysis.snapstart import (ephemeral_storage_limit_mb, runtime_supports_snapstart,
                                               supported_runtimes_text, term)

    snapstart = term(config, "SnapStart")
    runtime = config.get("Runtime")
    package = config.get("PackageType")
    if package is not None and package.value == "Image":
        yield (f"{config.name}: {snapstart} is not supported for container images: Lambda rejects the "
               "function. Deploy it as a .zip on a supported runtime, or remove SnapStart", snap.path)
    elif runtime is not None and runtime_supports_snapstart(runtime.value) is False:
        yield (f"{config.name}: {snapstart} is not supported on {runtime.value}{config.origin(runtime)} "
               f"(Lambda supports it on {supported_runtimes_text()}): the deployment fails. Upgrade the runtime "
               "or remove SnapStart", runtime.path)
    storage = config.get("EphemeralStorage", "Size")
    size = storage.as_number() if storage is not None else None
    limit = ephemeral_storage_limit_mb()
    if size is not None and size > limit:
        yield (f"{config.name}: {term(config, 'EphemeralStorage.Size')} is {format_number(size)} MB"
               f"{config.origin(storage)}: with {snapstart} Lambda accepts at most {limit} MB of ephemeral "
               f"storage. Lower it to {limit} or remove SnapStart", storage.path)
    efs = config.get("FileSystemConfigs")
    if efs is not None and _is_set(efs.value):
        yield (f"{config.name}: {term(config, 'FileSystemConfigs')} mounts Amazon EFS, which Lambda does not "
               f"support with {snapstart}: the deployment fails. Remove the file system or SnapStart", efs.path)
    provisioned = config.get("ProvisionedConcurrencyConfig")
    if provisioned is not None and _is_set(provisioned.value):
        yield (f"{config.name}: {term(config, 'ProvisionedConcurrencyConfig')} cannot be combined with "
               f"{snapstart}: Lambda rejects provisioned concurrency on a SnapStart version. Choose one of them",
               provisioned.path)
    for kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version", "Terraform::aws_lambda_provisioned_concurrency_config"):
        for logical_id, resource in config.targeting(kind):
            props = as_mapping(resource.get("Properties"))
            if _is_set(props.get("ProvisionedConcurrencyConfig")):
                yield (f"{config.template.name_of(logical_id)} sets ProvisionedConcurrencyConfig on a version of "
                       f"{config.name}, which has {snapstart}: Lambda rejects provisioned concurrency on a "
                       "SnapStart version. Choose one of them",
                       ("Resources", logical_id, "Properties", "ProvisionedConcurrencyConfig"))


def _is_set(value) -> bool:
    """A non-empty setting; values known only at deploy time are not judged."""
    if value is None or is_intrinsic(value):
        return False
    if isinstance(value, list):
        return any(item is not None and not is_intrinsic(item) for item in value)
    return value not in ({}, "", False)
