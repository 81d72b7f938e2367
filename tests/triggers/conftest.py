"""Fixtures of the trigger tests (helpers are in `tests/support/triggers.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.shared.version import VERSION

from tests.support.aws import (  # noqa: F401 (fixtures)
    mocked_account,
    moto_keys_made_once,
    one_model_cache,
)
from tests.support.scanners import EXPECTED_POWERTOOLS
from tests.support.triggers import GROUP, REGION, TABLE, FakeLambdaContext, Pool, create_items_table


@pytest.fixture(scope="session", autouse=True)
def powertools_under_test() -> str:
    """The Powertools these tests run on; the run on the oldest supported one names it."""
    expected = os.environ.get(EXPECTED_POWERTOOLS)
    assert expected in (None, VERSION), f"running on Powertools {VERSION}, not {expected}"
    return VERSION


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with mocked_account(monkeypatch, REGION):
        yield


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """One session for the fixtures' clients: it loads each service model once, where
    `boto3.client` inside a fresh mock would load it again for every test."""
    return boto3.Session(
        region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def table(aws: None, boto_session: boto3.Session) -> Any:
    client = boto_session.client("dynamodb")
    create_items_table(client, TABLE)
    return client


@pytest.fixture
def pool(aws: None, boto_session: boto3.Session) -> Pool:
    client = boto_session.client("cognito-idp")
    pool_id = client.create_user_pool(PoolName="triggers", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client.create_group(UserPoolId=pool_id, GroupName=GROUP)
    return Pool(client, pool_id)
