"""The reads `make preflight` makes (`tools/deploy/preflight.py`), as one managed policy for the
stages.

Each read is scoped to what the stage's config names: its bootstrap parameter, its secrets, its
SES identity, its certificate, its own deployed stack. Four reads have no resource-level
permissions in IAM (SES GetAccount, SNS GetSMSSandboxAccountStatus, Cognito
DescribeUserPoolDomain, Lambda GetAccountSettings), so they are granted on `*`; all four return
account settings or whether a domain name is taken, never user data.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_wildcards
from stacks.outputs import deployed_stack_name
from stage_config import DeliveryConfig, StageConfig

UNSCOPABLE_READS = (
    "ses:GetAccount",
    "sns:GetSMSSandboxAccountStatus",
    "cognito-idp:DescribeUserPoolDomain",
    "lambda:GetAccountSettings",
)

WILDCARD_REASONS = (
    (
        "Resource::*",
        "SES GetAccount, SNS GetSMSSandboxAccountStatus, Cognito DescribeUserPoolDomain and "
        "Lambda GetAccountSettings have no resource-level permissions; each returns account "
        "settings or whether a domain is taken, never user data.",
    ),
    (
        ":secret:",
        "Secrets Manager appends six random characters to a secret's ARN: '-??????' matches "
        "exactly that suffix of each secret the config names.",
    ),
    (
        ":stack/",
        "CloudFormation appends a generated id to a stack's ARN; the name is the stage's own.",
    ),
    (
        ":*:",
        "The stage is environment-agnostic: its Region is chosen at deploy time, so the grant "
        "names every Region for these exact resources.",
    ),
)


def preflight_statements(
    config: StageConfig, delivery: DeliveryConfig
) -> list[iam.PolicyStatement]:
    """The reads for one stage, each on the resources its config names."""
    partition, account = Aws.PARTITION, config.account or Aws.ACCOUNT_ID
    region = config.region or "*"

    def arn(service: str, resource: str, in_region: str = region) -> str:
        return f"arn:{partition}:{service}:{in_region}:{account}:{resource}"

    parameter = f"parameter/cdk-bootstrap/{delivery.bootstrap_qualifier}/version"
    regions = [region, *([config.replica.region] if config.replica else [])]
    statements = [
        iam.PolicyStatement(
            actions=["ssm:GetParameter"],
            resources=[arn("ssm", parameter, in_region) for in_region in regions],
        ),
        iam.PolicyStatement(
            actions=["cloudformation:DescribeStacks"],
            resources=[arn("cloudformation", f"stack/{deployed_stack_name(config.name)}/*")],
        ),
    ]
    secrets = [
        ref.name_or_arn
        if ref.name_or_arn.startswith("arn:")
        else arn("secretsmanager", f"secret:{ref.name_or_arn}-??????")
        for ref in config.secret_refs.values()
    ]
    if secrets:
        statements.append(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=secrets)
        )
    if email := config.user_pool.email:
        domain = email.from_address.rsplit("@", 1)[1]
        ses_regions = [email.ses_region]
        # A valid stage that sends through SES names the replica's SES Region too.
        if config.replica and config.replica.ses_region != email.ses_region:
            ses_regions.append(config.replica.ses_region)
        statements.append(
            iam.PolicyStatement(
                actions=["ses:GetEmailIdentity"],
                resources=[
                    arn("ses", f"identity/{name}", ses_region)
                    for ses_region in ses_regions
                    for name in (email.from_address, domain)
                ],
            )
        )
    if custom := config.user_pool.custom_domain:
        statements.append(
            iam.PolicyStatement(
                actions=["acm:DescribeCertificate"], resources=[custom.certificate_arn]
            )
        )
    return statements


class PreflightPolicy(Construct):
    """A managed policy granting `make preflight` its reads for every stage in `stages`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stages: Sequence[StageConfig],
        delivery: DeliveryConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        statements = [s for config in stages for s in preflight_statements(config, delivery)]
        statements.append(iam.PolicyStatement(actions=list(UNSCOPABLE_READS), resources=["*"]))
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Read-only checks before cdk deploy (make preflight)",
            statements=statements,
        )
        cfn = self.policy.node.default_child
        assert isinstance(cfn, iam.CfnManagedPolicy)  # noqa: S101 (CDK's L1 of ManagedPolicy)
        accept_wildcards(cfn, Stack.of(self).resolve(cfn.policy_document), WILDCARD_REASONS)
