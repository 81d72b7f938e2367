"""The extension points' config rules: custom senders need the stage's key (SES the pool's SES
address) and a provider of their channel; custom message yields to two senders; user migration
and USER_PASSWORD_AUTH come together or not at all."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from custom_sender.catalog import EMAIL, PROVIDERS, Provider

from stage_config import CustomSenderConfig, SecretRef, StageConfig, UserMigrationConfig
from stage_config.triggers import PEAK_RATES
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LEGACY_SECRET, live, sandbox, with_pool, with_triggers

SES, SNS = CustomSenderConfig(provider="ses"), CustomSenderConfig(provider="sns")
MIGRATION = UserMigrationConfig(
    endpoint_url="https://legacy.example.net/api", api_key=SecretRef(name_or_arn=LEGACY_SECRET)
)


def without_password_auth(config: StageConfig) -> StageConfig:
    web = dataclasses.replace(config.user_pool.web_client, password_auth=False)
    return with_pool(config, web_client=web)


def with_password_auth(
    config: StageConfig, migration: UserMigrationConfig | None = None
) -> StageConfig:
    """`config` with USER_PASSWORD_AUTH on the mobile client, and `migration` (in one step:
    each alone may be refused)."""
    mobile = dataclasses.replace(config.user_pool.mobile_client, password_auth=True)
    assert config.triggers is not None
    return dataclasses.replace(
        config,
        user_pool=dataclasses.replace(config.user_pool, mobile_client=mobile),
        triggers=dataclasses.replace(config.triggers, user_migration=migration),
    )


BAD: list[BadCase] = [
    (
        "sender without a customer key",
        lambda: with_triggers(
            dataclasses.replace(live(), customer_key=None), custom_sms_sender=SNS
        ),
        "Live.triggers.custom_email_sender",
        (
            "Cognito encrypts the codes it hands a custom sender with a customer managed KMS key, "
            "and this stage has none (customer_key=None). Fix: keep customer_key on "
            "(CustomerKeyConfig()), or remove the sender"
        ),
    ),
    (
        "SES sender without the pool's SES address",
        lambda: with_pool(live(), email=None),
        "Live.triggers.custom_email_sender.provider",
        (
            "the SES provider sends from the pool's SES address, and user_pool.email is None. "
            "Fix: set user_pool.email=SesEmailConfig(...) with a verified address, or use another "
            "provider"
        ),
    ),
    (
        "SMS provider as the email sender",
        lambda: with_triggers(live(), custom_email_sender=SNS),
        "Live.triggers.custom_email_sender.provider",
        "'sns' delivers sms, not email. Fix: use a provider of email: ses",
    ),
    (
        "unknown provider",
        lambda: with_triggers(live(), custom_sms_sender=CustomSenderConfig(provider="twilio")),
        "Live.triggers.custom_sms_sender.provider",
        (
            "'twilio' is not a provider in lambdas/custom_sender/catalog.py. Fix: use one of ses, "
            "sns, or add yours to PROVIDERS"
        ),
    ),
    (
        "API key for a provider that signs with IAM",
        lambda: with_triggers(
            live(),
            custom_sms_sender=CustomSenderConfig(
                provider="sns", api_key=SecretRef(name_or_arn="acme/live/sms")
            ),
        ),
        "Live.triggers.custom_sms_sender.api_key",
        "provider 'sns' takes no API key (it signs with IAM). Fix: remove api_key",
    ),
    (
        "migration without USER_PASSWORD_AUTH on any client",
        lambda: without_password_auth(live()),
        "Live.triggers.user_migration",
        (
            "the migration trigger fires only on USER_PASSWORD_AUTH sign-ins, and no client "
            "allows them (user_pool.web_client.password_auth, "
            "user_pool.mobile_client.password_auth are both False). Fix: set password_auth=True "
            "on the clients whose apps sign legacy users in, for the migration window"
        ),
    ),
    (
        "USER_PASSWORD_AUTH without a migration",
        lambda: with_password_auth(sandbox()),
        "Sandbox.user_pool.mobile_client.password_auth",
        (
            "USER_PASSWORD_AUTH sends the password itself to Cognito; it is only for the "
            "migration window, and triggers.user_migration is not set. Fix: set "
            "password_auth=False (SRP signs in without it), or configure triggers.user_migration"
        ),
    ),
    (
        "migration endpoint over plain http",
        lambda: with_password_auth(
            sandbox(), dataclasses.replace(MIGRATION, endpoint_url="http://legacy.example.net")
        ),
        "Sandbox.triggers.user_migration.endpoint_url",
        (
            "'http://legacy.example.net' is not an https:// base URL (passwords travel to it). "
            "Fix: use the legacy system's HTTPS endpoint, e.g. https://legacy.example.com/cognito"
        ),
    ),
]


@bad_config_cases(BAD)
def test_bad_extension_config_names_key_and_fix(
    make: Callable[[], StageConfig], key: str, message: str
) -> None:
    assert_config_error(make, key, message)


def test_a_provider_a_team_adds_is_held_to_its_catalog_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider of the team's own that needs an API key (none shipped does), beside a second
    email provider: the key is required, and the channel's providers are all offered."""
    monkeypatch.setitem(PROVIDERS, "acme-mail", Provider(EMAIL, True, "acme:Mail"))
    monkeypatch.setitem(PROVIDERS, "postbox", Provider(EMAIL, False, "postbox:Mail"))
    assert_config_error(
        lambda: with_triggers(live(), custom_email_sender=CustomSenderConfig(provider="acme-mail")),
        "Live.triggers.custom_email_sender.api_key",
        "provider 'acme-mail' needs an API key. Fix: set api_key to the Secrets Manager "
        "reference of the key",
    )
    key = SecretRef(name_or_arn="acme/live/mail", json_field="api_key")
    with_triggers(live(), custom_email_sender=CustomSenderConfig(provider="acme-mail", api_key=key))
    assert_config_error(
        lambda: with_triggers(live(), custom_sms_sender=CustomSenderConfig(provider="postbox")),
        "Live.triggers.custom_sms_sender.provider",
        "'postbox' delivers email, not sms. Fix: use a provider of sms: sns",
    )
    assert_config_error(
        lambda: with_triggers(live(), custom_email_sender=SNS),
        "Live.triggers.custom_email_sender.provider",
        "'sns' delivers sms, not email. Fix: use a provider of email: acme-mail, postbox, ses",
    )


@pytest.mark.parametrize(
    ("email", "sms", "custom_message"),
    [(None, None, True), (SES, None, True), (None, SNS, True), (SES, SNS, False)],
    ids=["no sender", "email sender", "sms sender", "both senders"],
)
def test_custom_message_runs_unless_both_senders_replace_it(
    email: CustomSenderConfig | None, sms: CustomSenderConfig | None, custom_message: bool
) -> None:
    triggers = with_triggers(
        live(), custom_email_sender=email, custom_sms_sender=sms, reserved_concurrency=None
    ).triggers
    assert triggers is not None
    assert triggers.runs_custom_message is custom_message
    assert ("custom_message" in triggers.enabled) is custom_message
    assert ("custom_email_sender" in triggers.enabled) is (email is not None)
    assert ("custom_sms_sender" in triggers.enabled) is (sms is not None)


def test_every_trigger_a_stage_can_run_has_a_peak_rate() -> None:
    """Reservations are sized from PEAK_RATES: a trigger without one could not be reserved."""
    triggers = live().triggers
    assert triggers is not None
    assert set(triggers.enabled) <= set(PEAK_RATES)
    assert set(triggers.reservations) == set(triggers.enabled)


def test_migration_with_password_auth_on_one_client_is_accepted() -> None:
    stage = with_password_auth(sandbox(), MIGRATION)
    assert stage.triggers is not None
    assert "user_migration" in stage.triggers.enabled
