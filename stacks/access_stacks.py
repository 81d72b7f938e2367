"""The roles the stage's identity pools hand out, in stacks deployed after both pools.

Each role trusts every identity pool of the stage (`aud`), so it can only exist once they do:
`Access` (primary Region: the roles, their grants on the data, the primary pool's attachment and
the groups naming the elevated role) follows `Auth` and, with a replica, `Secondary` (the
secondary identity pool); `SecondaryAccess` (secondary Region: that pool's attachment) follows
`Access`. Every stage has the Access stack, so adding a replica later moves nothing: the groups
(whose replacement would drop their members) stay where they are.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_inline_policies
from auth_constructs.data.photo_storage import PhotoStorage
from auth_constructs.identity.identity_access import IdentityAccess
from auth_constructs.identity.identity_pool import OWNER, IdentityPool
from auth_constructs.identity.user_groups import UserGroups
from stage_config import DataAccessConfig, GroupConfig


class AccessStack(Stack):
    """The roles, their grants, the primary identity pool's attachment and the user groups."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pools: tuple[IdentityPool, ...],
        storage: PhotoStorage,
        user_pool: cognito.IUserPool,
        groups: tuple[GroupConfig, ...],
        config: DataAccessConfig,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.access = IdentityAccess(
            self,
            "IdentityAccess",
            identity_pool_ids=[pool.identity_pool_id for pool in pools],
            config=config,
        )
        for role in (self.access.user_role, self.access.elevated_role):
            storage.grant_owner_access(role, OWNER)
        storage.grant_read_all_photos(self.access.elevated_role)
        self.access.attach(self, "RoleAttachment", pools[0])
        self.groups = UserGroups(
            self,
            "Groups",
            user_pool=user_pool,
            groups=groups,
            roles=dict.fromkeys(config.elevated_groups, self.access.elevated_role),
        )
        accept_inline_policies(self)


class SecondaryAccessStack(Stack):
    """The secondary identity pool's attachment of the Access stack's roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        access: IdentityAccess,
        pool: IdentityPool,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        access.attach(self, "RoleAttachment", pool)
