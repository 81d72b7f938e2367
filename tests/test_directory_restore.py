"""The restore against moto: an empty pool gets back the same users, groups, memberships,
enabled flags and federated links a backup holds; a pool that lost some users gets exactly
those back; a second run changes nothing; the dry run changes nothing at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from directory_backup.export import Directory, new_cursor, step
from directory_backup.index import CloudWatchMetrics, S3Store
from directory_backup.pacing import Paced, Pacer
from directory_backup.records import OWNER_ATTRIBUTE, encode
from moto import mock_aws

from stacks.outputs import StackOutput, deployed_stack_name
from tests.support.directory import (
    LinkingCognito,
    directory_state,
    email,
    empty_pool,
    populated_pool,
)
from tools.operations import directory_restore
from tools.operations.directory_backup import start_and_wait
from tools.operations.directory_restore import (
    Backup,
    Pool,
    PoolState,
    apply,
    create_request,
    load_backup,
    plan,
)

REGION = "eu-west-1"
BUCKET = "directory-backups"
USERS = 150


def fast() -> Paced:
    return Paced(Pacer(5000.0))


@contextmanager
def backed_up_pool(bucket: str) -> Iterator[dict[str, Any]]:
    """A moto account with a populated pool and a finished backup of it in `bucket`."""
    with mock_aws():
        cognito = LinkingCognito(boto3.client("cognito-idp", region_name=REGION))
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        source = populated_pool(cognito, USERS)
        cursor = new_cursor("2026-12-01T02:00:00Z")
        while not cursor["done"]:
            cursor = step(
                cursor,
                directory=Directory(cognito, source, lists=fast(), reads=fast()),
                store=S3Store(s3, bucket),
                metrics=CloudWatchMetrics(boto3.client("cloudwatch", region_name=REGION), "T"),
                with_mfa=True,
                seconds_left=lambda: 900.0,
            )
        yield {"cognito": cognito, "s3": s3, "source": source, "bucket": bucket}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """One pool and its backup, for the tests that restore into a new pool and leave the source
    as it was (a pool of 150 users and its export take a second against moto)."""
    with backed_up_pool(BUCKET) as account:
        yield account


@pytest.fixture
def own_aws() -> Iterator[dict[str, Any]]:
    """A pool and its backup of the test's own, for a test that changes the source pool (in
    the module's moto account, which it shares, hence a bucket of its own)."""
    with backed_up_pool(f"{BUCKET}-own") as account:
        yield account


def user(cognito: Any, pool_id: str, username: str) -> dict[str, Any]:
    found = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    return {
        "enabled": found["Enabled"],
        "modified": found["UserLastModifiedDate"],
        **{a["Name"]: a["Value"] for a in found["UserAttributes"]},
    }


def pool(aws: dict[str, Any], pool_id: str) -> Pool:
    return Pool(aws["cognito"], pool_id, lists=fast(), writes=fast())


def restore(aws: dict[str, Any], pool_id: str) -> directory_restore.Plan:
    target = pool(aws, pool_id)
    todo = plan(load_backup(f"s3://{aws['bucket']}", aws["s3"]), target.state(), ("email",))
    apply(todo, target, say=lambda _: None)
    return todo


def test_an_empty_pool_gets_the_whole_directory_back(aws: dict[str, Any]) -> None:
    target = empty_pool(aws["cognito"], "replacement")
    done = restore(aws, target)
    assert len(done.users) == USERS
    assert directory_state(aws["cognito"], target) == directory_state(aws["cognito"], aws["source"])
    again = restore(aws, target)
    assert again.empty, "a second run changes nothing"


def test_each_recreated_user_keeps_its_old_id_as_owner(aws: dict[str, Any]) -> None:
    cognito = aws["cognito"]
    before = {
        u["Attributes"][0]["Value"]: {a["Name"]: a["Value"] for a in u["Attributes"]}["sub"]
        for u in cognito.list_users(UserPoolId=aws["source"], Limit=60)["Users"]
    }
    target = empty_pool(cognito, "replacement")
    restore(aws, target)
    for user in cognito.list_users(UserPoolId=target, Limit=60)["Users"]:
        attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
        assert attributes["sub"] != before[attributes["email"]], "Cognito gave it a new sub"
        assert attributes[OWNER_ATTRIBUTE] == before[attributes["email"]]


def test_a_pool_that_lost_users_gets_exactly_those_back(own_aws: dict[str, Any]) -> None:
    aws = own_aws
    cognito, source = aws["cognito"], aws["source"]
    expected = directory_state(cognito, source)
    lost = [email(i) for i in range(0, USERS, 9)]
    for address in lost:
        cognito.admin_delete_user(UserPoolId=source, Username=address)
    cognito.admin_remove_user_from_group(UserPoolId=source, Username=email(3), GroupName="beta")
    untouched = user(cognito, source, email(2))
    done = restore(aws, source)
    assert sorted(u["attributes"]["email"] for u in done.users) == sorted(lost)
    assert ("beta", user(cognito, source, email(3))["sub"]) in done.memberships
    assert directory_state(cognito, source) == expected
    assert user(cognito, source, email(2)) == untouched, "a user it did not lose is not touched"
    assert restore(aws, source).empty


def test_a_restore_that_stopped_is_finished_by_running_it_again(aws: dict[str, Any]) -> None:
    cognito = aws["cognito"]
    target = empty_pool(cognito, "replacement")
    backup = load_backup(f"s3://{aws['bucket']}", aws["s3"])
    todo = plan(backup, pool(aws, target).state())
    todo.disable, todo.links, todo.memberships = [], [], []
    todo.users = todo.users[: USERS // 2]
    apply(todo, pool(aws, target), say=lambda _: None)  # stopped after half the users
    restore(aws, target)
    assert directory_state(cognito, target) == directory_state(cognito, aws["source"])


def test_federated_only_users_come_back_linked_and_unconfirmed_ones_do_not() -> None:
    records = [
        {
            "kind": "user",
            "username": "Google_1234",
            "status": "EXTERNAL_PROVIDER",
            "enabled": True,
            "attributes": {"sub": "old-google", "email": "g@example.net"},
            "mfa": None,
        },
        {
            "kind": "user",
            "username": "never",
            "status": "UNCONFIRMED",
            "enabled": True,
            "attributes": {"sub": "old-never", "email": "n@example.net"},
            "mfa": None,
        },
    ]
    backup = Backup({"parts": ["p"]}, lambda _: directory_restore_encode(records))
    todo = plan(backup, PoolState())
    assert [u["username"] for u in todo.users] == ["Google_1234"]
    assert todo.links == [("old-google", "Google", "1234")]
    assert any("never confirmed" in note for note in todo.notes)
    no_email = {**records[0], "attributes": {"sub": "old-phone-only"}}
    skipped = plan(
        Backup({"parts": ["p"]}, lambda _: directory_restore_encode([no_email])),
        PoolState(),
        ("email",),
    )
    assert skipped.users == []
    assert skipped.links == [], "nothing to link it to"
    assert skipped.notes == ["skipped old-phone-only: has no email to sign in with"]
    request = create_request(todo.users[0], ("email",))
    assert request["Username"] == "g@example.net"
    assert request["MessageAction"] == "SUPPRESS", "no password to set: no invitation"
    assert {"Name": OWNER_ATTRIBUTE, "Value": "old-google"} in request["UserAttributes"]
    assert all(a["Name"] not in ("sub", "identities") for a in request["UserAttributes"])


def directory_restore_encode(records: list[dict[str, Any]]) -> bytes:
    return encode(records)


def test_native_users_are_invited_with_a_password_of_their_own() -> None:
    user = {
        "username": "abc",
        "status": "CONFIRMED",
        "enabled": True,
        "attributes": {"sub": "s", "email": "a@example.net", "email_verified": "true"},
    }
    request = create_request(user, ("email",))
    assert "MessageAction" not in request
    assert "TemporaryPassword" not in request, "Cognito makes one per user"
    assert request["DesiredDeliveryMediums"] == ["EMAIL"]
    assert create_request({**user, "enabled": False}, ("email",))["MessageAction"] == "SUPPRESS"


def test_the_dry_run_prints_the_plan_and_changes_nothing(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = empty_pool(aws["cognito"], "replacement")
    outputs = {o.value: "x" for o in StackOutput}
    outputs |= {StackOutput.REGION.value: REGION, StackOutput.USER_POOL_ID.value: target}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({deployed_stack_name("Dev"): outputs}))
    backup = f"s3://{aws['bucket']}"
    code = directory_restore.main(["Dev", "--outputs", str(path), "--backup", backup])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"users to create:       {USERS}" in printed
    assert "dry run" in printed
    assert "password" in printed
    assert aws["cognito"].list_users(UserPoolId=target)["Users"] == []


def test_make_backup_starts_the_export_and_waits_for_its_manifest() -> None:
    """`make backup`: the stage's own state machine, started (or joined, when a run is under
    way) and followed to its end (moto runs no state machine, so botocore's Stubber answers)."""
    states = boto3.client("stepfunctions", region_name=REGION)
    machine = f"arn:aws:states:{REGION}:123456789012:stateMachine:backup"
    execution = f"arn:aws:states:{REGION}:123456789012:execution:backup:now"
    final = {"done": True, "manifest": "directory/x/manifest.json", "counts": {"users": 3}}
    with Stubber(states) as stub:
        stub.add_response(
            "list_executions",
            {"executions": []},
            {"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1},
        )
        stub.add_response(
            "start_execution",
            {"executionArn": execution, "startDate": "2026-12-01T02:00:00Z"},
            {"stateMachineArn": machine, "input": "{}"},
        )
        for status in ("RUNNING", "SUCCEEDED"):
            stub.add_response(
                "describe_execution",
                {
                    "executionArn": execution,
                    "stateMachineArn": machine,
                    "status": status,
                    "startDate": "2026-12-01T02:00:00Z",
                    **({"output": json.dumps(final)} if status == "SUCCEEDED" else {}),
                },
                {"executionArn": execution},
            )
        waits: list[float] = []
        assert start_and_wait(states, machine, sleep=waits.append, say=lambda _: None) == final
        assert len(waits) == 1
        running = {
            "executionArn": execution,
            "stateMachineArn": machine,
            "name": "scheduled",
            "status": "RUNNING",
            "startDate": "2026-12-01T02:00:00Z",
        }
        # A run under way is followed, not doubled (no start_execution is stubbed).
        stub.add_response("list_executions", {"executions": [running]})
        stub.add_response(
            "describe_execution",
            {
                "executionArn": execution,
                "stateMachineArn": machine,
                "status": "FAILED",
                "startDate": "2026-12-01T02:00:00Z",
                "error": "States.TaskFailed",
            },
        )
        with pytest.raises(RuntimeError, match=r"FAILED: States\.TaskFailed"):
            start_and_wait(states, machine, sleep=waits.append, say=lambda _: None)
