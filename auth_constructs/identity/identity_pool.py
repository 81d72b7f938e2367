"""An identity pool: exchanges the user pool's tokens for short-lived AWS credentials.

A stage has one in its primary Region and, with a replica, one in the secondary Region (identity
pools have no multi-Region feature). Both hand out the same roles (`IdentityAccess`), which the
pools themselves do not hold: the roles must trust both pools, so they live in a stack deployed
after both (`stacks/access_stacks.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from constructs import Construct, IConstruct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.stateful import removal_policy
from stage_config import DataAccessConfig, StatefulPolicy

SUB_TAG = "sub"
"""Principal tag carrying the user's owner id, which is their user-pool `sub` unless a directory
restore recreated them (then the `sub` they had before: `docs/backup-and-restore.md`); policies
use `${aws:PrincipalTag/sub}`."""
OWNER = "${aws:PrincipalTag/" + SUB_TAG + "}"


def provider_name(region: str, user_pool_id: str) -> str:
    """The user pool as an identity provider of an identity pool, as tokens issued in `region`
    name it (their `iss` without the scheme)."""
    return f"cognito-idp.{region}.{Aws.URL_SUFFIX}/{user_pool_id}"


class IdentityPool(Construct):
    """Identity pool federated with the user pool's hosted clients, under each of
    `providers` (label: provider name; a label suffixes the ids of what one provider adds).

    Every session is tagged with the user's owner id, never keyed on the identity id: triggers
    and backends only know the user pool's view, so both sides use the same key. The owner id is
    the `sub`; with the directory backup it comes from the `owner_claim` pre token generation
    sets (the `sub` again, except for a user a restore recreated, whose claim holds the `sub`
    their data is filed under). `after` is that trigger: the tag reads the claim only once it is
    in place. The pool is kept like the stage's other stateful resources: replacing it would
    give every user a new identity id.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        providers: Mapping[str, str],
        clients: Mapping[str, str],
        config: DataAccessConfig,
        stateful: StatefulPolicy,
        owner_claim: str | None = None,
        after: IConstruct | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.providers = dict(providers)
        self.clients = dict(clients)
        self.owner_claim = owner_claim
        # `Pool/Resource`: the path of the L2 this replaced, which the pool's logical id (in the
        # guard's records) is made from.
        self.pool = cognito.CfnIdentityPool(
            Construct(self, "Pool"),
            "Resource",
            allow_unauthenticated_identities=config.allow_guest_access,
            allow_classic_flow=False,
            cognito_identity_providers=[
                cognito.CfnIdentityPool.CognitoIdentityProviderProperty(
                    client_id=client_id, provider_name=name, server_side_token_check=True
                )
                for name in self.providers.values()
                for client_id in self.clients.values()
            ],
        )
        self.pool.apply_removal_policy(removal_policy(stateful))
        self.identity_pool_id = self.pool.ref
        for label, name in self.providers.items():
            tag = cognito.CfnIdentityPoolPrincipalTag(
                self,
                f"SubTag{label}",
                identity_pool_id=self.identity_pool_id,
                identity_provider_name=name,
                principal_tags={SUB_TAG: owner_claim or "sub"},
                use_defaults=False,
            )
            if owner_claim and after:
                # A token without the claim would get no tag, and so no data, until its next
                # refresh.
                tag.node.add_dependency(after)
        if config.allow_guest_access:
            accept_finding(self.pool, nag="AwsSolutions-COG7", reason=config.guest_access_reason)

    def role_mappings(
        self,
    ) -> dict[str, cognito.CfnIdentityPoolRoleAttachment.RoleMappingProperty]:
        """Token-based roles for each provider and client: a group with a role puts it in
        `cognito:preferred_role` (lowest precedence wins), and an ambiguous token is denied, not
        given the default role."""
        return {
            f"{client}{label}": cognito.CfnIdentityPoolRoleAttachment.RoleMappingProperty(
                type="Token",
                ambiguous_role_resolution="Deny",
                identity_provider=f"{name}:{client_id}",
            )
            for label, name in self.providers.items()
            for client, client_id in self.clients.items()
        }
