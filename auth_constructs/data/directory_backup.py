"""Backup of the user directory: a daily export of users, groups and memberships to a bucket.

Cognito has no backup API and AWS Backup does not cover user pools; deletion protection keeps
the pool, not the users in it. EventBridge Scheduler starts a state machine that runs the export
Lambda a step at a time (each within Lambda's 15 minutes, paced to a share of Cognito's
account-wide UserList quota), until the manifest is written. Alarms: a failed or missed backup,
and a backup that holds far fewer users than the one before (docs/backup-and-restore.md).
"""

from __future__ import annotations

from typing import cast

from aws_cdk import Aws, CfnResource, Duration, Stack, TimeZone
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from directory_backup.records import LATEST, METRIC_DROP, PREFIX
from directory_backup.settings import DirectoryBackupSettings

from auth_constructs import LAMBDAS
from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKey, bucket_encryption
from auth_constructs.data.stateful import removal_policy
from auth_constructs.dependencies import wait_only_for_policy
from auth_constructs.operations import log_groups
from stage_config import StatefulPolicy
from stage_config.backup import VaultLockMode
from stage_config.directory_backup import DirectoryBackupConfig

EXPORT_CALLS = (
    "cognito-idp:ListUsers",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:AdminGetUser",
)
"""Everything the export asks Cognito: read-only, on this stage's pool."""
STEP_TIMEOUT = Duration.minutes(15)
RUN_TIMEOUT = Duration.hours(23)
"""Under the daily schedule, so two backups never run at once (and never spend twice the
budget)."""
METRIC_NAMESPACE = "PhotoShare/DirectoryBackup"
HANDLER = "directory_backup.index.handler"


class DirectoryBackup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DirectoryBackupConfig,
        user_pool: cognito.IUserPool,
        stateful: StatefulPolicy,
        key: CustomerKey | None,
        access_logs: s3.IBucket,
        log_retention_days: int,
        alarms: bool,
        notify: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._key = key
        self.bucket = self._bucket(config, stateful, key, access_logs)
        self.function = self._function(config, user_pool, stateful, log_retention_days)
        self.state_machine = self._state_machine(stateful, log_retention_days)
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            description="Daily backup of the user directory",
            schedule=scheduler.ScheduleExpression.cron(
                minute="0", hour=str(config.start_hour_utc), time_zone=TimeZone.ETC_UTC
            ),
            target=scheduler_targets.StepFunctionsStartExecution(
                self.state_machine,
                input=scheduler.ScheduleTargetInput.from_object({}),
                retry_attempts=3,
            ),
        )
        # Beside the stage's other alarms (protection.alarms), notifying the same topic.
        self.alarms = self._alarms(config, user_pool, notify) if alarms else []

    def _bucket(
        self,
        config: DirectoryBackupConfig,
        stateful: StatefulPolicy,
        key: CustomerKey | None,
        access_logs: s3.IBucket,
    ) -> s3.Bucket:
        retention = Duration.days(config.retention_days)
        lock = config.object_lock
        bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            **bucket_encryption(key),
            enforce_ssl=True,
            versioned=True,
            object_lock_enabled=True if lock else None,
            object_lock_default_retention=(
                (
                    s3.ObjectLockRetention.compliance(retention)
                    if lock is VaultLockMode.COMPLIANCE
                    else s3.ObjectLockRetention.governance(retention)
                )
                if lock
                else None
            ),
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="directory-backup/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=retention,
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy(stateful),
        )
        accept_finding(
            bucket,
            nag_packs=("S3BucketReplicationEnabled",),
            reason="The stage has no second Region to replicate to; versioning (and object lock "
            "in production) keeps every backup for the configured days.",
        )
        accept_finding(
            bucket,
            control_tower=("s3_event_notifications_enabled_check",),
            reason="Nothing reacts to a backup object; the state machine's own alarms report "
            "a failed or missed backup.",
        )
        if not lock:
            accept_finding(
                bucket,
                control_tower=("s3_bucket_object_lock_enabled_check",),
                reason="A non-production stage (object_lock=None): its backups may be deleted; "
                "production requires the lock (the stage config refuses it without).",
            )
        if not key:
            accept_finding(
                bucket,
                nag_packs=("S3DefaultEncryptionKMS",),
                control_tower=("s3_bucket_default_encryption_kms_check",),
                reason="This stage has no customer key (customer_key=None): SSE-S3 encrypts "
                "every backup at rest, and only the export and administrators may read them.",
            )
        return bucket

    def _function(
        self,
        config: DirectoryBackupConfig,
        user_pool: cognito.IUserPool,
        stateful: StatefulPolicy,
        log_retention_days: int,
    ) -> lambda_.Function:
        log_group = log_groups.log_group(
            self,
            "ExportLogs",
            retention_days=log_retention_days,
            stateful=stateful,
            key=self._key,
            unencrypted_because="This stage has no customer key (customer_key=None); CloudWatch "
            "Logs encrypts every log group at rest, and the export logs no user data.",
        )
        settings = DirectoryBackupSettings(
            user_pool_id=user_pool.user_pool_id,
            bucket=self.bucket.bucket_name,
            list_requests_per_second=float(config.list_requests_per_second),
            read_requests_per_second=float(config.read_requests_per_second),
            mfa_preferences=config.mfa_preferences,
            metric_namespace=METRIC_NAMESPACE,
        )
        role = iam.Role(
            self,
            "ExportRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Directory backup: read the user pool, write the backup bucket",
        )
        function = lambda_.Function(
            self,
            "Export",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(LAMBDAS), exclude=["__pycache__", "*.pyc"]),
            timeout=STEP_TIMEOUT,
            memory_size=512,
            tracing=lambda_.Tracing.ACTIVE,
            role=role,
            log_group=log_group,
            environment={**settings.to_environment(), "LOG_LEVEL": "INFO"},
        )
        log_group.grant_write(role)
        wait_only_for_policy(cast(lambda_.CfnFunction, function.node.default_child), role)
        role.add_to_policy(
            iam.PolicyStatement(actions=list(EXPORT_CALLS), resources=[user_pool.user_pool_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{PREFIX}*")]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects(LATEST)]
            )
        )
        # Without ListBucket, S3 answers a missing object with 403, not 404: the first backup
        # finds no previous one through this.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringEquals": {"s3:prefix": LATEST}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
            )
        )
        if self._key:
            self._key.grant_through(
                role,
                "s3",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                {"aws:s3:arn": self.bucket.bucket_arn},
            )
        policy = role.node.find_child("DefaultPolicy")
        accept_finding(
            policy,
            nag=f"AwsSolutions-IAM5[Resource::<{self._logical(self.bucket)}.Arn>/{PREFIX}*]",
            reason="The export writes one folder per backup below directory/; it reads nothing "
            "but the latest manifest.",
        )
        accept_finding(
            policy,
            nag="AwsSolutions-IAM5[Resource::*]",
            reason="X-Ray (PutTraceSegments, PutTelemetryRecords) and CloudWatch PutMetricData "
            "support no resource-level permissions; PutMetricData is held to this export's "
            "namespace by the cloudwatch:namespace condition.",
        )
        _accept_export_findings(function)
        return function

    def _state_machine(self, stateful: StatefulPolicy, log_retention_days: int) -> sfn.StateMachine:
        export = tasks.LambdaInvoke(
            self,
            "ExportStep",
            lambda_function=self.function,
            payload=sfn.TaskInput.from_object(
                {
                    "started": sfn.JsonPath.string_at("$$.Execution.StartTime"),
                    "cursor": sfn.JsonPath.object_at("$"),
                }
            ),
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        # A step that failed (a Cognito outage, throttling past the retries) runs again from the
        # cursor it was given.
        export.add_retry(
            errors=["States.ALL"],
            interval=Duration.minutes(2),
            backoff_rate=2,
            max_attempts=4,
        )
        done = sfn.Choice(self, "Done?").when(
            sfn.Condition.boolean_equals("$.done", True), sfn.Succeed(self, "Backed up")
        )
        done.otherwise(export)
        log_group = log_groups.log_group(
            self,
            "RunLogs",
            retention_days=log_retention_days,
            stateful=stateful,
            key=self._key,
            name=f"/aws/vendedlogs/states/{Aws.STACK_NAME}-directory-backup",
            unencrypted_because="This stage has no customer key (customer_key=None); CloudWatch "
            "Logs encrypts every log group at rest, and runs log no execution data.",
        )
        machine = sfn.StateMachine(
            self,
            "Run",
            definition_body=sfn.DefinitionBody.from_chainable(export.next(done)),
            timeout=RUN_TIMEOUT,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        wait_only_for_policy(
            cast(sfn.CfnStateMachine, machine.node.default_child), cast(iam.Role, machine.role)
        )
        policy = machine.role.node.find_child("DefaultPolicy")
        accept_finding(
            policy,
            nag=f"AwsSolutions-IAM5[Resource::<{self._logical(self.function)}.Arn>:*]",
            reason="CDK's Lambda task grant covers the export function's versions and aliases "
            "(<arn>:*); it invokes nothing else.",
        )
        accept_finding(
            policy,
            nag="AwsSolutions-IAM5[Resource::*]",
            reason="Step Functions log delivery (logs:CreateLogDelivery and the rest) and X-Ray "
            "support no resource-level permissions; CDK grants exactly those on '*'.",
        )
        return machine

    def _alarms(
        self,
        config: DirectoryBackupConfig,
        user_pool: cognito.IUserPool,
        notify: sns.ITopic | None,
    ) -> list[cloudwatch.Alarm]:
        machine = self.state_machine
        hour, day = Duration.hours(1), Duration.days(1)
        at_least = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        alarms = [
            self._alarm(
                "Failed",
                "A backup of the user directory failed, timed out or was stopped: no manifest "
                "was written",
                cloudwatch.MathExpression(
                    expression="failed + timedOut + aborted",
                    using_metrics={
                        "failed": machine.metric_failed(period=hour),
                        "timedOut": machine.metric_timed_out(period=hour),
                        "aborted": machine.metric_aborted(period=hour),
                    },
                    period=hour,
                ),
                1,
                at_least,
            ),
            # Missing data is a missed backup: no run finished, or none started.
            self._alarm(
                "Missed",
                "No backup of the user directory finished in the last day",
                machine.metric_succeeded(period=day, statistic="Sum"),
                1,
                cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                cloudwatch.TreatMissingData.BREACHING,
            ),
            self._alarm(
                "UserDrop",
                f"The newest backup holds at least {config.user_drop_alarm_percent}% fewer "
                "users than the one before: deleted users? Restore from the one before "
                "(docs/backup-and-restore.md)",
                cloudwatch.Metric(
                    namespace=METRIC_NAMESPACE,
                    metric_name=METRIC_DROP,
                    dimensions_map={"UserPool": user_pool.user_pool_id},
                    statistic="Maximum",
                    period=day,
                ),
                config.user_drop_alarm_percent,
                at_least,
            ),
        ]
        for alarm in alarms:
            if notify:
                alarm.add_alarm_action(actions.SnsAction(notify))
            else:
                accept_finding(
                    alarm,
                    nag_packs=("CloudWatchAlarmAction",),
                    control_tower=("cloudwatch_alarm_action_check",),
                    reason="This stage's config names no alarm topic: the alarm shows in the "
                    "CloudWatch console only. Set protection.alarms to page someone.",
                )
        return alarms

    def _alarm(
        self,
        construct_id: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )

    @staticmethod
    def _logical(resource: Construct) -> str:
        return Stack.of(resource).get_logical_id(cast(CfnResource, resource.node.default_child))


def _accept_export_findings(function: lambda_.Function) -> None:
    accept_finding(
        function,
        nag="AwsSolutions-L1",
        nag_packs=("LambdaLatestVersion",),
        reason="python3.13, the runtime of the stage's triggers (same asset); both move to a "
        "newer runtime together, deliberately.",
    )
    accept_finding(
        function,
        checkov=("CKV_AWS_116",),
        nag_packs=("LambdaDLQ",),
        reason="Invoked synchronously by the backup state machine, which retries a failed step "
        "and raises the Failed alarm; a dead-letter queue applies to asynchronous calls only.",
    )
    accept_finding(
        function,
        checkov=("CKV_AWS_117",),
        nag_packs=("LambdaInsideVPC",),
        control_tower=("lambda_inside_vpc_check",),
        reason="The export reaches only the Cognito, S3 and CloudWatch public endpoints with IAM "
        "auth; a VPC would add NAT or endpoint cost for nothing it protects.",
    )
    accept_finding(
        function,
        checkov=("CKV_AWS_115",),
        nag_packs=("LambdaConcurrency",),
        reason="One step runs at a time (the state machine loops, each run ends before the next "
        "is scheduled, and `make backup` joins a running one). A reservation would buy nothing "
        "and can fail the deploy in an account whose concurrency quota is still the new-account "
        "one (Lambda keeps 100 unreserved).",
    )
    accept_finding(
        function,
        checkov=("CKV_AWS_173",),
        reason="The environment holds only non-secret settings (pool id, bucket name, rates); "
        "Lambda encrypts it at rest with an AWS-managed key.",
    )
