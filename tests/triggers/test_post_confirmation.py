"""Post confirmation: one profile item per user however often Cognito retries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from post_confirmation.index import AwsStore, on_confirmed
from post_confirmation.index import handler as post_confirmation
from trigger_common import MalformedEventError
from trigger_settings import forget_loaded_settings

from tests.support.triggers import (
    GROUP,
    POST_CONFIRMATION,
    REGION,
    TABLE,
    FakeLambdaContext,
    Pool,
    load_event,
    local_zone,
)


@pytest.fixture
def store(table: Any, pool: Pool) -> AwsStore:
    return AwsStore(table, pool.client, TABLE)


def items(table: Any) -> list[dict[str, Any]]:
    return list(table.scan(TableName=TABLE)["Items"])


def confirmed_event(pool: Pool) -> tuple[dict[str, Any], str]:
    username = pool.add_user("alice@example.com", verified=True)
    event = load_event("PostConfirmation_ConfirmSignUp")
    event["userPoolId"], event["userName"] = pool.pool_id, username
    return event, username


def test_confirm_sign_up_creates_profile_and_membership(
    table: Any, pool: Pool, store: AwsStore
) -> None:
    event, username = confirmed_event(pool)
    assert (
        post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
        == event
    )
    (item,) = items(table)
    assert item["pk"] == {"S": "11111111-aaaa-4bbb-8ccc-111111111111"}
    assert item["sk"] == {"S": "PROFILE"}
    assert item["email"] == {"S": "alice@example.com"}
    assert item["name"] == {"S": "Alice Example"}
    assert "cognito:user_status" not in item
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username=username)
    assert [g["GroupName"] for g in groups["Groups"]] == [GROUP]


def test_three_deliveries_leave_one_unchanged_item(table: Any, pool: Pool, store: AwsStore) -> None:
    event, username = confirmed_event(pool)
    post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    first = items(table)
    for _ in range(2):
        post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    assert items(table) == first
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username=username)
    assert len(groups["Groups"]) == 1


def test_each_delivery_says_whether_it_created_the_profile(
    pool: Pool, store: AwsStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The store tells a first delivery from a retry, and the log says which it was."""
    event, _ = confirmed_event(pool)
    with caplog.at_level("INFO", logger="trigger"):
        for _ in range(2):
            post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    assert [r.getMessage() for r in caplog.records] == [
        "profile created",
        "profile already existed (retry)",
    ]


def test_created_at_is_utc_whatever_the_local_zone(pool: Pool, table: Any, store: AwsStore) -> None:
    with local_zone("America/New_York"):
        event, username = confirmed_event(pool)
        on_confirmed(
            event["triggerSource"],
            event["request"]["userAttributes"],
            pool_id=pool.pool_id,
            username=username,
            default_group="",
            store=store,
            now=datetime(2026, 11, 1, 12, tzinfo=timezone(timedelta(hours=2))),
        )
    (item,) = items(table)
    assert item["created_at"] == {"S": "2026-11-01T10:00:00+00:00"}


def test_a_later_retry_never_overwrites(table: Any, pool: Pool, store: AwsStore) -> None:
    event, username = confirmed_event(pool)
    attributes = event["request"]["userAttributes"]
    for day in (1, 2, 3):
        on_confirmed(
            event["triggerSource"],
            {**attributes, "name": f"Name on day {day}"},
            pool_id=pool.pool_id,
            username=username,
            default_group=GROUP,
            store=store,
            now=datetime(2026, 11, day, tzinfo=UTC),
        )
    (item,) = items(table)
    assert item["created_at"] == {"S": "2026-11-01T00:00:00+00:00"}
    assert item["name"] == {"S": "Name on day 1"}


def test_forgot_password_confirmation_does_nothing(table: Any, pool: Pool, store: AwsStore) -> None:
    username = pool.add_user("alice@example.com", verified=True)
    event = load_event("PostConfirmation_ConfirmForgotPassword")
    event["userPoolId"], event["userName"] = pool.pool_id, username
    post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    assert items(table) == []
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username=username)
    assert groups["Groups"] == []


def test_event_without_sub_is_rejected_before_any_write(
    table: Any, pool: Pool, store: AwsStore
) -> None:
    event, _ = confirmed_event(pool)
    del event["request"]["userAttributes"]["sub"]
    with pytest.raises(MalformedEventError, match=r"event\.request\.userAttributes\.sub"):
        post_confirmation(event, FakeLambdaContext(), store=store, settings=POST_CONFIRMATION)
    assert items(table) == []


def test_no_default_group_means_no_group_call(table: Any, pool: Pool, store: AwsStore) -> None:
    event, username = confirmed_event(pool)
    post_confirmation(
        event,
        FakeLambdaContext(),
        store=store,
        settings=dataclasses.replace(POST_CONFIRMATION, default_group=""),
    )
    assert len(items(table)) == 1
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username=username)
    assert groups["Groups"] == []


def test_store_reads_table_name_from_env(
    monkeypatch: pytest.MonkeyPatch, table: Any, pool: Pool
) -> None:
    """The real wiring: settings parsed from the environment the construct writes, clients from
    boto3 (moto here)."""
    import aws_calls
    import post_confirmation.index as module

    for name, value in POST_CONFIRMATION.to_environment().items():
        monkeypatch.setenv(name, value)
    aws_calls.client.cache_clear()
    forget_loaded_settings()
    event, _ = confirmed_event(pool)
    module.handler(event, FakeLambdaContext())
    assert len(items(boto3.client("dynamodb", region_name=REGION))) == 1
