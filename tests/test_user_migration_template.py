"""User migration as deployed (the test-owned Live stage migrates through its web client): the
pool's LambdaConfig, USER_PASSWORD_AUTH on that client only, the function's timeout inside
Cognito's 5 s, and its role reads the legacy token's secret and nothing else (IAM evaluator)."""

from __future__ import annotations

from typing import Any

from trigger_settings import ENVIRONMENT_VARIABLE
from user_migration.legacy_store import REQUEST_TIMEOUT_SECONDS
from user_migration.settings import UserMigrationSettings

from auth_constructs import cfn_text
from tests.support.app import SynthesizedApp
from tests.support.configs import LEGACY_SECRET, LEGACY_URL, LIVE, SANDBOX
from tests.support.iam import ACCOUNT, ALLOWED, DENIED, REGION, Ask, Names, decide, role_policies

USER_PASSWORD_AUTH = "ALLOW_USER_PASSWORD_AUTH"


def resources(samples: SynthesizedApp, stage: str, kind: str) -> dict[str, Any]:
    return dict(samples.resources(stage, kind))


def test_the_pool_migrates_through_the_function(samples: SynthesizedApp) -> None:
    (pool,) = resources(samples, LIVE, "AWS::Cognito::UserPool").values()
    (function_id,) = [
        i
        for i in resources(samples, LIVE, "AWS::Lambda::Function")
        if i.startswith("TriggersUserMigration")
    ]
    assert pool["Properties"]["LambdaConfig"]["UserMigration"] == {
        "Fn::GetAtt": [function_id, "Arn"]
    }
    props = resources(samples, LIVE, "AWS::Lambda::Function")[function_id]["Properties"]
    assert props["Timeout"] < 5
    assert props["Timeout"] >= REQUEST_TIMEOUT_SECONDS * 2, "the secret's read and the call fit"
    settings = UserMigrationSettings.from_environment(
        {
            ENVIRONMENT_VARIABLE: cfn_text.render(
                props["Environment"]["Variables"][ENVIRONMENT_VARIABLE]
            )
        }
    )
    assert settings == UserMigrationSettings(
        endpoint_url=LEGACY_URL, api_key_secret=LEGACY_SECRET, api_key_field="token"
    )
    (sandbox_pool,) = resources(samples, SANDBOX, "AWS::Cognito::UserPool").values()
    assert "UserMigration" not in sandbox_pool["Properties"]["LambdaConfig"]


def test_password_auth_only_on_the_client_that_migrates(samples: SynthesizedApp) -> None:
    live_flows = {
        client["Properties"].get("ClientName"): client["Properties"].get("ExplicitAuthFlows", [])
        for client in resources(samples, LIVE, "AWS::Cognito::UserPoolClient").values()
    }
    assert USER_PASSWORD_AUTH in live_flows["web"]
    assert USER_PASSWORD_AUTH not in live_flows["mobile"]
    assert all(
        USER_PASSWORD_AUTH not in f
        for client in resources(samples, SANDBOX, "AWS::Cognito::UserPoolClient").values()
        for f in [client["Properties"].get("ExplicitAuthFlows", [])]
    )


def test_the_role_reads_the_legacy_token_and_nothing_else(samples: SynthesizedApp) -> None:
    template = dict(samples.template(LIVE).to_json())
    (role_id,) = [
        i
        for i in resources(samples, LIVE, "AWS::IAM::Role")
        if i.startswith("TriggersUserMigrationRole")
    ]
    names = Names(
        arns={
            i: f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{i}"
            for i in resources(samples, LIVE, "AWS::Logs::LogGroup")
        },
        refs={},
    )
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{LEGACY_SECRET}"
    asks = [
        Ask("secretsmanager:GetSecretValue", f"{secret}-AbCdEf", ALLOWED),
        Ask("secretsmanager:GetSecretValue", f"{secret}-AbCdEfG", DENIED),
        Ask("secretsmanager:GetSecretValue", f"{secret}/other-AbCdEf", DENIED),
        Ask("secretsmanager:PutSecretValue", f"{secret}-AbCdEf", DENIED),
        Ask("dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/items", DENIED),
        Ask("kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/any", DENIED),
    ]
    decided = decide(asks, role_id, role_policies(template, role_id, names))
    assert {ask: decided[ask] for ask in asks} == {ask: ask.expected for ask in asks}
