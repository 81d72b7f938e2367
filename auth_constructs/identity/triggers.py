"""The Python Lambda triggers, wired into the user pool with least privilege.

All four share one asset, the `lambdas/` folder as is (no Docker bundling); each function's
handler is `<trigger>.index.handler`. Each trigger's settings are its own frozen dataclass
(`lambdas/<trigger>/settings.py`), built here and parsed by the handler. Powertools (typed
trigger events) comes from its public Lambda layer, pinned in the stage config.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import Aws, Duration
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct
from custom_message.settings import CustomMessageSettings
from custom_sender.catalog import EMAIL, SMS
from custom_sender.settings import CustomSenderSettings
from post_authentication.settings import PostAuthenticationSettings
from post_confirmation.settings import PostConfirmationSettings
from pre_authentication.settings import PreAuthenticationSettings
from pre_sign_up.settings import PreSignUpSettings
from pre_token_generation.settings import PreTokenGenerationSettings
from trigger_common import TIMEOUT_SECONDS
from trigger_settings import TriggerSettings
from user_migration.settings import UserMigrationSettings

from auth_constructs import LAMBDAS
from auth_constructs.compliance.accepted_findings import (
    Acceptance,
    accept_finding,
    accept_findings,
)
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.data.photo_storage import PhotoStorage
from auth_constructs.dependencies import wait_only_for_policy
from auth_constructs.identity.custom_senders import (
    grant_secret,
    grant_ses_send,
    grant_sms_publish,
    ses_options,
    wire_sender,
)
from auth_constructs.operations import log_groups
from stage_config import CustomSenderConfig, SesEmailConfig, StatefulPolicy, TriggersConfig

RUNTIME = lambda_.Runtime.PYTHON_3_13
POWERTOOLS_LAYER = (
    "arn:{partition}:lambda:{region}:017000801446:layer:"
    "AWSLambdaPowertoolsPythonV3-python313-arm64:{version}"
)
# Cognito waits 5 s for a trigger; fail well before that so the user sees our message.
TIMEOUT = Duration.seconds(TIMEOUT_SECONDS)
SENDER_LAYER = LAMBDAS.parent / ".build" / "sender-layer"
"""The custom senders' dependencies (`make sender-layer`; `python/` inside, as Lambda wants)."""


class CognitoTriggers(Construct):
    """Pre sign-up, post confirmation, pre token generation (V3_0) and custom message, and pre
    and post authentication, the custom senders and user migration where config turns them on."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        table: dynamodb.ITable,
        config: TriggersConfig,
        stateful: StatefulPolicy,
        elevated_groups: tuple[str, ...],
        custom_providers: tuple[str, ...],
        key: CustomerKey | None = None,
        owner_claim: str = "",
        email: SesEmailConfig | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._stateful = stateful
        self._key = key
        self._code = trigger_code()
        self._powertools = powertools_layer(self, config)
        self.pre_sign_up = self._function(
            "PreSignUp",
            "pre_sign_up",
            PreSignUpSettings(
                allowed_email_domains=config.allowed_email_domains,
                denied_email_domains=config.denied_email_domains,
                auto_confirm=config.auto_confirm,
                auto_verify_email=config.auto_verify_email,
                link_federated=config.link_federated_to_verified_email,
                custom_providers=custom_providers,
            ),
        )
        self.post_confirmation = self._function(
            "PostConfirmation",
            "post_confirmation",
            PostConfirmationSettings(
                table_name=table.table_name, default_group=config.default_group
            ),
        )
        self.pre_token_generation = self._function(
            "PreTokenGeneration",
            "pre_token_generation",
            pre_token_generation_settings(config, elevated_groups, owner_claim),
        )
        self.functions = {
            "PreSignUp": self.pre_sign_up,
            "PostConfirmation": self.post_confirmation,
            "PreTokenGeneration": self.pre_token_generation,
        }
        # Unless both custom senders replace it (TriggersConfig.runs_custom_message).
        self.custom_message = self._chosen(
            config.runs_custom_message,
            "CustomMessage",
            "custom_message",
            custom_message_settings(config),
            user_pool,
            cognito.UserPoolOperation.CUSTOM_MESSAGE,
        )
        self.user_migration: lambda_.Function | None = None
        if migration := config.user_migration:
            self.user_migration = self._chosen(
                True,
                "UserMigration",
                "user_migration",
                UserMigrationSettings(
                    endpoint_url=migration.endpoint_url,
                    api_key_secret=migration.api_key.name_or_arn,
                    api_key_field=migration.api_key.json_field,
                ),
                user_pool,
                cognito.UserPoolOperation.USER_MIGRATION,
            )
            if self.user_migration:
                grant_secret(self.user_migration, migration.api_key)
        self.failed_sends: dict[str, sqs.Queue] = {}
        """Each custom sender's dead-letter queue, by the sender's function name."""
        self.custom_email_sender = self._sender(
            "CustomEmailSender", EMAIL, config.custom_email_sender, user_pool, email
        )
        self.custom_sms_sender = self._sender(
            "CustomSmsSender", SMS, config.custom_sms_sender, user_pool, email
        )
        self.pre_authentication = self._chosen(
            config.pre_authentication,
            "PreAuthentication",
            "pre_authentication",
            PreAuthenticationSettings(table_name=table.table_name),
            user_pool,
            cognito.UserPoolOperation.PRE_AUTHENTICATION,
        )
        self.post_authentication = self._chosen(
            config.post_authentication,
            "PostAuthentication",
            "post_authentication",
            PostAuthenticationSettings(table_name=table.table_name),
            user_pool,
            cognito.UserPoolOperation.POST_AUTHENTICATION,
        )
        user_pool.add_trigger(cognito.UserPoolOperation.PRE_SIGN_UP, self.pre_sign_up)
        user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, self.post_confirmation)
        user_pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
            self.pre_token_generation,
            # V3_0: V2_0 plus the server client's client-credentials tokens.
            cognito.LambdaVersion.V3_0,
        )
        self._allow_on_pool(
            self.pre_sign_up,
            user_pool,
            ["cognito-idp:ListUsers", "cognito-idp:AdminLinkProviderForUser"],
        )
        if config.default_group:
            self._allow_on_pool(
                self.post_confirmation, user_pool, ["cognito-idp:AdminAddUserToGroup"]
            )

    def use_profiles(self, storage: PhotoStorage) -> None:
        """Grant each trigger what it does with the user's profile item: post confirmation
        writes it, pre authentication reads its suspended flag, post authentication records the
        sign-in."""
        storage.grant_item_writes(self.post_confirmation)
        if self.pre_authentication:
            storage.grant_items(self.pre_authentication, "dynamodb:GetItem")
        if self.post_authentication:
            storage.grant_items(self.post_authentication, "dynamodb:UpdateItem")

    def _chosen(
        self,
        on: bool,
        construct_id: str,
        folder: str,
        settings: TriggerSettings,
        user_pool: cognito.UserPool,
        operation: cognito.UserPoolOperation,
    ) -> lambda_.Function | None:
        """A trigger the config turns on or off: its function, wired to the pool, or None."""
        if not on:
            return None
        function = self._function(construct_id, folder, settings)
        self.functions[construct_id] = function
        user_pool.add_trigger(operation, function)
        return function

    def _sender(
        self,
        construct_id: str,
        channel: str,
        sender: CustomSenderConfig | None,
        user_pool: cognito.UserPool,
        email: SesEmailConfig | None,
    ) -> lambda_.Function | None:
        """A custom sender the config turns on: its function, wired to the pool with the
        stage's key, its provider's grants and its dead-letter queue; or None."""
        if sender is None:
            return None
        if self._key is None:
            raise ValueError("a custom sender needs the stage's customer key")
        ses = sender.provider == "ses"
        if ses and email is None:
            raise ValueError("the SES provider needs the pool's SES email config")
        folder = f"custom_{channel}_sender"
        function = self._function(
            construct_id,
            folder,
            CustomSenderSettings(
                channel=channel,
                app_name=self._config.app_name,
                app_url=self._config.app_url,
                key_arn=self._key.key.key_arn,
                provider=sender.provider,
                options=ses_options(email) if ses and email else dict(sender.options),
                api_key_secret=sender.api_key.name_or_arn if sender.api_key else "",
                api_key_field=sender.api_key.json_field if sender.api_key else "",
            ),
            layers=[self._sender_layer()],
            asynchronous=True,
        )
        self.functions[construct_id] = function
        self.failed_sends[construct_id] = wire_sender(
            self, channel=channel, function=function, user_pool=user_pool, key=self._key
        )
        if ses and email:
            grant_ses_send(function, email)
        elif sender.provider == "sns":
            grant_sms_publish(function)
        if sender.api_key:
            grant_secret(function, sender.api_key)
        return function

    def _sender_layer(self) -> lambda_.ILayerVersion:
        """The senders' dependency layer, one per stack (both senders share it)."""
        existing = self.node.try_find_child("SenderDependencies")
        if existing is not None:
            return cast(lambda_.LayerVersion, existing)
        if not (SENDER_LAYER / "python").is_dir():
            raise FileNotFoundError(
                f"{SENDER_LAYER} is missing: run `make sender-layer` (make synth and make test "
                "build it first)"
            )
        return lambda_.LayerVersion(
            self,
            "SenderDependencies",
            code=lambda_.Code.from_asset(str(SENDER_LAYER), exclude=[".installed"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="AWS Encryption SDK for the custom senders (requirements-sender-layer.txt)",
        )

    def _function(
        self,
        construct_id: str,
        folder: str,
        settings: TriggerSettings,
        *,
        layers: list[lambda_.ILayerVersion] | None = None,
        asynchronous: bool = False,
    ) -> lambda_.Function:
        return trigger_function(
            self,
            construct_id,
            folder,
            settings,
            code=self._code,
            layers=[self._powertools, *(layers or [])],
            config=self._config,
            stateful=self._stateful,
            key=self._key,
            asynchronous=asynchronous,
        )

    @staticmethod
    def _allow_on_pool(
        function: lambda_.Function, user_pool: cognito.UserPool, actions: list[str]
    ) -> None:
        """Grant `actions` on this pool only, as a separate policy.

        The pool references the function (LambdaConfig); a grant on the function's default
        policy would make the function depend on the pool too: a cycle. A standalone policy
        attached to the role depends on both, which CloudFormation orders fine.
        """
        role = cast(iam.Role, function.role)
        role.attach_inline_policy(
            iam.Policy(
                function,
                "PoolAccess",
                statements=[
                    iam.PolicyStatement(actions=actions, resources=[user_pool.user_pool_arn])
                ],
            )
        )


def trigger_code() -> lambda_.Code:
    """The one asset every trigger runs: the `lambdas/` folder as is."""
    return lambda_.Code.from_asset(str(LAMBDAS), exclude=["__pycache__", "*.pyc"])


def powertools_layer(scope: Construct, config: TriggersConfig) -> lambda_.ILayerVersion:
    """Powertools' public layer in the Region of `scope`'s stack, at the config's version."""
    return lambda_.LayerVersion.from_layer_version_arn(
        scope,
        "Powertools",
        POWERTOOLS_LAYER.format(
            partition=Aws.PARTITION, region=Aws.REGION, version=config.powertools_layer_version
        ),
    )


def custom_message_settings(config: TriggersConfig) -> CustomMessageSettings:
    """The messages' branding, the same in each Region that sends them."""
    return CustomMessageSettings(app_name=config.app_name, app_url=config.app_url)


def pre_token_generation_settings(
    config: TriggersConfig, elevated_groups: tuple[str, ...], owner_claim: str
) -> PreTokenGenerationSettings:
    """The claims every token gets, the same in each Region that issues tokens."""
    return PreTokenGenerationSettings(
        elevated_groups=elevated_groups,
        extra_claims=config.extra_claims,
        server_claims=config.server_claims,
        access_token_scopes=config.access_token_scopes,
        owner_claim=owner_claim,
    )


def trigger_function(
    scope: Construct,
    construct_id: str,
    folder: str,
    settings: TriggerSettings,
    *,
    code: lambda_.Code,
    layers: list[lambda_.ILayerVersion],
    config: TriggersConfig,
    stateful: StatefulPolicy,
    key: CustomerKey | CustomerKeyReplica | None,
    asynchronous: bool = False,
) -> lambda_.Function:
    """One trigger's function in `scope`, with its own role (logs and tracing only: grants are
    added per trigger), its own log group and its settings in the environment."""
    log_group = log_groups.log_group(
        scope,
        f"{construct_id}Logs",
        retention_days=config.log_retention_days,
        stateful=stateful,
        key=key,
        unencrypted_because="This stage has no customer key (customer_key=None); CloudWatch "
        "Logs encrypts every log group at rest, and handlers log no secrets.",
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Cognito {folder} trigger",
    )
    function = lambda_.Function(
        scope,
        construct_id,
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=f"{folder}.index.handler",
        code=code,
        layers=layers,
        timeout=TIMEOUT,
        memory_size=256,
        reserved_concurrent_executions=config.reservations.get(folder),
        tracing=lambda_.Tracing.ACTIVE,
        role=role,
        log_group=log_group,
        environment={
            **settings.to_environment(),
            "POWERTOOLS_SERVICE_NAME": folder,
            "LOG_LEVEL": "INFO",
        },
    )
    log_group.grant_write(role)
    wait_only_for_policy(cast(lambda_.CfnFunction, function.node.default_child), role)
    _accept_trigger_findings(
        function, role.node.find_child("DefaultPolicy"), asynchronous=asynchronous
    )
    if config.reserved_concurrency is None:
        accept_finding(
            function,
            checkov=("CKV_AWS_115",),
            nag_packs=("LambdaConcurrency",),
            reason="This stage's config reserves no concurrency (reserved_concurrency=None): "
            "Cognito's own quotas bound the invocation rate, and the trigger shares the "
            "account's unreserved concurrency.",
        )
    return function


def _accept_trigger_findings(
    function: lambda_.Function, policy: IConstruct, *, asynchronous: bool
) -> None:
    """Scanner findings that do not fit a synchronous Cognito trigger, each with its reason."""
    accept_finding(
        policy,
        nag="AwsSolutions-IAM5[Resource::*]",
        reason="X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords support no "
        "resource-level permissions, so CDK grants them on '*'; nothing else is on '*'.",
    )
    acceptances = [
        Acceptance(
            nag="AwsSolutions-L1",
            nag_packs=("LambdaLatestVersion",),
            reason="python3.13 is pinned together with the Powertools layer build for it "
            "(AWSLambdaPowertoolsPythonV3-python313-arm64); both move to a newer runtime "
            "together, deliberately, when the layer version in the stage config moves.",
        )
    ]
    if not asynchronous:  # the custom senders have their dead-letter queue
        acceptances.append(
            Acceptance(
                checkov=("CKV_AWS_116",),
                nag_packs=("LambdaDLQ",),
                reason="Cognito invokes this trigger synchronously and reports failures to the "
                "caller; a dead-letter queue only applies to asynchronous invocations.",
            )
        )
    acceptances += [
        Acceptance(
            checkov=("CKV_AWS_117",),
            nag_packs=("LambdaInsideVPC",),
            control_tower=("lambda_inside_vpc_check",),
            reason="The trigger reaches only Cognito and DynamoDB public endpoints with IAM auth; "
            "a VPC would add NAT or endpoint cost and cold-start latency against a 5-second "
            "limit.",
        ),
        Acceptance(
            checkov=("CKV_AWS_173",),
            reason="The environment holds only non-secret settings (domains, group names, app "
            "name); Lambda encrypts it at rest with an AWS-managed key.",
        ),
    ]
    accept_findings(function, *acceptances)
