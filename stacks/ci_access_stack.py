"""CI access: GitHub's OIDC provider and the roles GitHub Actions assume. Deployed once, by hand.

The deploy role may do one thing: assume the CDK bootstrap roles (which then deploy). It trusts
only this repository, its deploying environments, on its deploying branch; the diff role trusts
only its pull requests and may only assume the read-only bootstrap lookup role.

Branch and environment both reach AWS only through the token's `sub` claim, so the repository
customizes that claim to `repo:<owner/name>:<context>:ref:<ref>` (README, "Deploying from CI").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.accepted_findings import accept_finding
from stage_config import GITHUB_OIDC, DeliveryConfig


class CiAccessStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeliveryConfig,
        environments: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.provider = iam.OidcProviderNative(
            self, "GitHubOidc", url=f"https://{GITHUB_OIDC}", client_ids=["sts.amazonaws.com"]
        )
        repo = config.repository
        self.deploy_role = self._role(
            "DeployRole",
            config,
            "*",
            {"StringEquals": [config.deploy_subject(env) for env in environments]},
            f"GitHub Actions deploys from {repo} ({', '.join(environments)})",
        )
        self.diff_role = self._role(
            "DiffRole",
            config,
            "lookup-role",
            {"StringLike": [f"repo:{repo}:pull_request:ref:refs/pull/*/merge"]},
            f"GitHub Actions cdk diff on pull requests of {repo} (read-only)",
        )
        CfnOutput(self, "DeployRoleArn", value=self.deploy_role.role_arn)
        CfnOutput(self, "DiffRoleArn", value=self.diff_role.role_arn)

    def _role(
        self,
        construct_id: str,
        config: DeliveryConfig,
        bootstrap_role: str,
        subjects: dict[str, list[str]],
        description: str,
    ) -> iam.Role:
        """A role GitHub's OIDC tokens for `subjects` ({operator: sub claims}) may assume, which
        may only assume the CDK bootstrap role(s) `cdk-<qualifier>-<bootstrap_role>-<account>-*`.
        """
        conditions: dict[str, dict[str, Any]] = {
            "StringEquals": {f"{GITHUB_OIDC}:aud": "sts.amazonaws.com"}
        }
        for operator, claims in subjects.items():
            conditions.setdefault(operator, {})[f"{GITHUB_OIDC}:sub"] = claims
        role = iam.Role(
            self,
            construct_id,
            description=description,
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions=conditions,
            ),
        )
        name = f"cdk-{config.bootstrap_qualifier}-{bootstrap_role}"
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[
                    f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{name}-{Aws.ACCOUNT_ID}-*"
                ],
            )
        )
        accept_finding(
            role.node.find_child("DefaultPolicy"),
            nag=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/"
            f"{name}-<AWS::AccountId>-*]",
            reason="The only grant is sts:AssumeRole on the CDK bootstrap roles of this account; "
            "their names end in the region, which an environment-agnostic stack cannot spell.",
        )
        return role
