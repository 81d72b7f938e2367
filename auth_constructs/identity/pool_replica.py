"""The user pool's secondary replica (multi-Region replication): created from the primary
Region, configured in the secondary (`RegionalSettings`)."""

from __future__ import annotations

from aws_cdk import Aws, Names, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.stateful import removal_policy
from stage_config import SesEmailConfig, StatefulPolicy


class PoolReplica(Construct):
    """`AWS::Cognito::UserPoolReplica` in the primary Region's stack. Everything it holds is
    fixed at creation; a new replica starts INACTIVE (the developer guide's MRR page)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        region: str,
        stateful: StatefulPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.replica = cognito.CfnUserPoolReplica(
            self, "Replica", user_pool_id=user_pool.user_pool_id, region_name=region
        )
        self.replica.apply_removal_policy(removal_policy(stateful))


class RegionalSettings(Construct):
    """`AWS::Cognito::UserPoolRegionalConfigurationAttachment`, in the secondary Region's
    stack: what a replica holds for itself rather than syncing from the primary. Email goes
    through SES in `ses_region`; SMS (for a stage with SMS codes) through SNS in this Region,
    with a role of its own; its triggers are `lambda_config` (`ReplicaTriggers`). The
    replica's status is not set here, so a deploy does not set it: the operators' failover
    commands own it (`make failover-status` shows it after a deploy, as CloudFormation
    documents INACTIVE as the default)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool_id: str,
        email: SesEmailConfig | None,
        ses_region: str,
        sms: bool,
        lambda_config: cognito.CfnUserPoolRegionalConfigurationAttachment.LambdaConfigProperty
        | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        email_configuration = None
        if email:
            sender = f"{email.from_name} <{email.from_address}>" if email.from_name else None
            email_configuration = (
                cognito.CfnUserPoolRegionalConfigurationAttachment.EmailConfigurationProperty(
                    email_sending_account="DEVELOPER",
                    source_arn=(
                        f"arn:{Aws.PARTITION}:ses:{ses_region}:{Aws.ACCOUNT_ID}:identity/"
                        f"{email.from_address}"
                    ),
                    from_=sender,
                    reply_to_email_address=email.reply_to or None,
                )
            )
        self.sms_role: iam.Role | None = None
        self.attachment = cognito.CfnUserPoolRegionalConfigurationAttachment(
            self,
            "Attachment",
            user_pool_id=user_pool_id,
            email_configuration=email_configuration,
            sms_configuration=self._sms() if sms else None,
            lambda_config=lambda_config,
        )

    def _sms(self) -> cognito.CfnUserPoolRegionalConfigurationAttachment.SmsConfigurationProperty:
        """SMS through SNS in this Region, as the role CDK makes for the primary pool: Cognito
        may assume it with the external id the settings name (the developer guide documents
        that condition alone; no page says Cognito sends `aws:SourceAccount` there, and a
        condition on a key the caller does not send refuses it)."""
        external_id = Names.unique_id(self)
        self.sms_role = iam.Role(
            self,
            "SmsRole",
            assumed_by=iam.ServicePrincipal(
                "cognito-idp.amazonaws.com",
                conditions={"StringEquals": {"sts:ExternalId": external_id}},
            ),
            inline_policies={
                "sns-publish": iam.PolicyDocument(
                    statements=[iam.PolicyStatement(actions=["sns:Publish"], resources=["*"])]
                )
            },
            description="Cognito sends the replica's SMS codes through SNS in this Region",
        )
        accept_finding(
            self.sms_role,
            nag="AwsSolutions-IAM5[Resource::*]",
            checkov=("CKV_AWS_111",),
            reason="Cognito's SMS role publishes to phone numbers, which have no ARN; "
            "sns:Publish on * is the documented policy and the trust is bound to the "
            "replica's settings by an external id.",
        )
        return cognito.CfnUserPoolRegionalConfigurationAttachment.SmsConfigurationProperty(
            sns_caller_arn=self.sms_role.role_arn,
            external_id=external_id,
            sns_region=Stack.of(self).region,
        )
