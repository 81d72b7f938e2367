"""The branded text of every message Cognito sends a user: one source for the custom message
trigger (which hands Cognito the text with its placeholders) and the custom senders (which
deliver it themselves with the decrypted code).

Texts are keyed by occasion, the part of the trigger source after the prefix
(`CustomMessage_SignUp`, `CustomEmailSender_SignUp` and `CustomSMSSender_SignUp` are all
`SignUp`). Every text keeps the code (and the invitation the username), and stays within
Cognito's limits (subject and SMS 140 characters, email body 20,000) for any app name the stage
config accepts (at most 40 characters). The code and username are HTML-escaped in the email: a
temporary password may hold `<` or `&`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

MAX_SUBJECT, MAX_EMAIL, MAX_SMS = 140, 20_000, 140
ADMIN_CREATE_USER = "AdminCreateUser"
ACCOUNT_TAKEOVER = "AccountTakeOverNotification"


@dataclass(frozen=True)
class Template:
    subject: str
    heading: str
    lines: tuple[str, ...]  # may use {code}, {username}
    sms: str


_CONFIRMATION = "Your confirmation code is <b>{code}</b>."
_VERIFICATION = "Your verification code is <b>{code}</b>."
TEMPLATES = {
    "SignUp": Template(
        "Confirm your {app} account",
        "Welcome to {app}",
        (_CONFIRMATION,),
        "{app}: your confirmation code is {code}",
    ),
    "ResendCode": Template(
        "Your {app} confirmation code",
        "Here is your new code",
        (_CONFIRMATION,),
        "{app}: your confirmation code is {code}",
    ),
    "ForgotPassword": Template(
        "Reset your {app} password",
        "Reset your password",
        (
            "Use the code <b>{code}</b> to choose a new password.",
            "If you did not ask for this, you can ignore this email.",
        ),
        "{app}: your password reset code is {code}",
    ),
    "UpdateUserAttribute": Template(
        "Confirm your new {app} email address",
        "Confirm your new email address",
        (_VERIFICATION,),
        "{app}: your verification code is {code}",
    ),
    "VerifyUserAttribute": Template(
        "Verify your {app} email address",
        "Verify your email address",
        (_VERIFICATION,),
        "{app}: your verification code is {code}",
    ),
    "Authentication": Template(
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
    # Threat protection's notice (email only, no code): only a custom email sender sends it
    # in these words; without one, Cognito uses the pool's notification templates.
    ACCOUNT_TAKEOVER: Template(
        "Unusual sign-in to your {app} account",
        "Was this you?",
        (
            "We noticed a sign-in to your account that did not look like you.",
            "If it was not you, reset your password now.",
        ),
        "{app}: unusual sign-in to your account. If it was not you, reset your password.",
    ),
}


@dataclass(frozen=True)
class Message:
    subject: str
    email: str
    sms: str


def occasion(trigger_source: str, prefix: str) -> str | None:
    """`SignUp` for `<prefix>_SignUp`; None for a source of another trigger."""
    head, _, rest = trigger_source.partition("_")
    return rest if head == prefix and rest else None


def render(
    occasion_name: str, *, app_name: str, app_url: str, code: str, username: str
) -> Message | None:
    """The branded message for an occasion, or None for one without a template."""
    template = TEMPLATES.get(occasion_name)
    if template is None:
        return None
    app, url = escape(app_name), escape(app_url, quote=True)
    html_values = {"code": escape(code), "username": escape(username)}
    body = "".join(f"<p>{line.format(**html_values)}</p>" for line in template.lines)
    email = (
        f"<html><body><h1>{template.heading.format(app=app)}</h1>{body}"
        f'<p><a href="{url}">Open {app}</a></p></body></html>'
    )
    return Message(
        subject=template.subject.format(app=app_name),
        email=email,
        sms=template.sms.format(app=app_name, code=code, username=username),
    )
