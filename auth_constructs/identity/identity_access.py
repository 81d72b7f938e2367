"""The identity pool: exchanges user-pool tokens for short-lived AWS credentials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import CfnResource
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.dependencies import drop_depends_on
from stage_config import DataAccessConfig

SUB_TAG = "sub"
"""Principal tag carrying the user's owner id, which is their user-pool `sub` unless a directory
restore recreated them (then the `sub` they had before: `docs/backup-and-restore.md`); policies
use `${aws:PrincipalTag/sub}`."""
OWNER = "${aws:PrincipalTag/" + SUB_TAG + "}"


class IdentityAccess(Construct):
    """Identity pool federated with the hosted app clients, plus the roles it hands out.

    Every permission is keyed on the user's owner id (mapped to a principal tag), never on the
    identity id: triggers and backends only know the user pool's view, so both sides use the
    same key. The owner id is the `sub`; with the directory backup it comes from the
    `owner_claim` pre token generation sets: the `sub` again, except for a user a restore
    recreated (a new `sub`), whose claim holds the `sub` their data is filed under.
    Group roles are token-based: a group with a role puts it in `cognito:preferred_role`
    (lowest precedence wins) and an ambiguous token is denied, not given the default role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        clients: Sequence[cognito.UserPoolClient],
        config: DataAccessConfig,
        owner_claim: str | None = None,
        after: IConstruct | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.identity_pool = identitypool.IdentityPool(
            self,
            "Pool",
            allow_unauthenticated_identities=config.allow_guest_access,
            allow_classic_flow=False,
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(
                        user_pool=user_pool, user_pool_client=client
                    )
                    for client in clients
                ]
            ),
            role_mappings=[
                identitypool.IdentityPoolRoleMapping(
                    mapping_key=client.node.id,
                    provider_url=identitypool.IdentityPoolProviderUrl.user_pool(user_pool, client),
                    use_token=True,
                    resolve_ambiguous_roles=False,
                )
                for client in clients
            ],
        )
        for resource in (
            self.identity_pool.node.default_child,
            self.identity_pool.node.find_child("DefaultRoleAttachment").node.default_child,
        ):
            drop_depends_on(cast(CfnResource, resource))
        principal = self._principal()
        # The pool's default authenticated role already trusts this pool (aud) for signed-in
        # identities (amr); it also needs sts:TagSession for the principal tags.
        self.user_role: iam.IRole = self.identity_pool.authenticated_role
        cast(iam.Role, self.user_role).assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(actions=["sts:TagSession"], principals=[principal])
        )
        self.elevated_role = iam.Role(
            self,
            "ElevatedRole",
            assumed_by=principal.with_session_tags(),
            description="Elevated groups: own data plus read access to all photos",
        )
        tag = cognito.CfnIdentityPoolPrincipalTag(
            self,
            "SubTag",
            identity_pool_id=self.identity_pool.identity_pool_id,
            identity_provider_name=user_pool.user_pool_provider_name,
            principal_tags={SUB_TAG: owner_claim or "sub"},
            use_defaults=False,
        )
        if owner_claim and after:
            # The tag reads the claim only once the trigger that sets it is in place: a token
            # without it would get no tag, and so no data, until its next refresh.
            tag.node.add_dependency(after)
        if config.allow_guest_access:
            accept_finding(
                self.identity_pool, nag="AwsSolutions-COG7", reason=config.guest_access_reason
            )

    def _principal(self) -> iam.FederatedPrincipal:
        """Web identities from this pool that signed in (never guests)."""
        return iam.FederatedPrincipal(
            "cognito-identity.amazonaws.com",
            conditions={
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": self.identity_pool.identity_pool_id
                },
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )
