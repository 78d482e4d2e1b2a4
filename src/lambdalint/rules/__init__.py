"""The explicit rule registry: one module per rule, one line each here."""
from lambdalint.rules.ll001_syntax_error import SyntaxErrorRule
from lambdalint.rules.ll002_unreadable_input import UnreadableInputRule
from lambdalint.rules.ll003_unused_suppression import UnusedSuppressionRule
from lambdalint.rules.ll004_code_not_found import CodeNotFoundRule
from lambdalint.rules.ll101_heavy_import_not_needed_at_init import HeavyImportNotNeededAtInitRule
from lambdalint.rules.ll102_heavy_import_unused import HeavyImportUnusedRule
from lambdalint.rules.ll103_init_budget_exceeded import InitBudgetExceededRule
from lambdalint.rules.ll104_client_created_per_invocation import ClientCreatedPerInvocationRule
from lambdalint.rules.ll106_bytecode_missing_or_stale import BytecodeMissingOrStaleRule
from lambdalint.rules.ll107_unresolved_import import UnresolvedImportRule
from lambdalint.rules.ll105_dev_dependency_in_bundle import DevDependencyInBundleRule
from lambdalint.rules.ll201_zipped_size_limit import ZippedSizeLimitRule
from lambdalint.rules.ll202_unzipped_size_limit import UnzippedSizeLimitRule
from lambdalint.rules.ll203_too_many_layers import TooManyLayersRule
from lambdalint.rules.ll204_native_platform_mismatch import NativePlatformMismatchRule
from lambdalint.rules.ll205_python_abi_mismatch import PythonAbiMismatchRule
from lambdalint.rules.ll206_glibc_too_new import GlibcTooNewRule
from lambdalint.rules.ll207_handler_not_found import HandlerNotFoundRule
from lambdalint.rules.ll208_unreadable_permissions import UnreadablePermissionsRule
from lambdalint.rules.ll209_layer_layout import LayerLayoutRule
from lambdalint.rules.ll210_shadowed_package import ShadowedPackageRule
from lambdalint.rules.ll211_removable_bloat import RemovableBloatRule
from lambdalint.rules.ll212_unsafe_zip_entry import UnsafeZipEntryRule
from lambdalint.rules.ll213_runtime_sdk_shadowed import RuntimeSdkShadowedRule
from lambdalint.rules.ll301_write_outside_tmp import WriteOutsideTmpRule
from lambdalint.rules.ll302_tmp_not_cleaned import TmpNotCleanedRule
from lambdalint.rules.ll303_fixed_tmp_path import FixedTmpPathRule
from lambdalint.rules.ll401_mutable_global_mutated import MutableGlobalMutatedRule
from lambdalint.rules.ll402_global_rebound import GlobalReboundRule
from lambdalint.rules.ll403_unbounded_cache import UnboundedCacheRule
from lambdalint.rules.ll501_async_without_failure_destination import AsyncWithoutFailureDestinationRule
from lambdalint.rules.ll502_stream_without_failure_handling import StreamWithoutFailureHandlingRule
from lambdalint.rules.ll503_sqs_without_redrive import SqsWithoutRedriveRule
from lambdalint.rules.ll504_sqs_visibility_too_short import SqsVisibilityTooShortRule
from lambdalint.rules.ll505_async_retry_config_out_of_range import AsyncRetryConfigOutOfRangeRule
from lambdalint.rules.ll506_invalid_failure_target import InvalidFailureTargetRule
from lambdalint.rules.ll507_event_source_mapping_invalid import EventSourceMappingInvalidRule
from lambdalint.rules.ll508_dead_letter_queue_type_mismatch import DeadLetterQueueTypeMismatchRule
from lambdalint.rules.ll509_target_without_dead_letter import TargetWithoutDeadLetterRule
from lambdalint.rules.ll601_timeout_out_of_range import TimeoutOutOfRangeRule
from lambdalint.rules.ll602_timeout_exceeds_api_integration import TimeoutExceedsApiIntegrationRule
from lambdalint.rules.ll603_memory_out_of_range import MemoryOutOfRangeRule
from lambdalint.rules.ll604_ephemeral_storage_out_of_range import EphemeralStorageOutOfRangeRule
from lambdalint.rules.ll605_env_vars_too_large import EnvVarsTooLargeRule
from lambdalint.rules.ll606_secret_in_env_var import SecretInEnvVarRule
from lambdalint.rules.ll607_reserved_env_var import ReservedEnvVarRule
from lambdalint.rules.ll608_deprecated_runtime import DeprecatedRuntimeRule
from lambdalint.rules.ll609_latest_version_reference import LatestVersionReferenceRule
from lambdalint.rules.ll610_alias_routing_invalid import AliasRoutingInvalidRule
from lambdalint.rules.ll611_concurrency_misconfigured import ConcurrencyMisconfiguredRule
from lambdalint.rules.ll612_vpc_config_incomplete import VpcConfigIncompleteRule
from lambdalint.rules.ll613_deploy_time_secret_in_env_var import DeployTimeSecretInEnvVarRule
from lambdalint.rules.ll614_default_timeout_with_network_calls import DefaultTimeoutWithNetworkCallsRule
from lambdalint.rules.ll615_log_group_without_retention import LogGroupWithoutRetentionRule
from lambdalint.rules.ll616_permission_principal_mismatch import PermissionPrincipalMismatchRule
from lambdalint.rules.ll617_runtime_or_handler_misconfigured import RuntimeOrHandlerMisconfiguredRule
from lambdalint.rules.ll701_snapstart_unsupported_configuration import SnapStartUnsupportedConfigurationRule
from lambdalint.rules.ll702_snapstart_without_published_version import SnapStartWithoutPublishedVersionRule
from lambdalint.rules.ll703_snapstart_unique_state_at_init import SnapStartUniqueStateAtInitRule

ALL_RULES = (
    SyntaxErrorRule,
    UnreadableInputRule,
    UnusedSuppressionRule,
    CodeNotFoundRule,
    HeavyImportNotNeededAtInitRule,
    HeavyImportUnusedRule,
    InitBudgetExceededRule,
    ClientCreatedPerInvocationRule,
    BytecodeMissingOrStaleRule,
    UnresolvedImportRule,
    DevDependencyInBundleRule,
    ZippedSizeLimitRule,
    UnzippedSizeLimitRule,
    TooManyLayersRule,
    NativePlatformMismatchRule,
    PythonAbiMismatchRule,
    GlibcTooNewRule,
    HandlerNotFoundRule,
    UnreadablePermissionsRule,
    LayerLayoutRule,
    ShadowedPackageRule,
    RemovableBloatRule,
    UnsafeZipEntryRule,
    RuntimeSdkShadowedRule,
    WriteOutsideTmpRule,
    TmpNotCleanedRule,
    FixedTmpPathRule,
    MutableGlobalMutatedRule,
    GlobalReboundRule,
    UnboundedCacheRule,
    AsyncWithoutFailureDestinationRule,
    StreamWithoutFailureHandlingRule,
    SqsWithoutRedriveRule,
    SqsVisibilityTooShortRule,
    AsyncRetryConfigOutOfRangeRule,
    InvalidFailureTargetRule,
    EventSourceMappingInvalidRule,
    DeadLetterQueueTypeMismatchRule,
    TargetWithoutDeadLetterRule,
    TimeoutOutOfRangeRule,
    TimeoutExceedsApiIntegrationRule,
    MemoryOutOfRangeRule,
    EphemeralStorageOutOfRangeRule,
    EnvVarsTooLargeRule,
    SecretInEnvVarRule,
    ReservedEnvVarRule,
    DeprecatedRuntimeRule,
    LatestVersionReferenceRule,
    AliasRoutingInvalidRule,
    ConcurrencyMisconfiguredRule,
    VpcConfigIncompleteRule,
    DeployTimeSecretInEnvVarRule,
    DefaultTimeoutWithNetworkCallsRule,
    LogGroupWithoutRetentionRule,
    PermissionPrincipalMismatchRule,
    RuntimeOrHandlerMisconfiguredRule,
    SnapStartUnsupportedConfigurationRule,
    SnapStartWithoutPublishedVersionRule,
    SnapStartUniqueStateAtInitRule,
)
