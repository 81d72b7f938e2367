"""A user pool in moto with the shapes a directory backup must survive: groups with precedence
and roles, disabled users, users with MFA settings and users linked to a federated identity.

moto has no AdminLinkProviderForUser: `LinkingCognito` answers it the way Cognito records a
link (the destination user's `identities` attribute), and passes every other call to moto.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OWNER_SCHEMA = {"Name": "owner_id", "AttributeDataType": "String", "Mutable": False}
ROLE_ARN = "arn:aws:iam::123456789012:role/moderators"
GROUPS = (("admins", 0, ROLE_ARN), ("members", 5, None), ("beta", 9, None))


def email(index: int) -> str:
    return f"person{index}@example.net"


@dataclass
class LinkingCognito:
    """moto's cognito-idp client plus AdminLinkProviderForUser."""

    moto: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.moto, name)

    def admin_link_provider_for_user(self, **request: Any) -> dict[str, Any]:
        pool, source = request["UserPoolId"], request["SourceUser"]
        destination = request["DestinationUser"]["ProviderAttributeValue"]
        user = self.moto.admin_get_user(UserPoolId=pool, Username=destination)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        identities = json.loads(attributes.get("identities") or "[]")
        identity = {
            "providerName": source["ProviderName"],
            "userId": source["ProviderAttributeValue"],
        }
        if identity not in [{k: i[k] for k in identity} for i in identities]:
            identities.append({**identity, "providerType": "Google", "primary": "false"})
        self.moto.admin_update_user_attributes(
            UserPoolId=pool,
            Username=destination,
            UserAttributes=[{"Name": "identities", "Value": json.dumps(identities)}],
        )
        return {}


def empty_pool(cognito: Any, name: str = "photos") -> str:
    """A pool like the stage's: email as username, the owner attribute in its schema."""
    pool: str = cognito.create_user_pool(
        PoolName=name, UsernameAttributes=["email"], Schema=[OWNER_SCHEMA]
    )["UserPool"]["Id"]
    return pool


def populated_pool(cognito: LinkingCognito, users: int) -> str:
    """`users` users in three groups: every 7th disabled, every 10th linked to Google, every
    11th with SMS MFA preferred."""
    pool = empty_pool(cognito)
    for name, precedence, role in GROUPS:
        cognito.create_group(
            UserPoolId=pool,
            GroupName=name,
            Precedence=precedence,
            Description=f"the {name}",
            **({"RoleArn": role} if role else {}),
        )
    for index in range(users):
        attributes = [
            {"Name": "email", "Value": email(index)},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": f"Person {index}"},
        ]
        if index % 11 == 0:
            attributes.append({"Name": "phone_number", "Value": f"+4470000{index:05d}"})
        username = cognito.admin_create_user(
            UserPoolId=pool,
            Username=email(index),
            UserAttributes=attributes,
            MessageAction="SUPPRESS",
        )["User"]["Username"]
        if index % 7 == 0:
            cognito.admin_disable_user(UserPoolId=pool, Username=username)
        if index % 10 == 0:
            cognito.admin_link_provider_for_user(
                UserPoolId=pool,
                DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
                SourceUser={
                    "ProviderName": "Google",
                    "ProviderAttributeName": "Cognito_Subject",
                    "ProviderAttributeValue": f"google-{index}",
                },
            )
        if index % 11 == 0:
            cognito.admin_set_user_mfa_preference(
                UserPoolId=pool,
                Username=username,
                SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
            )
        for name, every in (("members", 2), ("admins", 25), ("beta", 3)):
            if index % every == 0:
                cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=name)
    return pool


def directory_state(cognito: Any, pool: str) -> dict[str, Any]:
    """What a restore must reproduce, keyed by what survives one (email, not username or sub)."""
    users = {}
    token: dict[str, str] = {}
    while True:
        page = cognito.list_users(UserPoolId=pool, Limit=60, **token)
        for user in page["Users"]:
            attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
            users[user["Username"]] = {
                "enabled": user["Enabled"],
                "attributes": {
                    k: v for k, v in attributes.items() if k not in ("sub", "custom:owner_id")
                },
            }
        if "PaginationToken" not in page:
            break
        token = {"PaginationToken": page["PaginationToken"]}
    by_username = {name: u["attributes"]["email"] for name, u in users.items()}
    groups = {}
    for group in cognito.list_groups(UserPoolId=pool, Limit=60)["Groups"]:
        members: set[str] = set()
        paging: dict[str, str] = {}
        while True:
            page = cognito.list_users_in_group(
                UserPoolId=pool, GroupName=group["GroupName"], Limit=60, **paging
            )
            members |= {by_username[u["Username"]] for u in page["Users"]}
            if "NextToken" not in page:
                break
            paging = {"NextToken": page["NextToken"]}
        groups[group["GroupName"]] = {
            "precedence": group.get("Precedence"),
            "role": group.get("RoleArn"),
            "description": group.get("Description"),
            "members": members,
        }
    return {
        "users": {u["attributes"]["email"]: u for u in users.values()},
        "groups": groups,
    }
