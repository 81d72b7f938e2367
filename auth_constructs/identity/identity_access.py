"""The roles the identity pools hand out, and each pool's attachment of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from auth_constructs.identity.identity_pool import IdentityPool
from stage_config import DataAccessConfig


class IdentityAccess(Construct):
    """The user role, the elevated role (for the elevated groups, through the groups' roles) and,
    only where guests are allowed, a guest role holding nothing.

    Each trusts web identities of `identity_pool_ids` alone (the stage's pool, and its secondary
    Region's with a replica), signed in for the user and elevated roles, with session tags (the
    owner id). The grants on the data are the storage's (`PhotoStorage.grant_*`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        identity_pool_ids: Sequence[str],
        config: DataAccessConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.identity_pool_ids = tuple(identity_pool_ids)
        signed_in = self._principal("authenticated").with_session_tags()
        self.user_role = iam.Role(
            self,
            "UserRole",
            assumed_by=signed_in,
            description="Signed-in users: their own photos and items",
        )
        self.elevated_role = iam.Role(
            self,
            "ElevatedRole",
            assumed_by=signed_in,
            description="Elevated groups: own data plus read access to all photos",
        )
        self.guest_role: iam.Role | None = None
        if config.allow_guest_access:
            self.guest_role = iam.Role(
                self,
                "GuestRole",
                assumed_by=self._principal("unauthenticated"),
                description="Guests: nothing unless a team grants it",
            )

    def attach(
        self, scope: Construct, construct_id: str, pool: IdentityPool
    ) -> cognito.CfnIdentityPoolRoleAttachment:
        """The roles `pool` hands out, created in `scope` (a stack in the pool's Region)."""
        roles = {"authenticated": _arn(self.user_role)}
        if self.guest_role:
            roles["unauthenticated"] = _arn(self.guest_role)
        return cognito.CfnIdentityPoolRoleAttachment(
            scope,
            construct_id,
            identity_pool_id=pool.identity_pool_id,
            roles=roles,
            role_mappings=pool.role_mappings(),
        )

    def _principal(self, amr: str) -> iam.FederatedPrincipal:
        """Web identities of the stage's identity pools, signed in or guests (`amr`)."""
        pools = self.identity_pool_ids
        return iam.FederatedPrincipal(
            "cognito-identity.amazonaws.com",
            conditions={
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": pools[0]
                    if len(pools) == 1
                    else list(pools)
                },
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )


def _arn(role: iam.Role) -> str:
    """The role's ARN as its resource's attribute, which another Region's stack reads as a
    stack output (the L2's ARN refuses to cross environments unless the role has a name)."""
    return cast(iam.CfnRole, role.node.default_child).attr_arn
