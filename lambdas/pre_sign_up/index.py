"""Pre sign-up trigger: email-domain rules, auto-confirm by config, federated account linking.

A federated sign-in (`PreSignUp_ExternalProvider`) by someone who already has a native account
with the same *verified* email is linked to that account (AdminLinkProviderForUser), so one person
keeps one account, one `sub` and one photo prefix across email and Google. Nothing is linked unless
both the native account's email and the provider's `email_verified` say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import aws_calls
from aws_calls import AWS_CALLS
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreSignUpTriggerEvent,
)
from directory_backup.records import OWNER_ATTRIBUTE
from trigger_common import LOGGER, UserFacingError, check_shape, user_safe

from pre_sign_up.settings import PreSignUpSettings

NATIVE = "Cognito"
SIGN_UP = "PreSignUp_SignUp"
EXTERNAL = "PreSignUp_ExternalProvider"
ADMIN = "PreSignUp_AdminCreateUser"
"""An administrator's AdminCreateUser (the restore sets the owner attribute through it)."""
# Cognito's username prefix for each built-in provider (lowercased provider name).
BUILT_IN_PROVIDERS = ("Google", "Facebook", "SignInWithApple", "LoginWithAmazon")


@dataclass(frozen=True)
class Decision:
    auto_confirm: bool = False
    auto_verify_email: bool = False


class Directory(Protocol):
    """The seam to Cognito: find a native user by email, link a provider identity to them."""

    def verified_native_user(self, pool_id: str, email: str) -> str | None: ...

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None: ...


def check_email_domain(email: str, settings: PreSignUpSettings) -> None:
    domain = email.rpartition("@")[2].lower()
    if (
        not domain
        or domain in settings.denied_email_domains
        or (settings.allowed_email_domains and domain not in settings.allowed_email_domains)
    ):
        raise UserFacingError("Sign-up with this email address is not allowed.")


def split_federated_username(username: str, providers: tuple[str, ...]) -> tuple[str, str]:
    """`google_1234` -> ("Google", "1234"): Cognito prefixes the provider name, lowercased."""
    prefix, _, subject = username.partition("_")
    for provider in providers:
        if provider.lower() == prefix.lower() and subject:
            return provider, subject
    raise UserFacingError("Sign-in with this provider is not available.")


def decide(
    source: str,
    attributes: dict[str, str],
    settings: PreSignUpSettings,
    *,
    pool_id: str,
    username: str,
    directory: Directory,
) -> Decision:
    """Pure decision for one pre sign-up event; the only side effect is the link, via the seam."""
    email = attributes.get("email", "")
    if not email:
        if source == EXTERNAL:
            raise UserFacingError(
                "Your provider did not share an email address; allow it and try again."
            )
        raise UserFacingError("An email address is required.")
    check_email_domain(email, settings)
    if source == SIGN_UP:
        return Decision(
            auto_confirm=settings.auto_confirm,
            auto_verify_email=settings.auto_confirm and settings.auto_verify_email,
        )
    if source != EXTERNAL or not settings.link_federated:
        return Decision()
    provider, subject = split_federated_username(
        username, (*BUILT_IN_PROVIDERS, *settings.custom_providers)
    )
    if attributes.get("email_verified", "").lower() != "true":
        LOGGER.info("not linking %s: provider did not verify the email", provider)
        return Decision()
    native = directory.verified_native_user(pool_id, email)
    if native is None:
        return Decision()  # a new person: the federated sign-up proceeds on its own
    directory.link(pool_id, native, provider, subject)
    LOGGER.info("linked %s identity to existing native user", provider)
    return Decision()


class CognitoDirectory:
    """Directory backed by the cognito-idp API (ListUsers, AdminLinkProviderForUser)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def verified_native_user(self, pool_id: str, email: str) -> str | None:
        escaped = email.replace("\\", "\\\\").replace('"', '\\"')
        users = AWS_CALLS.call(
            lambda: self._client.list_users(
                UserPoolId=pool_id, Filter=f'email = "{escaped}"', Limit=10
            )
        )["Users"]
        for user in users:
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            if (
                user.get("UserStatus") == "CONFIRMED"
                and attributes.get("email_verified", "").lower() == "true"
                and attributes.get("email", "").lower() == email.lower()
            ):
                return str(user["Username"])
        return None

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None:
        AWS_CALLS.call(
            lambda: self._client.admin_link_provider_for_user(
                UserPoolId=pool_id,
                DestinationUser={
                    "ProviderName": NATIVE,
                    "ProviderAttributeValue": native_username,
                },
                SourceUser={
                    "ProviderName": provider,
                    "ProviderAttributeName": "Cognito_Subject",
                    "ProviderAttributeValue": subject,
                },
            )
        )


def _directory() -> Directory:
    return CognitoDirectory(aws_calls.client("cognito-idp"))


def handle(
    event: dict[str, Any],
    context: object,
    *,
    directory: Directory | None = None,
    settings: PreSignUpSettings | None = None,
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName"),
        mappings=("response",),
        string_maps=("request.userAttributes",),
    )
    trigger = PreSignUpTriggerEvent(event)
    if OWNER_ATTRIBUTE in trigger.request.user_attributes and trigger.trigger_source != ADMIN:
        # No app client may write it; this refuses it even if one were misconfigured to, or a
        # provider's attribute mapping carried it: it decides whose data a session reaches.
        LOGGER.warning("sign-up refused: it carries %s", OWNER_ATTRIBUTE)
        raise UserFacingError("Sign-up with these attributes is not allowed.")
    decision = decide(
        trigger.trigger_source,
        trigger.request.user_attributes,
        settings or PreSignUpSettings.of_this_function(),
        pool_id=trigger.user_pool_id,
        username=trigger.user_name,
        directory=directory or _directory(),
    )
    # Responses are plain dicts, the same under every Powertools 3.x a layer may carry.
    event["response"]["autoConfirmUser"] = decision.auto_confirm
    event["response"]["autoVerifyEmail"] = decision.auto_verify_email
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
