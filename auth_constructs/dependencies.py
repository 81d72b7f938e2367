"""Keep DependsOn to what a Ref or GetAtt does not already imply (cfn-lint W3005)."""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam


def wait_only_for_policy(resource: CfnResource, role: iam.Role) -> None:
    """Make `resource` (a function, a pipeline) wait for its role's default policy only.

    CDK adds DependsOn on both the role and its policy; the role is already implied by the
    resource's GetAtt of the role ARN, so listing it again is what cfn-lint W3005 reports.
    """
    policy = cast(iam.CfnPolicy, role.node.find_child("DefaultPolicy").node.default_child)
    resource.add_override("DependsOn", [Stack.of(resource).get_logical_id(policy)])
