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

from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Template
from constructs import IConstruct
from directory_backup.records import OWNER_CLAIM

from auth_constructs.data.customer_key import CustomerKey
from auth_constructs.data.photo_storage import PhotoStorage
from auth_constructs.identity.identity_access import IdentityAccess
from auth_constructs.identity.identity_pool import OWNER, IdentityPool, provider_name
from auth_constructs.identity.triggers import CognitoTriggers
from stage_config import StageConfig
from tests.support.app import cdk_json_context


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


SECOND_REGION = "eu-central-1"
"""Where the second identity pool of a replicated test stack federates the user pool from."""


def data_access_stack(config: StageConfig, *, replicated: bool = False) -> DataAccessStack:
    """The stage's key, storage, identity pool (and with `replicated`, a second one, as the
    secondary Region's) and the roles with the grants and attachments the Access stacks give."""
    stack = _stack("DataAccess")
    key = _key(stack, config)
    storage = PhotoStorage(
        stack, "Storage", config=config.data_access, stateful=config.stateful, key=key
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
    return DataAccessStack(stack, template_of(stack), key, storage, access, pools, pool, clients)


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
