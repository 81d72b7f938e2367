"""Small stacks of the constructs that write IAM policies and trust, built from a test-owned
config on every call (never cached, unlike the session apps).

The app-level tests read apps built once per process; `make mutate` forks its mutant workers from
that process, so a construct mutant never reaches them. These stacks hold only the constructs
under test and what they reference (a bare user pool, a table), so a mutant's tests rebuild them
in about a second instead of synthesizing the whole app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import App, CfnResource, Environment, Stack, Validations
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Template
from constructs import IConstruct
from directory_backup.records import OWNER_CLAIM

from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.data.photo_replica import PhotoReplica
from auth_constructs.data.photo_storage import PhotoStorage
from auth_constructs.identity.identity_access import IdentityAccess
from auth_constructs.identity.identity_pool import OWNER, IdentityPool, provider_name
from auth_constructs.identity.replica_triggers import ReplicaTriggers
from auth_constructs.identity.triggers import CognitoTriggers
from stage_config import StageConfig
from tests.support.app import cdk_json_context
from tests.support.configs import live, with_triggers


@dataclass
class Built:
    stack: Stack
    template: dict[str, Any]

    def logical_id(self, construct: IConstruct) -> str:
        """The logical id of `construct` (or of its default child)."""
        resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
        assert isinstance(resource, CfnResource)
        return self.stack.get_logical_id(resource)

    def resource(self, construct: IConstruct) -> dict[str, Any]:
        found: dict[str, Any] = self.template["Resources"][self.logical_id(construct)]
        return found


@dataclass
class DataAccessStack(Built):
    key: CustomerKey | None
    storage: PhotoStorage
    access: IdentityAccess
    identity_pools: list[IdentityPool]
    pool: cognito.UserPool
    clients: list[cognito.UserPoolClient]
    replica: Built | None = None
    """With `replicated`: the secondary Region's stack of the key's replica and the photos'."""
    keys: Built | None = None
    """With `replicated`: the stack of the key (in this one otherwise), deployed first."""


@dataclass
class TriggersStack(Built):
    triggers: CognitoTriggers
    storage: PhotoStorage
    pool: cognito.UserPool


def template_of(stack: Stack) -> dict[str, Any]:
    return dict(Template.from_stack(stack).to_json())


def _stack(name: str) -> Stack:
    return Stack(App(context=cdk_json_context()), name)


def _key(stack: Stack, config: StageConfig) -> CustomerKey | None:
    if not config.customer_key:
        return None
    return CustomerKey(stack, "CustomerKey", config=config.customer_key, stateful=config.stateful)


FIRST_REGION, SECOND_REGION = "eu-west-1", "eu-central-1"
"""A replicated test stack's Regions: its second identity pool federates the user pool as the
second's, and its photos and key have their replicas there."""


def data_access_stack(config: StageConfig, *, replicated: bool = False) -> DataAccessStack:
    """The stage's key, storage, identity pool and the roles with the grants and attachments
    the Access stacks give; with `replicated` (a config with a customer key), a second identity
    pool, as the secondary Region's, and the key's and the photos' replicas in a stack there."""
    replica_stack: Stack | None = None
    key_stack: Stack | None = None
    photos: PhotoReplica | None = None
    if replicated:
        assert config.customer_key, "a replica needs the customer key"
        app = App(context=cdk_json_context())
        key_stack = Stack(app, "Key", env=Environment(region=FIRST_REGION))
        replica_stack = Stack(app, "ReplicaData", env=Environment(region=SECOND_REGION))
        stack = Stack(app, "DataAccess", env=Environment(region=FIRST_REGION))
    else:
        stack = _stack("DataAccess")
    key = _key(key_stack or stack, config)
    if replica_stack and key and config.customer_key:
        replica_key = CustomerKeyReplica(
            replica_stack,
            "CustomerKeyReplica",
            primary=key,
            config=config.customer_key,
            stateful=config.stateful,
        )
        photos = PhotoReplica(
            replica_stack,
            "Photos",
            config=config.data_access,
            stateful=config.stateful,
            key=replica_key,
        )
    storage = PhotoStorage(
        stack,
        "Storage",
        config=config.data_access,
        stateful=config.stateful,
        key=key,
        replica=photos,
    )
    pool = cognito.UserPool(stack, "UserPool")
    clients = [pool.add_client("web"), pool.add_client("mobile")]
    client_ids = {client.node.id: client.user_pool_client_id for client in clients}
    pools = [
        IdentityPool(
            stack,
            "IdentityPool",
            providers={"": pool.user_pool_provider_name},
            clients=client_ids,
            config=config.data_access,
            stateful=config.stateful,
        )
    ]
    if replicated:
        pools.append(
            IdentityPool(
                stack,
                "SecondIdentityPool",
                providers={"": provider_name(SECOND_REGION, pool.user_pool_id)},
                clients=client_ids,
                config=config.data_access,
                stateful=config.stateful,
            )
        )
    access = IdentityAccess(
        stack,
        "IdentityAccess",
        identity_pool_ids=[p.identity_pool_id for p in pools],
        config=config.data_access,
    )
    for role in (access.user_role, access.elevated_role):
        storage.grant_owner_access(role, OWNER)
    storage.grant_read_all_photos(access.elevated_role)
    for index, identity_pool in enumerate(pools):
        access.attach(stack, f"RoleAttachment{index}", identity_pool)
    replica = Built(replica_stack, template_of(replica_stack)) if replica_stack else None
    keys = Built(key_stack, template_of(key_stack)) if key_stack else None
    return DataAccessStack(
        stack, template_of(stack), key, storage, access, pools, pool, clients, replica, keys
    )


def triggers_stack(config: StageConfig) -> TriggersStack:
    """The stage's key, storage and triggers on a bare user pool, with the grants AuthStack gives
    the triggers."""
    assert config.triggers is not None
    stack = _stack("Triggers")
    key = _key(stack, config)
    storage = PhotoStorage(
        stack, "Storage", config=config.data_access, stateful=config.stateful, key=key
    )
    pool = cognito.UserPool(stack, "UserPool")
    triggers = CognitoTriggers(
        stack,
        "Triggers",
        user_pool=pool,
        table=storage.table,
        config=config.triggers,
        stateful=config.stateful,
        elevated_groups=config.data_access.elevated_groups,
        custom_providers=config.custom_provider_names,
        key=key,
        owner_claim=OWNER_CLAIM if config.directory_backup else "",
        email=config.pool_config.email,
    )
    triggers.use_profiles(storage)
    return TriggersStack(stack, template_of(stack), triggers, storage, pool)


def every_replica_trigger() -> StageConfig:
    """A stage running every trigger a replica runs: both authentication triggers, and custom
    message (one sender only)."""
    return with_triggers(
        live(),
        pre_authentication=True,
        post_authentication=True,
        custom_sms_sender=None,
        reserved_concurrency=None,
    )


def replica_triggers(
    stack: Stack,
    config: StageConfig,
    *,
    key: CustomerKeyReplica | None = None,
    elevated_groups: tuple[str, ...] = (),
    owner_claim: str = "",
    table_name: str = "items",
) -> ReplicaTriggers:
    """`config`'s triggers as the secondary Region's stack builds them, for the replica of
    pool `eu-west-1_Pool`."""
    assert config.triggers
    return ReplicaTriggers(
        stack,
        "Triggers",
        user_pool_id="eu-west-1_Pool",
        config=config.triggers,
        stateful=config.stateful,
        elevated_groups=elevated_groups,
        owner_claim=owner_claim,
        key=key,
        table_name=table_name,
    )


def key_replica(stack: Stack, config: StageConfig) -> CustomerKeyReplica:
    """The replica, in `stack` (of the second Region), of `config`'s key, built in a Key stack
    of the first Region in the same app."""
    assert config.customer_key
    app = stack.node.scope
    assert isinstance(app, App)
    primary = CustomerKey(
        Stack(app, "Key", env=Environment(region=FIRST_REGION)),
        "CustomerKey",
        config=config.customer_key,
        stateful=config.stateful,
    )
    return CustomerKeyReplica(
        stack, "KeyReplica", primary=primary, config=config.customer_key, stateful=config.stateful
    )


def acknowledged(construct: IConstruct) -> dict[str, str]:
    """{finding id: reason} acknowledged on `construct` itself (CDK's Validations metadata)."""
    return {
        key.removeprefix("Annotation::"): str(reason)
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for key, reason in entry.data.items()
    }
