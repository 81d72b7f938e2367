"""Pre authentication refuses suspended users; post authentication records the last sign-in,
only forward in time, and never turns a user away over the record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from post_authentication.index import DynamoProfiles as SignIns
from post_authentication.index import handler as post_authentication
from post_authentication.index import record
from pre_authentication.index import SUSPENDED
from pre_authentication.index import DynamoProfiles as Suspensions
from pre_authentication.index import handler as pre_authentication
from trigger_common import MalformedEventError, UserFacingError
from trigger_settings import TriggerSettings, forget_loaded_settings

from tests.support.triggers import (
    POST_AUTHENTICATION,
    PRE_AUTHENTICATION,
    TABLE,
    FakeLambdaContext,
    load_event,
    local_zone,
)

SUB = "11111111-aaaa-4bbb-8ccc-111111111111"
KEY = {"pk": {"S": SUB}, "sk": {"S": "PROFILE"}}
"""Spelled out, not profile_key(): the tests pin the item the app reads."""


def profile(table: Any, **attributes: dict[str, Any]) -> None:
    table.put_item(TableName=TABLE, Item={**KEY, **attributes})


def stored(table: Any) -> dict[str, Any]:
    return dict(table.get_item(TableName=TABLE, Key=KEY).get("Item", {}))


def sign_in(table: Any) -> dict[str, Any]:
    event = load_event("PreAuthentication_Authentication")
    return pre_authentication(
        event, FakeLambdaContext(), profiles=Suspensions(table, TABLE), settings=PRE_AUTHENTICATION
    )


def test_a_suspended_user_is_refused_with_a_user_safe_message(
    table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    profile(table, suspended={"BOOL": True})
    with caplog.at_level("INFO", logger="trigger"), pytest.raises(UserFacingError) as refused:
        sign_in(table)
    assert str(refused.value) == SUSPENDED
    assert SUB not in str(refused.value)
    assert [r.getMessage() for r in caplog.records] == ["sign-in refused: suspended"]


@pytest.mark.parametrize(
    "attributes",
    [{}, {"suspended": {"BOOL": False}}, {"suspended": {"S": "true"}}],
    ids=["no flag", "flag false", "flag not a boolean"],
)
def test_everyone_else_signs_in(table: Any, attributes: dict[str, Any]) -> None:
    profile(table, **attributes)
    assert sign_in(table) == load_event("PreAuthentication_Authentication")


def test_a_user_without_a_profile_signs_in(table: Any) -> None:
    assert sign_in(table) == load_event("PreAuthentication_Authentication")


def test_an_unknown_user_is_left_to_cognito(table: Any) -> None:
    """With user-existence errors prevented, Cognito invokes the trigger for an unknown name;
    there is no profile to read, and Cognito refuses the sign-in itself."""
    event = load_event("PreAuthentication_Authentication")
    event["request"]["userNotFound"] = True
    event["request"]["userAttributes"] = {}

    class Unread:
        def is_suspended(self, sub: str) -> bool:
            raise AssertionError("no read for an unknown user")

    assert pre_authentication(event, FakeLambdaContext(), profiles=Unread()) == event


def test_a_table_error_is_a_generic_refusal(table: Any) -> None:
    """Suspension fails closed: without the profile the trigger cannot vouch for the user."""
    event = load_event("PreAuthentication_Authentication")
    missing = Suspensions(table, "no-such-table")
    with pytest.raises(UserFacingError, match="Something went wrong on our side"):
        pre_authentication(event, FakeLambdaContext(), profiles=missing)


def authenticated(table: Any, profiles: Any | None = None) -> dict[str, Any]:
    event = load_event("PostAuthentication_Authentication")
    return post_authentication(
        event,
        FakeLambdaContext(),
        profiles=profiles or SignIns(table, TABLE),
        settings=POST_AUTHENTICATION,
    )


def test_a_sign_in_is_recorded_on_the_profile(table: Any) -> None:
    profile(table, email={"S": "alice@example.com"})
    before = datetime.now(UTC).replace(microsecond=0)
    assert authenticated(table) == load_event("PostAuthentication_Authentication")
    item = stored(table)
    at = datetime.fromisoformat(item["last_sign_in_at"]["S"])
    assert before <= at <= datetime.now(UTC)
    assert item["email"] == {"S": "alice@example.com"}, "the rest of the profile stays"


def test_the_record_only_moves_forward(table: Any) -> None:
    """A delayed retry of an older sign-in never overwrites a newer one."""
    newer = "2030-01-01T00:00:00+00:00"
    profile(table, last_sign_in_at={"S": newer})
    record(SUB, datetime(2029, 1, 1, tzinfo=UTC), SignIns(table, TABLE))
    assert stored(table)["last_sign_in_at"] == {"S": newer}
    record(SUB, datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=1), SignIns(table, TABLE))
    assert stored(table)["last_sign_in_at"] == {"S": "2030-01-01T00:00:01+00:00"}


def test_no_profile_no_record_and_the_sign_in_goes_on(
    table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="trigger"):
        assert authenticated(table) == load_event("PostAuthentication_Authentication")
    assert stored(table) == {}, "no item is created for a user without a profile"
    assert [r.getMessage() for r in caplog.records] == ["last sign-in not recorded"]


def test_a_table_error_does_not_turn_the_user_away(
    table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="trigger"):
        event = authenticated(table, profiles=SignIns(table, "no-such-table"))
    assert event == load_event("PostAuthentication_Authentication")
    assert [(r.levelname, r.getMessage(), bool(r.exc_info)) for r in caplog.records] == [
        ("ERROR", "last sign-in not recorded", True),
        ("INFO", "last sign-in not recorded", False),
    ]


def test_the_record_is_logged(table: Any, caplog: pytest.LogCaptureFixture) -> None:
    profile(table)
    with caplog.at_level("INFO", logger="trigger"):
        authenticated(table)
    assert [r.getMessage() for r in caplog.records] == ["last sign-in recorded"]


@contextmanager
def in_the_function(settings: TriggerSettings) -> Iterator[None]:
    """Without the tests' seams: the settings from the function's environment (parsed
    afresh), the table through the function's own DynamoDB client."""
    forget_loaded_settings()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in settings.to_environment().items():
                patch.setenv(name, value)
            yield
    finally:
        forget_loaded_settings()


def test_the_functions_read_through_their_own_settings_and_client(table: Any) -> None:
    profile(table, suspended={"BOOL": True})
    event = load_event("PreAuthentication_Authentication")
    with in_the_function(PRE_AUTHENTICATION), pytest.raises(UserFacingError, match=SUSPENDED):
        pre_authentication(event, FakeLambdaContext())
    event = load_event("PostAuthentication_Authentication")
    with in_the_function(POST_AUTHENTICATION):
        assert post_authentication(event, FakeLambdaContext()) == event
    assert "last_sign_in_at" in stored(table)


def test_the_record_is_utc_whatever_the_local_zone(table: Any) -> None:
    """The condition compares the stored text: every record must be in the same zone."""
    profile(table)
    with local_zone("America/New_York"):
        record(SUB, datetime(2030, 1, 1, 12, tzinfo=UTC), SignIns(table, TABLE))
    assert stored(table)["last_sign_in_at"] == {"S": "2030-01-01T12:00:00+00:00"}


@pytest.mark.parametrize(
    ("handler", "name"),
    [
        (pre_authentication, "PreAuthentication_Authentication"),
        (post_authentication, "PostAuthentication_Authentication"),
    ],
)
def test_a_malformed_event_is_rejected_before_any_call(handler: Any, name: str) -> None:
    event = load_event(name)
    event["request"]["userAttributes"] = {"sub": 42}

    class NoCalls:
        def __getattr__(self, _: str) -> Any:
            raise AssertionError("no AWS call for a malformed event")

    with pytest.raises(MalformedEventError, match="not a string"):
        handler(event, FakeLambdaContext(), profiles=NoCalls())
