"""Bad config fails when the stage object is built, naming the key and the fix."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from stage_config import (
    ConfigError,
    CustomDomainConfig,
    FeaturePlan,
    HostedClientConfig,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    StageConfig,
    TokenValidityConfig,
)
from stage_config.stages import dev, prod, select_stages
from tests.config_cases import BadCase, assert_config_error, bad_config_cases


def with_pool(config: StageConfig, **changes: Any) -> StageConfig:
    return dataclasses.replace(config, user_pool=dataclasses.replace(config.user_pool, **changes))


def tokens(**changes: timedelta) -> TokenValidityConfig:
    return TokenValidityConfig(**changes)


BAD: list[BadCase] = [
    (
        "http callback in prod",
        lambda: with_pool(
            prod(),
            web_client=HostedClientConfig(callback_urls=("http://photos.example.com/callback",)),
        ),
        "Prod.user_pool.web_client.callback_urls[0]",
        "plain http or localhost",
    ),
    (
        "localhost logout in prod",
        lambda: with_pool(
            prod(),
            mobile_client=HostedClientConfig(
                callback_urls=("photoshare://callback",), logout_urls=("https://localhost/",)
            ),
        ),
        "Prod.user_pool.mobile_client.logout_urls[0]",
        "plain http or localhost",
    ),
    (
        "uppercase domain prefix",
        lambda: with_pool(dev(), domain_prefix="PhotoShare"),
        "Dev.user_pool.domain_prefix",
        "lowercase letters, digits and hyphens",
    ),
    (
        "reserved word in prefix",
        lambda: with_pool(dev(), domain_prefix="my-cognito-app"),
        "Dev.user_pool.domain_prefix",
        "reserved word 'cognito'",
    ),
    (
        "aws in prefix",
        lambda: with_pool(dev(), domain_prefix="awsome"),
        "Dev.user_pool.domain_prefix",
        "reserved word 'aws'",
    ),
    (
        "id token too short",
        lambda: with_pool(dev(), tokens=tokens(id_token=timedelta(minutes=4))),
        "Dev.user_pool.tokens.id_token",
        "outside Cognito's range",
    ),
    (
        "access token too long",
        lambda: with_pool(dev(), tokens=tokens(access_token=timedelta(days=2))),
        "Dev.user_pool.tokens.access_token",
        "outside Cognito's range",
    ),
    (
        "refresh token too short",
        lambda: with_pool(dev(), tokens=tokens(refresh_token=timedelta(minutes=59))),
        "Dev.user_pool.tokens.refresh_token",
        "outside Cognito's range",
    ),
    (
        "refresh token too long",
        lambda: with_pool(dev(), tokens=tokens(refresh_token=timedelta(days=3651))),
        "Dev.user_pool.tokens.refresh_token",
        "outside Cognito's range",
    ),
    (
        "refresh not longer than access",
        lambda: with_pool(
            dev(), tokens=tokens(access_token=timedelta(hours=2), refresh_token=timedelta(hours=1))
        ),
        "Dev.user_pool.tokens.refresh_token",
        "not longer than the access token",
    ),
    (
        "MFA required with no factor",
        lambda: with_pool(prod(), mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=False)),
        "Prod.user_pool.mfa",
        "no factor is enabled",
    ),
    (
        "email MFA without SES",
        lambda: with_pool(dev(), mfa=MfaConfig(mode=MfaMode.OPTIONAL, email=True)),
        "Dev.user_pool.mfa.email",
        "default sender cannot send MFA codes",
    ),
    (
        "passwordless on LITE",
        lambda: with_pool(
            dev(), feature_plan=FeaturePlan.LITE, passwordless=PasswordlessConfig(passkeys=True)
        ),
        "Dev.user_pool.passwordless",
        "ESSENTIALS or PLUS",
    ),
    (
        "V2 token trigger on LITE",
        lambda: with_pool(dev(), feature_plan=FeaturePlan.LITE, passwordless=PasswordlessConfig()),
        "Dev.user_pool.feature_plan",
        "V2_0",
    ),
    (
        "custom domain certificate outside us-east-1",
        lambda: with_pool(
            prod(),
            custom_domain=CustomDomainConfig(
                domain_name="auth.photos.example.com",
                certificate_arn="arn:aws:acm:eu-west-1:123456789012:certificate/"
                "12345678-1234-1234-1234-123456789012",
            ),
        ),
        "Prod.user_pool.custom_domain.certificate_arn",
        "in us-east-1",
    ),
    (
        "bad account id",
        lambda: dataclasses.replace(dev(), account="12345"),
        "Dev.account",
        "12-digit",
    ),
]


@bad_config_cases(BAD)
def test_bad_config_names_key_and_fix(
    make: Callable[[], StageConfig], key: str, problem: str
) -> None:
    assert_config_error(make, key, problem)


def test_unknown_stage_name_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"stages: 'Prd' is not a stage.*Dev, Prod"):
        select_stages(["Prd"])


def test_default_stages_are_valid_and_distinct() -> None:
    configs = select_stages()
    assert [c.name for c in configs] == ["Dev", "Prod"]
    assert [c.production for c in configs] == [False, True]
    assert [c.user_pool.mfa.mode for c in configs] == [MfaMode.OPTIONAL, MfaMode.REQUIRED]


def test_account_and_region_overrides_apply_per_stage() -> None:
    (prod_config,) = select_stages(
        ["Prod"],
        accounts={"Prod": "123456789012"},
        regions={"Prod": "eu-west-1", "Dev": "us-east-1"},
    )
    assert (prod_config.account, prod_config.region) == ("123456789012", "eu-west-1")


def test_plain_http_is_fine_outside_production() -> None:
    assert dev().user_pool.web_client.callback_urls[0].startswith("http://localhost")


def with_triggers(**changes: Any) -> StageConfig:
    config = prod()
    assert config.triggers is not None
    return dataclasses.replace(config, triggers=dataclasses.replace(config.triggers, **changes))


BAD_TRIGGERS: list[BadCase] = [
    (
        "domain with @",
        lambda: with_triggers(denied_email_domains=("@spam.com",)),
        "Prod.triggers.denied_email_domains[0]",
        "not a lowercase email domain",
    ),
    (
        "domain both allowed and denied",
        lambda: with_triggers(allowed_email_domains=("a.com",), denied_email_domains=("a.com",)),
        "Prod.triggers.denied_email_domains",
        "both allowed and denied",
    ),
    (
        "unknown default group",
        lambda: with_triggers(default_group="everyone"),
        "Prod.triggers.default_group",
        "not one of the user pool groups",
    ),
    (
        "reserved claim",
        lambda: with_triggers(extra_claims={"cognito:groups": "x"}),
        "Prod.triggers.extra_claims['cognito:groups']",
        "reserved by Cognito",
    ),
    (
        "app name too long for SMS",
        lambda: with_triggers(app_name="P" * 41),
        "Prod.triggers.app_name",
        "longer than 40 characters",
    ),
    (
        "localhost app url in prod",
        lambda: with_triggers(app_url="http://localhost:5173"),
        "Prod.triggers.app_url",
        "plain http or localhost",
    ),
    (
        "auto-verify without auto-confirm",
        lambda: with_triggers(auto_verify_email=True),
        "Prod.triggers.auto_verify_email",
        "has no effect",
    ),
    (
        "log retention not offered by CloudWatch",
        lambda: with_triggers(log_retention_days=31),
        "Prod.triggers.log_retention_days",
        "not a CloudWatch Logs retention period",
    ),
]


@bad_config_cases(BAD_TRIGGERS)
def test_bad_trigger_config(make: Callable[[], StageConfig], key: str, problem: str) -> None:
    assert_config_error(make, key, problem)
