"""The buckets that hold users' photos, in each Region that has a copy: the photos bucket and
its server access-log bucket, with the settings and acknowledgments both Regions share."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from stage_config import DataAccessConfig


def access_log_bucket(scope: Construct, removal: RemovalPolicy) -> s3.Bucket:
    """The server access log target of a photos bucket: SSE-S3 (the only encryption S3's log
    delivery writes to), kept a year, in the photos' own Region."""
    bucket = s3.Bucket(
        scope,
        "AccessLogs",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                expiration=Duration.days(365),
                noncurrent_version_expiration=Duration.days(30),
            )
        ],
        removal_policy=removal,
    )
    accept_finding(
        bucket,
        nag="AwsSolutions-S1",
        checkov=("CKV_AWS_18",),
        control_tower=("s3_bucket_logging_enabled_check",),
        reason="This bucket is the server access log target; logging it to itself would "
        "loop and logging it elsewhere only moves the problem.",
    )
    accept_finding(
        bucket,
        nag_packs=("S3DefaultEncryptionKMS",),
        control_tower=("s3_bucket_default_encryption_kms_check",),
        reason="S3 server access logging delivers only to buckets encrypted with SSE-S3; "
        "the logs hold request metadata, not photos.",
    )
    accept_finding(
        bucket,
        nag_packs=("S3BucketReplicationEnabled",),
        reason="Server access logs are request diagnostics kept a year in their bucket's own "
        "Region; a copy elsewhere would protect no user's data.",
    )
    _accept_bucket_controls(bucket)
    return bucket


def photos_bucket(
    scope: Construct,
    *,
    config: DataAccessConfig,
    encryption: dict[str, Any],
    removal: RemovalPolicy,
    access_logs: s3.Bucket,
) -> s3.Bucket:
    """Users' photos under users/<sub>/: private, TLS only, versioned (what replication and
    recovery need), logged, reachable from the app's web origins."""
    bucket = s3.Bucket(
        scope,
        "Photos",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        **encryption,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="photos/",
        cors=[
            s3.CorsRule(
                allowed_methods=[
                    s3.HttpMethods.GET,
                    s3.HttpMethods.PUT,
                    s3.HttpMethods.HEAD,
                    s3.HttpMethods.DELETE,
                ],
                allowed_origins=list(config.web_origins),
                allowed_headers=["*"],
                exposed_headers=["ETag"],
                max_age=3000,
            )
        ],
        lifecycle_rules=[
            s3.LifecycleRule(
                abort_incomplete_multipart_upload_after=Duration.days(
                    config.abort_multipart_after_days
                ),
                noncurrent_version_expiration=Duration.days(
                    config.noncurrent_versions_expire_after_days
                ),
            )
        ],
        removal_policy=removal,
    )
    _accept_bucket_controls(bucket)
    return bucket


def _accept_bucket_controls(bucket: s3.Bucket) -> None:
    """Control Tower controls that do not fit a per-user photo store, each with its reason."""
    accept_finding(
        bucket,
        control_tower=("s3_bucket_object_lock_enabled_check",),
        reason="Object lock would make a user's photos undeletable (account deletion, erasure "
        "requests); versioning with expiring noncurrent versions gives recovery instead.",
    )
    accept_finding(
        bucket,
        control_tower=("s3_event_notifications_enabled_check",),
        reason="Nothing in this design reacts to object events; a notification without a "
        "consumer adds nothing. Add one with the backend that processes uploads.",
    )
