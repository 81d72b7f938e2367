"""Custom message trigger: branded email and SMS text for every CustomMessage_* source.

Cognito rejects a message that drops its placeholders, so every template keeps the code
parameter (`{####}`), and the admin invitation also keeps the username parameter. Emails stay
within Cognito's limits (subject and SMS 140 characters, email body 20,000) for any app name
the stage config accepts (at most 40 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    CustomMessageTriggerEvent,
)
from trigger_common import LOGGER, MalformedEventError, check_shape, user_safe

from custom_message.settings import CustomMessageSettings

MAX_SUBJECT, MAX_EMAIL, MAX_SMS = 140, 20_000, 140
ADMIN_CREATE_USER = "CustomMessage_AdminCreateUser"


@dataclass(frozen=True)
class Template:
    subject: str
    heading: str
    lines: tuple[str, ...]  # may use {code}, {username}
    sms: str


TEMPLATES = {
    "CustomMessage_SignUp": Template(
        "Confirm your {app} account",
        "Welcome to {app}",
        ("Your confirmation code is <b>{code}</b>.",),
        "{app}: your confirmation code is {code}",
    ),
    "CustomMessage_ResendCode": Template(
        "Your {app} confirmation code",
        "Here is your new code",
        ("Your confirmation code is <b>{code}</b>.",),
        "{app}: your confirmation code is {code}",
    ),
    "CustomMessage_ForgotPassword": Template(
        "Reset your {app} password",
        "Reset your password",
        (
            "Use the code <b>{code}</b> to choose a new password.",
            "If you did not ask for this, you can ignore this email.",
        ),
        "{app}: your password reset code is {code}",
    ),
    "CustomMessage_UpdateUserAttribute": Template(
        "Confirm your new {app} email address",
        "Confirm your new email address",
        ("Your verification code is <b>{code}</b>.",),
        "{app}: your verification code is {code}",
    ),
    "CustomMessage_VerifyUserAttribute": Template(
        "Verify your {app} email address",
        "Verify your email address",
        ("Your verification code is <b>{code}</b>.",),
        "{app}: your verification code is {code}",
    ),
    "CustomMessage_Authentication": Template(
        "Your {app} sign-in code",
        "Your sign-in code",
        ("Your code is <b>{code}</b>. It expires in a few minutes.",),
        "{app}: your sign-in code is {code}",
    ),
    ADMIN_CREATE_USER: Template(
        "You are invited to {app}",
        "You are invited to {app}",
        (
            "Your username is <b>{username}</b> and your temporary password is <b>{code}</b>.",
            "You will choose your own password when you first sign in.",
        ),
        "{app}: username {username}, temporary password {code}",
    ),
}


@dataclass(frozen=True)
class Message:
    subject: str
    email: str
    sms: str


def render(source: str, *, app_name: str, app_url: str, code: str, username: str) -> Message | None:
    """The branded message for `source`, or None to keep Cognito's default (unknown source)."""
    template = TEMPLATES.get(source)
    if template is None:
        return None
    if source == ADMIN_CREATE_USER and not username:
        raise MalformedEventError("event.request.usernameParameter is missing for AdminCreateUser")
    app, url = escape(app_name), escape(app_url, quote=True)
    body = "".join(f"<p>{line.format(code=code, username=username)}</p>" for line in template.lines)
    email = (
        f"<html><body><h1>{template.heading.format(app=app)}</h1>{body}"
        f'<p><a href="{url}">Open {app}</a></p></body></html>'
    )
    return Message(
        subject=template.subject.format(app=app_name),
        email=email,
        sms=template.sms.format(app=app_name, code=code, username=username),
    )


@user_safe
def handler(
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
    message = render(
        trigger.trigger_source,
        app_name=settings.app_name,
        app_url=settings.app_url,
        code=trigger.request.code_parameter,
        username=username,
    )
    if message is None:
        LOGGER.warning(
            "no template for %s; Cognito's default message is sent", trigger.trigger_source
        )
        return event
    # Responses are plain dicts, the same under every Powertools 3.x a layer may carry.
    event["response"].update(
        emailSubject=message.subject, emailMessage=message.email, smsMessage=message.sms
    )
    return event
