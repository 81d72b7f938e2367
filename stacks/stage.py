"""A deployable stage (Dev, Prod, ...): `cdk deploy 'Dev/*'` deploys everything in it."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Stage, Tags
from constructs import Construct

from auth_constructs.compliance import compliance_packs
from stacks.auth_stack import AuthStack
from stacks.key_stack import KeyStack
from stacks.outputs import AUTH_STACK_ID, KEY_STACK_ID
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
        self.keys: KeyStack | None = None
        if config.customer_key:
            self.keys = KeyStack(
                self,
                KEY_STACK_ID,
                config=config.customer_key,
                stateful=config.stateful,
                termination_protection=config.production,
                description=f"Cognito identity layer ({config.name}): the customer key",
            )
        self.auth = AuthStack(
            self,
            AUTH_STACK_ID,
            config=config,
            delivery=delivery,
            key=self.keys.customer_key if self.keys else None,
            termination_protection=config.production,
            description=f"Cognito identity layer ({config.name})",
        )
        self.stacks: tuple[Stack, ...] = (*([self.keys] if self.keys else []), self.auth)
        """The stage's stacks in deploy order."""
        compliance_packs.enforce(self, config.compliance)
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)
