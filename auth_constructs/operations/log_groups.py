"""Log groups with a retention from config, and the ARN form that AWS services deliver to."""

from __future__ import annotations

from typing import cast

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from auth_constructs.compliance.accepted_findings import Acceptance, accept_findings
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.data.stateful import removal_policy
from stage_config import StatefulPolicy
from stage_config.checks import PRODUCTION_MIN_RETENTION_DAYS


def log_group(
    scope: Construct,
    construct_id: str,
    *,
    retention_days: int,
    stateful: StatefulPolicy,
    unencrypted_because: str,
    key: CustomerKey | CustomerKeyReplica | None = None,
    name: str | None = None,
) -> logs.LogGroup:
    """A log group kept `retention_days` (removed with a dev stack, retained in production),
    encrypted with the stage's `key` (or, in the secondary Region, its replica) if it has one.

    `unencrypted_because` is the reason it has no customer-managed key without one (checkov
    CKV_AWS_158, Control Tower's log group encryption control).
    """
    group = logs.LogGroup(
        scope, construct_id, log_group_name=name, removal_policy=removal_policy(stateful)
    )
    # CloudWatch accepts a fixed set of day counts (validated in the config); the L2 only takes
    # an enum of names, so the number goes on the L1 directly.
    cast(logs.CfnLogGroup, group.node.default_child).retention_in_days = retention_days
    accepted = []
    if key:
        key.encrypt_log_group(group)
    else:
        accepted.append(
            Acceptance(
                checkov=("CKV_AWS_158",),
                nag_packs=("CloudWatchLogGroupEncrypted",),
                control_tower=("cloudwatch_log_group_encrypted_check",),
                reason=unencrypted_because,
            )
        )
    if retention_days < PRODUCTION_MIN_RETENTION_DAYS:
        # The stage config demands a year in production, so a shorter one is not production.
        accepted.append(
            Acceptance(
                control_tower=("cloudwatch_log_group_retention_period_check",),
                reason=f"A non-production stage keeps these logs {retention_days} days by "
                "config; production keeps them at least a year.",
            )
        )
    accept_findings(group, *accepted)
    return group


def delivery_arn(group: logs.LogGroup) -> str:
    """`arn:...:log-group:<name>`, without the `:*` of `log_group_arn`: the form WAF and
    Cognito log delivery require."""
    return Stack.of(group).format_arn(
        service="logs",
        resource="log-group",
        resource_name=group.log_group_name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
