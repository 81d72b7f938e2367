"""The stage's stateful policy, as CDK's removal policy."""

from __future__ import annotations

from aws_cdk import RemovalPolicy

from stage_config import StatefulPolicy


def removal_policy(policy: StatefulPolicy) -> RemovalPolicy:
    """RETAIN where the stage keeps its data (production), DESTROY where it may go (dev)."""
    return RemovalPolicy.RETAIN if policy.retain else RemovalPolicy.DESTROY
