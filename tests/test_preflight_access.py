"""The preflight policy grants exactly the reads `make preflight` makes, on the config's own
resources: a real IAM evaluator (@cloud-copilot/iam-simulate) decides each call on this stage's
resources (allowed) and on look-alikes and writes (denied).

The calls are read from `tools/deploy/preflight.py` itself: every method it calls that is an
operation of a service it opens a client for.
"""

from __future__ import annotations

import ast
import dataclasses
import re

import botocore.session
import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from botocore import xform_name

from auth_constructs.operations.preflight_access import UNSCOPABLE_READS, PreflightPolicy
from stacks.outputs import deployed_stack_name
from stage_config import CustomDomainConfig, SecretRef, SocialProviderConfig, StageConfig
from tests.support.configs import (
    CERTIFICATE_ARN,
    DELIVERY,
    PRIMARY,
    live,
    replicated,
    with_pool,
)
from tests.support.iam import ACCOUNT, ALLOWED, DENIED, REGION, Ask, Names, decide, resolve
from tests.support.paths import ROOT

IAM_PREFIX = {"sesv2": "ses"}
"""Clients whose IAM service prefix differs from the client name."""
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


def sample() -> StageConfig:
    return with_pool(
        live(),
        custom_domain=CustomDomainConfig(
            domain_name="login.gallery.example.net", certificate_arn=CERTIFICATE_ARN
        ),
    )


def preflight_calls() -> set[str]:
    """The IAM actions of the AWS calls tools/deploy/preflight.py makes."""
    tree = ast.parse((ROOT / "tools" / "deploy" / "preflight.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    services = {
        str(call.args[0].value)
        for call in calls
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "client"
        and isinstance(call.args[0], ast.Constant)
    }
    methods = {c.func.attr for c in calls if isinstance(c.func, ast.Attribute)}
    session = botocore.session.get_session()
    actions = set()
    for service in services:
        for operation in session.get_service_model(service).operation_names:
            if xform_name(operation) in methods:
                actions.add(f"{IAM_PREFIX.get(service, service)}:{operation}")
    return actions - NEEDS_NO_PERMISSION


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


OWN_SECRETS = [
    arn("secretsmanager", f"secret:{ref.name_or_arn}-AbCdEf")
    for ref in sample().secret_refs.values()
]
MATRIX = [
    Ask("ssm:GetParameter", arn("ssm", "parameter/cdk-bootstrap/hnb659fds/version"), ALLOWED),
    Ask("ssm:GetParameter", arn("ssm", "parameter/app/database-password"), DENIED),
    *(Ask("secretsmanager:GetSecretValue", secret, ALLOWED) for secret in OWN_SECRETS),
    Ask("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:acme/other-AbCdEf"), DENIED),
    Ask(
        "secretsmanager:GetSecretValue",
        arn("secretsmanager", "secret:acme/live/google-admin-AbCdEf"),
        DENIED,
    ),
    Ask("secretsmanager:PutSecretValue", OWN_SECRETS[0], DENIED),
    Ask("ses:GetEmailIdentity", arn("ses", "identity/gallery.example.net", "us-west-2"), ALLOWED),
    Ask("ses:GetEmailIdentity", arn("ses", "identity/other.example.net", "us-west-2"), DENIED),
    Ask("ses:SendEmail", arn("ses", "identity/gallery.example.net", "us-west-2"), DENIED),
    Ask("ses:GetAccount", "*", ALLOWED),
    Ask("sns:GetSMSSandboxAccountStatus", "*", ALLOWED),
    Ask("lambda:GetAccountSettings", "*", ALLOWED),
    Ask("sns:Publish", "*", DENIED),
    Ask("acm:DescribeCertificate", CERTIFICATE_ARN, ALLOWED),
    Ask("acm:DescribeCertificate", CERTIFICATE_ARN.replace("aaaaaaaa", "bbbbbbbb"), DENIED),
    Ask("acm:ExportCertificate", CERTIFICATE_ARN, DENIED),
    Ask("cognito-idp:DescribeUserPoolDomain", "*", ALLOWED),
    Ask("cognito-idp:DeleteUserPoolDomain", "*", DENIED),
    Ask("cloudformation:DescribeStacks", arn("cloudformation", "stack/Live-Auth/1-2-3"), ALLOWED),
    Ask("cloudformation:DescribeStacks", arn("cloudformation", "stack/Other/1-2-3"), DENIED),
]


@pytest.fixture(scope="module")
def policy() -> dict[str, object]:
    app = App()
    stack = Stack(app, "Preflight")
    PreflightPolicy(stack, "Preflight", stages=[sample()], delivery=DELIVERY)
    (resource,) = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    document: dict[str, object] = resolve(resource["Properties"]["PolicyDocument"], Names({}, {}))
    return document


@pytest.fixture(scope="module")
def decisions(policy: dict[str, object]) -> dict[Ask, str]:
    return decide(MATRIX, "preflight", [policy])


def test_every_preflight_call_is_in_the_matrix_as_allowed() -> None:
    """If preflight gains a call, the policy and this matrix are reviewed with it."""
    allowed = {ask.action for ask in MATRIX if ask.expected == ALLOWED}
    assert preflight_calls() == allowed


@pytest.mark.parametrize(
    "ask", MATRIX, ids=[f"{a.action}:{a.resource.rsplit(':', 1)[-1]}" for a in MATRIX]
)
def test_preflight_policy_matrix(decisions: dict[Ask, str], ask: Ask) -> None:
    assert decisions[ask] == ask.expected


def test_policy_statement_by_statement() -> None:
    """What the matrix cannot tell apart: a secret named by ARN is granted as given, the SES
    identities in the SES Region, and each resource written exactly."""
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/live/google-AbCdEf"
    config = sample()
    google, *others = config.federation
    assert isinstance(google, SocialProviderConfig)
    by_arn = dataclasses.replace(google, client_secret=SecretRef(name_or_arn=secret_arn))
    config = dataclasses.replace(config, federation=(by_arn, *others))
    stack = Stack(App(), "Preflight")
    PreflightPolicy(stack, "Preflight", stages=[config], delivery=DELIVERY)
    (resource,) = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    assert resource["Properties"]["Description"] == (
        "Read-only checks before cdk deploy (make preflight)"
    )
    document = resolve(resource["Properties"]["PolicyDocument"], Names({}, {}))
    account, region = config.account or ACCOUNT, config.region or "*"
    email = config.user_pool.email
    assert email
    assert config.user_pool.custom_domain

    def arn(service: str, resource: str, in_region: str = region) -> str:
        return f"arn:aws:{service}:{in_region}:{account}:{resource}"

    bootstrap = f"parameter/cdk-bootstrap/{DELIVERY.bootstrap_qualifier}/version"
    assert document["Statement"] == [
        {"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": arn("ssm", bootstrap)},
        {
            "Action": "cloudformation:DescribeStacks",
            "Effect": "Allow",
            "Resource": arn("cloudformation", f"stack/{deployed_stack_name(config.name)}/*"),
        },
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": [
                secret_arn,
                *(
                    arn("secretsmanager", f"secret:{ref.name_or_arn}-??????")
                    for ref in list(config.secret_refs.values())[1:]
                ),
            ],
        },
        {
            "Action": "ses:GetEmailIdentity",
            "Effect": "Allow",
            "Resource": [
                arn("ses", f"identity/{email.from_address}", email.ses_region),
                arn("ses", f"identity/{email.from_address.split('@')[1]}", email.ses_region),
            ],
        },
        {
            "Action": "acm:DescribeCertificate",
            "Effect": "Allow",
            "Resource": config.user_pool.custom_domain.certificate_arn,
        },
        {"Action": list(UNSCOPABLE_READS), "Effect": "Allow", "Resource": "*"},
    ]


@pytest.mark.parametrize("same_ses_region", [False, True], ids=["own SES Region", "shared"])
def test_a_replicated_stage_is_also_read_in_its_secondary_region(same_ses_region: bool) -> None:
    """The secondary Region's bootstrap version, and the SES identity in the replica's SES
    Region when it is not the primary's: the same reads, named once each."""
    config = replicated()
    email, replica = config.user_pool.email, config.replica
    assert email
    assert replica
    if same_ses_region:
        replica = dataclasses.replace(replica, ses_region=email.ses_region)
        config = dataclasses.replace(config, replica=replica)
    stack = Stack(App(), "Preflight")
    PreflightPolicy(stack, "Preflight", stages=[config], delivery=DELIVERY)
    ((logical_id, resource),) = (
        Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").items()
    )
    assert re.fullmatch(r"PreflightPolicy[0-9A-F]{8}", logical_id), "a renamed policy is replaced"
    statements = resolve(resource["Properties"]["PolicyDocument"], Names({}, {}))["Statement"]
    assert not config.account, "the module's arn() names the evaluator's account"
    bootstrap = f"parameter/cdk-bootstrap/{DELIVERY.bootstrap_qualifier}/version"
    assert statements[0] == {
        "Action": "ssm:GetParameter",
        "Effect": "Allow",
        "Resource": [arn("ssm", bootstrap, PRIMARY), arn("ssm", bootstrap, replica.region)],
    }
    (identities,) = [s for s in statements if s["Action"] == "ses:GetEmailIdentity"]
    ses_regions = [email.ses_region] + ([] if same_ses_region else [replica.ses_region])
    assert identities["Resource"] == [
        arn("ses", f"identity/{name}", region)
        for region in ses_regions
        for name in (email.from_address, email.from_address.split("@")[1])
    ]
