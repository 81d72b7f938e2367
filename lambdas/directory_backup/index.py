"""Directory export step (invoked by the backup state machine): thin over `export.step`.

Event: {"started": <execution start time>, "cursor": <the previous step's answer, or {}>}.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from trigger_common import MalformedEventError

from directory_backup.export import Directory, new_cursor, step
from directory_backup.pacing import Paced, Pacer
from directory_backup.records import METRIC_DROP, METRIC_USERS
from directory_backup.settings import DirectoryBackupSettings

SDK_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=60)
"""S3 and CloudWatch: the SDK's own retries (Cognito goes through the paced budget instead)."""
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1}, read_timeout=15)
"""Cognito: one attempt per call; `Paced` retries throttling at the export's own rate."""


class S3Store:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3, self._bucket = s3, bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        # A checksum on every write: object lock refuses writes without one.
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
        )

    def get(self, key: str) -> bytes | None:
        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None
        return body


class CloudWatchMetrics:
    def __init__(self, cloudwatch: Any, namespace: str) -> None:
        self._cloudwatch, self._namespace = cloudwatch, namespace

    def publish(self, user_pool_id: str, users: int, drop_percent: float) -> None:
        dimensions = [{"Name": "UserPool", "Value": user_pool_id}]
        self._cloudwatch.put_metric_data(
            Namespace=self._namespace,
            MetricData=[
                {"MetricName": METRIC_USERS, "Dimensions": dimensions, "Value": users},
                {
                    "MetricName": METRIC_DROP,
                    "Dimensions": dimensions,
                    "Value": drop_percent,
                    "Unit": "Percent",
                },
            ],
        )


@cache
def directory_of(settings: DirectoryBackupSettings) -> Directory:
    """One per warm container: its pacers carry over from step to step, so the rate holds
    across the steps of a run too."""
    return Directory(
        boto3.client("cognito-idp", config=ONE_ATTEMPT),
        settings.user_pool_id,
        lists=Paced(Pacer(settings.list_requests_per_second)),
        reads=Paced(Pacer(settings.read_requests_per_second)),
    )


def handler(
    event: dict[str, Any], context: Any, *, settings: DirectoryBackupSettings | None = None
) -> dict[str, Any]:
    if not isinstance(event, dict) or not isinstance(event.get("started"), str):
        raise MalformedEventError("event.started (the execution's start time) is missing")
    cursor = event.get("cursor") or new_cursor(event["started"])
    if not isinstance(cursor, dict) or "phase" not in cursor:
        raise MalformedEventError("event.cursor is not a cursor of this export")
    settings = settings or DirectoryBackupSettings.of_this_function()
    return step(
        cursor,
        directory=directory_of(settings),
        store=S3Store(boto3.client("s3", config=SDK_RETRIES), settings.bucket),
        metrics=CloudWatchMetrics(
            boto3.client("cloudwatch", config=SDK_RETRIES), settings.metric_namespace
        ),
        with_mfa=settings.mfa_preferences,
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000.0,
    )
