"""CI access stack: GitHub OIDC, a deploy role and a diff role, each as narrow as it can be."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from stacks.ci_access_stack import CiAccessStack
from stage_config import GITHUB_OIDC, ConfigError, DeliveryConfig, DeliveryMode
from stage_config.selection import select_delivery, select_stages
from stage_config.stages import STAGES, delivery
from tests.support.app import SynthesizedApp
from tests.support.config_errors import assert_config_error

REPO = delivery().repository
BRANCH = delivery().branch


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> Template:
    return Template.from_json(
        json.loads((synthesized.outdir / "CiAccess.template.json").read_text())
    )


def roles(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::IAM::Role").items()
    }


def test_github_oidc_provider(template: Template) -> None:
    """With GitHub's thumbprints: CloudFormation refuses the provider without a list, although
    IAM ignores it for GitHub (cloudformation-coverage-roadmap #2092)."""
    template.has_resource_properties(
        "AWS::IAM::OIDCProvider",
        {
            "Url": "https://token.actions.githubusercontent.com",
            "ClientIdList": ["sts.amazonaws.com"],
            "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1", Match.any_value()],
        },
    )


def test_an_existing_github_oidc_provider_is_trusted_not_created() -> None:
    """An account holds one provider per URL: with its ARN in config, the roles trust it."""
    existing = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB_OIDC}"
    app = App()
    stack = CiAccessStack(
        app,
        "CiAccess",
        config=dataclasses.replace(delivery(), github_oidc_provider_arn=existing),
        stages=select_stages(()),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    for role in roles(template).values():
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Federated": existing}


@pytest.mark.parametrize(
    ("prefix", "operator", "subjects"),
    [
        *(
            (
                role,
                "StringEquals",
                [
                    f"repo:{REPO}:environment:{stage().github_environment}:ref:refs/heads/{BRANCH}"
                    for stage in STAGES.values()
                ],
            )
            for role in ("DeployRole", "PreflightRole")
        ),
        ("DiffRole", "StringLike", [f"repo:{REPO}:pull_request:ref:refs/pull/*/merge"]),
    ],
)
def test_trust_is_limited_to_repository_branch_and_environment(
    template: Template, prefix: str, operator: str, subjects: list[str]
) -> None:
    (role,) = [p for i, p in roles(template).items() if i.startswith(prefix)]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"]["Ref"].startswith("GitHubOidc")
    audience = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    subject = {"token.actions.githubusercontent.com:sub": subjects}
    expected = (
        {"StringEquals": audience | subject}
        if operator == "StringEquals"
        else {"StringEquals": audience, operator: subject}
    )
    assert statement["Condition"] == expected


@pytest.mark.parametrize(
    ("prefix", "bootstrap_role"),
    [("DeployRole", "cdk-hnb659fds-*-"), ("DiffRole", "cdk-hnb659fds-lookup-role-")],
)
def test_roles_may_only_assume_bootstrap_roles(
    template: Template, prefix: str, bootstrap_role: str
) -> None:
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for i, p in template.find_resources("AWS::IAM::Policy").items()
        if i.startswith(prefix)
    ]
    ((statement,),) = policies
    assert statement["Action"] == "sts:AssumeRole"
    account = {"Ref": "AWS::AccountId"}
    assert statement["Resource"]["Fn::Join"][1] == [
        "arn:",
        {"Ref": "AWS::Partition"},
        ":iam::",
        account,
        f":role/{bootstrap_role}",
        account,
        "-*",
    ]


def test_only_the_preflight_role_holds_the_preflight_reads(template: Template) -> None:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    ((preflight,),) = [[r["Ref"] for r in policy["Properties"]["Roles"]]]
    assert preflight.startswith("PreflightRole")
    assert not any(role.get("ManagedPolicyArns") for role in roles(template).values())
    inline = [
        i
        for i, p in template.find_resources("AWS::IAM::Policy").items()
        if {"Ref": preflight} in p["Properties"]["Roles"]
    ]
    assert inline == [], "the preflight role may not assume the bootstrap roles"


@pytest.mark.parametrize("output", ["DeployRoleArn", "PreflightRoleArn", "DiffRoleArn"])
def test_role_arns_are_outputs(template: Template, output: str) -> None:
    template.has_output(output, {"Value": {"Fn::GetAtt": [Match.any_value(), "Arn"]}})


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        (
            {"repository": "no-owner"},
            "delivery.repository",
            "'no-owner' is not 'owner/name'. Fix: use the GitHub repository, e.g. "
            "'example/photoshare-identity'",
        ),
        (
            {"branch": "release/*"},
            "delivery.branch",
            "'release/*' is not a single branch name. Fix: name the one branch that deploys, "
            "e.g. 'main' (no wildcards)",
        ),
        (
            {"branch": "main branch"},
            "delivery.branch",
            "'main branch' is not a single branch name. Fix: name the one branch that deploys, "
            "e.g. 'main' (no wildcards)",
        ),
        (
            {"bootstrap_qualifier": "HNB659FDS"},
            "delivery.bootstrap_qualifier",
            "'HNB659FDS' is not a CDK bootstrap qualifier. Fix: use the qualifier you "
            "bootstrapped with (default 'hnb659fds')",
        ),
        (
            {"github_oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/example.com"},
            "delivery.github_oidc_provider_arn",
            "'arn:aws:iam::123456789012:oidc-provider/example.com' is not the ARN of a GitHub "
            "OIDC provider. Fix: paste arn:aws:iam::<account>:oidc-provider/"
            "token.actions.githubusercontent.com from `aws iam list-open-id-connect-providers`, "
            "or leave it empty to create the provider",
        ),
        (
            {"mode": DeliveryMode.CDK_PIPELINES},
            "delivery.connection_arn",
            "cdk-pipelines mode needs a CodeConnections connection to GitHub. Fix: create the "
            "connection in the console and paste its ARN",
        ),
    ],
)
def test_bad_delivery_config(changes: dict[str, Any], key: str, message: str) -> None:
    assert_config_error(lambda: dataclasses.replace(delivery(), **changes), key, message)


def test_unknown_delivery_mode_from_context() -> None:
    with pytest.raises(ConfigError, match="'jenkins' is not a delivery mode") as raised:
        select_delivery(mode="jenkins")
    assert raised.value.key == "delivery"
    assert raised.value.fix == f"use one of {', '.join(m.value for m in DeliveryMode)}"


def test_context_overrides_the_delivery_mode_and_connection() -> None:
    arn = "arn:aws:codestar-connections:eu-west-1:123456789012:connection/" + "0" * 36
    chosen = select_delivery(mode=DeliveryMode.CDK_PIPELINES.value, connection_arn=arn)
    assert (chosen.mode, chosen.connection_arn) == (DeliveryMode.CDK_PIPELINES, arn)
    assert chosen.repository == delivery().repository
    assert select_delivery() == delivery(), "no context: the config as written"


def test_default_delivery_is_github_actions() -> None:
    assert isinstance(delivery(), DeliveryConfig)
    assert select_delivery().mode is DeliveryMode.GITHUB_ACTIONS


def test_delivery_names_are_case_sensitive_github_names() -> None:
    """GitHub owners, repositories and branches may have capitals; a connection ARN passes."""
    accepted = dataclasses.replace(
        delivery(),
        repository="Example-Org/PhotoShare.Identity",
        branch="Release/2026.12",
        mode=DeliveryMode.CDK_PIPELINES,
        connection_arn="arn:aws:codeconnections:eu-west-1:123456789012:connection/"
        "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    )
    assert accepted.deploy_subject("prod") == (
        "repo:Example-Org/PhotoShare.Identity:environment:prod:ref:refs/heads/Release/2026.12"
    )
