"""How changes reach AWS: GitHub Actions with OIDC (default) or a self-mutating CDK pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stage_config.checks import require
from stage_config.section import Context, Section, check_tree

GITHUB_OIDC = "token.actions.githubusercontent.com"
"""GitHub Actions' OIDC issuer; its IAM provider ARN ends in this host name."""
GITHUB_OIDC_THUMBPRINTS = (
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
)
"""The thumbprints GitHub published for its OIDC issuer's certificate chains (GitHub changelog,
2023-06-27). IAM no longer checks them for GitHub, but CloudFormation rejects an
AWS::IAM::OIDCProvider without a thumbprint list (cloudformation-coverage-roadmap #2092)."""


class DeliveryMode(StrEnum):
    GITHUB_ACTIONS = "github-actions"
    CDK_PIPELINES = "cdk-pipelines"


_OIDC_PROVIDER_ARN = re.compile(
    rf"^arn:aws[a-z-]*:iam::\d{{12}}:oidc-provider/{re.escape(GITHUB_OIDC)}$"
)
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/"
    r"[0-9a-f-]{36}$"
)


@dataclass(frozen=True, kw_only=True)
class DeliveryConfig(Section):
    """The repository and branch that may deploy.

    Each stage deploys through the GitHub environment named like it in lowercase (`Prod` ->
    `prod`). The CI access stack trusts exactly
    `repo:<repository>:environment:<env>:ref:refs/heads/<branch>` for those environments and
    `repo:<repository>:pull_request:ref:refs/pull/*/merge` for read-only `cdk diff` (the
    repository's OIDC `sub` claim is customized to include the ref).
    """

    repository: str
    branch: str = "main"
    mode: DeliveryMode = DeliveryMode.GITHUB_ACTIONS
    bootstrap_qualifier: str = "hnb659fds"
    connection_arn: str = ""  # CodeConnections ARN, for mode=cdk-pipelines
    github_oidc_provider_arn: str = ""
    """The account's existing GitHub OIDC provider, if it has one (IAM allows one provider per
    URL per account): the CI access stack then trusts it instead of creating its own."""

    def __post_init__(self) -> None:
        check_tree(self, Context(), "delivery")

    @property
    def pipeline_account_region(self) -> tuple[str, str]:
        """Where the pipeline runs: the connection's account and Region. CDK Pipelines needs
        both at synth once a stage deploys to a second Region (a replica), for the artifact
        bucket it keeps in that Region."""
        _, _, _, region, account, _ = self.connection_arn.split(":", 5)
        return account, region

    def deploy_subject(self, environment: str) -> str:
        """The OIDC `sub` of this repository's jobs in a GitHub environment, on the branch."""
        return f"repo:{self.repository}:environment:{environment}:ref:refs/heads/{self.branch}"

    def check(self, context: Context) -> None:
        require(
            bool(re.fullmatch(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}", self.repository)),
            "repository",
            f"{self.repository!r} is not 'owner/name'",
            "use the GitHub repository, e.g. 'example/photoshare-identity'",
        )
        require(
            bool(re.fullmatch(r"[A-Za-z0-9._/-]{1,255}", self.branch)),
            "branch",
            f"{self.branch!r} is not a single branch name",
            "name the one branch that deploys, e.g. 'main' (no wildcards)",
        )
        require(
            bool(re.fullmatch(r"[a-z0-9]{1,10}", self.bootstrap_qualifier)),
            "bootstrap_qualifier",
            f"{self.bootstrap_qualifier!r} is not a CDK bootstrap qualifier",
            "use the qualifier you bootstrapped with (default 'hnb659fds')",
        )
        require(
            not self.github_oidc_provider_arn
            or bool(_OIDC_PROVIDER_ARN.match(self.github_oidc_provider_arn)),
            "github_oidc_provider_arn",
            f"{self.github_oidc_provider_arn!r} is not the ARN of a GitHub OIDC provider",
            f"paste arn:aws:iam::<account>:oidc-provider/{GITHUB_OIDC} from `aws iam "
            "list-open-id-connect-providers`, or leave it empty to create the provider",
        )
        require(
            self.mode is not DeliveryMode.CDK_PIPELINES
            or bool(_CONNECTION_ARN.match(self.connection_arn)),
            "connection_arn",
            "cdk-pipelines mode needs a CodeConnections connection to GitHub",
            "create the connection in the console and paste its ARN",
        )
