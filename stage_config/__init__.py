"""Typed, validated per-stage configuration. Nothing here reads the environment: app.py does."""

from stage_config.backup import BackupConfig, VaultLockMode
from stage_config.compliance import CompliancePack
from stage_config.data_access import DataAccessConfig
from stage_config.delivery import GITHUB_OIDC, GITHUB_OIDC_THUMBPRINTS, DeliveryConfig, DeliveryMode
from stage_config.directory_backup import DirectoryBackupConfig
from stage_config.encryption import CustomerKeyConfig
from stage_config.errors import ConfigError
from stage_config.extensions import CustomSenderConfig, UserMigrationConfig
from stage_config.federation import (
    AppleProviderConfig,
    OidcProviderConfig,
    ProviderConfig,
    ProviderKind,
    SamlProviderConfig,
    SecretRef,
    SocialProviderConfig,
)
from stage_config.protection import (
    AlarmsConfig,
    ProtectionConfig,
    ThreatProtectionConfig,
    WafConfig,
)
from stage_config.replica import ReplicaConfig
from stage_config.stage import StageConfig, StatefulPolicy
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import (
    AttributeKind,
    CustomAttributeConfig,
    CustomDomainConfig,
    FeaturePlan,
    GroupConfig,
    HostedClientConfig,
    IssuerType,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    SesEmailConfig,
    TokenValidityConfig,
    UserPoolConfig,
)

__all__ = [
    "GITHUB_OIDC",
    "GITHUB_OIDC_THUMBPRINTS",
    "AlarmsConfig",
    "AppleProviderConfig",
    "AttributeKind",
    "BackupConfig",
    "CompliancePack",
    "ConfigError",
    "CustomAttributeConfig",
    "CustomDomainConfig",
    "CustomSenderConfig",
    "CustomerKeyConfig",
    "DataAccessConfig",
    "DeliveryConfig",
    "DeliveryMode",
    "DirectoryBackupConfig",
    "FeaturePlan",
    "GroupConfig",
    "HostedClientConfig",
    "IssuerType",
    "MfaConfig",
    "MfaMode",
    "OidcProviderConfig",
    "PasswordlessConfig",
    "ProtectionConfig",
    "ProviderConfig",
    "ProviderKind",
    "ReplicaConfig",
    "SamlProviderConfig",
    "SecretRef",
    "SesEmailConfig",
    "SocialProviderConfig",
    "StageConfig",
    "StatefulPolicy",
    "ThreatProtectionConfig",
    "TokenValidityConfig",
    "TriggersConfig",
    "UserMigrationConfig",
    "UserPoolConfig",
    "VaultLockMode",
    "WafConfig",
]
