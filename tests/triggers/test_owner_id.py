"""Data continuity after a directory restore, in the triggers: a recreated user (new `sub`,
its old one in the admin-only `custom:owner_id`) gets the old id as its token's owner claim, and
its profile item is the old one; everyone else's owner is their own `sub`; and a sign-up that
tries to carry the attribute is refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from directory_backup.records import OWNER_ATTRIBUTE, OWNER_CLAIM
from post_authentication.index import handler as post_authentication
from post_confirmation.index import handler as post_confirmation
from pre_authentication.index import SUSPENDED
from pre_authentication.index import handler as pre_authentication
from pre_sign_up.index import handler as pre_sign_up
from pre_token_generation.index import CLIENT_CREDENTIALS
from pre_token_generation.index import handler as pre_token_generation
from trigger_common import UserFacingError

from tests.support.triggers import (
    POST_AUTHENTICATION,
    POST_CONFIRMATION,
    PRE_AUTHENTICATION,
    PRE_SIGN_UP,
    PRE_TOKEN_GENERATION,
    EmptyDirectory,
    FakeLambdaContext,
    RecordingStore,
    event_names,
    load_event,
)

OLD_SUB = "0ld00000-aaaa-4bbb-8ccc-000000000000"
WITH_OWNER = dataclasses.replace(PRE_TOKEN_GENERATION, owner_claim=OWNER_CLAIM)
USER_SOURCES = [n for n in event_names("TokenGeneration_") if n != CLIENT_CREDENTIALS]


def restored(event: dict[str, Any]) -> dict[str, Any]:
    event["request"]["userAttributes"][OWNER_ATTRIBUTE] = OLD_SUB
    return event


def token_claims(event: dict[str, Any], settings: Any = WITH_OWNER) -> dict[str, dict[str, str]]:
    details = pre_token_generation(event, FakeLambdaContext(), settings=settings)["response"][
        "claimsAndScopeOverrideDetails"
    ]
    return {
        token: details[f"{token}TokenGeneration"]["claimsToAddOrOverride"]
        for token in ("id", "access")
        if f"{token}TokenGeneration" in details
    }


@pytest.mark.parametrize("name", USER_SOURCES)
def test_a_user_never_restored_is_their_own_owner(name: str) -> None:
    event = load_event(name)
    sub = event["request"]["userAttributes"]["sub"]
    assert token_claims(event)["id"][OWNER_CLAIM] == sub


@pytest.mark.parametrize("name", USER_SOURCES)
def test_a_restored_user_owns_what_their_old_sub_owned(name: str) -> None:
    event = restored(load_event(name))
    claims = token_claims(event)
    assert claims["id"][OWNER_CLAIM] == OLD_SUB
    assert event["request"]["userAttributes"]["sub"] != OLD_SUB


def test_no_configured_claim_can_stand_in_for_the_owner() -> None:
    settings = dataclasses.replace(WITH_OWNER, extra_claims={OWNER_CLAIM: "someone-else"})
    event = load_event("TokenGeneration_HostedAuth")
    assert (
        token_claims(event, settings)["id"][OWNER_CLAIM]
        == (event["request"]["userAttributes"]["sub"])
    )


def test_without_the_backup_there_is_no_owner_claim() -> None:
    claims = token_claims(restored(load_event("TokenGeneration_HostedAuth")), PRE_TOKEN_GENERATION)
    assert OWNER_CLAIM not in claims["id"]


def test_a_machine_token_has_no_owner() -> None:
    claims = token_claims(load_event(CLIENT_CREDENTIALS))
    assert OWNER_CLAIM not in claims["access"]


@pytest.mark.parametrize("source", ["PreSignUp_SignUp", "PreSignUp_ExternalProvider"])
def test_a_sign_up_carrying_the_owner_attribute_is_refused(
    source: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No app client may write it, so Cognito refuses such a sign-up itself; the trigger
    refuses it too, should a client or a provider's attribute mapping ever carry it."""
    event = restored(load_event(source))
    with (
        caplog.at_level("WARNING", logger="trigger"),
        pytest.raises(UserFacingError) as refused,
    ):
        pre_sign_up(event, FakeLambdaContext(), directory=EmptyDirectory(), settings=PRE_SIGN_UP)
    assert str(refused.value) == "Sign-up with these attributes is not allowed."
    assert [r.getMessage() for r in caplog.records] == [
        f"sign-up refused: it carries {OWNER_ATTRIBUTE}"
    ]


def test_the_restore_may_set_it_through_admin_create_user() -> None:
    event = restored(load_event("PreSignUp_AdminCreateUser"))
    pre_sign_up(event, FakeLambdaContext(), directory=EmptyDirectory(), settings=PRE_SIGN_UP)


def test_a_restored_users_profile_is_the_one_their_old_sub_had() -> None:
    store = RecordingStore()
    event = restored(load_event("PostConfirmation_ConfirmSignUp"))
    post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    assert [p.sub for p in store.profiles] == [OLD_SUB]


class Profiles:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def is_suspended(self, sub: str) -> bool:
        self.asked.append(sub)
        return sub == OLD_SUB

    def record_sign_in(self, sub: str, at: str) -> bool:
        self.asked.append(sub)
        return True


def test_sign_in_checks_and_records_the_old_profile() -> None:
    profiles = Profiles()
    with pytest.raises(UserFacingError, match=SUSPENDED):
        pre_authentication(
            restored(load_event("PreAuthentication_Authentication")),
            FakeLambdaContext(),
            profiles=profiles,
            settings=PRE_AUTHENTICATION,
        )
    post_authentication(
        restored(load_event("PostAuthentication_Authentication")),
        FakeLambdaContext(),
        profiles=profiles,
        settings=POST_AUTHENTICATION,
    )
    assert profiles.asked == [OLD_SUB, OLD_SUB]
