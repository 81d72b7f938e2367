"""Stage configs owned by the tests: construct and config tests build from these, never from the
stages a user edits (`stage_config/stages.py`), so they pass on any user's config.

The values belong to no real app on purpose (`acme`, `example.net`): a test that passes only
because it repeats an example value cannot pass here.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from stage_config import (
    AlarmsConfig,
    AppleProviderConfig,
    AttributeKind,
    BackupConfig,
    CustomAttributeConfig,
    CustomDomainConfig,
    CustomSenderConfig,
    DataAccessConfig,
    DeliveryConfig,
    DirectoryBackupConfig,
    FeaturePlan,
    GroupConfig,
    HostedClientConfig,
    MfaConfig,
    MfaMode,
    OidcProviderConfig,
    PasswordlessConfig,
    ProtectionConfig,
    ProviderKind,
    ReplicaConfig,
    SamlProviderConfig,
    SecretRef,
    SesEmailConfig,
    SocialProviderConfig,
    StageConfig,
    ThreatProtectionConfig,
    TokenValidityConfig,
    TriggersConfig,
    UserMigrationConfig,
    UserPoolConfig,
    VaultLockMode,
    WafConfig,
)
from stage_config.user_pool import APP_CLIENTS

SANDBOX, LIVE = "Sandbox", "Live"
DELIVERY = DeliveryConfig(repository="acme/gallery-identity", branch="trunk")
MODERATORS, EVERYONE = "moderators", "everyone"
GROUPS = (
    GroupConfig(name=MODERATORS, precedence=1, description="may read every photo"),
    GroupConfig(name=EVERYONE, precedence=5),
)
WEB_ORIGIN = "https://gallery.example.net"
ANONYMOUS_IP_GROUP = "AWSManagedRulesAnonymousIpList"
TRUSTED_NETWORK = "198.51.100.0/24"
ON_CALL_TOPIC = "arn:aws:sns:eu-west-1:210987654321:acme-on-call"
APP_SCHEME = "acmegallery"
LEGACY_URL = "https://legacy.gallery.example.net/cognito"
LEGACY_SECRET = "acme/live/legacy"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:210987654321:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)
PROVIDERS = (
    SocialProviderConfig(
        kind=ProviderKind.GOOGLE,
        client_id="55555-acme.apps.googleusercontent.com",
        client_secret=SecretRef(name_or_arn="acme/live/google", json_field="client_secret"),
        scopes=("openid", "email", "profile"),
    ),
    SocialProviderConfig(
        kind=ProviderKind.FACEBOOK,
        client_id="98765",
        client_secret=SecretRef(name_or_arn="acme/live/facebook", json_field="app_secret"),
        scopes=("public_profile", "email"),
        api_version="v22.0",
    ),
    AppleProviderConfig(
        services_id="net.example.acme.signin",
        team_id="TEAM000001",
        key_id="KEY0000001",
        private_key=SecretRef(name_or_arn="acme/live/apple", json_field="private_key"),
    ),
    SocialProviderConfig(
        kind=ProviderKind.AMAZON,
        client_id="amzn1.application-oa2-client.acme",
        client_secret=SecretRef(name_or_arn="acme/live/amazon", json_field="client_secret"),
        scopes=("profile",),
    ),
    OidcProviderConfig(
        name="Workforce",
        issuer_url="https://sso.example.net",
        client_id="acme-gallery",
        client_secret=SecretRef(name_or_arn="acme/live/oidc", json_field="client_secret"),
    ),
    SamlProviderConfig(
        name="Supplier",
        metadata_url="https://idp.supplier.example.net/metadata",
        identifiers=("supplier.example.net",),
    ),
)


def sandbox() -> StageConfig:
    """A non-production stage: localhost allowed, Cognito's email, optional MFA, passkeys."""
    return StageConfig(
        name=SANDBOX,
        production=False,
        user_pool=UserPoolConfig(
            domain_prefix="acme-sandbox",
            mfa=MfaConfig(mode=MfaMode.OPTIONAL, totp=True, sms=True),
            passwordless=PasswordlessConfig(passkeys=True),
            web_client=HostedClientConfig(
                callback_urls=("http://localhost:3000/auth",),
                logout_urls=("http://localhost:3000",),
            ),
            mobile_client=HostedClientConfig(
                callback_urls=(f"{APP_SCHEME}-sandbox://auth",),
                logout_urls=(f"{APP_SCHEME}-sandbox://bye",),
            ),
            groups=GROUPS,
            protection=ProtectionConfig(
                waf=None, alarms=None, refresh_token_rotation=None, log_retention_days=7
            ),
        ),
        data_access=DataAccessConfig(
            web_origins=("http://localhost:3000",), elevated_groups=(MODERATORS,)
        ),
        triggers=TriggersConfig(
            app_name="Acme Gallery (sandbox)",
            app_url="http://localhost:3000",
            default_group=EVERYONE,
            access_token_scopes=("photos/read",),
        ),
        customer_key=None,
    )


def live() -> StageConfig:
    """A production stage with every provider kind, SES, PLUS and required MFA."""
    return StageConfig(
        name=LIVE,
        production=True,
        user_pool=UserPoolConfig(
            domain_prefix="acme-live",
            feature_plan=FeaturePlan.PLUS,
            mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True),
            email=SesEmailConfig(
                from_address="hello@gallery.example.net", ses_region="us-west-2", from_name="Acme"
            ),
            web_client=HostedClientConfig(
                callback_urls=(f"{WEB_ORIGIN}/auth",),
                logout_urls=(f"{WEB_ORIGIN}/",),
                password_auth=True,  # the user migration window
            ),
            mobile_client=HostedClientConfig(
                callback_urls=(f"{APP_SCHEME}://auth",), logout_urls=(f"{APP_SCHEME}://bye",)
            ),
            server_client=True,
            custom_attributes=(
                CustomAttributeConfig(name="tier", max_length=16, readable_by=APP_CLIENTS),
                CustomAttributeConfig(
                    name="quota_mb",
                    kind=AttributeKind.NUMBER,
                    min_value=0,
                    max_value=100_000,
                    readable_by=("web",),
                ),
                CustomAttributeConfig(
                    name="theme", mutable=True, readable_by=("mobile",), writable_by=("mobile",)
                ),
            ),
            tokens=TokenValidityConfig(
                id_token=timedelta(minutes=15),
                access_token=timedelta(minutes=20),
                refresh_token=timedelta(days=7),
            ),
            groups=GROUPS,
            protection=ProtectionConfig(
                waf=WafConfig(rate_limit=500, extra_managed_groups=(ANONYMOUS_IP_GROUP,)),
                alarms=AlarmsConfig(notify_topic_arn=ON_CALL_TOPIC),
                threat_protection=ThreatProtectionConfig(trusted_networks=(TRUSTED_NETWORK,)),
                refresh_token_rotation=timedelta(seconds=30),
            ),
        ),
        data_access=DataAccessConfig(web_origins=(WEB_ORIGIN,), elevated_groups=(MODERATORS,)),
        federation=PROVIDERS,
        triggers=TriggersConfig(
            app_name="Acme Gallery",
            app_url=WEB_ORIGIN,
            denied_email_domains=("spam.example.org",),
            default_group=EVERYONE,
            pre_authentication=True,
            post_authentication=True,
            # Both senders: the custom message trigger is then left out.
            custom_email_sender=CustomSenderConfig(provider="ses"),
            custom_sms_sender=CustomSenderConfig(provider="sns"),
            user_migration=UserMigrationConfig(
                endpoint_url=LEGACY_URL,
                api_key=SecretRef(name_or_arn=LEGACY_SECRET, json_field="token"),
            ),
            extra_claims={"acme:tier": "live"},
            # Every trigger on: the extension points reserve little, to stay within a 1000 quota.
            reserved_concurrency={
                "custom_email_sender": 10,
                "custom_sms_sender": 10,
                "user_migration": 10,
            },
            server_claims={"acme:tenant": "gallery"},
            access_token_scopes=("photos/read", "photos/write"),
        ),
        backup=BackupConfig(
            start_hour_utc=22, retention_days=14, vault_lock=VaultLockMode.GOVERNANCE
        ),
        directory_backup=DirectoryBackupConfig(
            start_hour_utc=23,
            retention_days=21,
            object_lock=VaultLockMode.GOVERNANCE,
            list_requests_per_second=2.0,
            mfa_preferences=False,
        ),
    )


PRIMARY, SECONDARY = "eu-west-1", "eu-central-1"
SECONDARY_ON_CALL_TOPIC = f"arn:aws:sns:{SECONDARY}:210987654321:acme-on-call"
"""A replicated test stage's two Regions; the primary is that of the test-owned stage's
alarm topic (`ON_CALL_TOPIC`)."""
REASON = (
    "Signed-in users keep refreshing tokens through the replica during a failover; "
    "new sign-ins wait for the primary Region."
)


LOGIN_DOMAIN = CustomDomainConfig(
    domain_name="login.gallery.example.net",
    certificate_arn=(
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555"
    ),
)


def replicated(**changes: Any) -> StageConfig:
    """The test-owned Live stage with a replica (SES in its secondary Region) and managed
    login failing over on its custom domain."""
    pool = changes.get(
        "user_pool", dataclasses.replace(live().user_pool, custom_domain=LOGIN_DOMAIN)
    )
    alarms = pool.protection.alarms
    paged = alarms and alarms.notify_topic_arn and changes.get("triggers", live().triggers)
    replica = ReplicaConfig(
        region=SECONDARY,
        ses_region=SECONDARY,
        totp_only_reason=REASON,
        managed_login_failover=True,
        # The secondary's trigger alarms notify the on-call topic's twin there.
        notify_topic_arn=SECONDARY_ON_CALL_TOPIC if paged else "",
    )
    return dataclasses.replace(
        live(), **{"region": PRIMARY, "replica": replica, "user_pool": pool, **changes}
    )


def in_region(config: StageConfig, region: str, **changes: Any) -> StageConfig:
    """`config` deployed to `region`, its alarm topic (alarms notify their own Region's) too."""
    pool = config.user_pool
    alarms = pool.protection.alarms
    if alarms and alarms.notify_topic_arn:
        arn = alarms.notify_topic_arn.split(":")
        arn[3] = region
        moved = dataclasses.replace(alarms, notify_topic_arn=":".join(arn))
        pool = dataclasses.replace(
            pool, protection=dataclasses.replace(pool.protection, alarms=moved)
        )
    return dataclasses.replace(config, region=region, user_pool=pool, **changes)


def with_pool(config: StageConfig, **changes: Any) -> StageConfig:
    return dataclasses.replace(config, user_pool=dataclasses.replace(config.user_pool, **changes))


def with_access(config: StageConfig, **changes: Any) -> StageConfig:
    access = dataclasses.replace(config.data_access, **changes)
    return dataclasses.replace(config, data_access=access)


def with_triggers(config: StageConfig, **changes: Any) -> StageConfig:
    assert config.triggers is not None
    return dataclasses.replace(config, triggers=dataclasses.replace(config.triggers, **changes))
