"""Custom message trigger: branded email and SMS text for every CustomMessage_* source.

The text is `message_text`'s, shared with the custom senders. Cognito rejects a message that
drops its placeholders, so this trigger renders the templates with them: the code parameter
(`{####}`) always, and the username parameter in the admin invitation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    CustomMessageTriggerEvent,
)
from message_text import ADMIN_CREATE_USER, occasion, render
from trigger_common import LOGGER, MalformedEventError, check_shape, user_safe

from custom_message.settings import CustomMessageSettings

PREFIX = "CustomMessage"


def handle(
    event: dict[str, Any], context: object, *, settings: CustomMessageSettings | None = None
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "request.codeParameter"),
        mappings=("request", "response"),
    )
    trigger = CustomMessageTriggerEvent(event)
    settings = settings or CustomMessageSettings.of_this_function()
    username = event["request"].get("usernameParameter") or ""
    if not isinstance(username, str):
        raise MalformedEventError("event.request.usernameParameter is not a string")
    name = occasion(trigger.trigger_source, PREFIX)
    if name == ADMIN_CREATE_USER and not username:
        raise MalformedEventError("event.request.usernameParameter is missing for AdminCreateUser")
    message = name and render(
        name,
        app_name=settings.app_name,
        app_url=settings.app_url,
        code=trigger.request.code_parameter,
        username=username,
    )
    if not message:
        LOGGER.warning(
            "no template for %s; Cognito's default message is sent", trigger.trigger_source
        )
        return event
    # Responses are plain dicts, the same under every Powertools 3.x a layer may carry.
    event["response"].update(
        emailSubject=message.subject, emailMessage=message.email, smsMessage=message.sms
    )
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
