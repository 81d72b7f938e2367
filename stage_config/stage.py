"""One deployable stage: the typed, validated root of all config."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

from stage_config.backup import BackupConfig
from stage_config.checks import (
    SES_REGIONS_FROM_ANY_REGION,
    check_region,
    check_unique,
    has_reason,
    require,
)
from stage_config.compliance import CompliancePack
from stage_config.data_access import DataAccessConfig
from stage_config.directory_backup import OWNER_ATTRIBUTE, DirectoryBackupConfig
from stage_config.emulator import Omission
from stage_config.encryption import CustomerKeyConfig
from stage_config.extension_rules import check_extensions
from stage_config.federation import (
    OidcProviderConfig,
    ProviderConfig,
    SamlProviderConfig,
    SecretRef,
)
from stage_config.protection import topic_region
from stage_config.replica import REPLICATION_REGIONS, ReplicaConfig
from stage_config.section import Context, Section, check_tree
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import FeaturePlan, MfaMode, UserPoolConfig


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
    directory_backup: DirectoryBackupConfig | None = field(default_factory=DirectoryBackupConfig)
    """Daily export of the user pool's users, groups and memberships (docs/backup-and-restore.md);
    None: the directory is protected only by the pool's deletion protection."""
    replica: ReplicaConfig | None = None
    """A secondary replica of the user pool (and of the key and the items table) in a second
    Region; None keeps the stage in one Region, replica-ready."""
    account: str = ""
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    leave_out: tuple[Omission, ...] = ()
    """Resources left out because the target cannot run them (only the local stage's emulator;
    never a production stage)."""

    def __post_init__(self) -> None:
        context = Context(production=self.production, groups=self.user_pool.group_names)
        check_tree(self, context, self.name)

    @property
    def stateful(self) -> StatefulPolicy:
        return StatefulPolicy(retain=self.production, deletion_protection=self.production)

    @property
    def pool_config(self) -> UserPoolConfig:
        """The user pool as deployed: with the directory backup, plus its owner attribute."""
        if self.directory_backup is None:
            return self.user_pool
        attributes = (*self.user_pool.custom_attributes, OWNER_ATTRIBUTE)
        return replace(self.user_pool, custom_attributes=attributes)

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
        """Every Secrets Manager reference, keyed by its config key (provider and field)."""
        return {
            **{
                f"federation[{provider.name}].{f.name}": value
                for provider in self.federation
                for f in fields(provider)
                if isinstance(value := getattr(provider, f.name), SecretRef)
            },
            **(self.triggers.secret_refs if self.triggers else {}),
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
        check_unique(self.leave_out, "leave_out")
        require(
            not (self.production and self.leave_out),
            "leave_out",
            "a production stage must deploy every resource",
            "remove leave_out, or set production=False",
        )
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
        region = topic_region(alarms.notify_topic_arn) if alarms else ""
        require(
            not self.region or not region or region == self.region,
            "user_pool.protection.alarms.notify_topic_arn",
            f"the topic is in {region}, and CloudWatch alarms and EventBridge rules in "
            f"{self.region} notify topics of their own Region only",
            f"use a topic in {self.region}",
        )
        require(
            alarms is None or not alarms.notify_emails or self.customer_key is not None,
            "user_pool.protection.alarms.notify_emails",
            "the stage's own alarm topic is encrypted with the stage's customer key, and this "
            "stage has none (CloudWatch cannot publish to a topic under the AWS-managed SNS key)",
            "keep customer_key on, or set notify_topic_arn to a topic of yours instead",
        )
        require(
            self.directory_backup is None
            or all(a.name != OWNER_ATTRIBUTE.name for a in self.user_pool.custom_attributes),
            "user_pool.custom_attributes",
            f"custom:{OWNER_ATTRIBUTE.name} is the directory backup's own (admin-only) attribute",
            "rename your custom attribute",
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
        if self.replica:
            self._check_replica(self.replica)

    def _check_replica(self, replica: ReplicaConfig) -> None:
        """What Cognito's multi-Region replication needs of the whole stage."""
        require(
            self.user_pool.feature_plan is not FeaturePlan.LITE,
            "replica",
            "multi-Region replication needs the ESSENTIALS or PLUS feature plan",
            "set user_pool.feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or replica=None",
        )
        require(
            bool(self.region),
            "region",
            "a replica needs the stage's own (primary) Region at synth: the secondary Region's "
            "stacks read values across Regions",
            f"set region='eu-west-1' (your primary) in stages.py, or "
            f"{self.name.upper()}_REGION in the environment",
        )
        require(
            self.region in REPLICATION_REGIONS,
            "region",
            f"Cognito does not replicate user pools from {self.region}",
            f"use one of {', '.join(sorted(REPLICATION_REGIONS))} as the primary, or replica=None",
        )
        require(
            replica.region != self.region,
            "replica.region",
            f"the secondary Region is the stage's own Region ({self.region})",
            "choose a second Region for the replica",
        )
        require(
            self.customer_key is not None,
            "customer_key",
            "replication needs the pool encrypted with a multi-Region customer managed key, "
            "and this stage has none",
            "set customer_key=CustomerKeyConfig() (before the first deploy: the key is "
            "multi-Region from creation), or replica=None",
        )
        mfa = self.user_pool.mfa
        require(
            mfa.mode is not MfaMode.REQUIRED
            or mfa.sms
            or not mfa.totp
            or has_reason(replica.totp_only_reason),
            "replica.totp_only_reason",
            "MFA is REQUIRED and TOTP is its only factor, which secondary replicas do not "
            "support: during a failover nobody could sign in there",
            "state why that is acceptable in replica.totp_only_reason (a sentence), or offer "
            "mfa.sms as a second factor",
        )
        require(
            not replica.managed_login_failover or self.user_pool.custom_domain is not None,
            "replica.managed_login_failover",
            "managed login fails over a custom domain only, and this stage has its prefix "
            "domain alone",
            "set user_pool.custom_domain=CustomDomainConfig(...) (a certificate in us-east-1), "
            "or managed_login_failover=False",
        )
        email = self.user_pool.email
        require(
            email is None or bool(replica.ses_region),
            "replica.ses_region",
            "the replica sends its own email (settings per Region), through SES",
            "set replica.ses_region to a Region where the sender identity is verified",
        )
        alarms = self.user_pool.protection.alarms
        # The secondary's alarms are on its triggers; they notify a topic of yours there when
        # the primary's notify one here (with notify_emails, the secondary has its own topic).
        if alarms and alarms.notify_topic_arn and self.triggers:
            require(
                bool(replica.notify_topic_arn),
                "replica.notify_topic_arn",
                f"the secondary Region's trigger alarms need a topic of yours in "
                f"{replica.region}: alarms notify topics of their own Region only",
                f"set replica.notify_topic_arn to a topic of yours in {replica.region}",
            )
        else:
            require(
                not replica.notify_topic_arn,
                "replica.notify_topic_arn",
                "nothing in the secondary Region would notify it: its alarms notify a topic of "
                "yours only when the stage has triggers and protection.alarms.notify_topic_arn",
                "leave replica.notify_topic_arn empty",
            )
