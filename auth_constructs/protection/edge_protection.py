"""A regional WAF web ACL in front of the user pool's public endpoints, with its log."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.operations.log_groups import delivery_arn, log_group
from stage_config import StatefulPolicy, WafConfig
from stage_config.protection import ALWAYS_ON_RULE_GROUPS

WINDOW_SECONDS = 300
"""WAF's rate evaluation window: the rate limit counts requests per IP over 5 minutes."""
REDACTED_HEADERS = ("authorization", "cookie")
"""Kept out of the WAF log: a managed login session cookie or a bearer token is a credential."""
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
LABELS = "awswaf:managed:aws:core-rule-set:"


@dataclass(frozen=True)
class ScopedRule:
    """A common-rule-set rule that would block real sign-ins on one path: the group only
    counts it (and labels the request), and a rule of ours blocks its label everywhere else."""

    name: str
    """As the rule group spells it: WAF silently ignores an override of an unknown name."""
    label: str
    exempt_path: str
    why: str


SCOPED_RULES = (
    ScopedRule(
        name="SizeRestrictions_BODY",
        label="SizeRestrictions_Body",
        exempt_path="/saml2/idpresponse",
        why="blocks bodies over 8 KB; a signed SAML response POSTed by the IdP can exceed it",
    ),
    ScopedRule(
        name="NoUserAgent_HEADER",
        label="NoUserAgent_Header",
        exempt_path="/oauth2/token",
        why="blocks requests without a User-Agent; server-to-server token calls "
        "(client credentials) often send none",
    ),
)


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed_group(group: str, *, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    overrides = (
        [
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name=rule.name, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
            )
            for rule in SCOPED_RULES
        ]
        if group == COMMON_RULE_SET
        else None
    )
    return wafv2.CfnWebACL.RuleProperty(
        name=group,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group, rule_action_overrides=overrides
            )
        ),
        visibility_config=_visibility(group),
    )


def _block_outside(rule: ScopedRule, *, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Block what the common rule set labelled `rule.label`, except on `rule.exempt_path`."""
    statement = wafv2.CfnWebACL.StatementProperty
    on_exempt_path = statement(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="EXACTLY",
            search_string=rule.exempt_path,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )
    labelled = statement(
        label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(
            scope="LABEL", key=LABELS + rule.label
        )
    )
    name = f"{rule.name}_OutsideExemptPath"
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=statement(
            and_statement=wafv2.CfnWebACL.AndStatementProperty(
                statements=[
                    labelled,
                    statement(
                        not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=on_exempt_path)
                    ),
                ]
            )
        ),
        visibility_config=_visibility(name),
    )


class EdgeProtection(Construct):
    """Blocks a client IP over the rate limit, then runs AWS managed rule groups (common rule
    set, known bad inputs, IP reputation, plus any from config) on sign-up, sign-in, token and
    managed login requests. Two common-rule-set rules (`SCOPED_RULES`) block everywhere but on
    the one path where they would refuse real sign-ins. Every request WAF sees is logged,
    credentials redacted."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        config: WafConfig,
        log_retention_days: int,
        stateful: StatefulPolicy,
        key: CustomerKey | CustomerKeyReplica | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=config.rate_limit,
                        aggregate_key_type="IP",
                        evaluation_window_sec=WINDOW_SECONDS,
                    )
                ),
                visibility_config=_visibility("RateLimitPerIp"),
            )
        ]
        for group in (*ALWAYS_ON_RULE_GROUPS, *config.extra_managed_groups):
            rules.append(_managed_group(group, priority=len(rules)))
            if group == COMMON_RULE_SET:
                rules.extend(_block_outside(rule, priority=len(rules)) for rule in SCOPED_RULES)
        name = f"{Aws.STACK_NAME}-user-pool"
        self.metric_name = name
        """The WebACL dimension of the web ACL's CloudWatch metrics (its visibility metric
        name, which WAF publishes under; here the same as its name)."""
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(self.metric_name),
            description="Rate limit and AWS managed rules for the user pool endpoints",
        )
        wafv2.CfnWebACLAssociation(
            self,
            "Association",
            resource_arn=user_pool.user_pool_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        self.log_group = log_group(
            self,
            "Logs",
            # WAF delivers only to log groups whose name starts with aws-waf-logs-.
            name=f"aws-waf-logs-{Aws.STACK_NAME}",
            retention_days=log_retention_days,
            stateful=stateful,
            key=key,
            unencrypted_because="This stage has no customer key (customer_key=None); CloudWatch "
            "Logs encrypts every log group at rest, and the WAF log redacts credentials.",
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[delivery_arn(self.log_group)],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": name})
                for name in REDACTED_HEADERS
            ],
        )
