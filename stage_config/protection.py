"""Edge and threat protection, audit logs and refresh-token rotation of a user pool.

On by default: a new stage gets the web ACL, rotation and the logs unless its config says
otherwise. Adaptive threat response needs the PLUS plan, so a stage turns it on explicitly.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import timedelta

from stage_config.checks import (
    PRODUCTION_MIN_RETENTION_DAYS,
    check_email,
    check_log_retention,
    check_range,
    check_unique,
    require,
)
from stage_config.section import Context, Section

ALWAYS_ON_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
"""AWS managed rule groups every web ACL runs (the common rule set, known bad inputs, IP
reputation)."""
MAX_TRUSTED_NETWORKS = 200
"""Cognito's limit on the risk exception configuration's skipped IP ranges."""


@dataclass(frozen=True, kw_only=True)
class WafConfig(Section):
    """A regional WAF web ACL on the pool's public endpoints (sign-up, sign-in, tokens, the
    managed login pages): a rate limit per client IP and AWS managed rule groups."""

    rate_limit: int = 1000
    """Requests per client IP in WAF's 5-minute window before WAF blocks that IP."""
    extra_managed_groups: tuple[str, ...] = ()
    """More AWS managed rule groups, e.g. 'AWSManagedRulesAnonymousIpList'."""

    def check(self, context: Context) -> None:
        require(
            10 <= self.rate_limit <= 2_000_000_000,
            "rate_limit",
            f"{self.rate_limit} is outside WAF's rate limit range",
            "use 10 to 2,000,000,000 requests per client IP per 5 minutes",
        )
        for index, group in enumerate(self.extra_managed_groups):
            key = f"extra_managed_groups[{index}]"
            require(
                bool(re.fullmatch(r"AWSManagedRules[A-Za-z0-9]+", group)),
                key,
                f"{group!r} is not the name of an AWS managed rule group",
                "use a name from the WAF console, e.g. 'AWSManagedRulesAnonymousIpList'",
            )
            require(
                group not in ALWAYS_ON_RULE_GROUPS,
                key,
                f"{group} is always on",
                "remove it from extra_managed_groups",
            )
        check_unique(self.extra_managed_groups, "extra_managed_groups")


@dataclass(frozen=True, kw_only=True)
class ThreatProtectionConfig(Section):
    """Adaptive threat response (PLUS plan): compromised credentials blocked on sign-in, sign-up
    and password change; account takeover answered by risk level (low: notify, medium: MFA,
    high: block), with notification email through the stage's SES sender when it has one."""

    trusted_networks: tuple[str, ...] = ()
    """CIDR ranges (your office, your CI) that Cognito never treats as risky."""

    def check(self, context: Context) -> None:
        require(
            len(self.trusted_networks) <= MAX_TRUSTED_NETWORKS,
            "trusted_networks",
            f"{len(self.trusted_networks)} ranges; Cognito accepts {MAX_TRUSTED_NETWORKS}",
            "merge ranges into wider CIDR blocks",
        )
        for index, network in enumerate(self.trusted_networks):
            try:
                ipaddress.ip_network(network, strict=True)
                valid = "/" in network
            except ValueError:
                valid = False
            require(
                valid,
                f"trusted_networks[{index}]",
                f"{network!r} is not a CIDR range",
                "write it as address/prefix with the host bits zero, e.g. '203.0.113.0/24'",
            )
        check_unique(self.trusted_networks, "trusted_networks")


TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


def topic_region(arn: str) -> str:
    """The Region of topic `arn` (a `TOPIC_ARN`), or "" for no topic."""
    return arn.split(":")[3] if arn else ""


@dataclass(frozen=True, kw_only=True)
class AlarmsConfig(Section):
    """CloudWatch alarms on the triggers (errors, throttles, duration near the timeout), on
    Cognito (throttled requests, federation throttles, a drop in successful sign-ins) and on WAF
    (a blocking spike), each notifying someone: a topic of yours, or the stage's own topic with
    email subscriptions. A production stage must name one; elsewhere empty means console only."""

    notify_topic_arn: str = ""
    """An SNS topic of yours (on-call email, chat, a pager) that each alarm notifies."""
    notify_emails: tuple[str, ...] = ()
    """Addresses subscribed to the stage's own alarm topic (encrypted with the stage's key;
    each address confirms its subscription once)."""

    def check(self, context: Context) -> None:
        require(
            not self.notify_topic_arn or bool(TOPIC_ARN.match(self.notify_topic_arn)),
            "notify_topic_arn",
            f"{self.notify_topic_arn!r} is not an SNS topic ARN",
            "paste the topic's ARN (arn:aws:sns:<region>:<account>:<name>), or leave it empty",
        )
        require(
            not (self.notify_topic_arn and self.notify_emails),
            "notify_emails",
            "both a topic of yours and the stage's own topic are configured",
            "subscribe the addresses to your topic and remove notify_emails, or drop "
            "notify_topic_arn",
        )
        require(
            bool(self.notify_topic_arn or self.notify_emails) or not context.production,
            "notify_emails",
            "a production stage's alarms would notify nobody",
            "list the on-call addresses in notify_emails, or set notify_topic_arn to your topic",
        )
        for index, address in enumerate(self.notify_emails):
            check_email(address, f"notify_emails[{index}]")
        check_unique(self.notify_emails, "notify_emails")


@dataclass(frozen=True, kw_only=True)
class ProtectionConfig(Section):
    waf: WafConfig | None = field(default_factory=WafConfig)
    alarms: AlarmsConfig | None = field(default_factory=AlarmsConfig)
    threat_protection: ThreatProtectionConfig | None = None
    refresh_token_rotation: timedelta | None = timedelta(seconds=10)
    """The grace period of a rotated-out refresh token (0-60 s); None turns rotation off."""
    log_retention_days: int = PRODUCTION_MIN_RETENTION_DAYS
    """Of the WAF log and Cognito's delivered logs."""

    def check(self, context: Context) -> None:
        check_log_retention(
            self.log_retention_days, "log_retention_days", production=context.production
        )
        if self.refresh_token_rotation is not None:
            check_range(
                self.refresh_token_rotation,
                timedelta(0),
                timedelta(seconds=60),
                "refresh_token_rotation",
            )
