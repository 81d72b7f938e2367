"""A regional WAF web ACL in front of the user pool's public endpoints, with its log."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from auth_constructs.customer_key import CustomerKey
from auth_constructs.log_groups import delivery_arn, log_group
from stage_config import StatefulPolicy, WafConfig
from stage_config.protection import ALWAYS_ON_RULE_GROUPS

WINDOW_SECONDS = 300
"""WAF's rate evaluation window: the rate limit counts requests per IP over 5 minutes."""
REDACTED_HEADERS = ("authorization", "cookie")
"""Kept out of the WAF log: a managed login session cookie or a bearer token is a credential."""


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class EdgeProtection(Construct):
    """Blocks a client IP over the rate limit, then runs AWS managed rule groups (common rule
    set, known bad inputs, IP reputation, plus any from config) on sign-up, sign-in, token and
    managed login requests. Every request WAF sees is logged, credentials redacted."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        config: WafConfig,
        log_retention_days: int,
        stateful: StatefulPolicy,
        key: CustomerKey | None = None,
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
        for priority, group in enumerate(
            (*ALWAYS_ON_RULE_GROUPS, *config.extra_managed_groups), start=1
        ):
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=priority,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name=group
                        )
                    ),
                    visibility_config=_visibility(group),
                )
            )
        self.web_acl_name = f"{Aws.STACK_NAME}-user-pool"
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.web_acl_name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility("UserPool"),
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
