"""The stage's customer-managed KMS key, and the narrow ways others may use it.

The key policy keeps CDK's default (the account administers the key through IAM), denies grants
that are not for an AWS resource, and, once a log group uses the key, lets CloudWatch Logs use it
for this account's log groups in this Region. Every other use is an IAM grant that only works
through one AWS service (`kms:ViaService`), so a signed-in user's credentials can decrypt a photo
through S3 but never call KMS directly.
"""

from __future__ import annotations

from typing import Any, cast

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.stateful import removal_policy
from stage_config import CustomerKeyConfig, StatefulPolicy


class CustomerKey(Construct):
    """One rotating key per stage, kept as the stage keeps the data it encrypts."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CustomerKeyConfig,
        stateful: StatefulPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{Aws.STACK_NAME}: photos, items and logs",
            # Fixed at creation: multi-Region from the first deploy, so a replica Region gets a
            # replica of this key (same key material) instead of a re-encryption of the data.
            multi_region=True,
            enable_key_rotation=True,
            rotation_period=Duration.days(config.rotation_days),
            pending_window=Duration.days(config.deletion_window_days),
            removal_policy=removal_policy(stateful),
        )
        self.key.add_to_resource_policy(grants_only_for_aws_resources())

    def encrypt_log_group(self, group: logs.LogGroup) -> None:
        """Encrypt `group` with the key, letting CloudWatch Logs use it for log groups only."""
        cast(logs.CfnLogGroup, group.node.default_child).kms_key_id = self.key.key_arn
        self.used_across_stacks(group, "cloudwatch_log_group_encrypted_check")
        # Once per key, however many groups: CDK drops a statement identical to one it holds.
        self.key.add_to_resource_policy(cloudwatch_logs_statement())

    def used_across_stacks(self, user: IConstruct, control: str) -> None:
        """Acknowledge Control Tower's encryption `control` on `user`, encrypted with this key
        from another stack of the stage (the Key stack)."""
        used_across_stacks(self, user, control)

    def allow_user_pools(self) -> None:
        """Let Cognito encrypt this account's user pools in this Region with the key."""
        for statement in cognito_statements():
            self.key.add_to_resource_policy(statement)
        accept_wildcard_principal(self.key)

    def allow_custom_senders(self) -> None:
        """Let Cognito encrypt the codes it hands this account's custom senders with the key
        (custom sender triggers page of the developer guide: `kms:CreateGrant` and
        `kms:Encrypt` for `cognito-idp.amazonaws.com`, for the pool as source). The pool ARN
        is a pattern, as in `allow_user_pools`: the pool names the key, so the key's policy
        cannot name the pool."""
        pools = f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/*"
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CognitoCustomSendersOfThisAccount",
                principals=[iam.ServicePrincipal("cognito-idp.amazonaws.com")],
                actions=["kms:CreateGrant", "kms:Encrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": pools},
                },
            )
        )

    def grant_code_decryption(self, grantee: iam.IGrantable) -> None:
        """`kms:Decrypt` on the key, called directly (the Encryption SDK in a custom sender
        unwraps the data key of each code; no AWS service is in between)."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DecryptCognitoCodes", actions=["kms:Decrypt"], resources=[self.key.key_arn]
            )
        )

    def allow_alarm_topics(self, *, source_arns: str, topic_arns: str) -> None:
        """Let CloudWatch publish the alarms `source_arns` (a pattern) to topics `topic_arns`
        encrypted with the key: SNS asks KMS for a data key on the publisher's behalf, so the
        alarm service needs the key (SNS developer guide, encrypted topics)."""
        self.key.add_to_resource_policy(alarm_topics_statement(source_arns, topic_arns))

    def grant_through(
        self,
        grantee: iam.IGrantable,
        service: str,
        actions: list[str],
        encryption_context: dict[str, str] | None = None,
    ) -> None:
        """Let `grantee` use the key for `actions` only in requests `service` makes for it
        (e.g. 's3'), and, with `encryption_context`, only for that resource."""
        grantee.grant_principal.add_to_principal_policy(
            key_use_statement(
                self.key.key_arn, service, Aws.REGION, actions, encryption_context or {}
            )
        )


def key_use_statement(
    key_arn: str,
    service: str,
    region: str,
    actions: list[str],
    encryption_context: dict[str, str],
) -> iam.PolicyStatement:
    """`actions` on the key `key_arn` only in requests `service` makes in `region` (a key's
    replica serves its own Region's services), and only for the resource the encryption context
    names."""
    conditions = {"kms:ViaService": f"{service}.{region}.amazonaws.com"} | {
        f"kms:EncryptionContext:{name}": value for name, value in encryption_context.items()
    }
    return iam.PolicyStatement(
        actions=actions, resources=[key_arn], conditions={"StringEquals": conditions}
    )


def alarm_topics_statement(source_arns: str, topic_arns: str) -> iam.PolicyStatement:
    """CloudWatch may use the key for the alarms `source_arns` publishing to the topics
    `topic_arns` (both patterns), in this account only."""
    return iam.PolicyStatement(
        sid="CloudWatchAlarmsToTopicsOfThisStack",
        principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["kms:Decrypt", "kms:GenerateDataKey*"],
        resources=["*"],
        conditions={
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": source_arns,
                "kms:EncryptionContext:aws:sns:topicArn": topic_arns,
            },
        },
    )


def grants_only_for_aws_resources() -> iam.PolicyStatement:
    """Grants outlive IAM changes; only AWS services (DynamoDB for the table) may create them."""
    return iam.PolicyStatement(
        sid="GrantsOnlyForAwsResources",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["kms:CreateGrant"],
        resources=["*"],
        conditions={
            "BoolIfExists": {
                "kms:GrantIsForAWSResource": "false",
                "aws:PrincipalIsAWSService": "false",
            }
        },
    )


def cognito_statements() -> list[iam.PolicyStatement]:
    """The statements of the developer guide's data protection page for this account's user
    pools in the Region of the stack that holds the key policy, with the pool ARN as a pattern:
    the pool names the key, so the key's policy cannot name the pool."""
    pools = f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/*"
    cognito = [
        iam.ServicePrincipal("cognito-idp.amazonaws.com"),
        iam.ServicePrincipal("identitystore.amazonaws.com"),
    ]
    of_this_account = {
        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": pools},
    }
    return [
        iam.PolicyStatement(
            sid="CognitoUserPoolsOfThisAccount",
            principals=cognito,
            actions=[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            resources=["*"],
            conditions={
                **of_this_account,
                "StringLike": {"kms:EncryptionContext:aws:cognito-idp:userpool-arn": pools},
            },
        ),
        iam.PolicyStatement(
            sid="CognitoDescribesTheKey",
            principals=cognito,
            actions=["kms:DescribeKey"],
            resources=["*"],
            conditions=of_this_account,
        ),
        # Administrators' Cognito calls (AdminGetUser, the smoke role's AdminCreateUser) reach
        # the key on the caller's behalf: through Cognito in this account only.
        iam.PolicyStatement(
            sid="ThroughCognitoForThisAccount",
            principals=[iam.AnyPrincipal()],
            actions=["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"cognito-idp.{Aws.REGION}.amazonaws.com",
                    "kms:CallerAccount": Aws.ACCOUNT_ID,
                }
            },
        ),
    ]


def cloudwatch_logs_statement() -> iam.PolicyStatement:
    """CloudWatch Logs of this Region may use the key for this account's log groups only."""
    return iam.PolicyStatement(
        sid="CloudWatchLogsOfThisAccount",
        principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
        actions=[
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
        ],
        resources=["*"],
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": (
                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                )
            }
        },
    )


def used_across_stacks(key: IConstruct, user: IConstruct, control: str) -> None:
    """Acknowledge Control Tower's encryption `control` on `user` when `key` (the stage's key
    or its replica) lives in another stack: the control resolves only references within one
    template, and reads the imported key ARN as no key."""
    if Stack.of(user) is not Stack.of(key):
        accept_finding(
            user,
            control_tower=(control,),
            reason="Encrypted with the stage's customer key, which lives in the stage's Key "
            "stack (its replica in the ReplicaData stack): the key id is that key's ARN, "
            "imported. The control resolves only references within one template (the template "
            "tests check the key).",
        )


def accept_wildcard_principal(key: IConstruct) -> None:
    accept_finding(
        key,
        checkov=("CKV_AWS_33",),
        reason="The one wildcard-principal statement only lets Cognito use the key for "
        "callers in this account (kms:ViaService cognito-idp, kms:CallerAccount), as the "
        "Cognito guide's key policy does; whether a caller may call Cognito is IAM's say.",
    )


class CustomerKeyReplica(Construct):
    """The key's multi-Region replica in a secondary Region: the same key material (so the
    pool's and the table's replicas there decrypt what the primary encrypted), with its own
    policy, because replica keys do not share their primary's: the same statements, which
    name the Region of the stack that holds it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        primary: CustomerKey,
        config: CustomerKeyConfig,
        stateful: StatefulPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        account = iam.PolicyStatement(
            principals=[iam.AccountRootPrincipal()], actions=["kms:*"], resources=["*"]
        )
        self._policy = iam.PolicyDocument(
            statements=[
                account,
                grants_only_for_aws_resources(),
                cloudwatch_logs_statement(),
                *cognito_statements(),
            ]
        )
        self.key = kms.CfnReplicaKey(
            self,
            "Key",
            primary_key_arn=primary.key.key_arn,
            key_policy=self._policy,
            description=f"{Aws.STACK_NAME}: replica of the stage's key",
            pending_window_in_days=config.deletion_window_days,
        )
        self.key.apply_removal_policy(removal_policy(stateful))
        accept_wildcard_principal(self.key)
        self.key_arn = self.key.attr_arn

    def grant_through(
        self,
        grantee: iam.IGrantable,
        service: str,
        actions: list[str],
        encryption_context: dict[str, str] | None = None,
    ) -> None:
        """As `CustomerKey.grant_through`, for the replica: `actions` only in requests
        `service` makes in the replica's Region, and with `encryption_context` only for that
        resource."""
        grantee.grant_principal.add_to_principal_policy(
            key_use_statement(
                self.key_arn, service, Stack.of(self).region, actions, encryption_context or {}
            )
        )

    def allow_alarm_topics(self, *, source_arns: str, topic_arns: str) -> None:
        """As `CustomerKey.allow_alarm_topics`, for topics of the replica's Region."""
        self._policy.add_statements(alarm_topics_statement(source_arns, topic_arns))

    def encrypt_log_group(self, group: logs.LogGroup) -> None:
        """Encrypt `group` (a log group of this Region) with the key's replica, whose policy
        lets CloudWatch Logs use it for this account's log groups."""
        cast(logs.CfnLogGroup, group.node.default_child).kms_key_id = self.key_arn
        used_across_stacks(self, group, "cloudwatch_log_group_encrypted_check")


def bucket_encryption(key: CustomerKey | kms.IKey | None) -> dict[str, Any]:
    """A bucket's encryption settings: SSE-KMS with the stage's key (or the key's replica in
    the secondary Region) and an S3 Bucket Key (one KMS call per bucket and period, not per
    object), or SSE-S3 without a key."""
    if key is None:
        return {"encryption": s3.BucketEncryption.S3_MANAGED}
    return {
        "encryption": s3.BucketEncryption.KMS,
        "encryption_key": key.key if isinstance(key, CustomerKey) else key,
        "bucket_key_enabled": True,
    }
