"""The stages this project deploys, and who deploys them: the data you edit to make it yours.

Every value is validated when the stage object is built, so a mistake fails `make synth` with the
key named, long before CloudFormation sees it. Adding a stage is one entry in STAGES: synth, the
tests, review, guard and the deploy workflow all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from stage_config.backup import BackupConfig, VaultLockMode
from stage_config.compliance import CompliancePack
from stage_config.data_access import DataAccessConfig
from stage_config.delivery import DeliveryConfig
from stage_config.directory_backup import DirectoryBackupConfig
from stage_config.extensions import CustomSenderConfig
from stage_config.federation import (
    AppleProviderConfig,
    OidcProviderConfig,
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
from stage_config.stage import StageConfig
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import (
    CustomDomainConfig,
    FeaturePlan,
    GroupConfig,
    HostedClientConfig,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    SesEmailConfig,
    TokenValidityConfig,
    UserPoolConfig,
)

GROUPS = (GroupConfig(name="admins", precedence=0, description="Moderators: may read every photo"),)


def dev() -> StageConfig:
    """A developer sandbox: localhost redirects, Cognito's own email sender, easy teardown."""
    return StageConfig(
        name="Dev",
        production=False,
        user_pool=UserPoolConfig(
            domain_prefix="photoshare-dev",
            mfa=MfaConfig(mode=MfaMode.OPTIONAL, totp=True, sms=True),
            passwordless=PasswordlessConfig(passkeys=True),
            web_client=HostedClientConfig(
                callback_urls=("http://localhost:5173/callback",),
                logout_urls=("http://localhost:5173/",),
            ),
            mobile_client=HostedClientConfig(
                callback_urls=("photoshare-dev://callback",),
                logout_urls=("photoshare-dev://signout",),
            ),
            groups=GROUPS,
            # No web ACL in Dev (it bills per month and per rule); rotation and the logs stay.
            protection=ProtectionConfig(waf=None, log_retention_days=14),
        ),
        data_access=DataAccessConfig(
            web_origins=("http://localhost:5173",),
            elevated_groups=("admins",),
        ),
        triggers=TriggersConfig(
            app_name="PhotoShare (dev)",
            app_url="http://localhost:5173",
            extra_claims={"app:stage": "dev"},
            access_token_scopes=("photos/read", "photos/write"),
            log_retention_days=14,
            # Dev shares its account's concurrency: reserving would crowd out other stages
            # (Lambda keeps 100 of a 1000 quota unreserved; Prod alone reserves 525).
            reserved_concurrency=None,
        ),
        # AWS-owned keys in Dev: a customer key bills per month, and nothing here needs one.
        customer_key=None,
        # Point-in-time recovery and object versions only: Dev's data is disposable.
        backup=None,
        tags={"project": "photoshare", "stage": "dev"},
    )


def prod() -> StageConfig:
    """Production: MFA required, SES email, every sign-in provider, stateful resources retained."""
    return StageConfig(
        name="Prod",
        production=True,
        user_pool=UserPoolConfig(
            domain_prefix="photoshare-prod",
            # Managed login's own name, and what fails over to the replica's Region (below).
            custom_domain=CustomDomainConfig(
                domain_name="login.photos.example.com",
                certificate_arn=(
                    "arn:aws:acm:us-east-1:123456789012:certificate/"
                    "00000000-0000-4000-8000-000000000000"
                ),
            ),
            feature_plan=FeaturePlan.PLUS,
            mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True),
            email=SesEmailConfig(
                from_address="no-reply@photos.example.com",
                ses_region="eu-west-1",
                from_name="PhotoShare",
                reply_to="support@photos.example.com",
            ),
            web_client=HostedClientConfig(
                callback_urls=("https://photos.example.com/callback",),
                logout_urls=("https://photos.example.com/",),
            ),
            mobile_client=HostedClientConfig(
                callback_urls=("photoshare://callback",),
                logout_urls=("photoshare://signout",),
            ),
            server_client=True,
            tokens=TokenValidityConfig(
                id_token=timedelta(minutes=30),
                access_token=timedelta(minutes=30),
                refresh_token=timedelta(days=30),
            ),
            groups=GROUPS,
            protection=ProtectionConfig(
                waf=WafConfig(rate_limit=1000),
                threat_protection=ThreatProtectionConfig(),
                refresh_token_rotation=timedelta(seconds=10),
                alarms=AlarmsConfig(notify_emails=("oncall@photos.example.com",)),
            ),
        ),
        data_access=DataAccessConfig(
            web_origins=("https://photos.example.com",),
            elevated_groups=("admins",),
        ),
        federation=(
            SocialProviderConfig(
                kind=ProviderKind.GOOGLE,
                client_id="123456789012-example.apps.googleusercontent.com",
                client_secret=SecretRef(
                    name_or_arn="photoshare/prod/google", json_field="client_secret"
                ),
                scopes=("openid", "email", "profile"),
            ),
            SocialProviderConfig(
                kind=ProviderKind.FACEBOOK,
                client_id="1234567890123456",
                client_secret=SecretRef(
                    name_or_arn="photoshare/prod/facebook", json_field="app_secret"
                ),
                scopes=("public_profile", "email"),
                api_version="v21.0",
            ),
            AppleProviderConfig(
                services_id="com.example.photoshare.signin",
                team_id="ABCDE12345",
                key_id="FGHIJ67890",
                private_key=SecretRef(
                    name_or_arn="photoshare/prod/apple", json_field="private_key"
                ),
            ),
            SocialProviderConfig(
                kind=ProviderKind.AMAZON,
                client_id="amzn1.application-oa2-client.example",
                client_secret=SecretRef(
                    name_or_arn="photoshare/prod/amazon", json_field="client_secret"
                ),
                scopes=("profile",),
            ),
            OidcProviderConfig(
                name="Corporate",
                issuer_url="https://login.example.com",
                client_id="photoshare",
                client_secret=SecretRef(
                    name_or_arn="photoshare/prod/oidc", json_field="client_secret"
                ),
            ),
            SamlProviderConfig(
                name="Partner",
                metadata_url="https://idp.partner.example.com/saml/metadata",
                identifiers=("partner.example.com",),
                idp_signout=True,
            ),
        ),
        triggers=TriggersConfig(
            app_name="PhotoShare",
            app_url="https://photos.example.com",
            denied_email_domains=("mailinator.com",),
            post_authentication=True,
            # Every email (codes, invitations, threat notices) through our own function and SES.
            custom_email_sender=CustomSenderConfig(provider="ses"),
            extra_claims={"app:stage": "prod"},
            access_token_scopes=("photos/read", "photos/write"),
        ),
        compliance=(CompliancePack.NIST_800_53_R5,),
        # Irreversible 3 days after the first deploy: recovery points then outlive any admin.
        backup=BackupConfig(vault_lock=VaultLockMode.COMPLIANCE),
        # The user directory: locked like the vault, so no admin role can purge its backups.
        directory_backup=DirectoryBackupConfig(object_lock=VaultLockMode.COMPLIANCE),
        # A replica of the pool, the key and the items table in a second Region. The primary
        # Region must be known at synth for it (PROD_REGION in the environment overrides).
        region="eu-west-1",
        replica=ReplicaConfig(
            region="eu-central-1",
            ses_region="eu-central-1",
            managed_login_failover=True,
            totp_only_reason=(
                "During a failover, signed-in users keep refreshing their tokens through the "
                "replica; new sign-ins wait for the primary rather than fall back to SMS codes, "
                "which SIM swaps defeat."
            ),
        ),
        tags={"project": "photoshare", "stage": "prod"},
    )


STAGES: dict[str, Callable[[], StageConfig]] = {"Dev": dev, "Prod": prod}
"""Every stage, in deploy order (the deploy workflow promotes through them one by one)."""


def delivery() -> DeliveryConfig:
    """Who deploys: this repository's GitHub Actions, each stage through its own environment."""
    return DeliveryConfig(repository="example/photoshare-identity", branch="main")
