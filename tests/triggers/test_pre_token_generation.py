"""Pre token generation V3_0: role, groups and app claims in both tokens, scopes in access;
a client-credentials token gets the server claims and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from pre_token_generation.index import CLIENT_CREDENTIALS, handler
from pre_token_generation.settings import PreTokenGenerationSettings
from trigger_common import MalformedEventError

from tests.support.triggers import FakeLambdaContext, event_names, load_event

SETTINGS = PreTokenGenerationSettings(
    elevated_groups=("admins",),
    extra_claims={"app:stage": "prod"},
    access_token_scopes=("photos/read", "photos/write"),
    server_claims={"app:tenant": "acme"},
)
USER_SOURCES = [n for n in event_names("TokenGeneration_") if n != CLIENT_CREDENTIALS]


def details(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler(event, FakeLambdaContext(), settings=SETTINGS)
    return dict(result["response"]["claimsAndScopeOverrideDetails"])


@pytest.mark.parametrize("name", USER_SOURCES)
def test_every_token_source_gets_claims(name: str) -> None:
    overrides = details(load_event(name))
    expected = {"app:stage": "prod", "app:role": "member", "app:groups": "members"}
    assert overrides["idTokenGeneration"]["claimsToAddOrOverride"] == expected
    assert overrides["accessTokenGeneration"]["claimsToAddOrOverride"] == expected
    assert overrides["accessTokenGeneration"]["scopesToAdd"] == ["photos/read", "photos/write"]
    assert "groupOverrideDetails" not in overrides, "groups are left as Cognito set them"


def test_elevated_group_member_is_admin() -> None:
    event = load_event("TokenGeneration_HostedAuth")
    event["request"]["groupConfiguration"]["groupsToOverride"] = ["members", "admins"]
    claims = details(event)["idTokenGeneration"]["claimsToAddOrOverride"]
    assert claims["app:role"] == "admin"
    assert claims["app:groups"] == "admins,members"


def test_user_without_groups_is_member() -> None:
    event = load_event("TokenGeneration_RefreshTokens")
    event["request"]["groupConfiguration"] = {"groupsToOverride": [], "iamRolesToOverride": []}
    claims = details(event)["accessTokenGeneration"]["claimsToAddOrOverride"]
    assert (claims["app:role"], claims["app:groups"]) == ("member", "")


def test_already_granted_scopes_are_not_added_twice() -> None:
    event = load_event("TokenGeneration_HostedAuth")
    event["request"]["scopes"].append("photos/read")
    assert details(event)["accessTokenGeneration"]["scopesToAdd"] == ["photos/write"]


def test_version_1_event_is_refused() -> None:
    event = load_event("TokenGeneration_HostedAuth")
    event["version"] = "1"
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), settings=SETTINGS)
    assert str(refused.value) == (
        "event.version is '1'; this trigger is configured for event version V3_0"
    )


def broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    event = load_event("TokenGeneration_HostedAuth")
    change(event)
    return event


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (broken(lambda e: e.pop("userName")), "event.userName is missing or not a string"),
        (
            broken(lambda e: e["request"]["userAttributes"].pop("sub")),
            "event.request.userAttributes.sub is missing or not a string",
        ),
        (
            broken(lambda e: e["request"]["userAttributes"].update(email=42)),
            "event.request.userAttributes holds a value that is not a string",
        ),
    ],
    ids=["no user name", "no sub", "an attribute not a string"],
)
def test_a_users_token_event_is_checked_where_it_is_read(
    event: dict[str, Any], message: str
) -> None:
    """The user's name for every user token; the attributes where the owner claim reads them."""
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), settings=replace(SETTINGS, owner_claim="data_owner"))
    assert str(refused.value) == message


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_v2_event_during_the_switch_is_served_alike(version: str) -> None:
    event = load_event("TokenGeneration_HostedAuth")
    event["version"] = version
    assert details(event)["idTokenGeneration"]["claimsToAddOrOverride"]["app:role"] == "member"


def test_a_client_credentials_token_gets_the_server_claims_only() -> None:
    """No user, so no groups and no ID token: the server client's access token carries the
    server claims and the service role; the scopes it asked for stay as Cognito granted them."""
    overrides = details(load_event(CLIENT_CREDENTIALS))
    assert overrides == {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"app:tenant": "acme", "app:role": "service"}
        }
    }


def test_a_client_credentials_event_without_its_client_is_refused() -> None:
    event = load_event(CLIENT_CREDENTIALS)
    del event["callerContext"]["clientId"]
    with pytest.raises(MalformedEventError, match=r"callerContext\.clientId"):
        handler(event, FakeLambdaContext(), settings=SETTINGS)


@pytest.mark.parametrize("source", [CLIENT_CREDENTIALS, "TokenGeneration_HostedAuth"])
@pytest.mark.parametrize("part", ["request", "response"])
def test_an_event_without_its_request_or_response_object_is_refused(source: str, part: str) -> None:
    """Checked first, for a machine's token as for a user's: the response is where the claims
    are written."""
    event = load_event(source)
    event[part] = None
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), settings=SETTINGS)
    assert str(refused.value) == f"event.{part} is missing or not an object"


@pytest.mark.parametrize("path", ["groupConfiguration.groupsToOverride", "scopes"])
def test_malformed_names_are_named(path: str) -> None:
    event = load_event("TokenGeneration_HostedAuth")
    parent, _, key = f"request.{path}".rpartition(".")
    node = event
    for part in parent.split("."):
        node = node[part]
    node[key] = ["admins", 7]
    with pytest.raises(
        MalformedEventError, match=rf"^event\.request\.{path} is not a list of names"
    ):
        handler(event, FakeLambdaContext(), settings=SETTINGS)
