"""Where users' data lives: the photos bucket (plus its access-log bucket) and the items table.

Keyed on the user-pool `sub` so triggers, backends and the identity pool agree; the layout is in
`data_layout`.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding, accept_resource_wildcard
from auth_constructs.data.customer_key import CustomerKey, bucket_encryption
from auth_constructs.data.data_layout import PARTITION_KEY, SORT_KEY, USER_PREFIX, user_prefix
from auth_constructs.data.photo_buckets import access_log_bucket, photos_bucket
from auth_constructs.data.photo_replica import PhotoReplica, PhotoReplication
from auth_constructs.data.stateful import removal_policy
from stage_config import DataAccessConfig, StatefulPolicy

OBJECT_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
"""What S3 asks KMS for on a user's behalf: a data key to upload, a decrypt to download."""
ITEM_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
"""What DynamoDB may ask KMS for on a caller's behalf with a customer-managed table key."""


class PhotoStorage(Construct):
    """Stateful by nature: RETAINed and deletion-protected in production, destroyable in dev.

    With the stage's customer `key`, the photos bucket (with an S3 Bucket Key) and the items
    table are encrypted with it; the access-log bucket stays on SSE-S3, the only encryption S3
    server access logging delivers to.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DataAccessConfig,
        stateful: StatefulPolicy,
        key: CustomerKey | None = None,
        replica: PhotoReplica | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.replica = replica
        removal = removal_policy(stateful)
        self.access_logs = access_log_bucket(self, removal)
        self.bucket = photos_bucket(
            self,
            config=config,
            encryption=bucket_encryption(key),
            removal=removal,
            access_logs=self.access_logs,
        )
        # A global table (AWS::DynamoDB::GlobalTable) from the first deploy, in every stage: a
        # replica Region is then an update. A plain AWS::DynamoDB::Table cannot become one in
        # place (CDK's TableV2 docs: the conversion may delete the table).
        self.table = dynamodb.TableV2(
            self,
            "Items",
            partition_key=dynamodb.Attribute(
                name=PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=stateful.deletion_protection,
            removal_policy=removal,
        )
        self.table_name = cast(dynamodb.CfnGlobalTable, self.table.node.default_child).ref
        """The table's name as its resource's reference, which a stack in another Region reads
        as a stack output (the L2's name refuses to cross environments unless it is fixed)."""
        if replica:
            # The replica in the secondary Region, under the key's replica there (which the
            # stage's ReplicaData stack creates before this one).
            self.table.add_replica(
                region=replica.region,
                deletion_protection=stateful.deletion_protection,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
            )
        self._table_arns = _table_arns(self.table, replica)
        if key:
            # TableV2 renders the added replicas first and the stack's own Region last.
            arns = [replica.key_arn] if replica else []
            for index, arn in enumerate([*arns, key.key.key_arn]):
                _encrypt_with(self.table, index, arn)
        self.replication: PhotoReplication | None = None
        if replica:
            self.replication = PhotoReplication(
                self, "Replication", source=self.bucket, key=key, replica=replica
            )
        else:
            accept_finding(
                self.bucket,
                nag_packs=("S3BucketReplicationEnabled",),
                reason="The stage has no second Region to replicate to (a replica Region is "
                "what cross-Region replication needs); versioning keeps every overwritten or "
                "deleted photo recoverable for the configured days.",
            )
        if not key:
            _accept_aws_owned_keys(self.bucket, self.table)

    def accept_no_backup_plan(self) -> None:
        """A stage without AWS Backup (`backup=None`) keeps the table's own recovery only."""
        accept_finding(
            self.table,
            nag_packs=("DynamoDBInBackupPlan",),
            reason="This stage's config has no AWS Backup plan (backup=None): point-in-time "
            "recovery restores the table to any second of the last 35 days; its data is "
            "disposable outside production.",
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
        self._grant_object_key(grantee, OBJECT_KEY_ACTIONS)
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
                resources=self._table_arns,
                conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [owner]}},
            )
        )
        self._grant_item_key(grantee)
        if self.key and self.replica:  # the table's replica, under the key's replica there
            self.replica.key.grant_through(grantee, "dynamodb", ITEM_KEY_ACTIONS)
        self._grant_replica_reads(
            grantee,
            "Own",
            prefix,
            "The wildcard is the object key below the caller's own users/<sub>/ prefix in the "
            "photos' replica (read while the primary Region is out); <sub> is the session's "
            "principal tag.",
        )

    def grant_item_writes(self, grantee: iam.IGrantable) -> None:
        """Put any item (a trigger writing a new user's profile)."""
        self.grant_items(grantee, "dynamodb:PutItem")

    def grant_items(self, grantee: iam.IGrantable, *actions: str) -> None:
        """`actions` on any item, with the key through DynamoDB (a trigger acting for any
        user: it reads or writes the profile of the user signing in)."""
        self.table.grant(grantee, *actions)
        self._grant_item_key(grantee)

    def grant_read_all_photos(self, grantee: iam.IGrantable) -> None:
        """Read and list every user's photos (moderation); no write, no table access."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadAllPhotos",
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{USER_PREFIX}*")],
            )
        )
        self._grant_object_key(grantee, ["kms:Decrypt"])
        self._acknowledge_wildcard(
            grantee,
            f"{USER_PREFIX}*",
            "Elevated (moderator) groups read every user's photos by design; the grant is "
            "GetObject only, below users/, with no write or delete.",
        )
        self._grant_replica_reads(
            grantee,
            "All",
            USER_PREFIX,
            "Elevated (moderator) groups read every user's photos, in the replica too while the "
            "primary Region is out; GetObject only, below users/.",
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListAllPhotos",
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [USER_PREFIX, f"{USER_PREFIX}*"]}},
            )
        )

    def _grant_replica_reads(
        self, grantee: iam.IGrantable, whose: str, prefix: str, reason: str
    ) -> None:
        """Read and list objects under `prefix` in the photos' replica, with its key through
        S3 there. Reads only: replication runs one way, so a photo written to the replica
        would never reach the primary."""
        if not self.replica:
            return
        replica = self.replica
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid=f"Read{whose}PhotoReplicas",
                actions=["s3:GetObject"],
                resources=[f"{replica.bucket_arn}/{prefix}*"],
            )
        )
        accept_resource_wildcard(
            cast(Construct, grantee.grant_principal), f"{replica.bucket_arn}/{prefix}*", reason
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid=f"List{whose}PhotoReplicas",
                actions=["s3:ListBucket"],
                resources=[replica.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
            )
        )
        if self.key:
            replica.key.grant_through(
                grantee, "s3", ["kms:Decrypt"], {"aws:s3:arn": replica.bucket_arn}
            )

    def _grant_object_key(self, grantee: iam.IGrantable, actions: list[str]) -> None:
        """The key, for S3 requests on this bucket only (with a Bucket Key, S3's encryption
        context is the bucket ARN); which objects is still the S3 statement's decision."""
        if self.key:
            self.key.grant_through(grantee, "s3", actions, {"aws:s3:arn": self.bucket.bucket_arn})

    def _grant_item_key(self, grantee: iam.IGrantable) -> None:
        """The key, for DynamoDB requests only; which items is the table statement's decision
        (DescribeKey carries no encryption context, so none is required here)."""
        if self.key:
            self.key.grant_through(grantee, "dynamodb", ITEM_KEY_ACTIONS)

    def _acknowledge_wildcard(self, grantee: iam.IGrantable, key_pattern: str, reason: str) -> None:
        """Acknowledge cdk-nag IAM5 for exactly this object pattern on exactly this grantee (a
        role of this stack or of another: the Access stack's)."""
        accept_resource_wildcard(
            cast(Construct, grantee.grant_principal),
            self.bucket.arn_for_objects(key_pattern),
            reason,
        )


def _table_arns(table: dynamodb.TableV2, replica: PhotoReplica | None) -> list[str]:
    """The table, and its replica in the secondary Region (a global table is written in either
    Region)."""
    return [table.table_arn] + ([table.replica(replica.region).table_arn] if replica else [])


def _encrypt_with(table: dynamodb.TableV2, replica: int, key_arn: str) -> None:
    """SSE-KMS on the table's `replica`-th replica with the key (or key replica) `key_arn`.

    TableV2's own customer-key option needs the stack's Region at synth, to map a key to each
    replica Region; an environment-agnostic stage has one replica, in whatever Region it is
    deployed to, and its key is in the stage's Key stack."""
    cfn = cast(dynamodb.CfnGlobalTable, table.node.default_child)
    cfn.add_property_override("SSESpecification", {"SSEEnabled": True, "SSEType": "KMS"})
    cfn.add_property_override(f"Replicas.{replica}.SSESpecification", {"KMSMasterKeyId": key_arn})


def _accept_aws_owned_keys(bucket: s3.Bucket, table: dynamodb.TableV2) -> None:
    """A stage without a customer key (`customer_key=None`) keeps AWS's own keys."""
    accept_finding(
        bucket,
        nag_packs=("S3DefaultEncryptionKMS",),
        control_tower=("s3_bucket_default_encryption_kms_check",),
        reason="This stage has no customer key (customer_key=None): SSE-S3 encrypts every "
        "object at rest, and the per-user IAM prefix decides who reads an object.",
    )
    accept_finding(
        table,
        checkov=("CKV_AWS_119",),
        control_tower=("dynamodb_table_encrypted_kms_check",),
        reason="This stage has no customer key (customer_key=None): the DynamoDB-owned key "
        "encrypts items at rest, and IAM LeadingKeys decides who reads an item.",
    )
