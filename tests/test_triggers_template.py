"""The triggers as deployed: LambdaConfig, runtime, invoke permissions, IAM scope, logs."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from tests.cdk_app import SynthesizedApp
from tools import cfn_text

FUNCTION = "AWS::Lambda::Function"
POOL_ARN = {"Fn::GetAtt": [Match.string_like_regexp("^UserPool"), "Arn"]}


def functions(synthesized: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    found = synthesized.template(stage).find_resources(FUNCTION)
    return {logical_id: resource["Properties"] for logical_id, resource in found.items()}


def test_lambda_config_uses_v2_pre_token_generation(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    def arn(name: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [Match.string_like_regexp(f"^Triggers{name}"), "Arn"]}

    synthesized.template(stage_name).has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "LambdaConfig": {
                "PreSignUp": arn("PreSignUp"),
                "PostConfirmation": arn("PostConfirmation"),
                "CustomMessage": arn("CustomMessage"),
                "PreTokenGenerationConfig": {
                    "LambdaArn": arn("PreTokenGeneration"),
                    "LambdaVersion": "V2_0",
                },
            }
        },
    )


def test_functions_runtime_and_limits(synthesized: SynthesizedApp, stage_name: str) -> None:
    found = functions(synthesized, stage_name)
    assert len(found) == 4
    for props in found.values():
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "index.handler"
        assert props["Timeout"] < 5, "Cognito gives a trigger 5 seconds"
        assert props["TracingConfig"] == {"Mode": "Active"}
        (layer,) = props["Layers"]
        assert layer["Fn::Join"][1][-1].endswith(
            ":017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
        )
        assert props["LoggingConfig"]["LogGroup"]["Ref"].startswith("Triggers")


def test_trigger_config_reaches_the_functions(synthesized: SynthesizedApp) -> None:
    settings = {}
    for logical_id, props in functions(synthesized, "Prod").items():
        name = logical_id.removeprefix("Triggers")[:-8]
        settings[name] = json.loads(
            cfn_text.render(props["Environment"]["Variables"]["TRIGGER_CONFIG"])
        )
    assert settings["PreSignUp"]["denied_email_domains"] == ["mailinator.com"]
    assert settings["PreSignUp"]["custom_providers"] == ["Corporate", "Partner"]
    assert settings["PostConfirmation"] == {
        "default_group": "members",
        "table_name": "${StorageItems5ACFBC81}",
    }
    assert settings["PreTokenGeneration"]["elevated_groups"] == ["admins"]
    assert settings["CustomMessage"] == {
        "app_name": "PhotoShare",
        "app_url": "https://photos.example.com",
    }


def test_invoke_permissions_are_scoped_to_the_pool(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    permissions = synthesized.template(stage_name).find_resources("AWS::Lambda::Permission")
    assert len(permissions) == 4
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


def test_least_privilege(synthesized: SynthesizedApp, stage_name: str) -> None:
    expected = {
        "PreSignUp": {"cognito-idp:ListUsers", "cognito-idp:AdminLinkProviderForUser"},
        "PostConfirmation": {"cognito-idp:AdminAddUserToGroup", "dynamodb:PutItem"},
        "PreTokenGeneration": set(),
        "CustomMessage": set(),
    }
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
            elif any(a.startswith("dynamodb:") for a in cfn_text.listed(statement["Action"])):
                assert resource["Fn::GetAtt"][0].startswith("StorageItems")
            else:
                assert resource["Fn::GetAtt"][0].startswith(f"Triggers{name}Logs")


def test_log_groups_have_retention(synthesized: SynthesizedApp, stage_name: str) -> None:
    groups = synthesized.template(stage_name).find_resources("AWS::Logs::LogGroup")
    assert len(groups) == 4
    expected_policy = "Retain" if stage_name == "Prod" else "Delete"
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 30
        assert group["DeletionPolicy"] == expected_policy
