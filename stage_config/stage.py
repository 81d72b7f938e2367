"""One deployable stage: the typed, validated root of all config."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from stage_config.backup import BackupConfig
from stage_config.checks import check_region, check_unique, require
from stage_config.compliance import CompliancePack
from stage_config.data_access import DataAccessConfig
from stage_config.encryption import CustomerKeyConfig
from stage_config.extension_rules import check_extensions
from stage_config.federation import (
    OidcProviderConfig,
    ProviderConfig,
    SamlProviderConfig,
    SecretRef,
)
from stage_config.section import Context, Section, check_tree
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import FeaturePlan, UserPoolConfig

SES_REGIONS_FROM_ANY_REGION = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
"""The SES Regions a user pool in another Region may send through (CDK's UserPoolSESOptions);
otherwise SES must be in the pool's own Region."""


def github_environment(stage_name: str) -> str:
    """The GitHub environment that deploys a stage: its name in lowercase."""
    return stage_name.lower()


@dataclass(frozen=True)
class StatefulPolicy:
    """What happens to the user pool, identity pool, table and buckets on delete or replace."""

    retain: bool
    deletion_protection: bool


@dataclass(frozen=True, kw_only=True)
class StageConfig(Section):
    """A stage (Dev, Prod, ...), built in `stage_config.stages`; `app.py` may set account/region.

    `production` is the one switch for the production rules: https-only redirects and origins
    (checked here) and `stateful` (RETAIN plus deletion protection, applied by the constructs).
    """

    name: str
    production: bool
    user_pool: UserPoolConfig
    data_access: DataAccessConfig
    federation: tuple[ProviderConfig, ...] = ()
    triggers: TriggersConfig | None = None
    compliance: tuple[CompliancePack, ...] = ()
    """cdk-nag compliance packs this stage's synth enforces (beside AwsSolutions and the AWS
    Control Tower controls, which every stage runs)."""
    customer_key: CustomerKeyConfig | None = field(default_factory=CustomerKeyConfig)
    """The stage's own KMS key for photos, items and logs; None keeps AWS-owned keys."""
    backup: BackupConfig | None = field(default_factory=BackupConfig)
    """AWS Backup of the items table and the photos bucket; None keeps only point-in-time
    recovery and object versions."""
    account: str = ""
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        context = Context(production=self.production, groups=self.user_pool.group_names)
        check_tree(self, context, self.name)

    @property
    def stateful(self) -> StatefulPolicy:
        return StatefulPolicy(retain=self.production, deletion_protection=self.production)

    @property
    def github_environment(self) -> str:
        return github_environment(self.name)

    @property
    def custom_provider_names(self) -> tuple[str, ...]:
        """OIDC and SAML providers, whose names the stage chooses (the built-in ones are fixed)."""
        return tuple(
            p.name
            for p in self.federation
            if isinstance(p, OidcProviderConfig | SamlProviderConfig)
        )

    @property
    def secret_refs(self) -> dict[str, SecretRef]:
        """Every Secrets Manager reference, keyed by provider and field."""
        return {
            f"federation[{provider.name}].{f.name}": value
            for provider in self.federation
            for f in fields(provider)
            if isinstance(value := getattr(provider, f.name), SecretRef)
        }

    def check(self, context: Context) -> None:
        require(
            bool(re.fullmatch(r"[A-Z][A-Za-z0-9]{1,30}", self.name)),
            "name",
            f"{self.name!r} is not a stage name",
            "use a capitalised word such as 'Dev'",
        )
        require(
            not self.account or bool(re.fullmatch(r"\d{12}", self.account)),
            "account",
            f"{self.account!r} is not a 12-digit AWS account id",
            "set the account id, or leave it empty for an environment-agnostic synth",
        )
        if self.region:
            check_region(self.region, "region")
        check_unique((p.name for p in self.federation), "federation")
        check_unique(self.compliance, "compliance")
        for key, value in self.tags.items():
            require(
                0 < len(key) <= 128 and not key.lower().startswith("aws:"),
                f"tags[{key!r}]",
                "tag keys are 1-128 characters and the aws: prefix is reserved for AWS",
                "rename the tag key, e.g. 'app:stage'",
            )
            require(
                len(value) <= 256,
                f"tags[{key!r}]",
                f"the value is {len(value)} characters; AWS allows 256",
                "shorten the tag value",
            )
        email = self.user_pool.email
        require(
            email is None
            or not self.region
            or email.ses_region in {self.region, *SES_REGIONS_FROM_ANY_REGION},
            "user_pool.email.ses_region",
            f"Cognito in {self.region} cannot send through SES in "
            f"{email.ses_region if email else ''}",
            f"use SES in {self.region} (the stage's region) or in one of "
            f"{', '.join(sorted(SES_REGIONS_FROM_ANY_REGION))}",
        )
        alarms = self.user_pool.protection.alarms
        require(
            alarms is None or not alarms.notify_emails or self.customer_key is not None,
            "user_pool.protection.alarms.notify_emails",
            "the stage's own alarm topic is encrypted with the stage's customer key, and this "
            "stage has none (CloudWatch cannot publish to a topic under the AWS-managed SNS key)",
            "keep customer_key on, or set notify_topic_arn to a topic of yours instead",
        )
        if self.triggers:
            require(
                not self.triggers.server_claims or self.user_pool.server_client,
                "triggers.server_claims",
                "claims for the server client's tokens, but this stage has no server client",
                "set user_pool.server_client=True, or remove server_claims",
            )
            require(
                self.user_pool.feature_plan is not FeaturePlan.LITE,
                "user_pool.feature_plan",
                "the pre token generation trigger uses event version V3_0, which LITE lacks",
                "set feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or triggers=None",
            )
        check_extensions(self)
