"""A deployable stage (Dev, Prod, ...): `cdk deploy 'Dev/*'` deploys everything in it."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from auth_constructs.compliance import compliance_packs
from stacks.auth_stack import AuthStack
from stacks.outputs import AUTH_STACK_ID
from stage_config import DeliveryConfig, StageConfig


class IdentityStage(Stage):
    """One stage built from one validated config. Environment-agnostic unless it names one."""

    def __init__(self, scope: Construct, *, config: StageConfig, delivery: DeliveryConfig) -> None:
        env = (
            Environment(account=config.account or None, region=config.region or None)
            if config.account or config.region
            else None
        )
        super().__init__(scope, config.name, env=env)
        self.config = config
        self.auth = AuthStack(
            self,
            AUTH_STACK_ID,
            config=config,
            delivery=delivery,
            termination_protection=config.production,
            description=f"Cognito identity layer ({config.name})",
        )
        compliance_packs.enforce(self, config.compliance)
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)
