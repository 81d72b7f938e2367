"""User-pool groups, each optionally carrying the IAM role its members assume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from stage_config import GroupConfig


class UserGroups(Construct):
    """One group per config entry. A group with a role puts it in `cognito:preferred_role`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        groups: Sequence[GroupConfig],
        roles: Mapping[str, iam.IRole],
    ) -> None:
        super().__init__(scope, construct_id)
        self.groups = {
            group.name: cognito.UserPoolGroup(
                self,
                group.name,
                user_pool=user_pool,
                group_name=group.name,
                precedence=group.precedence,
                description=group.description or None,
                role=roles.get(group.name),
            )
            for group in groups
        }
