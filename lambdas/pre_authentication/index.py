"""Pre authentication trigger: refuse sign-in to users the app has suspended.

The app suspends a user by setting `suspended` on their profile item (pk = sub, sk = PROFILE);
this trigger reads that one attribute before every password or passwordless sign-in and refuses
with a message that says what happened and nothing more. A user without a profile item (created
before the post confirmation trigger, or by an administrator) is not suspended.
"""

from __future__ import annotations

from typing import Any, Protocol

import aws_calls
from aws_calls import AWS_CALLS
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreAuthenticationTriggerEvent,
)
from directory_backup.records import owner_id
from trigger_common import LOGGER, UserFacingError, check_shape, profile_key, user_safe

from pre_authentication.settings import PreAuthenticationSettings

SUSPENDED = "This account is suspended. Please contact support."


class Profiles(Protocol):
    """The seam to AWS: whether a user's profile marks them suspended."""

    def is_suspended(self, sub: str) -> bool: ...


def check_allowed(sub: str, profiles: Profiles) -> None:
    if profiles.is_suspended(sub):
        LOGGER.info("sign-in refused: suspended")
        raise UserFacingError(SUSPENDED)


class DynamoProfiles:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def is_suspended(self, sub: str) -> bool:
        found = AWS_CALLS.call(
            lambda: self._dynamodb.get_item(
                TableName=self._table,
                Key=profile_key(sub),
                ProjectionExpression="suspended",
            )
        )
        return found.get("Item", {}).get("suspended", {}).get("BOOL") is True


def handle(
    event: dict[str, Any],
    context: object,
    *,
    profiles: Profiles | None = None,
    settings: PreAuthenticationSettings | None = None,
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName"),
        string_maps=("request.userAttributes",),
    )
    trigger = PreAuthenticationTriggerEvent(event)
    attributes = trigger.request.user_attributes
    if trigger.request.user_not_found or not attributes.get("sub"):
        return event  # Cognito refuses the sign-in itself; there is no profile to read
    settings = settings or PreAuthenticationSettings.of_this_function()
    check_allowed(
        owner_id(attributes),
        profiles or DynamoProfiles(aws_calls.client("dynamodb"), settings.table_name),
    )
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
