"""The settings contract: what the construct writes is exactly what the handler parses."""

from __future__ import annotations

import json

import pytest
from trigger_settings import (
    ENVIRONMENT_VARIABLE,
    SettingsError,
    TriggerSettings,
    forget_loaded_settings,
)

from tests.support.triggers import (
    CUSTOM_MESSAGE,
    POST_AUTHENTICATION,
    POST_CONFIRMATION,
    PRE_AUTHENTICATION,
    PRE_SIGN_UP,
    PRE_TOKEN_GENERATION,
)

ALL = [
    PRE_SIGN_UP,
    POST_CONFIRMATION,
    PRE_TOKEN_GENERATION,
    CUSTOM_MESSAGE,
    PRE_AUTHENTICATION,
    POST_AUTHENTICATION,
]


@pytest.mark.parametrize("settings", ALL, ids=lambda s: type(s).__name__)
def test_round_trip(settings: TriggerSettings) -> None:
    assert type(settings).from_environment(settings.to_environment()) == settings


def edited(settings: TriggerSettings, change: dict[str, object], drop: str = "") -> dict[str, str]:
    data = json.loads(settings.to_environment()[ENVIRONMENT_VARIABLE])
    data.pop(drop, None)
    return {ENVIRONMENT_VARIABLE: json.dumps({**data, **change})}


def test_a_renamed_key_fails_instead_of_defaulting() -> None:
    environ = edited(PRE_SIGN_UP, {"link_federated_accounts": True}, drop="link_federated")
    with pytest.raises(SettingsError, match=r"missing \['link_federated'\], unknown"):
        type(PRE_SIGN_UP).from_environment(environ)


@pytest.mark.parametrize(
    ("settings", "change"),
    [
        (PRE_SIGN_UP, {"auto_confirm": "yes"}),
        (PRE_SIGN_UP, {"denied_email_domains": "spam.example"}),
        (PRE_TOKEN_GENERATION, {"extra_claims": {"tier": 1}}),
        (POST_CONFIRMATION, {"table_name": None}),
    ],
)
def test_a_mistyped_value_names_its_setting(
    settings: TriggerSettings, change: dict[str, object]
) -> None:
    (name,) = change
    with pytest.raises(SettingsError, match=f"setting '{name}'"):
        type(settings).from_environment(edited(settings, change))


def test_missing_variable_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match=f"{ENVIRONMENT_VARIABLE} is not set"):
        type(CUSTOM_MESSAGE).from_environment({})


def test_parsed_once_per_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_loaded_settings()
    for name, value in CUSTOM_MESSAGE.to_environment().items():
        monkeypatch.setenv(name, value)
    assert type(CUSTOM_MESSAGE).of_this_function() == CUSTOM_MESSAGE
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "not json")
    assert type(CUSTOM_MESSAGE).of_this_function() == CUSTOM_MESSAGE, "a warm call reads nothing"
    forget_loaded_settings()
    with pytest.raises(json.JSONDecodeError):
        type(CUSTOM_MESSAGE).of_this_function()
    forget_loaded_settings()
