"""CI access: GitHub's OIDC provider and the roles GitHub Actions assume. Deployed once, by hand.

The deploy role may do one thing: assume the CDK bootstrap roles (which then deploy). It trusts
only this repository, its deploying environments, on its deploying branch. The preflight role
trusts the same and may only make the reads of `make preflight`. The diff role trusts only pull
requests and may only assume the read-only bootstrap lookup role.

Branch and environment both reach AWS only through the token's `sub` claim, so the repository
customizes that claim to `repo:<owner/name>:<context>:ref:<ref>` (docs/ci-and-pipelines.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding, accept_inline_policies
from auth_constructs.operations.preflight_access import PreflightPolicy
from stage_config import GITHUB_OIDC, GITHUB_OIDC_THUMBPRINTS, DeliveryConfig, StageConfig


class CiAccessStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeliveryConfig,
        stages: Sequence[StageConfig],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.provider: iam.IOidcProvider = (
            iam.OidcProviderNative.from_oidc_provider_arn(
                self, "GitHubOidc", config.github_oidc_provider_arn
            )
            if config.github_oidc_provider_arn
            else iam.OidcProviderNative(
                self,
                "GitHubOidc",
                url=f"https://{GITHUB_OIDC}",
                client_ids=["sts.amazonaws.com"],
                # IAM ignores these for GitHub; CloudFormation refuses the provider without them.
                thumbprints=list(GITHUB_OIDC_THUMBPRINTS),
            )
        )
        repo = config.repository
        environments = [stage.github_environment for stage in stages]
        deploying = {"StringEquals": [config.deploy_subject(env) for env in environments]}
        self.deploy_role = self._role(
            "DeployRole",
            deploying,
            f"GitHub Actions deploys from {repo} ({', '.join(environments)})",
        )
        self._may_assume_bootstrap_role(self.deploy_role, config, "*")
        self.preflight_role = self._role(
            "PreflightRole",
            deploying,
            f"GitHub Actions make preflight from {repo} before each deploy (read-only)",
        )
        PreflightPolicy(self, "Preflight", stages=stages, delivery=config).policy.attach_to_role(
            self.preflight_role
        )
        self.diff_role = self._role(
            "DiffRole",
            {"StringLike": [f"repo:{repo}:pull_request:ref:refs/pull/*/merge"]},
            f"GitHub Actions cdk diff on pull requests of {repo} (read-only)",
        )
        self._may_assume_bootstrap_role(self.diff_role, config, "lookup-role")
        CfnOutput(self, "DeployRoleArn", value=self.deploy_role.role_arn)
        CfnOutput(self, "PreflightRoleArn", value=self.preflight_role.role_arn)
        CfnOutput(self, "DiffRoleArn", value=self.diff_role.role_arn)
        accept_inline_policies(self)

    def _role(
        self, construct_id: str, subjects: dict[str, list[str]], description: str
    ) -> iam.Role:
        """A role GitHub's OIDC tokens for `subjects` ({operator: sub claims}) may assume."""
        conditions: dict[str, dict[str, Any]] = {
            "StringEquals": {f"{GITHUB_OIDC}:aud": "sts.amazonaws.com"}
        }
        for operator, claims in subjects.items():
            conditions.setdefault(operator, {})[f"{GITHUB_OIDC}:sub"] = claims
        return iam.Role(
            self,
            construct_id,
            description=description,
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions=conditions,
            ),
        )

    @staticmethod
    def _may_assume_bootstrap_role(
        role: iam.Role, config: DeliveryConfig, bootstrap_role: str
    ) -> None:
        """Let `role` assume only the CDK bootstrap role(s) `cdk-<qualifier>-<bootstrap_role>-*`
        of this account."""
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
