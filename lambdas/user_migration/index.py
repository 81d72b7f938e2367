"""User migration trigger: a user unknown to the pool signs in (`UserMigration_Authentication`,
USER_PASSWORD_AUTH only) or asks for a password reset (`UserMigration_ForgotPassword`); the
legacy store verifies the password (or just finds the user), and Cognito creates the user with
the attributes returned here, CONFIRMED, without a welcome message.

Only the attributes this pool keeps are copied; the email (this pool's username) is required.
The password is passed to the legacy store and nowhere else: never logged, never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secret_values import secret_value
from trigger_common import LOGGER, MalformedEventError, UserFacingError, check_shape, user_safe

from user_migration.legacy_store import HttpsLegacyStore, LegacyStore
from user_migration.settings import UserMigrationSettings

AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger source
NOT_MIGRATED = "Incorrect username or password."
"""What a user the legacy store does not know (or a wrong password) sees: Cognito's own words
for a failed sign-in, so the answer says nothing about who exists."""
STRING_ATTRIBUTES = ("email", "name", "given_name", "family_name", "picture", "locale")
VERIFIED_ATTRIBUTES = ("email_verified",)


def migrated_attributes(legacy: Mapping[str, Any]) -> dict[str, str]:
    """The Cognito attributes of a legacy record: the kept strings, email required, and
    `email_verified` 'true' only when the legacy store says so (a reset code then reaches it)."""
    email = legacy.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise MalformedEventError("the legacy record has no email address")
    kept = {
        name: value
        for name in STRING_ATTRIBUTES
        if isinstance(value := legacy.get(name), str) and value
    }
    for name in VERIFIED_ATTRIBUTES:
        kept[name] = "true" if legacy.get(name) in (True, "true") else "false"
    return kept


def store_for(settings: UserMigrationSettings) -> LegacyStore:
    return HttpsLegacyStore(
        settings.endpoint_url, secret_value(settings.api_key_secret, settings.api_key_field)
    )


def handle(
    event: dict[str, Any],
    context: object,
    *,
    store: LegacyStore | None = None,
    settings: UserMigrationSettings | None = None,
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName"),
        mappings=("request", "response"),
    )
    source, username = event["triggerSource"], event["userName"]
    if source not in (AUTHENTICATION, FORGOT_PASSWORD):
        raise MalformedEventError(f"{source!r} is not a user migration source")
    password = event["request"].get("password")
    if source == AUTHENTICATION and (not isinstance(password, str) or not password):
        raise MalformedEventError("event.request.password is missing or not a string")
    legacy = store or store_for(settings or UserMigrationSettings.of_this_function())
    found = (
        legacy.authenticate(username, password)
        if source == AUTHENTICATION and isinstance(password, str)
        else legacy.lookup(username)
    )
    if found is None:
        LOGGER.info("%s: not migrated (unknown to the legacy store, or refused)", source)
        raise UserFacingError(NOT_MIGRATED)
    event["response"].update(
        userAttributes=migrated_attributes(found),
        finalUserStatus="CONFIRMED",
        messageAction="SUPPRESS",
    )
    LOGGER.info("%s: migrated", source)
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
