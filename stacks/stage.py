"""A deployable stage (Dev, Prod, ...): `cdk deploy 'Dev/*'` deploys everything in it."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Stage, Tags
from constructs import Construct

from auth_constructs.compliance import compliance_packs
from stacks.access_stacks import AccessStack, SecondaryAccessStack
from stacks.auth_stack import AuthStack
from stacks.key_stack import KeyStack
from stacks.outputs import (
    ACCESS_STACK_ID,
    AUTH_STACK_ID,
    KEY_STACK_ID,
    REPLICA_DATA_STACK_ID,
    SECONDARY_ACCESS_STACK_ID,
    SECONDARY_STACK_ID,
)
from stacks.replica_stacks import ReplicaDataStack, SecondaryStack
from stage_config import DeliveryConfig, StageConfig
from stage_config.emulator import Omission


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
        self.replica_data: ReplicaDataStack | None = None
        secondary = replica_env(config)
        if self.keys and config.customer_key and secondary:
            self.replica_data = ReplicaDataStack(
                self,
                REPLICA_DATA_STACK_ID,
                env=secondary,
                primary=self.keys.customer_key,
                config=config.customer_key,
                data_access=config.data_access,
                stateful=config.stateful,
                termination_protection=config.production,
                description=f"Cognito identity layer ({config.name}): the key's replica and "
                "the photos' replica bucket",
            )
        self.auth = AuthStack(
            self,
            AUTH_STACK_ID,
            config=config,
            delivery=delivery,
            key=self.keys.customer_key if self.keys else None,
            replica_key=self.replica_data.replica if self.replica_data else None,
            replica_photos=self.replica_data.photos if self.replica_data else None,
            termination_protection=config.production,
            description=f"Cognito identity layer ({config.name})",
        )
        self.secondary: SecondaryStack | None = None
        if config.replica and secondary:
            self.secondary = SecondaryStack(
                self,
                SECONDARY_STACK_ID,
                env=secondary,
                user_pool_id=self.auth.user_pool.user_pool.user_pool_id,
                primary_region=config.region,
                clients=self.auth.identity_pool.clients,
                replica=config.replica,
                email=config.user_pool.email,
                sms=config.user_pool.mfa.sms,
                data_access=config.data_access,
                stateful=config.stateful,
                owner_claim=self.auth.identity_pool.owner_claim,
                triggers=config.triggers,
                protection=config.user_pool.protection,
                audit_logs=Omission.LOG_DELIVERY not in config.leave_out,
                key=self.replica_data.replica if self.replica_data else None,
                table_name=self.auth.storage.table_name,
                termination_protection=config.production,
                description=f"Cognito identity layer ({config.name}): the replica's settings "
                "and the secondary identity pool",
            )
        pools = (self.auth.identity_pool,) + (
            (self.secondary.identity_pool,) if self.secondary else ()
        )
        self.access = AccessStack(
            self,
            ACCESS_STACK_ID,
            pools=pools,
            storage=self.auth.storage,
            user_pool=self.auth.user_pool.user_pool,
            groups=config.pool_config.groups,
            config=config.data_access,
            termination_protection=config.production,
            description=f"Cognito identity layer ({config.name}): the identity pools' roles "
            "and the user groups",
        )
        self.secondary_access: SecondaryAccessStack | None = None
        if self.secondary:
            self.secondary_access = SecondaryAccessStack(
                self,
                SECONDARY_ACCESS_STACK_ID,
                env=secondary,
                access=self.access.access,
                pool=self.secondary.identity_pool,
                termination_protection=config.production,
                description=f"Cognito identity layer ({config.name}): the secondary identity "
                "pool's roles",
            )
        self.stacks: tuple[Stack, ...] = tuple(
            stack
            for stack in (
                self.keys,
                self.replica_data,
                self.auth,
                self.secondary,
                self.access,
                self.secondary_access,
            )
            if stack is not None
        )
        """The stage's stacks in deploy order."""
        compliance_packs.enforce(self, config.compliance)
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)


def replica_env(config: StageConfig) -> Environment | None:
    """The environment of the stage's secondary Region, when it has a replica."""
    if config.replica is None:
        return None
    return Environment(account=config.account or None, region=config.replica.region)
