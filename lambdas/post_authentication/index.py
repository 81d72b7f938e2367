"""Post authentication trigger: record the last sign-in on the user's profile item.

One conditional UpdateItem, and nothing else on the sign-in path: it sets `last_sign_in_at`
only on an existing profile item and only forward in time, so a retried delivery changes
nothing. A missing profile, or an AWS error after the retries, is logged and the sign-in goes
on: the record is bookkeeping, not a reason to turn a user away.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import aws_calls
from aws_calls import AWS_CALLS
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostAuthenticationTriggerEvent,
)
from directory_backup.records import owner_id
from trigger_common import LOGGER, check_shape, profile_key, user_safe

from post_authentication.settings import PostAuthenticationSettings


class Profiles(Protocol):
    """The seam to AWS: record a sign-in on a profile; False when nothing was recorded."""

    def record_sign_in(self, sub: str, at: str) -> bool: ...


def record(sub: str, now: datetime, profiles: Profiles) -> None:
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    recorded = profiles.record_sign_in(sub, at)
    LOGGER.info("last sign-in %s", "recorded" if recorded else "not recorded")


class DynamoProfiles:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def record_sign_in(self, sub: str, at: str) -> bool:
        try:
            AWS_CALLS.call(
                lambda: self._dynamodb.update_item(
                    TableName=self._table,
                    Key=profile_key(sub),
                    UpdateExpression="SET last_sign_in_at = :at",
                    ConditionExpression=(
                        "attribute_exists(pk) AND "
                        "(attribute_not_exists(last_sign_in_at) OR last_sign_in_at < :at)"
                    ),
                    ExpressionAttributeValues={":at": {"S": at}},
                )
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        except Exception:  # throttled past the retries, or unreachable: the sign-in goes on
            LOGGER.exception("last sign-in not recorded")
            return False
        return True


def handle(
    event: dict[str, Any],
    context: object,
    *,
    profiles: Profiles | None = None,
    settings: PostAuthenticationSettings | None = None,
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName", "request.userAttributes.sub"),
        string_maps=("request.userAttributes",),
    )
    trigger = PostAuthenticationTriggerEvent(event)
    settings = settings or PostAuthenticationSettings.of_this_function()
    record(
        owner_id(trigger.request.user_attributes),
        datetime.now(UTC),
        profiles or DynamoProfiles(aws_calls.client("dynamodb"), settings.table_name),
    )
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
