"""Pre sign-up: domain rules, auto-confirm by config, linking to a verified native account."""

from __future__ import annotations

import dataclasses
from typing import Any

import aws_calls
import boto3
import pytest
from botocore.stub import Stubber
from pre_sign_up.index import CognitoDirectory, Directory, handler
from pre_sign_up.settings import PreSignUpSettings
from trigger_common import UserFacingError

from tests.support.triggers import (
    PRE_SIGN_UP,
    REGION,
    EmptyDirectory,
    FakeLambdaContext,
    Pool,
    load_event,
)


@dataclasses.dataclass
class RecordingDirectory:
    """Real lookups (moto), recorded links: moto has no AdminLinkProviderForUser."""

    lookup: Directory
    links: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)

    def verified_native_user(self, pool_id: str, email: str) -> str | None:
        return self.lookup.verified_native_user(pool_id, email)

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None:
        self.links.append((pool_id, native_username, provider, subject))


@pytest.fixture
def directory(pool: Pool) -> RecordingDirectory:
    return RecordingDirectory(CognitoDirectory(pool.client))


@pytest.fixture
def no_users() -> RecordingDirectory:
    """For decisions made before any lookup (or where nobody exists): no pool is created."""
    return RecordingDirectory(EmptyDirectory())


def run(
    name: str, directory: Any, settings: PreSignUpSettings, pool_id: str = "", **attributes: str
) -> dict[str, Any]:
    event = load_event(name)
    event["request"]["userAttributes"].update(attributes)
    if pool_id:
        event["userPoolId"] = pool_id
    result: dict[str, Any] = handler(
        event, FakeLambdaContext(), directory=directory, settings=settings
    )
    return result


def test_sign_up_defaults_leave_confirmation_to_the_user(no_users: RecordingDirectory) -> None:
    response = run("PreSignUp_SignUp", no_users, PRE_SIGN_UP)["response"]
    assert response == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }


def test_sign_up_auto_confirms_where_config_says(no_users: RecordingDirectory) -> None:
    response = run(
        "PreSignUp_SignUp",
        no_users,
        dataclasses.replace(PRE_SIGN_UP, auto_confirm=True, auto_verify_email=True),
    )["response"]
    assert response["autoConfirmUser"] is True
    assert response["autoVerifyEmail"] is True


@pytest.mark.parametrize(
    "settings",
    [
        dataclasses.replace(PRE_SIGN_UP, denied_email_domains=("example.com",)),
        dataclasses.replace(PRE_SIGN_UP, allowed_email_domains=("photos.example.org",)),
    ],
    ids=["denied", "not-allowed"],
)
@pytest.mark.parametrize(
    "source", ["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"]
)
def test_domain_rules_reject_with_a_user_facing_message(
    no_users: RecordingDirectory, settings: PreSignUpSettings, source: str
) -> None:
    with pytest.raises(UserFacingError, match=r"^Sign-up with this email address is not allowed\."):
        run(source, no_users, settings)
    assert no_users.links == []


def test_allowed_domain_passes(no_users: RecordingDirectory) -> None:
    """The domain is compared case-insensitively, and the sign-up gets the configured decision."""
    response = run(
        "PreSignUp_SignUp",
        no_users,
        dataclasses.replace(PRE_SIGN_UP, allowed_email_domains=("example.com",), auto_confirm=True),
        email="bob@EXAMPLE.com",
    )["response"]
    assert response["autoConfirmUser"] is True
    assert response["autoVerifyEmail"] is False


def test_federated_sign_in_links_to_verified_native_user(
    pool: Pool, directory: RecordingDirectory
) -> None:
    native = pool.add_user("alice@example.com", verified=True)
    response = run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id)["response"]
    assert directory.links == [(pool.pool_id, native, "Google", "109876543210987654321")]
    assert response["autoConfirmUser"] is False


def test_never_links_to_an_unverified_native_email(
    pool: Pool, directory: RecordingDirectory
) -> None:
    pool.add_user("alice@example.com", verified=False)
    run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id)
    assert directory.links == []


def test_never_links_to_an_unconfirmed_native_account(
    pool: Pool, directory: RecordingDirectory
) -> None:
    """Someone who registered the victim's email (verified flag set) but never confirmed the
    account must not receive the victim's federated sign-in."""
    pool.add_user("alice@example.com", verified=True, confirmed=False)
    response = run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id)["response"]
    assert directory.links == []
    assert response["autoConfirmUser"] is False


def test_never_links_when_the_provider_did_not_verify(
    pool: Pool, directory: RecordingDirectory
) -> None:
    pool.add_user("alice@example.com", verified=True)
    run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id, email_verified="false")
    assert directory.links == []


def test_never_links_when_the_provider_sends_no_verification(
    pool: Pool, directory: RecordingDirectory
) -> None:
    """Facebook and Login with Amazon send no `email_verified`: never linked, never an error."""
    pool.add_user("alice@example.com", verified=True)
    event = load_event("PreSignUp_ExternalProvider")
    event["userPoolId"] = pool.pool_id
    del event["request"]["userAttributes"]["email_verified"]
    handler(event, FakeLambdaContext(), directory=directory, settings=PRE_SIGN_UP)
    assert directory.links == []


def test_first_federated_sign_in_of_a_new_person_proceeds(
    pool: Pool, directory: RecordingDirectory
) -> None:
    pool.add_user("someone-else@example.com", verified=True)
    response = run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id)["response"]
    assert directory.links == []
    assert response["autoConfirmUser"] is False


def test_linking_can_be_switched_off(pool: Pool, directory: RecordingDirectory) -> None:
    pool.add_user("alice@example.com", verified=True)
    run(
        "PreSignUp_ExternalProvider",
        directory,
        dataclasses.replace(PRE_SIGN_UP, link_federated=False),
        pool.pool_id,
    )
    assert directory.links == []


@pytest.mark.parametrize("subject", ["00u1abcd", "00u1_abcd"])
def test_custom_provider_names_come_from_config(
    pool: Pool, directory: RecordingDirectory, subject: str
) -> None:
    """The provider is what precedes the first `_`; the subject, all that follows."""
    native = pool.add_user("alice@example.com", verified=True)
    event = load_event("PreSignUp_ExternalProvider")
    event["userPoolId"] = pool.pool_id
    event["userName"] = f"corporate_{subject}"
    handler(
        event,
        FakeLambdaContext(),
        directory=directory,
        settings=dataclasses.replace(PRE_SIGN_UP, custom_providers=("Corporate",)),
    )
    assert directory.links == [(pool.pool_id, native, "Corporate", subject)]


def test_auto_verify_needs_auto_confirm(no_users: RecordingDirectory) -> None:
    """Cognito verifies nothing for a user it does not confirm, so neither does the trigger."""
    settings = dataclasses.replace(PRE_SIGN_UP, auto_verify_email=True)
    response = run("PreSignUp_SignUp", no_users, settings)["response"]
    assert (response["autoConfirmUser"], response["autoVerifyEmail"]) == (False, False)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("PreSignUp_SignUp", r"^An email address is required\.$"),
        ("PreSignUp_AdminCreateUser", r"^An email address is required\.$"),
        (
            "PreSignUp_ExternalProvider",
            r"^Your provider did not share an email address; allow it and try again\.$",
        ),
    ],
)
def test_a_sign_up_without_email_is_refused(
    no_users: RecordingDirectory, source: str, message: str
) -> None:
    event = load_event(source)
    del event["request"]["userAttributes"]["email"]
    with pytest.raises(UserFacingError, match=message):
        handler(event, FakeLambdaContext(), directory=no_users, settings=PRE_SIGN_UP)


def test_the_domain_is_what_follows_the_last_at(no_users: RecordingDirectory) -> None:
    settings = dataclasses.replace(PRE_SIGN_UP, denied_email_domains=("spam.example",))
    with pytest.raises(UserFacingError, match="not allowed"):
        run("PreSignUp_SignUp", no_users, settings, email='"bob@example.com"@spam.example')


def test_the_log_says_what_happened(
    pool: Pool, directory: RecordingDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    pool.add_user("alice@example.com", verified=True)
    with caplog.at_level("INFO", logger="trigger"):
        run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, pool.pool_id)
        run("PreSignUp_ExternalProvider", directory, PRE_SIGN_UP, email_verified="false")
    assert [r.getMessage() for r in caplog.records] == [
        "linked Google identity to existing native user",
        "not linking Google: provider did not verify the email",
    ]


def test_without_a_seam_the_handler_looks_up_this_pool(pool: Pool) -> None:
    """The handler's own directory: ListUsers on cognito-idp (moto), nobody found, no link."""
    event = load_event("PreSignUp_ExternalProvider")
    event["userPoolId"] = pool.pool_id
    aws_calls.client.cache_clear()  # a client cached under another test's mock
    try:
        result = handler(event, FakeLambdaContext(), settings=PRE_SIGN_UP)
    finally:
        aws_calls.client.cache_clear()
    assert result["response"]["autoConfirmUser"] is False


def test_list_users_request_escapes_the_email() -> None:
    """A quote or backslash in the email cannot end ListUsers' filter string early."""
    client = boto3.client("cognito-idp", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_response(
            "list_users",
            {"Users": []},
            {
                "UserPoolId": "eu-west-1_AbCdEf123",
                "Filter": 'email = "a\\\\b\\"c@example.com"',
                "Limit": 10,
            },
        )
        found = CognitoDirectory(client).verified_native_user(
            "eu-west-1_AbCdEf123", 'a\\b"c@example.com'
        )
        stub.assert_no_pending_responses()
    assert found is None


def test_unknown_provider_is_refused(no_users: RecordingDirectory) -> None:
    event = load_event("PreSignUp_ExternalProvider")
    event["userName"] = "mystery_123"
    with pytest.raises(UserFacingError, match=r"^Sign-in with this provider is not available\.$"):
        handler(event, FakeLambdaContext(), directory=no_users, settings=PRE_SIGN_UP)


def test_link_request_matches_the_cognito_api() -> None:
    """The seam's AdminLinkProviderForUser call, validated against botocore's API model."""
    client = boto3.client("cognito-idp", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_response(
            "admin_link_provider_for_user",
            {},
            {
                "UserPoolId": "eu-west-1_AbCdEf123",
                "DestinationUser": {
                    "ProviderName": "Cognito",
                    "ProviderAttributeValue": "alice@example.com",
                },
                "SourceUser": {
                    "ProviderName": "Google",
                    "ProviderAttributeName": "Cognito_Subject",
                    "ProviderAttributeValue": "1098",
                },
            },
        )
        CognitoDirectory(client).link("eu-west-1_AbCdEf123", "alice@example.com", "Google", "1098")
        stub.assert_no_pending_responses()


def test_users_missing_an_attribute_are_not_matches() -> None:
    """ListUsers may return users without attributes, or without email or its verification:
    none of them is the verified native account, and none breaks the lookup."""
    client = boto3.client("cognito-idp", region_name=REGION)
    confirmed = {"UserStatus": "CONFIRMED", "Enabled": True}
    users = [
        {"Username": "no-attributes", **confirmed},
        {"Username": "unverified", "Attributes": [{"Name": "email", "Value": "a@example.com"}]}
        | confirmed,
        {"Username": "no-email", "Attributes": [{"Name": "email_verified", "Value": "true"}]}
        | confirmed,
    ]
    with Stubber(client) as stub:
        stub.add_response("list_users", {"Users": users})
        assert (
            CognitoDirectory(client).verified_native_user("eu-west-1_Pool", "a@example.com") is None
        )


def test_aws_failure_becomes_a_generic_user_message(pool: Pool) -> None:
    pool.add_user("alice@example.com", verified=True)
    failing = CognitoDirectory(pool.client)  # moto has no AdminLinkProviderForUser: it fails
    event = load_event("PreSignUp_ExternalProvider")
    event["userPoolId"] = pool.pool_id
    with pytest.raises(UserFacingError, match=r"^Something went wrong on our side\."):
        handler(event, FakeLambdaContext(), directory=failing, settings=PRE_SIGN_UP)
