"""Trigger tests: handlers import as `<trigger>.index` with `lambdas/` on the path, as in Lambda."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.cdk_app import ROOT

sys.path.insert(0, str(ROOT / "lambdas"))
EVENTS = ROOT / "tests" / "events"
REGION = "eu-west-1"
TABLE = "photoshare-items"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return copy.deepcopy(event)


def event_names(prefix: str) -> list[str]:
    return sorted(p.stem for p in EVENTS.glob(f"{prefix}*.json"))


@dataclass
class FakeLambdaContext:
    """What handlers may read from the Lambda context (they read nothing, but type it)."""

    function_name: str = "trigger"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:trigger"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


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


def create_items_table(client: Any, name: str) -> None:
    """The items table as the stack defines it (pk/sk strings, on demand), on moto."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )


@pytest.fixture
def table(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    create_items_table(client, TABLE)
    return client


@dataclass
class Pool:
    client: Any
    pool_id: str

    def add_user(self, email: str, *, verified: bool, confirmed: bool = True) -> str:
        """Create a native user; returns the username Cognito assigned (a UUID here)."""
        user = self.client.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": str(verified).lower()},
            ],
        )["User"]
        if confirmed:
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=email, Password="Correct-Horse-9!", Permanent=True
            )
        return str(user["Username"])


@pytest.fixture
def pool(aws: None) -> Pool:
    client = boto3.client("cognito-idp", region_name=REGION)
    pool_id = client.create_user_pool(PoolName="photoshare", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client.create_group(UserPoolId=pool_id, GroupName="members")
    return Pool(client, pool_id)
