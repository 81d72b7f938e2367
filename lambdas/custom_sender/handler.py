"""The handler both custom senders run, with the seams built from their settings on first use."""

from __future__ import annotations

from importlib import import_module
from typing import Any, cast

from secret_values import secret_value
from trigger_common import user_safe

from custom_sender.catalog import PROVIDERS
from custom_sender.codes import Codes, kms_codes
from custom_sender.providers import Delivery
from custom_sender.send import send
from custom_sender.settings import CustomSenderSettings


def delivery_for(settings: CustomSenderSettings) -> Delivery:
    """The configured provider, with its API key read from Secrets Manager when it has one."""
    api_key = (
        secret_value(settings.api_key_secret, settings.api_key_field)
        if settings.api_key_secret
        else ""
    )
    module, _, name = PROVIDERS[settings.provider].delivery.partition(":")
    return cast(Delivery, getattr(import_module(module), name)(settings.options, api_key))


@user_safe
def handle(
    event: dict[str, Any],
    context: object,
    *,
    codes: Codes | None = None,
    delivery: Delivery | None = None,
    settings: CustomSenderSettings | None = None,
) -> dict[str, Any]:
    settings = settings or CustomSenderSettings.of_this_function()
    send(
        event,
        settings,
        codes=codes or kms_codes(settings.key_arn),
        delivery=delivery or delivery_for(settings),
    )
    return {}
