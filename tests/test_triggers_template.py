"""The triggers as deployed: LambdaConfig, runtime, settings, invoke permissions, IAM, logs."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match
from custom_message.settings import CustomMessageSettings
from custom_sender.settings import CustomSenderSettings
from directory_backup.records import OWNER_CLAIM
from post_authentication.settings import PostAuthenticationSettings
from post_confirmation.settings import PostConfirmationSettings
from pre_authentication.settings import PreAuthenticationSettings
from pre_sign_up.settings import PreSignUpSettings
from pre_token_generation.settings import PreTokenGenerationSettings
from trigger_settings import ENVIRONMENT_VARIABLE, TriggerSettings
from user_migration.settings import UserMigrationSettings

from auth_constructs import cfn_text
from auth_constructs.data.directory_backup import HANDLER as EXPORT_HANDLER
from stage_config import StageConfig
from tests.support.app import SynthesizedApp
from tests.support.configs import EVERYONE, LIVE, MODERATORS, SANDBOX

CONTRACTS: dict[str, type[TriggerSettings]] = {
    "pre_sign_up": PreSignUpSettings,
    "post_confirmation": PostConfirmationSettings,
    "pre_token_generation": PreTokenGenerationSettings,
    "custom_message": CustomMessageSettings,
    "pre_authentication": PreAuthenticationSettings,
    "post_authentication": PostAuthenticationSettings,
    "custom_email_sender": CustomSenderSettings,
    "custom_sms_sender": CustomSenderSettings,
    "user_migration": UserMigrationSettings,
}


@pytest.fixture
def with_triggers(stage_config: StageConfig) -> None:
    """The trigger tests of the user's stages apply to stages that configure triggers."""
    if stage_config.triggers is None:
        pytest.skip(f"{stage_config.name} configures no triggers (triggers=None)")


FUNCTION = "AWS::Lambda::Function"
POOL_ARN = {"Fn::GetAtt": [Match.string_like_regexp("^UserPool"), "Arn"]}


def functions(synthesized: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    """The trigger functions (not the directory backup's export)."""
    found = synthesized.template(stage).find_resources(FUNCTION)
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in found.items()
        if resource["Properties"]["Handler"] != EXPORT_HANDLER
    }


@pytest.mark.usefixtures("with_triggers")
def test_lambda_config_uses_v3_pre_token_generation(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    def arn(name: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [Match.string_like_regexp(f"^Triggers{name}"), "Arn"]}

    assert stage_config.triggers is not None
    chosen = {
        name: arn(name)
        for name, on in (
            ("PreAuthentication", stage_config.triggers.pre_authentication),
            ("PostAuthentication", stage_config.triggers.post_authentication),
            ("CustomMessage", stage_config.triggers.runs_custom_message),
            ("UserMigration", stage_config.triggers.user_migration is not None),
        )
        if on
    }
    senders: dict[str, Any] = {
        config_name: {"LambdaArn": arn(name), "LambdaVersion": "V1_0"}
        for config_name, name, on in (
            ("CustomEmailSender", "CustomEmailSender", stage_config.triggers.custom_email_sender),
            ("CustomSMSSender", "CustomSmsSender", stage_config.triggers.custom_sms_sender),
        )
        if on
    }
    if senders:
        senders["KMSKeyID"] = synthesized.key_reference(stage_name)
    synthesized.template(stage_name).has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "LambdaConfig": Match.object_equals(
                {
                    "PreSignUp": arn("PreSignUp"),
                    "PostConfirmation": arn("PostConfirmation"),
                    "PreTokenGenerationConfig": {
                        "LambdaArn": arn("PreTokenGeneration"),
                        "LambdaVersion": "V3_0",
                    },
                    **chosen,
                    **senders,
                }
            )
        },
    )


@pytest.mark.usefixtures("with_triggers")
def test_functions_runtime_and_limits(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    assert stage_config.triggers is not None
    version = stage_config.triggers.powertools_layer_version
    found = functions(synthesized, stage_name)
    assert {props["Handler"] for props in found.values()} == {
        f"{trigger}.index.handler" for trigger in stage_config.triggers.enabled
    }
    assert len({str(props["Code"]) for props in found.values()}) == 1, "one shared asset"
    for props in found.values():
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["Timeout"] < 5, "Cognito gives a trigger 5 seconds"
        assert props["TracingConfig"] == {"Mode": "Active"}
        layer, *sender_layer = props["Layers"]
        sender = props["Handler"].startswith(("custom_email_sender.", "custom_sms_sender."))
        assert [ref["Ref"].startswith("TriggersSenderDependencies") for ref in sender_layer] == (
            [True] if sender else []
        )
        assert layer["Fn::Join"][1][-1].endswith(
            f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:{version}"
        )
        assert props["LoggingConfig"]["LogGroup"]["Ref"].startswith("Triggers")


def deployed_settings(synthesized: SynthesizedApp, stage: str) -> dict[str, TriggerSettings]:
    """Each function's settings, parsed by its handler's own contract (as at a cold start)."""
    parsed = {}
    for props in functions(synthesized, stage).values():
        trigger = props["Handler"].removesuffix(".index.handler")
        variables = props["Environment"]["Variables"]
        environ = {ENVIRONMENT_VARIABLE: cfn_text.render(variables[ENVIRONMENT_VARIABLE])}
        parsed[trigger] = CONTRACTS[trigger].from_environment(environ)
    return parsed


@pytest.mark.usefixtures("with_triggers")
def test_every_function_environment_parses_with_its_contract(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    assert stage_config.triggers is not None
    assert set(deployed_settings(synthesized, stage_name)) == set(stage_config.triggers.enabled)


def test_trigger_config_reaches_the_functions(samples: SynthesizedApp) -> None:
    settings = deployed_settings(samples, LIVE)
    table = next(iter(samples.template(LIVE).find_resources("AWS::DynamoDB::GlobalTable")))
    assert settings["pre_sign_up"] == PreSignUpSettings(
        allowed_email_domains=(),
        denied_email_domains=("spam.example.org",),
        auto_confirm=False,
        auto_verify_email=False,
        link_federated=True,
        custom_providers=("Workforce", "Supplier"),
    )
    assert settings["post_confirmation"] == PostConfirmationSettings(
        table_name=f"${{{table}}}", default_group=EVERYONE
    )
    assert settings["pre_token_generation"] == PreTokenGenerationSettings(
        elevated_groups=(MODERATORS,),
        extra_claims={"acme:tier": "live"},
        access_token_scopes=("photos/read", "photos/write"),
        server_claims={"acme:tenant": "gallery"},
        owner_claim=OWNER_CLAIM,  # the directory backup is on: restored users keep their data
    )
    assert "custom_message" not in settings, "both custom senders replace it"
    assert deployed_settings(samples, SANDBOX)["custom_message"] == CustomMessageSettings(
        app_name="Acme Gallery (sandbox)", app_url="http://localhost:3000"
    )


@pytest.mark.usefixtures("with_triggers")
def test_invoke_permissions_are_scoped_to_the_pool(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    assert stage_config.triggers is not None
    permissions = synthesized.template(stage_name).find_resources("AWS::Lambda::Permission")
    assert len(permissions) == len(stage_config.triggers.enabled)
    for permission in permissions.values():
        props = permission["Properties"]
        assert props["Principal"] == "cognito-idp.amazonaws.com"
        assert props["Action"] == "lambda:InvokeFunction"
        assert props["SourceArn"]["Fn::GetAtt"][0].startswith("UserPool")


def statements_of(synthesized: SynthesizedApp, stage: str, prefix: str) -> list[dict[str, Any]]:
    policies = synthesized.template(stage).find_resources("AWS::IAM::Policy")
    return [
        statement
        for logical_id, policy in policies.items()
        if logical_id.startswith(f"Triggers{prefix}")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.usefixtures("with_triggers")
def test_least_privilege(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    assert stage_config.triggers is not None
    # The group call only when a default group is configured (it spends a quota per sign-up).
    joins = {"cognito-idp:AdminAddUserToGroup"} if stage_config.triggers.default_group else set()
    # With a customer key, DynamoDB uses it on the writer's behalf (kms:ViaService only).
    table_key = (
        {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
        if stage_config.customer_key
        else set()
    )
    expected = {
        "PreSignUp": {"cognito-idp:ListUsers", "cognito-idp:AdminLinkProviderForUser"},
        "PostConfirmation": {"dynamodb:PutItem", *joins, *table_key},
        "PreTokenGeneration": set(),
        "CustomMessage": set(),
    }
    if stage_config.triggers.pre_authentication:
        expected["PreAuthentication"] = {"dynamodb:GetItem", *table_key}
    if stage_config.triggers.post_authentication:
        expected["PostAuthentication"] = {"dynamodb:UpdateItem", *table_key}
    if stage_config.triggers.user_migration:
        expected["UserMigration"] = {"secretsmanager:GetSecretValue"}
    common = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    for name, granted in expected.items():
        statements = statements_of(synthesized, stage_name, name)
        assert {a for s in statements for a in cfn_text.listed(s["Action"])} == granted | common, (
            name
        )
        for statement in statements:
            resource = statement["Resource"]
            if resource == "*":
                assert set(cfn_text.listed(statement["Action"])) <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                }
            elif any(a.startswith("cognito-idp:") for a in cfn_text.listed(statement["Action"])):
                assert resource["Fn::GetAtt"][0].startswith("UserPool")
            elif statement["Action"] == "secretsmanager:GetSecretValue":
                assert ":secret:" in cfn_text.render(resource)
            elif any(a.startswith("dynamodb:") for a in cfn_text.listed(statement["Action"])):
                assert resource["Fn::GetAtt"][0].startswith("StorageItems")
            elif any(a.startswith("kms:") for a in cfn_text.listed(statement["Action"])):
                assert resource == synthesized.key_reference(stage_name)
                via = statement["Condition"]["StringEquals"]["kms:ViaService"]
                assert via["Fn::Join"][1][0] == "dynamodb."
            else:
                assert resource["Fn::GetAtt"][0].startswith(f"Triggers{name}Logs")


def test_log_groups_have_retention(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    groups = {
        logical_id: group
        for logical_id, group in synthesized.template(stage_name)
        .find_resources("AWS::Logs::LogGroup")
        .items()
        if logical_id.startswith("Triggers")
    }
    if stage_config.triggers is None:
        assert groups == {}
        return
    assert len(groups) == len(stage_config.triggers.enabled)
    expected_policy = "Retain" if stage_config.stateful.retain else "Delete"
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == stage_config.triggers.log_retention_days
        assert group["DeletionPolicy"] == expected_policy
