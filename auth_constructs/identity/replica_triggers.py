"""The triggers a pool replica runs in its own Region: Cognito runs none of the primary's there
(Lambda triggers are a per-replica setting), and the replica takes them through its regional
configuration attachment's `LambdaConfig`, not through a pool of its own."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKeyReplica
from auth_constructs.identity.triggers import (
    powertools_layer,
    pre_token_generation_settings,
    trigger_code,
    trigger_function,
)
from stage_config import StatefulPolicy, TriggersConfig

Attachment = cognito.CfnUserPoolRegionalConfigurationAttachment


class ReplicaTriggers(Construct):
    """Pre token generation in the secondary Region, with the primary's settings: every token
    the replica issues passes it, so its claims (the owner claim the identity pools tag
    sessions with, the elevated and extra claims) are the same in both Regions. Sign-up,
    confirmation and migration never happen in a replica; the other triggers are not attached
    there yet (docs/multi-region.md). Its log group is encrypted with the key's replica there."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool_id: str,
        config: TriggersConfig,
        stateful: StatefulPolicy,
        elevated_groups: tuple[str, ...],
        owner_claim: str,
        key: CustomerKeyReplica | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.pre_token_generation = trigger_function(
            self,
            "PreTokenGeneration",
            "pre_token_generation",
            pre_token_generation_settings(config, elevated_groups, owner_claim),
            code=trigger_code(),
            layers=[powertools_layer(self, config)],
            config=config,
            stateful=stateful,
            key=key,
        )
        # Only the replica in this Region, of this account, may invoke it.
        self.pre_token_generation.add_permission(
            "CognitoInvoke",
            principal=iam.ServicePrincipal("cognito-idp.amazonaws.com"),
            source_account=Aws.ACCOUNT_ID,
            source_arn=(
                f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/"
                f"{user_pool_id}"
            ),
        )
        accept_finding(
            self.pre_token_generation.node.find_child("CognitoInvoke"),
            control_tower=("lambda_function_public_access_prohibited_check",),
            reason="Only Cognito may invoke it, for this account (SourceAccount) and this "
            "Region's replica of the stage's pool (SourceArn); the control cannot read a "
            "SourceArn built from another stack's output (the pool id).",
        )
        self.lambda_config = Attachment.LambdaConfigProperty(
            pre_token_generation_config=Attachment.PreTokenGenerationConfigProperty(
                lambda_arn=self.pre_token_generation.function_arn,
                # V3_0, as in the primary: V2_0 plus the server client's client-credentials tokens.
                lambda_version="V3_0",
            )
        )
