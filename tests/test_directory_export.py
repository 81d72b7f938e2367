"""The directory export against moto: a few hundred users across groups (some disabled, some
with MFA, some linked to a federated identity) come out complete, in parts, over several steps,
with the manifest last; a step that dies leaves no backup and is simply run again."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_calls import Backoff
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from directory_backup import export
from directory_backup import index as export_handler
from directory_backup.export import Directory, new_cursor, step
from directory_backup.index import CloudWatchMetrics, S3Store, handler
from directory_backup.pacing import Paced, Pacer
from directory_backup.records import LATEST, METRIC_DROP, METRIC_USERS, decode, linked_identities
from directory_backup.settings import DirectoryBackupSettings
from moto import mock_aws

from benchmarks import directory_export
from stage_config import DirectoryBackupConfig
from tests.support.directory import GROUPS, LinkingCognito, email, populated_pool

REGION = "eu-west-1"
BUCKET = "directory-backups"
USERS = 240
STARTED = "2026-12-01T02:00:00.123Z"


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[tuple[str, float]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        cognito = LinkingCognito(boto3.client("cognito-idp", region_name=REGION))
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        pool = populated_pool(cognito, USERS)
        yield {"cognito": cognito, "s3": s3, "pool": pool}


def directory(aws: dict[str, Any], clock: VirtualClock) -> Directory:
    def paced(rate: float) -> Paced:
        return Paced(Pacer(rate, clock=clock, sleep=clock.sleep), Backoff(sleep=clock.sleep))

    class Timed:
        """The pool, noting the virtual time of each call."""

        def __getattr__(self, name: str) -> Any:
            call = getattr(aws["cognito"], name)
            if name == "exceptions":
                return call

            def timed(**request: Any) -> Any:
                clock.calls.append((name, clock.now))
                return call(**request)

            return timed

    return Directory(Timed(), aws["pool"], lists=paced(3.0), reads=paced(12.0))


class Recording(S3Store):
    """The bucket, remembering the order of writes."""

    def __init__(self, s3: Any) -> None:
        super().__init__(s3, BUCKET)
        self.writes: list[str] = []

    def put(self, key: str, body: bytes, content_type: str) -> None:
        super().put(key, body, content_type)
        self.writes.append(key)


def steps_left(per_step: int) -> Any:
    """seconds_left for a step that has time for `per_step` pages."""
    calls = {"n": 0}

    def seconds_left() -> float:
        calls["n"] += 1
        return 900.0 if calls["n"] <= per_step else 0.0

    return seconds_left


def run_to_end(
    aws: dict[str, Any], store: S3Store, cursor: dict[str, Any], clock: VirtualClock
) -> tuple[dict[str, Any], int]:
    metrics = CloudWatchMetrics(boto3.client("cloudwatch", region_name=REGION), "Test")
    steps, pool = 0, directory(aws, clock)
    while not cursor["done"]:
        cursor = step(
            cursor,
            directory=pool,
            store=store,
            metrics=metrics,
            with_mfa=True,
            seconds_left=steps_left(4),
            now=lambda: datetime(2026, 12, 1, 3, tzinfo=UTC),
        )
        steps += 1
    return cursor, steps


def records(aws: dict[str, Any], manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        record
        for part in manifest["parts"]
        for record in decode(aws["s3"].get_object(Bucket=BUCKET, Key=part)["Body"].read())
    ]


@pytest.fixture(scope="module")
def backup(aws: dict[str, Any]) -> dict[str, Any]:
    store = Recording(aws["s3"])
    clock = VirtualClock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "PART_RECORDS", 50)
        cursor, steps = run_to_end(aws, store, new_cursor(STARTED), clock)
    manifest = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=cursor["manifest"])["Body"].read()
    )
    return {
        "cursor": cursor,
        "steps": steps,
        "writes": store.writes,
        "manifest": manifest,
        "records": records(aws, manifest),
        "calls": clock.calls,
    }


def test_every_user_group_and_membership_is_in_the_backup(backup: dict[str, Any]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in backup["records"]:
        by_kind.setdefault(record["kind"], []).append(record)
    users = {u["attributes"]["email"]: u for u in by_kind["user"]}
    assert set(users) == {email(i) for i in range(USERS)}
    assert {g["name"]: (g["precedence"], g["role_arn"]) for g in by_kind["group"]} == {
        name: (precedence, role) for name, precedence, role in GROUPS
    }
    usernames = {u["username"]: u["attributes"]["email"] for u in by_kind["user"]}
    members = {(m["group"], usernames[m["username"]]) for m in by_kind["membership"]}
    expected = {
        (group, email(i))
        for i in range(USERS)
        for group, every in (("members", 2), ("admins", 25), ("beta", 3))
        if i % every == 0
    }
    assert members == expected
    assert backup["manifest"]["counts"] == {
        "users": USERS,
        "groups": len(GROUPS),
        "memberships": len(expected),
    }


def test_the_flags_mfa_and_links_of_each_user_are_kept(backup: dict[str, Any]) -> None:
    users = {r["attributes"]["email"]: r for r in backup["records"] if r["kind"] == "user"}
    for index in range(USERS):
        user = users[email(index)]
        assert user["enabled"] is (index % 7 != 0)
        assert user["attributes"]["sub"]
        linked = linked_identities(user["attributes"])
        assert linked == (
            [{"provider": "Google", "user_id": f"google-{index}"}] if index % 10 == 0 else []
        )
        sms = "SMS_MFA" in user["mfa"]["enabled"]
        assert sms is (index % 11 == 0)


def test_the_manifest_is_written_last_and_names_every_part(backup: dict[str, Any]) -> None:
    writes, manifest = backup["writes"], backup["manifest"]
    assert writes[-2:] == [backup["cursor"]["manifest"], LATEST]
    assert writes[:-2] == manifest["parts"]
    assert len(manifest["parts"]) > 3, "small parts: the export went over several"
    assert backup["steps"] > 2, "and over several steps, each handing on its cursor"
    assert manifest["user_pool_id"]
    assert manifest["run"] == "20261201T020000Z"
    assert any("password" in line for line in manifest["not_included"])


@pytest.mark.parametrize(
    ("operations", "rate"),
    [(("list_users", "list_groups", "list_users_in_group"), 3.0), (("admin_get_user",), 12.0)],
)
def test_the_export_keeps_to_its_request_budget(
    backup: dict[str, Any], operations: tuple[str, ...], rate: float
) -> None:
    """List calls (the UserList quota) and reads (UserRead) each keep their own rate, spaced
    evenly on the virtual clock: never a burst."""
    times = [at for name, at in backup["calls"] if name in operations]
    assert len(times) >= 10
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / rate - 1e-9


def test_a_step_that_dies_leaves_no_backup_and_runs_again(aws: dict[str, Any]) -> None:
    clock = VirtualClock()
    store = Recording(aws["s3"])
    first = new_cursor("2026-12-02T02:00:00Z")

    class Dying(S3Store):
        def put(self, key: str, body: bytes, content_type: str) -> None:
            if key.endswith("manifest.json"):
                raise ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "PutObject")
            super().put(key, body, content_type)

    cursor, failed = first, None
    pool = directory(aws, clock)
    while failed is None:
        try:
            cursor = step(
                cursor,
                directory=pool,
                store=Dying(aws["s3"], BUCKET),
                metrics=CloudWatchMetrics(boto3.client("cloudwatch", region_name=REGION), "T"),
                with_mfa=False,
                seconds_left=steps_left(3),
            )
        except ClientError as error:
            failed = error
    folder = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="directory/20261202T020000Z/")
    assert not [o for o in folder.get("Contents", []) if o["Key"].endswith("manifest.json")]
    retried, _ = run_to_end(aws, store, cursor, clock)
    assert retried["counts"]["users"] == USERS


def test_the_user_count_drop_is_published(aws: dict[str, Any], backup: dict[str, Any]) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    published = cloudwatch.list_metrics(Namespace="Test")["Metrics"]
    assert {m["MetricName"] for m in published} == {"Users", "UserDropPercent"}


class Context:
    """The Lambda context's one call the export handler makes."""

    def __init__(self, millis: int = 0) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def handler_settings(pool: str, namespace: str, *, mfa: bool = False) -> DirectoryBackupSettings:
    """The handler's settings for the module's pool, paced fast (moto has no quotas)."""
    return DirectoryBackupSettings(
        user_pool_id=pool,
        bucket=BUCKET,
        list_requests_per_second=1000.0,
        read_requests_per_second=1000.0,
        mfa_preferences=mfa,
        metric_namespace=namespace,
    )


def test_the_handler_starts_a_run_and_refuses_a_malformed_event(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trigger_common import MalformedEventError

    settings = handler_settings(aws["pool"], "Handler")
    missing = "event.started (the execution's start time) is missing"
    for bad, message in (
        ({}, missing),
        ({"started": 5}, missing),
        ({"started": STARTED, "cursor": {"x": 1}}, "event.cursor is not a cursor of this export"),
        ({"started": STARTED, "cursor": ["phase"]}, "event.cursor is not a cursor of this export"),
    ):
        with pytest.raises(MalformedEventError) as refused:
            handler(bad, None, settings=settings)
        assert str(refused.value) == message, bad

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    cursor = handler({"started": STARTED, "cursor": {}}, Context(), settings=settings)
    assert cursor["phase"] == "groups"
    assert cursor["run"] == "20261201T020000Z"
    assert not cursor["done"]


def test_the_simulated_export_keeps_sign_ups_unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make bench`'s simulation, on a small pool: at the default budget, the federated
    sign-ups beside it are never throttled; at half the quota (the most config allows), they
    are. So the figure it prints can show starvation, and the default shows none."""
    monkeypatch.setattr(directory_export, "USERS", 6000)
    monkeypatch.setattr(directory_export, "GROUPS", {"admins": 5, "members": 3000})
    calm = directory_export.simulate(DirectoryBackupConfig(mfa_preferences=False))
    assert calm.peak["UserList"] <= DirectoryBackupConfig().list_requests_per_second
    assert calm.sign_ups_throttled == 0
    greedy = directory_export.simulate(
        DirectoryBackupConfig(list_requests_per_second=15.0, read_requests_per_second=60.0)
    )
    assert greedy.sign_ups_throttled > 0
    assert greedy.peak["UserRead"] <= 60


def test_the_handler_runs_a_whole_export_into_the_bucket(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the handler's own clients, step after step: parts and manifest land in the
    bucket with their content types and SHA-256 checksums (object lock refuses writes without
    one), the drop against the previous backup is published under the configured namespace,
    and a step with no more than its reserve left reads nothing; MFA preferences as configured."""
    settings = handler_settings(aws["pool"], "HandlerRun", mfa=True)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    previous = json.dumps({"counts": {"users": USERS * 2}}).encode()
    aws["s3"].put_object(Bucket=BUCKET, Key=LATEST, Body=previous)

    started = "2026-12-02T02:00:00.000Z"
    cursor = handler({"started": started}, Context(90_000), settings=settings)
    assert (cursor["phase"], cursor["parts"]) == ("groups", []), "90 s is only the reserve"
    cursor = handler({"started": started, "cursor": cursor}, Context(90_050), settings=settings)
    assert cursor["parts"], "just over the reserve: a part"
    while not cursor["done"]:
        cursor = handler(
            {"started": started, "cursor": cursor}, Context(900_000), settings=settings
        )
    manifest = json.loads(
        aws["s3"].get_object(Bucket=BUCKET, Key=cursor["manifest"])["Body"].read()
    )
    assert (manifest["counts"]["users"], manifest["previous_users"]) == (USERS, USERS * 2)
    with_sms = {
        r["attributes"]["email"]
        for r in records(aws, manifest)
        if r["kind"] == "user" and "SMS_MFA" in r["mfa"]["enabled"]
    }
    assert with_sms == {email(index) for index in range(0, USERS, 11)}, "MFA as configured"
    for key, content_type in [
        *((part, "application/gzip") for part in manifest["parts"]),
        (cursor["manifest"], "application/json"),
    ]:
        head = aws["s3"].head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert head["ContentType"] == content_type, key
        assert head.get("ChecksumSHA256"), key
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)

    def published(metric: str) -> list[tuple[float, str]]:
        """Each data point of `metric` for the pool, with its unit ("" where none was set:
        moto then leaves it out)."""
        points = cloudwatch.get_metric_statistics(
            Namespace="HandlerRun",
            MetricName=metric,
            Dimensions=[{"Name": "UserPool", "Value": aws["pool"]}],
            StartTime=datetime(2020, 1, 1, tzinfo=UTC),
            EndTime=datetime(2100, 1, 1, tzinfo=UTC),
            Period=86400,
            Statistics=["Maximum"],
        )["Datapoints"]
        return [(point["Maximum"], point.get("Unit", "")) for point in points]

    assert published(METRIC_DROP) == [(50.0, "Percent")]
    assert published(METRIC_USERS) == [(float(USERS), "")]


def test_the_store_reads_back_what_it_wrote_and_nothing_for_a_missing_key(
    aws: dict[str, Any],
) -> None:
    store = S3Store(aws["s3"], BUCKET)
    store.put("directory/probe.json", b'{"a": 1}', "application/json")
    assert store.get("directory/probe.json") == b'{"a": 1}'
    assert store.get("directory/no-such-key.json") is None


def test_the_store_writes_as_the_s3_api_model_spells_it() -> None:
    """`SHA256` as the model's enum has it (botocore would compute the checksum for 'sha256'
    too; S3 reads the algorithm header as sent)."""
    s3 = boto3.client("s3", region_name=REGION)
    with Stubber(s3) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": BUCKET,
                "Key": "directory/part.jsonl.gz",
                "Body": b"records",
                "ContentType": "application/gzip",
                "ChecksumAlgorithm": "SHA256",
            },
        )
        S3Store(s3, BUCKET).put("directory/part.jsonl.gz", b"records", "application/gzip")
        stub.assert_no_pending_responses()


def test_each_client_retries_as_its_budget_says(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 and CloudWatch with the SDK's own retries; Cognito with one attempt, its retries
    paced by the export's budget instead."""
    made: dict[str, Any] = {}
    real = boto3.client

    def client(service: str, **options: Any) -> Any:
        made[service] = options.get("config")
        return real(service, **options)

    monkeypatch.setattr(boto3, "client", client)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    export_handler.directory_of.cache_clear()

    handler({"started": STARTED}, Context(), settings=handler_settings(aws["pool"], "Clients"))
    assert made == {
        "cognito-idp": export_handler.ONE_ATTEMPT,
        "s3": export_handler.SDK_RETRIES,
        "cloudwatch": export_handler.SDK_RETRIES,
    }
