"""The role the post-deploy smoke test runs under: exactly its calls, on this stage's pools.

The smoke test (`tools/operations/smoke.py`) creates, signs in and deletes a throwaway user;
everything else runs as that user (SRP, identity-pool credentials, unlinking its identity)
through public APIs.
So the role may call AdminCreateUser, AdminSetUserPassword and AdminDeleteUser on this user pool
and nothing else; the deploy role keeps no Cognito rights. (DeleteIdentities is not granted: it
has no resource-level permissions, so it could only be granted on every identity pool.)
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from stage_config import GITHUB_OIDC, DeliveryConfig, DeliveryMode, StageConfig

USER_POOL_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminDeleteUser",
)


def smoke_role_name(config: StageConfig) -> str:
    """The smoke role's name. Named, so a CDK pipeline's smoke step may assume it without a
    reference across pipeline stages; the domain prefix (unique per Region) keeps it unique."""
    return f"smoke-{config.user_pool.domain_prefix}"[:64]


def smoke_runner_role_name(config: StageConfig) -> str:
    """The CodeBuild role a CDK pipeline's smoke step runs as, named for the same reason."""
    return f"smoke-runner-{config.user_pool.domain_prefix}"[:64]


def smoke_principal(config: StageConfig, delivery: DeliveryConfig) -> iam.IPrincipal:
    """Who may assume the smoke role: this stage's GitHub environment on the deploying branch
    (through GitHub's OIDC provider), or the pipeline's smoke step."""
    if delivery.mode is DeliveryMode.CDK_PIPELINES:
        return iam.ArnPrincipal(
            f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{smoke_runner_role_name(config)}"
        )
    return iam.WebIdentityPrincipal(
        f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:oidc-provider/{GITHUB_OIDC}",
        conditions={
            "StringEquals": {
                f"{GITHUB_OIDC}:aud": "sts.amazonaws.com",
                f"{GITHUB_OIDC}:sub": delivery.deploy_subject(config.github_environment),
            }
        },
    )


class SmokeAccess(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        assumed_by: iam.IPrincipal,
        role_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=assumed_by,
            description="Post-deploy smoke test: a throwaway user on this stage's pools only",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=list(USER_POOL_ACTIONS), resources=[user_pool.user_pool_arn]
            )
        )
