"""Custom message: every CustomMessage_* source branded, placeholders kept, within limits."""

from __future__ import annotations

from typing import Any

import pytest
from custom_message.index import PREFIX, handler
from custom_message.settings import CustomMessageSettings
from message_text import ACCOUNT_TAKEOVER, MAX_EMAIL, MAX_SMS, MAX_SUBJECT, TEMPLATES, occasion
from trigger_common import MalformedEventError

from stage_config.triggers import MAX_APP_NAME
from tests.support.triggers import CUSTOM_MESSAGE, FakeLambdaContext, event_names, load_event

SOURCES = event_names("CustomMessage_")


def response(
    event: dict[str, Any], settings: CustomMessageSettings = CUSTOM_MESSAGE
) -> dict[str, Any]:
    result: dict[str, Any] = handler(event, FakeLambdaContext(), settings=settings)
    return dict(result["response"])


def test_fixtures_cover_every_template() -> None:
    """Every template but threat protection's notice, which only a custom email sender sends."""
    assert {occasion(source, PREFIX) for source in SOURCES} == set(TEMPLATES) - {ACCOUNT_TAKEOVER}


@pytest.mark.parametrize("source", SOURCES)
def test_branded_and_keeps_the_code(source: str) -> None:
    out = response(load_event(source))
    assert CUSTOM_MESSAGE.app_name in out["emailSubject"]
    assert "{####}" in out["emailMessage"]
    assert out["smsMessage"].startswith(f"{CUSTOM_MESSAGE.app_name}: ")
    assert "{####}" in out["smsMessage"]
    assert f'href="{CUSTOM_MESSAGE.app_url}"' in out["emailMessage"]


def test_the_whole_invitation_email() -> None:
    """Heading, one paragraph per line of the message, then the link to the app."""
    out = response(load_event("CustomMessage_AdminCreateUser"))
    assert out["emailMessage"] == (
        "<html><body><h1>You are invited to Acme Gallery</h1>"
        "<p>Your username is <b>{username}</b> and your temporary password is <b>{####}</b>.</p>"
        "<p>You will choose your own password when you first sign in.</p>"
        '<p><a href="https://gallery.example.net">Open Acme Gallery</a></p></body></html>'
    )


def test_admin_invitation_keeps_the_username() -> None:
    out = response(load_event("CustomMessage_AdminCreateUser"))
    assert "{username}" in out["emailMessage"]
    assert "{username}" in out["smsMessage"]


@pytest.mark.parametrize("source", SOURCES)
def test_within_cognito_limits_for_the_longest_app_name(source: str) -> None:
    longest = CustomMessageSettings(
        app_name="W" * MAX_APP_NAME, app_url="https://" + "a" * 200 + ".example.com"
    )
    out = response(load_event(source), longest)
    assert len(out["emailSubject"]) <= MAX_SUBJECT
    assert len(out["emailMessage"]) <= MAX_EMAIL
    assert len(out["smsMessage"]) <= MAX_SMS


def test_app_name_is_html_escaped_in_email() -> None:
    out = response(
        load_event("CustomMessage_SignUp"),
        CustomMessageSettings(app_name="<b>Photo&Share</b>", app_url="https://x.example.com"),
    )
    assert "<b>Photo&Share</b>" not in out["emailMessage"]
    assert "&lt;b&gt;Photo&amp;Share&lt;/b&gt;" in out["emailMessage"]


def test_app_url_cannot_leave_its_attribute() -> None:
    out = response(
        load_event("CustomMessage_SignUp"),
        CustomMessageSettings(app_name="Acme", app_url='https://x.example.com/"onclick="x'),
    )
    assert 'href="https://x.example.com/&quot;onclick=&quot;x"' in out["emailMessage"]


def test_unknown_source_keeps_cognitos_default(caplog: pytest.LogCaptureFixture) -> None:
    """A source Cognito adds later is sent as Cognito writes it, and the log says which."""
    event = load_event("CustomMessage_SignUp")
    event["triggerSource"] = "CustomMessage_SomethingNew"
    with caplog.at_level("WARNING", logger="trigger"):
        assert response(event) == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    assert [r.getMessage() for r in caplog.records] == [
        "no template for CustomMessage_SomethingNew; Cognito's default message is sent"
    ]


@pytest.mark.parametrize("source", ["CustomEmailSender_SignUp", "CustomMessage_", "SignUp"])
def test_a_source_of_another_trigger_or_none_keeps_cognitos_default(source: str) -> None:
    """Only `CustomMessage_<occasion>` picks a template, even where the occasion has one."""
    event = load_event("CustomMessage_SignUp")
    event["triggerSource"] = source
    assert response(event) == {"smsMessage": None, "emailMessage": None, "emailSubject": None}


def test_a_username_parameter_that_is_not_a_string_is_refused() -> None:
    event = load_event("CustomMessage_AdminCreateUser")
    event["request"]["usernameParameter"] = ["{username}"]
    with pytest.raises(MalformedEventError) as refused:
        response(event)
    assert str(refused.value) == "event.request.usernameParameter is not a string"


def test_admin_invitation_without_username_parameter_is_refused() -> None:
    event = load_event("CustomMessage_AdminCreateUser")
    event["request"]["usernameParameter"] = None
    with pytest.raises(MalformedEventError, match=r"^event\.request\.usernameParameter is missing"):
        response(event)
