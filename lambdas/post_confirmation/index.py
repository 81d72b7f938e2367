"""Post confirmation trigger: create the user's profile item and add them to the default group.

Cognito may retry a trigger, so both steps are idempotent: the profile is a conditional put that
never overwrites (a retry leaves the first item untouched) and group membership is a set. A
confirmed password reset (`PostConfirmation_ConfirmForgotPassword`) does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import aws_calls
from aws_calls import AWS_CALLS
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostConfirmationTriggerEvent,
)
from directory_backup.records import owner_id
from trigger_common import LOGGER, check_shape, profile_key, user_safe

from post_confirmation.settings import PostConfirmationSettings

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
PROFILE_ATTRIBUTES = ("email", "name", "given_name", "family_name", "picture")


@dataclass(frozen=True)
class Profile:
    sub: str
    attributes: dict[str, str]
    created_at: str

    def item(self) -> dict[str, dict[str, str]]:
        """The DynamoDB item (low-level attribute values)."""
        item = {**profile_key(self.sub), "created_at": {"S": self.created_at}}
        item.update({name: {"S": value} for name, value in self.attributes.items()})
        return item


class Store(Protocol):
    """The seam to AWS: write a profile once, put a user in a group."""

    def create_profile(self, profile: Profile) -> bool: ...

    def add_to_group(self, pool_id: str, username: str, group: str) -> None: ...


def profile_for(attributes: dict[str, str], now: datetime) -> Profile:
    return Profile(
        sub=owner_id(attributes),
        # The handler's shape check has already proven every attribute value is a string.
        attributes={k: attributes[k] for k in PROFILE_ATTRIBUTES if attributes.get(k)},
        created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
    )


def on_confirmed(
    source: str,
    attributes: dict[str, str],
    *,
    pool_id: str,
    username: str,
    default_group: str,
    store: Store,
    now: datetime,
) -> None:
    if source != CONFIRM_SIGN_UP:
        return
    created = store.create_profile(profile_for(attributes, now))
    LOGGER.info("profile %s", "created" if created else "already existed (retry)")
    if default_group:
        store.add_to_group(pool_id, username, default_group)


class AwsStore:
    """Store backed by DynamoDB (conditional PutItem) and cognito-idp (AdminAddUserToGroup)."""

    def __init__(self, dynamodb: Any, cognito: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._cognito = cognito
        self._table = table

    def create_profile(self, profile: Profile) -> bool:
        try:
            AWS_CALLS.call(
                lambda: self._dynamodb.put_item(
                    TableName=self._table,
                    Item=profile.item(),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def add_to_group(self, pool_id: str, username: str, group: str) -> None:
        AWS_CALLS.call(
            lambda: self._cognito.admin_add_user_to_group(
                UserPoolId=pool_id, Username=username, GroupName=group
            )
        )


def _store(table: str) -> Store:
    return AwsStore(aws_calls.client("dynamodb"), aws_calls.client("cognito-idp"), table)


def handle(
    event: dict[str, Any],
    context: object,
    *,
    store: Store | None = None,
    settings: PostConfirmationSettings | None = None,
) -> dict[str, Any]:
    check_shape(
        event,
        strings=("userPoolId", "triggerSource", "userName", "request.userAttributes.sub"),
        string_maps=("request.userAttributes",),
    )
    trigger = PostConfirmationTriggerEvent(event)
    settings = settings or PostConfirmationSettings.of_this_function()
    on_confirmed(
        trigger.trigger_source,
        trigger.request.user_attributes,
        pool_id=trigger.user_pool_id,
        username=trigger.user_name,
        default_group=settings.default_group,
        store=store or _store(settings.table_name),
        now=datetime.now(UTC),
    )
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
