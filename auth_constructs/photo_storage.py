"""Where users' data lives: the photos bucket (plus its access-log bucket) and the items table.

Keyed on the user-pool `sub` so triggers, backends and the identity pool agree; the layout is in
`data_layout`.
"""

from __future__ import annotations

import re
from typing import cast

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from auth_constructs.accepted_findings import accept_finding
from auth_constructs.data_layout import PARTITION_KEY, SORT_KEY, USER_PREFIX, user_prefix
from auth_constructs.stateful import removal_policy
from stage_config import DataAccessConfig, StatefulPolicy


class PhotoStorage(Construct):
    """Stateful by nature: RETAINed and deletion-protected in production, destroyable in dev."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DataAccessConfig,
        stateful: StatefulPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        removal = removal_policy(stateful)
        self.access_logs = s3.Bucket(
            self,
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
            self.access_logs,
            nag="AwsSolutions-S1",
            checkov=("CKV_AWS_18",),
            control_tower=("s3_bucket_logging_enabled_check",),
            reason="This bucket is the server access log target; logging it to itself would "
            "loop and logging it elsewhere only moves the problem.",
        )
        self.bucket = s3.Bucket(
            self,
            "Photos",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
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
        self.table = dynamodb.Table(
            self,
            "Items",
            partition_key=dynamodb.Attribute(
                name=PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=stateful.deletion_protection,
            removal_policy=removal,
        )
        for bucket in (self.access_logs, self.bucket):
            _accept_bucket_controls(bucket)
        accept_finding(
            self.table,
            checkov=("CKV_AWS_119",),
            control_tower=("dynamodb_table_encrypted_kms_check",),
            reason="Items are encrypted at rest with the DynamoDB-owned key; a customer-managed "
            "key would add per-request KMS cost and key-policy grants for every identity-pool "
            "session without changing who can read an item (IAM LeadingKeys decides that).",
        )

    def grant_owner_access(self, grantee: iam.IGrantable, owner: str) -> None:
        """Objects under users/<owner>/ and table items whose partition key is <owner>.

        `owner` is a policy variable (e.g. `${aws:PrincipalTag/sub}`), so one role serves every
        user and each session reaches only its own data.
        """
        prefix = user_prefix(owner)
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="OwnPhotos",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[self.bucket.arn_for_objects(f"{prefix}*")],
            )
        )
        self._acknowledge_wildcard(
            grantee,
            f"{prefix}*",
            "The wildcard is the object key below the caller's own users/<sub>/ prefix; <sub> "
            "is the session's principal tag, so no user can name another user's objects.",
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListOwnPhotos",
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
            )
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="OwnItems",
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                ],
                resources=[self.table.table_arn],
                conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [owner]}},
            )
        )

    def grant_read_all_photos(self, grantee: iam.IGrantable) -> None:
        """Read and list every user's photos (moderation); no write, no table access."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadAllPhotos",
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{USER_PREFIX}*")],
            )
        )
        self._acknowledge_wildcard(
            grantee,
            f"{USER_PREFIX}*",
            "Elevated (moderator) groups read every user's photos by design; the grant is "
            "GetObject only, below users/, with no write or delete.",
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListAllPhotos",
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [USER_PREFIX, f"{USER_PREFIX}*"]}},
            )
        )

    def _acknowledge_wildcard(self, grantee: iam.IGrantable, key_pattern: str, reason: str) -> None:
        """Acknowledge cdk-nag IAM5 for exactly this object pattern on exactly this grantee."""
        bucket_id = Stack.of(self).get_logical_id(
            cast(s3.CfnBucket, self.bucket.node.default_child)
        )
        shown = re.sub(r"\$\{([^}]+)\}", r"<\1>", key_pattern)
        accept_finding(
            cast(Construct, grantee.grant_principal),
            nag=f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{shown}]",
            reason=reason,
        )


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
    accept_finding(
        bucket,
        control_tower=("s3_bucket_default_encryption_kms_check",),
        reason="SSE-S3 encrypts every object at rest; a customer-managed key would add a KMS "
        "request per upload and key-policy grants for every identity-pool session without "
        "changing who can read an object (the per-user IAM prefix decides that).",
    )
