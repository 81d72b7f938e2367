"""Malformed events (hypothesis): a clear rejection, never a KeyError or TypeError, and no writes.

Each example starts from a real fixture and breaks it: deletes a field or swaps its value for
another JSON type, at any depth, one or more times.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from typing import Any

import pytest
from custom_email_sender.index import handler as custom_email_sender
from custom_message.index import handler as custom_message
from custom_sms_sender.index import handler as custom_sms_sender
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from post_authentication.index import handler as post_authentication
from post_confirmation.index import handler as post_confirmation
from pre_authentication.index import handler as pre_authentication
from pre_sign_up.index import handler as pre_sign_up
from pre_token_generation.index import handler as pre_token_generation
from trigger_common import GENERIC_FAILURE, MalformedEventError, UserFacingError
from user_migration.index import handler as user_migration

from tests.support.triggers import (
    CUSTOM_EMAIL_SENDER,
    CUSTOM_MESSAGE,
    CUSTOM_SMS_SENDER,
    POST_AUTHENTICATION,
    POST_CONFIRMATION,
    PRE_AUTHENTICATION,
    PRE_SIGN_UP,
    PRE_TOKEN_GENERATION,
    EmptyDirectory,
    FakeLambdaContext,
    RecordingDelivery,
    RecordingStore,
    event_names,
    load_event,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def broken(draw: st.DrawFn, names: list[str]) -> dict[str, Any] | Any:
    event: Any = load_event(draw(st.sampled_from(names)))
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)  # not even an object
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(event)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = event
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return event


def outcome(call: Callable[[Any], Any], event: Any) -> Any:
    """The handler's result, or the user-facing/malformed-event error it raised."""
    try:
        return call(event)
    except (MalformedEventError, UserFacingError) as error:
        return error


def clear_rejection_or_success(
    call: Callable[[Any], Any], event: Any, writes: Collection[str]
) -> None:
    """A clear rejection, or a success that wrote each response field in `writes`. Those fields
    start as Cognito sends them (null), so a handler that writes nothing cannot pass."""
    if isinstance(event, dict) and isinstance(event.get("response"), dict):
        event["response"].update(dict.fromkeys(writes))
    original = copy.deepcopy(event)
    result = outcome(call, event)
    if isinstance(result, Exception):
        # The generic message means an unexpected exception (KeyError, TypeError...) was caught.
        assert str(result) != GENERIC_FAILURE, result.__context__
        return
    assert isinstance(result, dict)
    assert set(result) >= set(original) - {"response"}
    unwritten = [field for field in writes if result["response"].get(field) is None]
    assert not unwritten, f"succeeded without writing response.{unwritten}"


MESSAGE_SOURCES = tuple(event_names("CustomMessage_"))
"""The sources the custom message trigger brands; any other keeps Cognito's default."""


FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(event=broken(event_names("PreSignUp_")))
def test_pre_sign_up(event: Any) -> None:
    directory = EmptyDirectory()
    clear_rejection_or_success(
        lambda e: pre_sign_up(e, FakeLambdaContext(), directory=directory, settings=PRE_SIGN_UP),
        event,
        writes=("autoConfirmUser", "autoVerifyEmail"),
    )


@FAST
@given(event=broken(event_names("PostConfirmation_")))
def test_post_confirmation_writes_nothing_when_it_rejects(event: Any) -> None:
    store = RecordingStore()
    result = outcome(
        lambda e: post_confirmation(
            e,
            FakeLambdaContext(),
            store=store,
            settings=POST_CONFIRMATION,
        ),
        event,
    )
    if isinstance(result, Exception):
        assert str(result) != GENERIC_FAILURE, result.__context__
        assert store.profiles == []
        assert store.memberships == []
        return
    for profile in store.profiles:
        assert isinstance(profile.sub, str)
        assert all(isinstance(v, str) for v in profile.attributes.values())


@FAST
@given(event=broken(event_names("TokenGeneration_")))
def test_pre_token_generation(event: Any) -> None:
    clear_rejection_or_success(
        lambda e: pre_token_generation(e, FakeLambdaContext(), settings=PRE_TOKEN_GENERATION),
        event,
        writes=("claimsAndScopeOverrideDetails",),
    )


@FAST
@given(event=broken(event_names("CustomMessage_")))
def test_custom_message(event: Any) -> None:
    clear_rejection_or_success(
        lambda e: custom_message(e, FakeLambdaContext(), settings=CUSTOM_MESSAGE),
        event,
        writes=(
            ("emailSubject", "emailMessage", "smsMessage")
            if isinstance(event, dict) and event.get("triggerSource") in MESSAGE_SOURCES
            else ()
        ),
    )


@pytest.mark.parametrize(
    "handler_call",
    [
        lambda e: pre_sign_up(
            e, FakeLambdaContext(), directory=EmptyDirectory(), settings=PRE_SIGN_UP
        ),
        lambda e: pre_token_generation(e, FakeLambdaContext(), settings=PRE_TOKEN_GENERATION),
    ],
    ids=["pre_sign_up", "pre_token_generation"],
)
def test_non_object_event_is_named(handler_call: Callable[[Any], Any]) -> None:
    with pytest.raises(MalformedEventError, match="event is list, not an object"):
        handler_call([])


class RecordingProfiles:
    """Pre and post authentication's seam: records every read and write it is asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_suspended(self, sub: str) -> bool:
        assert isinstance(sub, str)
        self.calls.append(sub)
        return False

    def record_sign_in(self, sub: str, at: str) -> bool:
        assert isinstance(sub, str)
        self.calls.append(sub)
        return True


def profile_calls(handler: Callable[..., Any], settings: Any, event: Any) -> tuple[Any, list[str]]:
    """The handler's outcome and the profile reads or writes it asked for: none if it
    rejected the event, and then never with the generic message."""
    profiles = RecordingProfiles()
    result = outcome(
        lambda e: handler(e, FakeLambdaContext(), profiles=profiles, settings=settings), event
    )
    if isinstance(result, Exception):
        assert str(result) != GENERIC_FAILURE, result.__context__
        assert profiles.calls == []
    return result, profiles.calls


@FAST
@given(event=broken(event_names("PreAuthentication_")))
def test_pre_authentication_reads_nothing_when_it_rejects(event: Any) -> None:
    profile_calls(pre_authentication, PRE_AUTHENTICATION, event)


@FAST
@given(event=broken(event_names("PostAuthentication_")))
def test_post_authentication_writes_nothing_when_it_rejects(event: Any) -> None:
    result, calls = profile_calls(post_authentication, POST_AUTHENTICATION, event)
    if not isinstance(result, Exception):
        assert len(calls) == 1, "a success records the sign-in"


class NoCalls:
    def __getattr__(self, _: str) -> Any:
        raise AssertionError("no AWS call for a malformed event")


@pytest.mark.parametrize(
    ("handler", "name", "seam"),
    [
        (post_confirmation, "PostConfirmation_ConfirmSignUp", "store"),
        (pre_authentication, "PreAuthentication_Authentication", "profiles"),
        (post_authentication, "PostAuthentication_Authentication", "profiles"),
    ],
)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", 42, "event.request.userAttributes holds a value that is not a string"),
        ("userPoolId", None, "event.userPoolId is missing or not a string"),
        ("userName", None, "event.userName is missing or not a string"),
    ],
)
def test_each_shape_check_names_what_it_found(
    handler: Any, name: str, seam: str, field: str, value: Any, message: str
) -> None:
    """Each check on its own: the fuzz tests above accept any clear rejection, which a
    later check may give when an earlier one is lost."""
    event = load_event(name)
    if field == "email":
        event["request"]["userAttributes"][field] = value
    else:
        del event[field]
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), **{seam: NoCalls()})
    assert str(refused.value) == message


def test_a_sign_up_without_a_response_object_is_named() -> None:
    event = load_event("PreSignUp_SignUp")
    event["response"] = None
    with pytest.raises(MalformedEventError) as refused:
        pre_sign_up(event, FakeLambdaContext(), directory=NoCalls(), settings=PRE_SIGN_UP)
    assert str(refused.value) == "event.response is missing or not an object"


class AnyCode:
    """Decrypts every ciphertext to a code: the malformed parts under test are elsewhere."""

    def decrypt(self, ciphertext: bytes) -> str:
        assert isinstance(ciphertext, bytes)
        return "123456"


@FAST
@given(
    sender=st.sampled_from(
        [
            (custom_email_sender, CUSTOM_EMAIL_SENDER, "CustomEmailSender_"),
            (custom_sms_sender, CUSTOM_SMS_SENDER, "CustomSMSSender_"),
        ]
    ),
    data=st.data(),
)
def test_custom_senders_send_nothing_when_they_reject(sender: Any, data: st.DataObject) -> None:
    """A rejection is clear (never the generic message) and sends nothing; a success sends
    exactly one message, to a string recipient."""
    handler, settings, prefix = sender
    event = data.draw(broken(event_names(prefix)))
    delivery = RecordingDelivery()
    result = outcome(
        lambda e: handler(
            e, FakeLambdaContext(), codes=AnyCode(), delivery=delivery, settings=settings
        ),
        event,
    )
    if isinstance(result, Exception):
        assert str(result) != GENERIC_FAILURE, result.__context__
        assert delivery.sent == []
        return
    ((recipient, _),) = delivery.sent
    assert isinstance(recipient, str)


class RecordingLegacy:
    """User migration's legacy store: knows everyone, records each call it is asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        assert isinstance(username, str)
        assert isinstance(password, str)
        self.calls.append((username, password))
        return {"email": "alice@example.com", "email_verified": True}

    def lookup(self, username: str) -> dict[str, Any]:
        assert isinstance(username, str)
        self.calls.append((username,))
        return {"email": "alice@example.com", "email_verified": True}


@FAST
@given(event=broken(event_names("UserMigration_")))
def test_user_migration_asks_the_legacy_store_nothing_when_it_rejects(event: Any) -> None:
    legacy = RecordingLegacy()
    if isinstance(event, dict) and isinstance(event.get("response"), dict):
        event["response"].update(userAttributes=None, finalUserStatus=None, messageAction=None)
    result = outcome(lambda e: user_migration(e, FakeLambdaContext(), store=legacy), event)
    if isinstance(result, Exception):
        assert str(result) != GENERIC_FAILURE, result.__context__
        assert legacy.calls == []
        return
    assert len(legacy.calls) == 1
    assert result["response"]["finalUserStatus"] == "CONFIRMED"
    assert result["response"]["messageAction"] == "SUPPRESS"
