"""What a custom email or SMS sender needs beyond a trigger function: the pool's LambdaConfig
entry with the stage's key, the key's use, the provider's least grants, and, because Cognito
invokes senders asynchronously, retries and a dead-letter queue that never lets a failed send
vanish (its alarm is in `OperationalAlarms`)."""

from __future__ import annotations

from typing import cast

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from custom_sender.catalog import EMAIL

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKey
from stage_config import SecretRef, SesEmailConfig

LAMBDA_CONFIG = {EMAIL: "CustomEmailSender", "sms": "CustomSMSSender"}
RETRY_ATTEMPTS = 2
"""Lambda's own retries of a failed asynchronous invocation (its maximum), before the DLQ."""
MAX_EVENT_AGE = Duration.hours(1)
"""A code older than this is useless to the user (sign-in codes expire in minutes, confirmation
codes in a day); the event then goes to the dead-letter queue rather than arriving late."""
DEAD_LETTER_RETENTION = Duration.days(14)
"""SQS's longest: time to look into a failed send (the queue holds ciphertext and the user's
attributes, encrypted with the stage's key)."""


def ses_options(email: SesEmailConfig) -> dict[str, str]:
    return {"from_address": email.from_address, "region": email.ses_region}


def secret_arn(ref: SecretRef) -> str:
    """The ARN (or, for a name, the ARN pattern: Secrets Manager appends '-' and six random
    characters) of a secret the function may read."""
    if ref.name_or_arn.startswith("arn:"):
        return ref.name_or_arn
    return (
        f"arn:{Aws.PARTITION}:secretsmanager:{Aws.REGION}:{Aws.ACCOUNT_ID}:secret:"
        f"{ref.name_or_arn}-??????"
    )


def grant_secret(function: lambda_.Function, ref: SecretRef) -> None:
    role = cast(iam.Role, function.role)
    role.add_to_policy(
        iam.PolicyStatement(
            sid="ReadItsSecret",
            actions=["secretsmanager:GetSecretValue"],
            resources=[secret_arn(ref)],
        )
    )
    if not ref.name_or_arn.startswith("arn:"):
        accept_finding(
            role.node.find_child("DefaultPolicy"),
            nag="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:"
            f"<AWS::AccountId>:secret:{ref.name_or_arn}-??????]",
            reason="Secrets Manager appends six random characters to a secret's ARN: '-??????' "
            "matches exactly that suffix of the one secret the config names.",
        )


def wire_sender(
    scope: Construct,
    *,
    channel: str,
    function: lambda_.Function,
    user_pool: cognito.UserPool,
    key: CustomerKey,
) -> sqs.Queue:
    """Make `function` the pool's sender for `channel`; returns its dead-letter queue."""
    role = cast(iam.Role, function.role)
    name = LAMBDA_CONFIG[channel]
    pool = cast(cognito.CfnUserPool, user_pool.node.default_child)
    # CDK's UserPool takes the sender key only at construction (customSenderKmsKey); the pool is
    # built before the triggers, so the two LambdaConfig entries are set here.
    pool.add_property_override(
        f"LambdaConfig.{name}", {"LambdaArn": function.function_arn, "LambdaVersion": "V1_0"}
    )
    pool.add_property_override("LambdaConfig.KMSKeyID", key.key.key_arn)
    function.add_permission(
        "CognitoInvokes",
        principal=iam.ServicePrincipal("cognito-idp.amazonaws.com"),
        source_arn=user_pool.user_pool_arn,
        source_account=Aws.ACCOUNT_ID,
    )
    key.allow_custom_senders()
    key.grant_code_decryption(role)
    queue = sqs.Queue(
        scope,
        f"{function.node.id}FailedSends",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key.key,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
        removal_policy=RemovalPolicy.DESTROY,
    )
    key.used_across_stacks(queue, "sqs_queue_encrypted_check")
    accept_finding(
        queue,
        nag="AwsSolutions-SQS3",
        nag_packs=("SQSQueueDLQ", "SQSRedrivePolicy"),
        control_tower=("sqs_dlq_check",),
        reason="This queue is itself the dead-letter queue of the custom sender's asynchronous "
        "invocations; nothing consumes it, an alarm pages on its first message.",
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="DeadLetters", actions=["sqs:SendMessage"], resources=[queue.queue_arn]
        )
    )
    key.grant_through(
        role,
        "sqs",
        ["kms:GenerateDataKey", "kms:Decrypt"],
        encryption_context={"aws:sqs:arn": queue.queue_arn},
    )
    cast(
        lambda_.CfnFunction, function.node.default_child
    ).dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(target_arn=queue.queue_arn)
    function.configure_async_invoke(retry_attempts=RETRY_ATTEMPTS, max_event_age=MAX_EVENT_AGE)
    accept_finding(
        function,
        nag_packs=("LambdaAsyncFailureDestination",),
        reason="A failed asynchronous invocation goes to the function's dead-letter queue "
        "(DeadLetterConfig, encrypted with the stage's key, alarmed on its first message) "
        "after Lambda's retries; an on-failure destination would be a second copy.",
    )
    return queue


def grant_ses_send(function: lambda_.Function, email: SesEmailConfig) -> None:
    """SendEmail through the pool's SES identity (address or its domain) from its address only."""
    arn = f"arn:{Aws.PARTITION}:ses:{email.ses_region}:{Aws.ACCOUNT_ID}"
    domain = email.from_address.rsplit("@", 1)[1]
    resources = [f"{arn}:identity/{name}" for name in (email.from_address, domain)]
    if email.configuration_set:
        resources.append(f"{arn}:configuration-set/{email.configuration_set}")
    cast(iam.Role, function.role).add_to_policy(
        iam.PolicyStatement(
            sid="SendFromThePoolAddress",
            actions=["ses:SendEmail"],
            resources=resources,
            conditions={"StringEquals": {"ses:FromAddress": email.from_address}},
        )
    )


def grant_sms_publish(function: lambda_.Function) -> None:
    """Publish SMS to phone numbers, and to no topic (SNS has no resource ARN for a phone
    number, so the allow is on '*' and a deny takes every topic back out). Its own policy, so
    its acknowledgment of '*' is not the X-Ray one of the default policy."""
    policy = iam.Policy(
        function,
        "SmsAccess",
        statements=[
            iam.PolicyStatement(sid="PublishSms", actions=["sns:Publish"], resources=["*"]),
            iam.PolicyStatement(
                sid="NoTopics",
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"],
            ),
        ],
    )
    cast(iam.Role, function.role).attach_inline_policy(policy)
    accept_finding(
        policy,
        nag="AwsSolutions-IAM5[Resource::*]",
        reason="SNS Publish to a phone number takes no resource-level permission, so it is "
        "allowed on '*'; the deny beside it takes every SNS topic back out.",
    )
