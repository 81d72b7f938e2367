"""Fixtures of the trigger tests (helpers are in `tests/support/triggers.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.triggers import GROUP, REGION, TABLE, FakeLambdaContext, Pool, create_items_table


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


@pytest.fixture
def table(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    create_items_table(client, TABLE)
    return client


@pytest.fixture
def pool(aws: None) -> Pool:
    client = boto3.client("cognito-idp", region_name=REGION)
    pool_id = client.create_user_pool(PoolName="triggers", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client.create_group(UserPoolId=pool_id, GroupName=GROUP)
    return Pool(client, pool_id)
