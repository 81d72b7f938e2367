"""App clients, managed login, groups and outputs of the synthesized stages."""

from __future__ import annotations

import dataclasses

from aws_cdk import Stack
from aws_cdk.assertions import Capture, Match

from auth_constructs.managed_login import ManagedLogin
from auth_constructs.user_pool import PhotoUserPool
from stage_config import CustomDomainConfig
from stage_config.stages import prod
from tests.cdk_app import SynthesizedApp
from tests.constructs_harness import template_of

CLIENT = "AWS::Cognito::UserPoolClient"


def test_web_client_is_public_code_flow(synthesized: SynthesizedApp) -> None:
    synthesized.template("Dev").has_resource_properties(
        CLIENT,
        {
            "ClientName": "web",
            "GenerateSecret": False,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": [
                "openid",
                "email",
                "profile",
                resource_server_scope("read"),
                resource_server_scope("write"),
            ],
            "CallbackURLs": ["http://localhost:5173/callback"],
            "LogoutURLs": ["http://localhost:5173/"],
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_SRP_AUTH"]),
            "EnableTokenRevocation": True,
            "PreventUserExistenceErrors": "ENABLED",
        },
    )


def test_mobile_client_uses_srp_and_app_scheme(synthesized: SynthesizedApp) -> None:
    synthesized.template("Prod").has_resource_properties(
        CLIENT,
        {
            "ClientName": "mobile",
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_SRP_AUTH"]),
            "CallbackURLs": ["photoshare://callback"],
        },
    )


def test_token_validity_from_config(synthesized: SynthesizedApp) -> None:
    synthesized.template("Prod").has_resource_properties(
        CLIENT,
        {
            "ClientName": "web",
            "IdTokenValidity": 30,
            "AccessTokenValidity": 30,
            "RefreshTokenValidity": 43200,
            "TokenValidityUnits": {
                "IdToken": "minutes",
                "AccessToken": "minutes",
                "RefreshToken": "minutes",
            },
        },
    )


def resource_server_scope(name: str) -> dict[str, object]:
    return {"Fn::Join": ["", [{"Ref": Match.string_like_regexp("PhotosApi")}, f"/{name}"]]}


def test_server_client_only_where_configured(synthesized: SynthesizedApp) -> None:
    synthesized.template("Prod").has_resource_properties(
        CLIENT,
        {
            "ClientName": "server",
            "GenerateSecret": True,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": [resource_server_scope("read"), resource_server_scope("write")],
        },
    )
    names = [
        r["Properties"]["ClientName"]
        for r in synthesized.template("Dev").find_resources(CLIENT).values()
    ]
    assert sorted(names) == ["mobile", "web"]


def test_prefix_domain_uses_managed_login_v2_with_branding(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    template = synthesized.template(stage_name)
    prefix = "photoshare-dev" if stage_name == "Dev" else "photoshare-prod"
    template.has_resource_properties(
        "AWS::Cognito::UserPoolDomain", {"Domain": prefix, "ManagedLoginVersion": 2}
    )
    client_ref = Capture()
    template.has_resource_properties(
        "AWS::Cognito::ManagedLoginBranding",
        {"ClientId": {"Ref": client_ref}, "UseCognitoProvidedValues": True},
    )
    template.resource_count_is("AWS::Cognito::ManagedLoginBranding", 2)


def test_custom_domain_override_uses_certificate() -> None:
    domain = CustomDomainConfig(
        domain_name="auth.photos.example.com",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/"
        "12345678-1234-1234-1234-123456789012",
    )
    config = dataclasses.replace(prod().user_pool, custom_domain=domain)

    def build(stack: Stack) -> None:
        pool = PhotoUserPool(stack, "UserPool", config=config, production=True)
        ManagedLogin(stack, "ManagedLogin", user_pool=pool.user_pool, config=config, clients=[])

    template = template_of(build)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolDomain",
        {
            "Domain": "auth.photos.example.com",
            "ManagedLoginVersion": 2,
            "CustomDomainConfig": {"CertificateArn": domain.certificate_arn},
        },
    )
    template.resource_count_is("AWS::Cognito::UserPoolDomain", 2)


def test_groups_with_precedence(synthesized: SynthesizedApp, stage_name: str) -> None:
    template = synthesized.template(stage_name)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolGroup",
        {"GroupName": "admins", "Precedence": 0, "RoleArn": Match.any_value()},
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolGroup",
        {"GroupName": "members", "Precedence": 10, "RoleArn": Match.absent()},
    )


def test_outputs(synthesized: SynthesizedApp) -> None:
    outputs = synthesized.template_json("Prod")["Outputs"]
    assert set(outputs) >= {
        "Region",
        "UserPoolId",
        "IssuerUrl",
        "DomainUrl",
        "WebClientId",
        "MobileClientId",
        "ServerClientId",
        "IdentityPoolId",
        "PhotosBucket",
        "ItemsTable",
    }
    assert "ServerClientId" not in synthesized.template_json("Dev")["Outputs"]
    issuer = outputs["IssuerUrl"]["Value"]["Fn::Join"][1]
    assert issuer[0] == "https://"
