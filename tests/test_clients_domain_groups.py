"""App clients, managed login, groups and outputs: values on the test-owned stages, invariants on
every stage of the user's config."""

from __future__ import annotations

import dataclasses
from typing import cast

from aws_cdk import CfnResource, Stack
from aws_cdk.assertions import Capture, Match, Template

from auth_constructs.identity.managed_login import ManagedLogin
from auth_constructs.identity.user_pool import PhotoUserPool
from stacks.outputs import CROSS_STACK_OUTPUT_PREFIX, OPTIONAL_OUTPUTS, StackOutput
from stage_config import CustomDomainConfig, StageConfig
from tests.support.app import SynthesizedApp
from tests.support.configs import (
    APP_SCHEME,
    CERTIFICATE_ARN,
    EVERYONE,
    LIVE,
    MODERATORS,
    SANDBOX,
    live,
)
from tests.support.harness import template_of

CLIENT = "AWS::Cognito::UserPoolClient"


def test_web_client_is_public_code_flow(samples: SynthesizedApp) -> None:
    samples.template(SANDBOX).has_resource_properties(
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
            "CallbackURLs": ["http://localhost:3000/auth"],
            "LogoutURLs": ["http://localhost:3000"],
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_SRP_AUTH"]),
            "EnableTokenRevocation": True,
            "PreventUserExistenceErrors": "ENABLED",
        },
    )


def test_mobile_client_uses_srp_and_app_scheme(samples: SynthesizedApp) -> None:
    samples.template(LIVE).has_resource_properties(
        CLIENT,
        {
            "ClientName": "mobile",
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_SRP_AUTH"]),
            "CallbackURLs": [f"{APP_SCHEME}://auth"],
        },
    )


def test_token_validity_from_config(samples: SynthesizedApp) -> None:
    samples.template(LIVE).has_resource_properties(
        CLIENT,
        {
            "ClientName": "web",
            "IdTokenValidity": 15,
            "AccessTokenValidity": 20,
            "RefreshTokenValidity": 7 * 24 * 60,
            "TokenValidityUnits": {
                "IdToken": "minutes",
                "AccessToken": "minutes",
                "RefreshToken": "minutes",
            },
        },
    )


def resource_server_scope(name: str) -> dict[str, object]:
    return {"Fn::Join": ["", [{"Ref": Match.string_like_regexp("PhotosApi")}, f"/{name}"]]}


def test_server_client_only_where_configured(samples: SynthesizedApp) -> None:
    samples.template(LIVE).has_resource_properties(
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
        for r in samples.template(SANDBOX).find_resources(CLIENT).values()
    ]
    assert sorted(names) == ["mobile", "web"]


def test_prefix_domain_uses_managed_login_v2_with_branding(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    template = synthesized.template(stage_name)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolDomain",
        {"Domain": stage_config.user_pool.domain_prefix, "ManagedLoginVersion": 2},
    )
    client_ref = Capture()
    template.has_resource_properties(
        "AWS::Cognito::ManagedLoginBranding",
        {"ClientId": {"Ref": client_ref}, "UseCognitoProvidedValues": True},
    )
    template.resource_count_is("AWS::Cognito::ManagedLoginBranding", 2)


def test_custom_domain_override_uses_certificate() -> None:
    domain = CustomDomainConfig(domain_name="login.example.net", certificate_arn=CERTIFICATE_ARN)
    config = dataclasses.replace(live().user_pool, custom_domain=domain)

    def build(stack: Stack) -> None:
        pool = PhotoUserPool(stack, "UserPool", config=config, stateful=live().stateful)
        ManagedLogin(stack, "ManagedLogin", user_pool=pool.user_pool, config=config, clients=[])

    template = template_of(build)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolDomain",
        {
            "Domain": "login.example.net",
            "ManagedLoginVersion": 2,
            "CustomDomainConfig": {"CertificateArn": domain.certificate_arn},
        },
    )
    template.resource_count_is("AWS::Cognito::UserPoolDomain", 2)


def test_groups_with_precedence_and_roles_from_config(samples: SynthesizedApp) -> None:
    """The groups are the Access stack's, next to the elevated role they name."""
    access = samples.stage(LIVE).access
    template = Template.from_json(samples.template_json(LIVE, access))
    elevated = access.get_logical_id(
        cast(CfnResource, access.access.elevated_role.node.default_child)
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolGroup",
        {"GroupName": MODERATORS, "Precedence": 1, "RoleArn": {"Fn::GetAtt": [elevated, "Arn"]}},
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolGroup",
        {"GroupName": EVERYONE, "Precedence": 5, "RoleArn": Match.absent()},
    )


def test_every_configured_group_exists_elevated_ones_with_a_role(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    groups = {
        r["Properties"]["GroupName"]: r["Properties"]
        for r in synthesized.resources(stage_name, "AWS::Cognito::UserPoolGroup").values()
    }
    assert set(groups) == stage_config.user_pool.group_names
    for group in stage_config.user_pool.groups:
        assert groups[group.name]["Precedence"] == group.precedence
        elevated = group.name in stage_config.data_access.elevated_groups
        assert ("RoleArn" in groups[group.name]) is elevated, group.name


def test_outputs_are_the_contract(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    outputs = synthesized.template_json(stage_name)["Outputs"]
    expected = {o.value for o in StackOutput if o not in OPTIONAL_OUTPUTS}
    if stage_config.user_pool.server_client:
        expected.add(StackOutput.SERVER_CLIENT_ID.value)
    if stage_config.directory_backup:
        expected |= {StackOutput.DIRECTORY_BACKUP_BUCKET, StackOutput.DIRECTORY_BACKUP_RUN}
    if stage_config.replica and stage_config.replica.managed_login_failover:
        expected.add(StackOutput.FAILOVER_HEALTH_CHECK)
    expected.add(StackOutput.ISSUER_URL.value)  # every deployed stage has it; only Local not
    assert {name for name in outputs if not name.startswith(CROSS_STACK_OUTPUT_PREFIX)} == expected
    issuer = outputs[StackOutput.ISSUER_URL]["Value"]["Fn::Join"][1]
    assert issuer[0] == "https://"
