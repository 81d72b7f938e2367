"""AWS Backup of the items table and the photos bucket: a daily plan into the stage's vault.

Point-in-time recovery and versioning undo recent mistakes in place; the vault keeps copies a
deletion of the table or the bucket (or of every object version) cannot take along, locked in
production so a stolen administrator role cannot purge them either.
"""

from __future__ import annotations

from aws_cdk import Annotations, Duration
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKey
from auth_constructs.data.stateful import removal_policy
from stage_config import StatefulPolicy
from stage_config.backup import BackupConfig, VaultLockMode

SERVICE_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "service-role/AWSBackupServiceRolePolicyForS3Backup",
    "service-role/AWSBackupServiceRolePolicyForS3Restore",
)
"""What AWS Backup documents for its service role: DynamoDB (the first two) and S3 (the other
two, which the generic pair does not cover)."""
FAILED_STATES = ("FAILED", "ABORTED", "EXPIRED")
"""Backup and copy job states that mean no recovery point was made (EventBridge events)."""


class DataBackup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: BackupConfig,
        table: dynamodb.ITable,
        bucket: s3.IBucket,
        stateful: StatefulPolicy,
        key: CustomerKey | None,
        notify: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        lock = config.vault_lock
        self.vault = backup.BackupVault(
            self,
            "Vault",
            encryption_key=key.key if key else None,
            removal_policy=removal_policy(stateful),
            lock_configuration=(
                backup.LockConfiguration(
                    min_retention=Duration.days(config.retention_days),
                    changeable_for=(
                        Duration.days(config.changeable_days)
                        if lock is VaultLockMode.COMPLIANCE
                        else None
                    ),
                )
                if lock
                else None
            ),
        )
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=self.vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=events.Schedule.cron(
                    minute="0", hour=str(config.start_hour_utc)
                ),
                start_window=Duration.hours(1),
                completion_window=Duration.hours(8),
                delete_after=Duration.days(config.retention_days),
            )
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup: back up and restore the items table and photos bucket",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in SERVICE_POLICIES
            ],
        )
        for name in SERVICE_POLICIES:
            accept_finding(
                self.role,
                nag=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
                reason="AWS Backup's own service-role policy, maintained by AWS as the service "
                "adds what it needs; the plan's selection decides which resources it touches.",
            )
        self.plan.add_selection(
            "Data",
            resources=[
                backup.BackupResource.from_dynamo_db_table(table),
                backup.BackupResource.from_arn(bucket.bucket_arn),
            ],
            role=self.role,
            disable_default_backup_policy=True,
        )
        self.failures: events.Rule | None = None
        if notify:
            # AWS Backup reports each job's end to EventBridge (its SNS notifications can only
            # report every completed job, failed or not). EventBridge publishes as a role of
            # its own: a topic policy for the service would let any account's rule publish.
            publisher = iam.Role(
                self,
                "FailuresRole",
                assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
                description="EventBridge: publish failed backup jobs to the stage's alarm topic",
            )
            if key:
                key.grant_through(
                    publisher,
                    "sns",
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    encryption_context={"aws:sns:topicArn": notify.topic_arn},
                )
            self.failures = events.Rule(
                self,
                "Failures",
                description="A backup or copy job of this stage's vault made no recovery point",
                event_pattern=events.EventPattern(
                    source=["aws.backup"],
                    detail_type=["Backup Job State Change", "Copy Job State Change"],
                    detail={
                        "state": list(FAILED_STATES),
                        "backupVaultName": [self.vault.backup_vault_name],
                    },
                ),
                # By ARN: the topic's own grant would let the role use the key outside SNS.
                targets=[
                    targets.SnsTopic(
                        sns.Topic.from_topic_arn(self, "Topic", notify.topic_arn), role=publisher
                    )
                ],
            )
            # The topic is imported by ARN, so CDK cannot prove it shares the rule's account
            # while a stage leaves the account to deploy time; both are this stack's.
            Annotations.of(self.failures).acknowledge_warning(
                "@aws-cdk/aws-events:ruleUnresolvedEnvironment",
                "The stage's alarm topic and this rule are in the same stack's account.",
            )
            accept_finding(
                self.failures,
                nag_packs=("EventBusDLQ",),
                reason="EventBridge retries delivery to the topic for 24 hours; a backup job "
                "that failed also shows in the AWS Backup console and fails again, and notifies "
                "again, the next day. A queue would hold notices nobody reads.",
            )
