"""The stages this project deploys, with their embedded default config.

Edit these to fit your app. Every value is validated when the stage object is built, so a mistake
fails `make synth` with the key named, long before CloudFormation sees it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import timedelta

from stage_config.data_access import DataAccessConfig
from stage_config.delivery import DeliveryConfig, DeliveryMode
from stage_config.errors import ConfigError
from stage_config.federation import (
    AppleProviderConfig,
    OidcProviderConfig,
    ProviderKind,
    SamlProviderConfig,
    SecretRef,
    SocialProviderConfig,
)
from stage_config.stage import StageConfig
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import (
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

GROUPS = (
    GroupConfig(name="admins", precedence=0, description="Moderators: may read every photo"),
    GroupConfig(name="members", precedence=10, description="Every confirmed user"),
)


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
        ),
        data_access=DataAccessConfig(
            web_origins=("http://localhost:5173",),
            elevated_groups=("admins",),
        ),
        triggers=TriggersConfig(
            app_name="PhotoShare (dev)",
            app_url="http://localhost:5173",
            default_group="members",
            extra_claims={"app:stage": "dev"},
            access_token_scopes=("photos/read", "photos/write"),
        ),
        tags={"project": "photoshare", "stage": "dev"},
    )


def prod() -> StageConfig:
    """Production: MFA required, SES email, every sign-in provider, stateful resources retained."""
    return StageConfig(
        name="Prod",
        production=True,
        user_pool=UserPoolConfig(
            domain_prefix="photoshare-prod",
            feature_plan=FeaturePlan.PLUS,
            mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True, email=True),
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
            default_group="members",
            extra_claims={"app:stage": "prod"},
            access_token_scopes=("photos/read", "photos/write"),
        ),
        tags={"project": "photoshare", "stage": "prod"},
    )


STAGES: dict[str, Callable[[], StageConfig]] = {"Dev": dev, "Prod": prod}


def delivery() -> DeliveryConfig:
    """Who deploys: this repository's GitHub Actions, through the `dev` and `prod` environments."""
    return DeliveryConfig(
        repository="example/photoshare-identity", branch="main", environments=("dev", "prod")
    )


def select_delivery(
    *, mode: str | None = None, connection_arn: str | None = None
) -> DeliveryConfig:
    """delivery(), with the mode and pipeline connection overridden from app context."""
    if mode is not None and mode not in {m.value for m in DeliveryMode}:
        raise ConfigError(
            "delivery",
            f"{mode!r} is not a delivery mode",
            f"use one of {', '.join(m.value for m in DeliveryMode)}",
        )
    config = delivery()
    return dataclasses.replace(
        config,
        mode=DeliveryMode(mode) if mode else config.mode,
        connection_arn=connection_arn or config.connection_arn,
    )


def select_stages(
    names: Sequence[str] = (),
    *,
    accounts: dict[str, str] | None = None,
    regions: dict[str, str] | None = None,
) -> list[StageConfig]:
    """The configs of the named stages (all when `names` is empty), with account/region set.

    Unknown names fail here, so `-c stages=Prd` is a clear error rather than an empty cdk.out.
    """
    chosen = list(names) or list(STAGES)
    for name in chosen:
        if name not in STAGES:
            raise ConfigError(
                "stages",
                f"{name!r} is not a stage",
                f"use one or more of {', '.join(STAGES)}, comma-separated",
            )
    configs = []
    for name in chosen:
        config = STAGES[name]()
        configs.append(
            dataclasses.replace(
                config,
                account=(accounts or {}).get(name, config.account),
                region=(regions or {}).get(name, config.region),
            )
        )
    return configs
