"""Every provider a custom sender may name, by the name a stage's config uses (the config
checks names and channels against this, so it imports nothing that talks to AWS).

To plug in a provider: write its class in `providers.py` (or a module of yours), with
`__init__(options, api_key)` and `send(recipient, message)`, and add it here.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL, SMS = "email", "sms"
RECIPIENT_ATTRIBUTE = {EMAIL: "email", SMS: "phone_number"}


@dataclass(frozen=True)
class Provider:
    channel: str
    needs_api_key: bool
    delivery: str
    """'module:Class' of the delivery, built from the config's options and the API key."""


PROVIDERS: dict[str, Provider] = {
    "ses": Provider(EMAIL, needs_api_key=False, delivery="custom_sender.providers:SesEmail"),
    "sns": Provider(SMS, needs_api_key=False, delivery="custom_sender.providers:SnsSms"),
}
