"""The custom senders' logic: decrypt the code, render the shared branded text, deliver it.

Cognito invokes a custom sender asynchronously and does not wait: nothing here can reach the
user as an error. So any failure raises (Lambda retries, then the event goes to the sender's
dead-letter queue, which alarms), including a source without a template: a new kind of message
must not be dropped quietly. The plaintext code is never logged, nor the recipient.
"""

from __future__ import annotations

from typing import Any

from message_text import TEMPLATES, occasion, render
from trigger_common import LOGGER, MalformedEventError, check_shape, value_at

from custom_sender.catalog import EMAIL, RECIPIENT_ATTRIBUTE, SMS
from custom_sender.codes import Codes, ciphertext_of
from custom_sender.providers import Delivery
from custom_sender.settings import CustomSenderSettings

PREFIXES = {EMAIL: "CustomEmailSender", SMS: "CustomSMSSender"}
WITHOUT_CODE = frozenset({"AccountTakeOverNotification"})
"""Occasions whose event carries no code (threat protection's notice)."""


def send(event: Any, settings: CustomSenderSettings, *, codes: Codes, delivery: Delivery) -> None:
    """Deliver the message `event` asks for, or raise."""
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName"),
        mappings=("request",),
        string_maps=("request.userAttributes",),
    )
    source = event["triggerSource"]
    name = occasion(source, PREFIXES[settings.channel])
    if name is None or name not in TEMPLATES:
        raise MalformedEventError(f"no message for trigger source {source!r}")
    attributes = event["request"]["userAttributes"]
    recipient = attributes.get(RECIPIENT_ATTRIBUTE[settings.channel])
    if not recipient:
        raise MalformedEventError(
            f"event.request.userAttributes has no {RECIPIENT_ATTRIBUTE[settings.channel]}"
        )
    code = ""
    if name not in WITHOUT_CODE:
        encrypted = value_at(event, "request.code")
        if not isinstance(encrypted, str) or not encrypted:
            raise MalformedEventError("event.request.code is missing or not a string")
        code = codes.decrypt(ciphertext_of(encrypted))
    message = render(
        name,
        app_name=settings.app_name,
        app_url=settings.app_url,
        code=code,
        # The pool signs in with the email address: that is the username to tell a new user.
        username=attributes.get("email") or event["userName"],
    )
    if message is None:  # unreachable: name is a key of TEMPLATES
        raise MalformedEventError(f"no message for trigger source {source!r}")
    delivery.send(recipient, message)
    LOGGER.info("sent %s through %s", source, settings.provider)
