"""The smoke role may do exactly what the smoke test does, on its own stage's pools only.

The privileged calls are read from `tools/operations/smoke.py` itself (every Admin* call; the
rest are public APIs that run as the throwaway user), and a real IAM evaluator
(@cloud-copilot/iam-simulate)
decides each against the synthesized policy: allowed on this stage's user pool, denied on another
stage's, and other Cognito actions, identity-pool deletions among them, denied.
"""

from __future__ import annotations

import ast
import re
from typing import Any, cast

import pytest
from aws_cdk import CfnResource

from stacks.auth_stack import AuthStack
from stage_config import GITHUB_OIDC, StageConfig
from stage_config.stages import delivery
from tests.support.app import SynthesizedApp
from tests.support.iam import (
    ACCOUNT,
    ALLOWED,
    DENIED,
    REGION,
    Ask,
    Names,
    decide,
    role_policies,
)
from tests.support.paths import ROOT

OWN_POOL, OTHER_POOL = f"{REGION}_OwnPool1", f"{REGION}_OtherPool"
OWN_IDS = f"{REGION}:11111111-own"


def user_pool_arn(pool: str) -> str:
    return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool}"


def identity_pool_arn(pool: str) -> str:
    return f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/{pool}"


def smoke_calls() -> set[str]:
    """The IAM actions of the calls tools/operations/smoke.py makes with its own credentials."""
    tree = ast.parse((ROOT / "tools" / "operations" / "smoke.py").read_text())
    methods = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    return {
        "cognito-idp:" + "".join(part.title() for part in method.split("_"))
        for method in methods
        if method.startswith("admin_")
    }


def matrix() -> list[Ask]:
    asks = []
    for action in sorted(smoke_calls()):
        asks += [
            Ask(action, user_pool_arn(OWN_POOL), ALLOWED),
            Ask(action, user_pool_arn(OTHER_POOL), DENIED),
        ]
    for action in (
        "cognito-idp:ListUsers",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminUpdateUserAttributes",
        "cognito-idp:DeleteUserPool",
        "cognito-idp:UpdateUserPool",
    ):
        asks.append(Ask(action, user_pool_arn(OWN_POOL), DENIED))
    asks += [
        Ask("cognito-identity:DeleteIdentities", "*", DENIED),
        Ask("cognito-identity:DeleteIdentityPool", identity_pool_arn(OWN_IDS), DENIED),
        Ask("cognito-identity:SetIdentityPoolRoles", "*", DENIED),
        Ask("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/anything", DENIED),
    ]
    return asks


MATRIX = matrix()


def logical_id(stack: AuthStack, construct: Any) -> str:
    return stack.get_logical_id(cast(CfnResource, construct.node.default_child))


@pytest.fixture(scope="module")
def decisions(synthesized: SynthesizedApp, stage_name: str) -> dict[Ask, str]:
    stack = cast(AuthStack, synthesized.stack(stage_name))
    template = synthesized.template_json(stage_name)
    pool_id = logical_id(stack, stack.user_pool.user_pool)
    ids_id = stack.get_logical_id(stack.identity_pool.pool)
    names = Names(arns={pool_id: user_pool_arn(OWN_POOL)}, refs={ids_id: OWN_IDS})
    policies = role_policies(template, logical_id(stack, stack.smoke.role), names)
    return decide(MATRIX, "smoke", policies)


def test_the_smoke_test_makes_the_expected_privileged_calls() -> None:
    """If the smoke test gains a call, the role must be reviewed with it."""
    assert smoke_calls() == {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminDeleteUser",
    }


@pytest.mark.parametrize(
    "ask", MATRIX, ids=[f"{a.action}:{a.resource.rsplit('/', 1)[-1]}" for a in MATRIX]
)
def test_smoke_role_matrix(decisions: dict[Ask, str], ask: Ask) -> None:
    assert decisions[ask] == ask.expected


def test_smoke_role_trusts_only_this_stages_github_environment(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    stack = cast(AuthStack, synthesized.stack(stage_name))
    role = synthesized.template_json(stage_name)["Resources"][logical_id(stack, stack.smoke.role)]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    provider = statement["Principal"]["Federated"]["Fn::Join"][1]
    assert re.fullmatch(rf":iam::|.*oidc-provider/{re.escape(GITHUB_OIDC)}", provider[-1])
    assert statement["Condition"] == {
        "StringEquals": {
            f"{GITHUB_OIDC}:aud": "sts.amazonaws.com",
            f"{GITHUB_OIDC}:sub": delivery().deploy_subject(stage_config.github_environment),
        }
    }
