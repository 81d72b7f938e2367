"""A secondary replica of the user pool in a second Region (Cognito multi-Region replication)."""

from __future__ import annotations

from dataclasses import dataclass

from stage_config.checks import SES_REGIONS_FROM_ANY_REGION, check_region, require
from stage_config.protection import TOPIC_ARN, topic_region
from stage_config.section import Context, Section

REPLICATION_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "sa-east-1",
    }
)
"""The Regions where Cognito offers multi-Region replication (What's New announcement; check
the developer guide's current list before adding one)."""


@dataclass(frozen=True, kw_only=True)
class ReplicaConfig(Section):
    """The secondary Region. Its replica starts INACTIVE; `make failover` activates it."""

    region: str
    """The secondary Region: a replication Region other than the stage's own."""
    ses_region: str = ""
    """Where the replica sends email through SES when the stage does (email settings are per
    Region): the secondary Region itself, or one Cognito may use from any Region; the stage's
    sender identity must be verified there (`make preflight` checks)."""
    totp_only_reason: str = ""
    """TOTP is not supported in secondary replicas: a stage whose only MFA factor is TOTP and
    that requires MFA must say why its users may go without sign-in there during a failover."""
    managed_login_failover: bool = False
    """Route the managed login's custom domain to the secondary Region while a Route 53 health
    check on the primary fails (`UserPoolDomain.Routing.Failover`): needs
    `user_pool.custom_domain`, as Cognito routes custom domains only."""
    notify_topic_arn: str = ""
    """The SNS topic of yours that the secondary Region's alarms (on its triggers) notify, when
    the stage's alarms notify a topic of yours (`protection.alarms.notify_topic_arn`): alarms
    notify topics of their own Region only, so it is a topic in `region`. With `notify_emails`
    the secondary gets a topic of its own with the same addresses instead."""

    def check(self, context: Context) -> None:
        check_region(self.region, "region")
        require(
            self.region in REPLICATION_REGIONS,
            "region",
            f"Cognito does not replicate user pools to {self.region}",
            f"use one of {', '.join(sorted(REPLICATION_REGIONS))}",
        )
        require(
            not self.notify_topic_arn or bool(TOPIC_ARN.match(self.notify_topic_arn)),
            "notify_topic_arn",
            f"{self.notify_topic_arn!r} is not an SNS topic ARN",
            f"paste the ARN of a topic in {self.region} (arn:aws:sns:{self.region}:<account>:"
            "<name>), or leave it empty",
        )
        region = topic_region(self.notify_topic_arn)
        require(
            region in {"", self.region},
            "notify_topic_arn",
            f"the topic is in {region}, and alarms in {self.region} notify topics of "
            "their own Region only",
            f"use a topic in {self.region}",
        )
        if self.ses_region:
            check_region(self.ses_region, "ses_region")
            require(
                self.ses_region in {self.region, *SES_REGIONS_FROM_ANY_REGION},
                "ses_region",
                f"Cognito in {self.region} cannot send through SES in {self.ses_region}",
                f"use SES in {self.region} or in one of "
                f"{', '.join(sorted(SES_REGIONS_FROM_ANY_REGION))}",
            )
