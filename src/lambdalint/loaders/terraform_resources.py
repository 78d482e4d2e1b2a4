"""Terraform resources and the terraform-aws-modules/lambda module, mapped onto the
CloudFormation-shaped model: which attribute means which property, which references mean which
resource, and which resources make a service invoke a function."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from lambdalint.loaders.hcl import Call, Interpolated, Opaque, Reference
from lambdalint.loaders.terraform_values import Values
from lambdalint.loaders.translation import Translation, unresolved
from lambdalint.model.template import as_mapping, may_be_set, referenced_id

Mapping = Dict[Tuple[str, ...], Tuple[str, ...]]  # Terraform attribute path → CloudFormation path


_FUNCTION: Mapping = {
    ("function_name",): ("FunctionName",), ("handler",): ("Handler",), ("runtime",): ("Runtime",),
    ("timeout",): ("Timeout",), ("memory_size",): ("MemorySize",),
    ("architectures",): ("Architectures",), ("layers",): ("Layers",),
    ("reserved_concurrent_executions",): ("ReservedConcurrentExecutions",),
    ("package_type",): ("PackageType",), ("filename",): ("Code",), ("role",): ("Role",),
    ("environment", "variables"): ("Environment", "Variables"),
    ("dead_letter_config", "target_arn"): ("DeadLetterConfig", "TargetArn"),
    ("vpc_config", "subnet_ids"): ("VpcConfig", "SubnetIds"),
    ("vpc_config", "security_group_ids"): ("VpcConfig", "SecurityGroupIds"),
    ("ephemeral_storage", "size"): ("EphemeralStorage", "Size"),
    ("snap_start", "apply_on"): ("SnapStart", "ApplyOn"), ("publish",): ("Publish",),  # LL701-LL703
    ("file_system_config", "arn"): ("FileSystemConfigs", "Arn"),
    ("logging_config", "log_group"): ("LoggingConfig", "LogGroup"),
    ("capacity_provider_config", "lambda_managed_instances_capacity_provider_config", "capacity_provider_arn"):
        ("CapacityProviderConfig", "LambdaManagedInstancesCapacityProviderConfig", "CapacityProviderArn"),
}


_ON_FAILURE: Mapping = {
    ("maximum_retry_attempts",): ("MaximumRetryAttempts",),
    ("maximum_event_age_in_seconds",): ("MaximumEventAgeInSeconds",),
    ("destination_config", "on_failure", "destination"): ("DestinationConfig", "OnFailure", "Destination"),
}


RESOURCES: Dict[str, Tuple[str, Mapping]] = {
    "aws_lambda_function": ("AWS::Lambda::Function", _FUNCTION),
    "aws_lambda_layer_version": ("AWS::Lambda::LayerVersion", {
        ("filename",): ("Content",), ("layer_name",): ("LayerName",),
        ("compatible_runtimes",): ("CompatibleRuntimes",)}),
    "aws_lambda_event_source_mapping": ("AWS::Lambda::EventSourceMapping", {
        ("event_source_arn",): ("EventSourceArn",), ("function_name",): ("FunctionName",),
        ("batch_size",): ("BatchSize",), ("maximum_retry_attempts",): ("MaximumRetryAttempts",),
        ("bisect_batch_on_function_error",): ("BisectBatchOnFunctionError",),
        ("function_response_types",): ("FunctionResponseTypes",),
        ("maximum_batching_window_in_seconds",): ("MaximumBatchingWindowInSeconds",),
        ("starting_position",): ("StartingPosition",),  # LL507
        ("self_managed_event_source", "endpoints"): ("SelfManagedEventSource", "Endpoints"),  # LL507
        ("destination_config", "on_failure", "destination_arn"): ("DestinationConfig", "OnFailure", "Destination")}),
    "aws_lambda_function_event_invoke_config": ("AWS::Lambda::EventInvokeConfig", {
        ("function_name",): ("FunctionName",), ("qualifier",): ("Qualifier",), **_ON_FAILURE}),
    "aws_lambda_permission": ("AWS::Lambda::Permission", {
        ("function_name",): ("FunctionName",), ("principal",): ("Principal",),
        ("source_arn",): ("SourceArn",)}),
    # only LL701 reads it: provisioned concurrency on a version or alias of a SnapStart function
    "aws_lambda_provisioned_concurrency_config": ("Terraform::aws_lambda_provisioned_concurrency_config", {
        ("function_name",): ("FunctionName",), ("qualifier",): ("Qualifier",),
        ("provisioned_concurrent_executions",): ("ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions")}),
    "aws_lambda_alias": ("AWS::Lambda::Alias", {
        ("function_name",): ("FunctionName",), ("function_version",): ("FunctionVersion",),
        ("name",): ("Name",)}),
    "aws_sqs_queue": ("AWS::SQS::Queue", {
        ("visibility_timeout_seconds",): ("VisibilityTimeout",), ("redrive_policy",): ("RedrivePolicy",),
        ("name",): ("QueueName",), ("fifo_queue",): ("FifoQueue",)}),
    "aws_iam_role": ("AWS::IAM::Role", {("managed_policy_arns",): ("ManagedPolicyArns",), ("name",): ("RoleName",)}),
    "aws_iam_role_policy": ("AWS::IAM::Policy", {("policy",): ("PolicyDocument",)}),
    "aws_iam_role_policy_attachment": ("Terraform::aws_iam_role_policy_attachment", {}),
    "aws_iam_policy_attachment": ("Terraform::aws_iam_role_policy_attachment", {}),
    # kept so that references to them have a known type (LL502, LL506)
    "aws_sns_topic": ("AWS::SNS::Topic", {("fifo_topic",): ("FifoTopic",), ("name",): ("TopicName",)}),  # LL508
    "aws_msk_cluster": ("AWS::MSK::Cluster", {}),  # LL507
    "aws_s3_bucket": ("AWS::S3::Bucket", {}),
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", {}),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", {}),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", {}),
    "aws_cloudwatch_log_group": ("AWS::Logs::LogGroup", {("name",): ("LogGroupName",), ("retention_in_days",): ("RetentionInDays",)}),
}


# Where each trigger resource names the function: (repeated block or None, attribute).
_TRIGGER_TARGETS = {
    "aws_s3_bucket_notification": ("lambda_function", "lambda_function_arn"),
    "aws_sns_topic_subscription": (None, "endpoint"),
    "aws_cloudwatch_event_target": (None, "arn"),
    "aws_scheduler_schedule": ("target", "arn"),
    "aws_api_gateway_integration": (None, "uri"),
    "aws_apigatewayv2_integration": (None, "integration_uri"),
    "aws_lb_target_group_attachment": (None, "target_id"),
}


# Where a trigger resource keeps the events it could not deliver (the target's dead-letter queue).
_TRIGGER_DEAD_LETTER = {
    "aws_cloudwatch_event_target": ("dead_letter_config", "arn"),
    "aws_scheduler_schedule": ("target", "dead_letter_config", "arn"),
}


# `qualified_arn` names a published version, not $LATEST (LL609 tells them apart)
_ARN_ATTRIBUTES = {"arn": "Arn", "qualified_arn": "QualifiedArn", "invoke_arn": "Arn", "stream_arn": "StreamArn",
                   "version": "Version", "qualified_invoke_arn": "QualifiedArn"}


_NAME_ATTRIBUTES = frozenset({"function_name", "id", "name", "url"})


LAMBDA_MODULE = "terraform-aws-modules/lambda/aws"


_MODULE_FUNCTION: Mapping = {
    ("function_name",): ("FunctionName",), ("handler",): ("Handler",), ("runtime",): ("Runtime",),
    ("timeout",): ("Timeout",), ("memory_size",): ("MemorySize",),
    ("ephemeral_storage_size",): ("EphemeralStorage", "Size"), ("layers",): ("Layers",),
    ("snap_start",): ("SnapStart", "ApplyOn"), ("publish",): ("Publish",), ("file_system_arn",): ("FileSystemConfigs", "Arn"),
    ("architectures",): ("Architectures",), ("package_type",): ("PackageType",),
    ("reserved_concurrent_executions",): ("ReservedConcurrentExecutions",),
    ("environment_variables",): ("Environment", "Variables"),
    ("dead_letter_target_arn",): ("DeadLetterConfig", "TargetArn"),
    ("local_existing_package",): ("Code",),
}


_MODULE_ASYNC: Mapping = {
    ("maximum_retry_attempts",): ("MaximumRetryAttempts",),
    ("maximum_event_age_in_seconds",): ("MaximumEventAgeInSeconds",),
    ("destination_on_failure",): ("DestinationConfig", "OnFailure", "Destination"),
}


# Module inputs that attach further policies to the role it creates (their content is not judged).
_MODULE_POLICY_OPTIONS = ("attach_policy", "attach_policies", "attach_policy_json", "attach_policy_jsons",
                          "attach_policy_statements")


_MODULE_MAPPING: Mapping = {
    ("event_source_arn",): ("EventSourceArn",), ("batch_size",): ("BatchSize",),
    ("maximum_retry_attempts",): ("MaximumRetryAttempts",),
    ("bisect_batch_on_function_error",): ("BisectBatchOnFunctionError",),
    ("function_response_types",): ("FunctionResponseTypes",),
    ("destination_arn_on_failure",): ("DestinationConfig", "OnFailure", "Destination"),
    ("starting_position",): ("StartingPosition",),  # LL507
    ("maximum_batching_window_in_seconds",): ("MaximumBatchingWindowInSeconds",),  # LL507
}


TERMS = {
    "Timeout": "timeout", "MemorySize": "memory_size", "EphemeralStorage.Size": "ephemeral_storage.size",
    "Runtime": "runtime", "Handler": "handler", "Layers": "layers", "Environment": "environment",
    "ReservedConcurrentExecutions": "reserved_concurrent_executions",
    "VpcConfig": "vpc_config", "SubnetIds": "subnet_ids", "SecurityGroupIds": "security_group_ids",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumEventAgeInSeconds": "maximum_event_age_in_seconds",
    "EventInvokeConfig.DestinationConfig.OnFailure":
        "an aws_lambda_function_event_invoke_config with destination_config.on_failure",
    "DeadLetterQueue": "dead_letter_config",
    "DestinationConfig.OnFailure": "destination_config.on_failure",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "RedrivePolicy": "redrive_policy", "VisibilityTimeout": "visibility_timeout_seconds",
}


# Metadata key of a translated function: environment variable → [where its value comes from,
# whether that source holds a secret whatever the variable's name] for values Terraform resolves
# when it plans (variables, secrets read through data sources, generated passwords).  LL613 reads it.
DEPLOY_TIME_INPUTS = "lambdalint:DeployTimeInputs"
_SECRET_SOURCES = {  # (data source or resource, attribute) → (what it is, holds a secret)
    ("data", "aws_secretsmanager_secret_version"): ("a Secrets Manager secret read by Terraform", True),
    ("data", "aws_ssm_parameter"): ("a Parameter Store value read by Terraform", False),
    ("random_password",): ("a password generated by Terraform", True),
}
_SECRET_ATTRIBUTES = frozenset({"secret_string", "secret_binary", "value", "insecure_value", "result"})
_SOURCE_IN_TEXT = re.compile(r"\b(data\.aws_secretsmanager_secret_version|data\.aws_ssm_parameter|random_password)"
                             r"\.[\w-]+\.(secret_string|secret_binary|value|insecure_value|result)\b")
_VARIABLE_AT_START = re.compile(r"var\.([\w-]+)")  # `var.passwords[terraform.workspace]`
_MAX_LOCAL_CHAIN = 8  # locals naming locals: real configurations follow two or three


def trigger_keeps_failures(resource: Any) -> bool:
    """A trigger resource whose target has its own dead-letter queue (EventBridge targets and
    Scheduler schedules): what it cannot deliver is kept, not dropped."""
    return may_be_set(as_mapping(as_mapping(resource).get("Properties")), ("DeadLetterConfig", "Arn"))


def reference(config: Dict[str, Any], parts: tuple) -> Optional[Any]:
    """`aws_sqs_queue.jobs.arn` → `Fn::GetAtt [aws_sqs_queue.jobs, Arn]`, when the resource exists."""
    if parts[0] == "module" and len(parts) >= 3 and _is_lambda_module(config.get("module", {}).get(parts[1])):
        address, attribute = f"module.{parts[1]}", parts[2]
        if attribute.endswith("_name"):
            return {"Ref": address}
        return {"Fn::GetAtt": [address, "Arn"]} if "arn" in attribute else None
    if len(parts) < 3 or parts[1] not in config.get("resource", {}).get(parts[0], {}):
        return None
    address, attribute = f"{parts[0]}.{parts[1]}", parts[2]
    if attribute in _ARN_ATTRIBUTES:
        return {"Fn::GetAtt": [address, _ARN_ATTRIBUTES[attribute]]}
    if attribute in _NAME_ATTRIBUTES:
        return {"Ref": address}
    return None


def _is_lambda_module(block: Any) -> bool:
    """The registry module itself (`terraform-aws-modules/lambda/aws`, also from GitHub with a ref),
    not its submodules (`//modules/alias`, `//modules/deploy`...), which create no function."""
    source = block.get("source") if isinstance(block, dict) else None
    if not isinstance(source, str):
        return False
    source = source.split("?")[0].rstrip("/")
    return source in (LAMBDA_MODULE, "github.com/terraform-aws-modules/terraform-aws-lambda",
                      "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git")


def _literal_map(value: Any) -> Dict[str, Any]:
    """A map written out in the configuration; `local.triggers`, `merge(...)` and the like are
    unknown, so they add nothing (rather than something guessed)."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


class Translator:
    def __init__(self, out: Translation, config: Dict[str, Any], values: Values):
        self.out = out
        self.config = config
        self.values = values

    def run(self) -> None:
        for resource_type, instances in self.config.get("resource", {}).items():
            if not isinstance(instances, dict):
                continue
            for name, body in instances.items():
                if not isinstance(body, dict):
                    continue
                source = ("resource", resource_type, name)
                address = f"{resource_type}.{name}"
                if resource_type in RESOURCES:
                    cfn_type, mapping = RESOURCES[resource_type]
                    self._resource(address, cfn_type, mapping, source)
                    self._extras(resource_type, address, body, source)
                    if resource_type == "aws_lambda_function":
                        self._deploy_time_inputs(address, source + ("environment", 0, "variables"))
                elif resource_type in _TRIGGER_TARGETS:
                    self._trigger(resource_type, address, body, source)
        for name, body in self.config.get("module", {}).items():
            if _is_lambda_module(body):
                self._lambda_module(name, body, ("module", name))
        for name, body in self.config.get("resource", {}).get("aws_sqs_queue_redrive_policy", {}).items():
            self._separate_redrive_policy(body, ("resource", "aws_sqs_queue_redrive_policy", name))

    def _separate_redrive_policy(self, body: Any, source: tuple) -> None:
        """`aws_sqs_queue_redrive_policy` sets the redrive policy of the queue its `queue_url` names."""
        queue = referenced_id(self.values.evaluate(body.get("queue_url"))) if isinstance(body, dict) else None
        resource = self.out.data.get("Resources", {}).get(queue) if queue else None
        if isinstance(resource, dict) and resource.get("Type") == "AWS::SQS::Queue" and "redrive_policy" in body:
            self._set(("Resources", queue, "Properties", "RedrivePolicy"), source, ("redrive_policy",))

    def _resource(self, address: str, cfn_type: str, mapping: Mapping, source: tuple,
                  values: Optional[dict] = None) -> None:
        out = self.out
        out.put(("Resources", address, "Type"), cfn_type)
        out.put(("Resources", address, "Properties"), {})
        out.mark(("Resources", address), source)
        for tf_path, cfn_path in mapping.items():
            self._set(("Resources", address, "Properties") + cfn_path, source, tf_path)

    def _set(self, target: tuple, base: tuple, tf_path: tuple) -> bool:
        """Evaluate the attribute at base+tf_path (blocks: their first instance) into target."""
        source = base
        for key in tf_path[:-1]:
            source += (key, 0)
        source += (tf_path[-1],)
        raw = self.out.source(source, _ABSENT)
        if raw is _ABSENT:
            return False
        self.out.put(target, self.values.evaluate(raw), source)
        if len(tf_path) > 1 and len(target) > len(tf_path):  # blocks: mark their CloudFormation maps
            for depth in range(1, len(tf_path)):
                self.out.mark(target[:len(target) - len(tf_path) + depth], source[:len(base) + 2 * depth])
        return True

    def _extras(self, resource_type: str, address: str, body: dict, source: tuple) -> None:
        props = ("Resources", address, "Properties")
        if resource_type == "aws_lambda_alias":
            weights = self.out.source(source + ("routing_config", 0, "additional_version_weights"))
            if isinstance(weights, dict):
                where = source + ("routing_config", 0, "additional_version_weights")
                self.out.put(props + ("RoutingConfig", "AdditionalVersionWeights"), [
                    {"FunctionVersion": str(version), "FunctionWeight": self.values.evaluate(weight)}
                    for version, weight in weights.items()])
                self.out.mark(props + ("RoutingConfig", "AdditionalVersionWeights"), where)
        if resource_type == "aws_iam_role":
            policies = body.get("inline_policy")
            if isinstance(policies, list):
                self.out.put(props + ("Policies",), [
                    {"PolicyDocument": self.values.evaluate(p.get("policy"))} for p in policies if isinstance(p, dict)])
        if resource_type in ("aws_iam_role_policy", "aws_iam_role_policy_attachment"):
            self.out.put(props + ("Roles",), [self.values.evaluate(body.get("role"))], source + ("role",))
        if resource_type == "aws_iam_policy_attachment":
            self.out.put(props + ("Roles",), self.values.evaluate(body.get("roles", [])), source + ("roles",))
        if resource_type in ("aws_iam_policy_attachment", "aws_iam_role_policy_attachment"):
            if "policy_arn" in body:
                self.out.put(props + ("ManagedPolicyArns",), [self.values.evaluate(body["policy_arn"])],
                             source + ("policy_arn",))
        if resource_type in ("aws_lambda_permission", "aws_lambda_event_source_mapping",
                             "aws_lambda_function_event_invoke_config"):
            self._qualified_target(props, source)

    def _qualified_target(self, props: tuple, source: tuple) -> None:
        """`qualifier = aws_lambda_alias.live.name` points the resource at the alias, not $LATEST."""
        qualifier = self.out.source(source + ("qualifier",))
        if qualifier is None:
            return
        evaluated = self.values.evaluate(qualifier)
        if isinstance(evaluated, dict) and "Ref" in evaluated:
            self.out.put(props + ("FunctionName",), evaluated, source + ("qualifier",))
        else:
            self.out.put(props + ("FunctionName",), unresolved("qualified function"),
                         source + ("qualifier",))

    def _trigger(self, resource_type: str, address: str, body: dict, source: tuple) -> None:
        block, attribute = _TRIGGER_TARGETS[resource_type]
        if resource_type == "aws_sns_topic_subscription" and body.get("protocol") != "lambda":
            return
        targets: List[tuple] = []
        if block is None:
            targets.append(source + (attribute,))
        else:
            for index, _ in enumerate(body.get(block) or []):
                targets.append(source + (block, index, attribute))
        props = ("Resources", address, "Properties")
        self.out.put(("Resources", address, "Type"), f"Terraform::{resource_type}")
        self.out.mark(("Resources", address), source)
        self.out.put(props + ("Targets",), [])
        for index, where in enumerate(targets):
            raw = self.out.source(where)
            self.out.data["Resources"][address]["Properties"]["Targets"].append(self.values.evaluate(raw))
            self.out.mark(props + ("Targets", index), where)
        self._set(props + ("TimeoutInMillis",), source, ("timeout_milliseconds",))
        if resource_type in _TRIGGER_DEAD_LETTER:
            self._set(props + ("DeadLetterConfig", "Arn"), source, _TRIGGER_DEAD_LETTER[resource_type])
        if resource_type == "aws_sns_topic_subscription":  # the subscription's own dead-letter queue (LL509)
            self._set(props + ("RedrivePolicy",), source, ("redrive_policy",))
        if resource_type == "aws_lb_target_group_attachment":
            self._load_balancer_idle_timeout(props)

    def _load_balancer_idle_timeout(self, props: tuple) -> None:
        """An ALB's `idle_timeout` raises its wait above the 60 s default.  Which load balancer
        forwards to the target group takes a chain of references to find, so the longest idle
        timeout of the configuration's load balancers is taken; an unknown one is unknown."""
        timeouts = [self.values.evaluate(lb.get("idle_timeout"))
                    for kind in ("aws_lb", "aws_alb")
                    for lb in self.config.get("resource", {}).get(kind, {}).values()
                    if isinstance(lb, dict) and "idle_timeout" in lb]
        if not timeouts:
            return
        known = all(isinstance(t, int) and not isinstance(t, bool) for t in timeouts)
        self.out.put(props + ("TimeoutInMillis",),
                     max(timeouts) * 1000 if known else unresolved("idle_timeout"))

    def _deploy_time_inputs(self, address: str, where: tuple) -> None:
        """Record the environment variables whose values Terraform resolves from its inputs: the
        evaluated value (a variable's default, a tfvars entry) no longer says so."""
        variables = self.out.source(where)
        if not isinstance(variables, dict):
            return
        found = {}
        for name, expression in variables.items():
            origin = self._origin(expression)
            if origin is not None:
                found[str(name)] = list(origin)
        if found:
            self.out.put(("Resources", address, "Metadata", DEPLOY_TIME_INPUTS), found)

    def _origin(self, expression: Any, depth: int = 0) -> Optional[Tuple[str, bool]]:
        """(where the value comes from, whether that source is a secret) of an expression, or None
        for literals and references to resources (names, ARNs)."""
        if depth > _MAX_LOCAL_CHAIN:
            return None
        if isinstance(expression, Reference):
            return self._reference_origin(expression.parts, depth)
        if isinstance(expression, Opaque):  # `jsondecode(data...secret_string)["password"]`, `var.x[k]`
            match = _SOURCE_IN_TEXT.search(expression.text)
            if match:
                return _SECRET_SOURCES[tuple(match.group(1).split("."))]
            variable = _VARIABLE_AT_START.match(expression.text)
            return self._reference_origin(("var", variable.group(1)), depth) if variable else None
        parts = expression.parts if isinstance(expression, Interpolated) else \
            expression.args if isinstance(expression, Call) else ()
        origins = [origin for origin in (self._origin(part, depth + 1) for part in parts) if origin]
        return max(origins, key=lambda origin: origin[1]) if origins else None

    def _reference_origin(self, parts: tuple, depth: int) -> Optional[Tuple[str, bool]]:
        if parts[0] == "var" and len(parts) >= 2:
            declared = self.config.get("variable", {}).get(parts[1])
            sensitive = isinstance(declared, dict) and declared.get("sensitive") is True
            return (f"the {'sensitive ' if sensitive else ''}Terraform variable var.{parts[1]}", sensitive)
        if parts[0] == "local" and len(parts) >= 2 and parts[1] in self.config.get("locals", {}):
            return self._origin(self.config["locals"][parts[1]], depth + 1)
        kind = parts[:2] if parts[0] == "data" else parts[:1]
        if kind in _SECRET_SOURCES and parts[-1] in _SECRET_ATTRIBUTES:
            return _SECRET_SOURCES[kind]
        return None

    def _lambda_module(self, name: str, body: dict, source: tuple) -> None:
        address = f"module.{name}"
        self._resource(address, "AWS::Lambda::Function", _MODULE_FUNCTION, source)
        self._deploy_time_inputs(address, source + ("environment_variables",))
        props = ("Resources", address, "Properties")
        if "Code" not in self.out.data["Resources"][address]["Properties"]:
            self._module_code(props, body, source)
        reference = {"Ref": address}
        self._module_role(address, props, body, source)
        if body.get("vpc_subnet_ids") is not None and body.get("vpc_security_group_ids") is not None:
            # the module leaves vpc_config out unless both are given
            self._set(props + ("VpcConfig", "SubnetIds"), source, ("vpc_subnet_ids",))
            self._set(props + ("VpcConfig", "SecurityGroupIds"), source, ("vpc_security_group_ids",))
            self.out.mark(props + ("VpcConfig",), source + ("vpc_subnet_ids",))
        if body.get("create_async_event_config") is True:
            self._resource(f"{address}.async", "AWS::Lambda::EventInvokeConfig", _MODULE_ASYNC, source)
            self.out.put(("Resources", f"{address}.async", "Properties", "FunctionName"), reference)
        for key, trigger in _literal_map(body.get("allowed_triggers")).items():
            base = source + ("allowed_triggers", key)
            permission = f"{address}.allowed_triggers.{key}"
            self._resource(permission, "AWS::Lambda::Permission", {("source_arn",): ("SourceArn",)}, base)
            self.out.put(("Resources", permission, "Properties", "FunctionName"), reference)
            if not self._set(("Resources", permission, "Properties", "Principal"), base, ("principal",)):
                service = self.values.evaluate(trigger.get("service")) if isinstance(trigger, dict) else None
                principal = f"{service.lower()}.amazonaws.com" if isinstance(service, str) else None
                self.out.put(("Resources", permission, "Properties", "Principal"), principal, base + ("service",))
        for key, _ in _literal_map(body.get("event_source_mapping")).items():
            base = source + ("event_source_mapping", key)
            mapping = f"{address}.event_source_mapping.{key}"
            self._resource(mapping, "AWS::Lambda::EventSourceMapping", _MODULE_MAPPING, base)
            self.out.put(("Resources", mapping, "Properties", "FunctionName"), reference)

    def _module_role(self, address: str, props: tuple, body: dict, source: tuple) -> None:
        """The module creates the role unless `create_role = false`; it can create network
        interfaces only with `attach_network_policy = true`."""
        if body.get("create_role") is False or "create_role" in body and not isinstance(body["create_role"], bool):
            self._set(props + ("Role",), source, ("lambda_role",))
            return
        role = f"{address}.role"
        self.out.put(("Resources", role, "Type"), "AWS::IAM::Role")
        self.out.mark(("Resources", role), source)
        network = body.get("attach_network_policy")
        policies = [] if network is None or network is False else [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" if network is True
            else self.values.evaluate(network)]
        if any(body.get(option) not in (None, False) for option in _MODULE_POLICY_OPTIONS):
            policies.append(unresolved("policies attached through the module"))
        self.out.put(("Resources", role, "Properties", "ManagedPolicyArns"), policies)
        self.out.put(props + ("Role",), {"Fn::GetAtt": [role, "Arn"]}, source)

    def _module_code(self, props: tuple, body: dict, source: tuple) -> None:
        """`source_path` is a folder or file, or a list of them (strings or `{path = ...}`)."""
        value = self.values.evaluate(body.get("source_path"))
        where = source + ("source_path",)
        if isinstance(value, list) and value:
            value, where = value[0], where + (0,)
            if isinstance(value, dict):
                value, where = value.get("path"), where + ("path",)
        if isinstance(value, str):
            self.out.put(props + ("Code",), value, where)


_ABSENT = object()
