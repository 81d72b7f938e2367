"""The triggers a pool replica runs in its own Region: Cognito runs none of the primary's there
(Lambda triggers are a per-replica setting), and the replica takes them through its regional
configuration attachment's `LambdaConfig`, not through a pool of its own."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from post_authentication.settings import PostAuthenticationSettings
from pre_authentication.settings import PreAuthenticationSettings
from trigger_settings import TriggerSettings

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKeyReplica
from auth_constructs.data.photo_storage import ITEM_KEY_ACTIONS
from auth_constructs.identity.triggers import (
    custom_message_settings,
    powertools_layer,
    pre_token_generation_settings,
    trigger_code,
    trigger_function,
)
from stage_config import StatefulPolicy, TriggersConfig

Attachment = cognito.CfnUserPoolRegionalConfigurationAttachment


class ReplicaTriggers(Construct):
    """The sign-in triggers in the secondary Region, with the primary's settings: pre token
    generation, which every token the replica issues passes (so its claims, the owner claim
    the identity pools tag sessions with among them, are the same in both Regions), and pre
    and post authentication where the stage turns them on, on the items table's replica there
    (a suspended user stays out in a failover too), and custom message where the stage runs
    it (the sign-in codes a replica sends carry the primary's branding). Sign-up, confirmation
    and migration never happen in a replica; the custom senders are not attached there (the
    replica's own email and SMS settings send its codes: docs/multi-region.md). Log groups are
    encrypted with the key's replica there."""

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
        table_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._user_pool_id = user_pool_id
        self._key = key
        self._table_arn = (
            f"arn:{Aws.PARTITION}:dynamodb:{Aws.REGION}:{Aws.ACCOUNT_ID}:table/{table_name}"
        )
        code, layers = trigger_code(), [powertools_layer(self, config)]
        self.functions: dict[str, lambda_.Function] = {}
        """Each trigger by its construct id, as `CognitoTriggers.functions` (their alarms)."""

        def function(construct_id: str, folder: str, settings: TriggerSettings) -> lambda_.Function:
            made = trigger_function(
                self,
                construct_id,
                folder,
                settings,
                code=code,
                layers=layers,
                config=config,
                stateful=stateful,
                key=key,
            )
            self._invoked_by_the_replica(made)
            self.functions[construct_id] = made
            return made

        self.pre_token_generation = function(
            "PreTokenGeneration",
            "pre_token_generation",
            pre_token_generation_settings(config, elevated_groups, owner_claim),
        )
        self.pre_authentication: lambda_.Function | None = None
        if config.pre_authentication:
            self.pre_authentication = function(
                "PreAuthentication",
                "pre_authentication",
                PreAuthenticationSettings(table_name=table_name),
            )
            self._use_items(self.pre_authentication, "dynamodb:GetItem")
        self.post_authentication: lambda_.Function | None = None
        if config.post_authentication:
            self.post_authentication = function(
                "PostAuthentication",
                "post_authentication",
                PostAuthenticationSettings(table_name=table_name),
            )
            self._use_items(self.post_authentication, "dynamodb:UpdateItem")
        self.custom_message: lambda_.Function | None = None
        if config.runs_custom_message:
            self.custom_message = function(
                "CustomMessage", "custom_message", custom_message_settings(config)
            )
        self.lambda_config = Attachment.LambdaConfigProperty(
            pre_token_generation_config=Attachment.PreTokenGenerationConfigProperty(
                lambda_arn=self.pre_token_generation.function_arn,
                # V3_0, as in the primary: V2_0 plus the server client's client-credentials tokens.
                lambda_version="V3_0",
            ),
            pre_authentication=(
                self.pre_authentication.function_arn if self.pre_authentication else None
            ),
            post_authentication=(
                self.post_authentication.function_arn if self.post_authentication else None
            ),
            custom_message=self.custom_message.function_arn if self.custom_message else None,
        )

    def _invoked_by_the_replica(self, function: lambda_.Function) -> None:
        """Only the replica in this Region, of this account, may invoke `function`."""
        function.add_permission(
            "CognitoInvoke",
            principal=iam.ServicePrincipal("cognito-idp.amazonaws.com"),
            source_account=Aws.ACCOUNT_ID,
            source_arn=(
                f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/"
                f"{self._user_pool_id}"
            ),
        )
        accept_finding(
            function.node.find_child("CognitoInvoke"),
            control_tower=("lambda_function_public_access_prohibited_check",),
            reason="Only Cognito may invoke it, for this account (SourceAccount) and this "
            "Region's replica of the stage's pool (SourceArn); the control cannot read a "
            "SourceArn built from another stack's output (the pool id).",
        )

    def _use_items(self, function: lambda_.Function, action: str) -> None:
        """`action` on any item of the table's replica in this Region (the trigger acts for the
        user signing in), with the key's replica through DynamoDB there."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=[action], resources=[self._table_arn])
        )
        if self._key:
            self._key.grant_through(function, "dynamodb", ITEM_KEY_ACTIONS)
