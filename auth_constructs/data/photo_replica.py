"""The photos' copy in the stage's secondary Region, and the replication that keeps it.

S3 replication copies each new object version from the primary's photos bucket to this one,
re-encrypted under the key's replica there, so the secondary serves the same photos when the
primary Region is out. Delete markers replicate: a photo the user deleted is gone from both
views; its versions stay recoverable in each bucket for the configured noncurrent days, and S3
never replicates the deletion of a version (what an administrator's mistake or an attacker
would need to erase the copy)."""

from __future__ import annotations

from typing import cast

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct, IValidation

from auth_constructs.compliance.accepted_findings import accept_finding, accept_wildcards
from auth_constructs.data.customer_key import (
    CustomerKey,
    CustomerKeyReplica,
    bucket_encryption,
    key_use_statement,
)
from auth_constructs.data.photo_buckets import access_log_bucket, photos_bucket
from auth_constructs.data.stateful import removal_policy
from stage_config import DataAccessConfig, StatefulPolicy

READ_FOR_REPLICATION = [
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
]
WRITE_REPLICAS = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]


class PhotoReplica(Construct):
    """The replica bucket (and its access-log bucket) in the secondary Region: the primary's
    settings, under the key's replica. Its construct ids are part of its logical ids."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DataAccessConfig,
        stateful: StatefulPolicy,
        key: CustomerKeyReplica,
    ) -> None:
        super().__init__(scope, construct_id)
        removal = removal_policy(stateful)
        self.key = key
        self.key_arn = key.key_arn
        self.region = Stack.of(self).region
        self.access_logs = access_log_bucket(self, removal)
        self.bucket = photos_bucket(
            self,
            config=config,
            encryption=bucket_encryption(kms.Key.from_key_arn(self, "ReplicaKey", key.key_arn)),
            removal=removal,
            access_logs=self.access_logs,
        )
        # The L1's attribute: another Region's stack reads it (the L2's ARN would need a
        # physical name to cross environments).
        self.bucket_arn = cast(s3.CfnBucket, self.bucket.node.default_child).attr_arn
        accept_finding(
            self.bucket,
            nag_packs=("S3BucketReplicationEnabled",),
            reason="This bucket is the replica: the primary Region's photos bucket replicates "
            "into it, and replicating it back would loop.",
        )


class PhotoReplication(Construct):
    """In the primary Region: S3's replication of `source` (under `key`) into `replica`. The
    role S3 assumes may read that bucket's versions and write replicas into the replica bucket,
    and use each key only through S3 in its own Region for its own bucket (with a Bucket Key,
    S3's encryption context is the bucket's ARN)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: s3.Bucket,
        key: CustomerKey | None,
        replica: PhotoReplica,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
            description="S3 replication of the photos to the secondary Region",
        )
        role = self.role
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                resources=[source.bucket_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=READ_FOR_REPLICATION, resources=[source.arn_for_objects("*")]
            )
        )
        destination = replica.bucket_arn
        role.add_to_policy(
            iam.PolicyStatement(actions=WRITE_REPLICAS, resources=[f"{destination}/*"])
        )
        if key:
            role.add_to_policy(
                key_use_statement(
                    key.key.key_arn,
                    "s3",
                    Stack.of(source).region,
                    ["kms:Decrypt"],
                    {"aws:s3:arn": source.bucket_arn},
                )
            )
        role.add_to_policy(
            key_use_statement(
                replica.key_arn,
                "s3",
                replica.region,
                # Decrypt too: S3 checks the integrity of the replica's Bucket Key with it.
                ["kms:Encrypt", "kms:Decrypt"],
                {"aws:s3:arn": destination},
            )
        )
        cfn = cast(s3.CfnBucket, source.node.default_child)
        cfn.replication_configuration = s3.CfnBucket.ReplicationConfigurationProperty(
            role=role.role_arn,
            rules=[
                s3.CfnBucket.ReplicationRuleProperty(
                    id="PhotosToSecondaryRegion",
                    status="Enabled",
                    priority=0,
                    filter=s3.CfnBucket.ReplicationRuleFilterProperty(prefix=""),
                    delete_marker_replication=s3.CfnBucket.DeleteMarkerReplicationProperty(
                        status="Enabled"
                    ),
                    source_selection_criteria=s3.CfnBucket.SourceSelectionCriteriaProperty(
                        sse_kms_encrypted_objects=s3.CfnBucket.SseKmsEncryptedObjectsProperty(
                            status="Enabled"
                        )
                    ),
                    destination=s3.CfnBucket.ReplicationDestinationProperty(
                        bucket=destination,
                        encryption_configuration=s3.CfnBucket.EncryptionConfigurationProperty(
                            replica_kms_key_id=replica.key_arn
                        ),
                    ),
                )
            ],
        )
        # The replica bucket's ARN is another Region's stack output, whose name CDK chooses
        # while it resolves references: the wildcards are reviewed once it has.
        self.node.add_validation(_ReviewedWildcards(role, source))


@jsii.implements(IValidation)
class _ReviewedWildcards:
    """Accepts cdk-nag's IAM5 findings of the replication role, each with its reason, once
    references are resolved (construct validation runs after that, before the scanners)."""

    def __init__(self, role: iam.Role, source: s3.Bucket) -> None:
        self.role = role
        self.source_id = Stack.of(source).get_logical_id(
            cast(s3.CfnBucket, source.node.default_child)
        )

    def validate(self) -> list[str]:
        policy = cast(iam.CfnPolicy, self.role.node.find_child("DefaultPolicy").node.default_child)
        accept_wildcards(
            policy,
            Stack.of(policy).resolve(policy.policy_document),
            (
                (
                    f"<{self.source_id}.Arn>/*",
                    "Replication reads every version of every photo: the wildcard is the "
                    "object key in the stage's own photos bucket, and the role is S3's alone.",
                ),
                (
                    "Fn::GetStackOutput",
                    "Replication writes every photo's replica: the wildcard is the object key "
                    "in the stage's replica bucket (the secondary Region's stack output).",
                ),
            ),
        )
        return []
