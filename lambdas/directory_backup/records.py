"""What a directory backup holds, one JSON object per line: the contract between the export
(this Lambda) and the restore (`tools/operations/directory_restore.py`).

  {"kind": "group", "name", "description", "precedence", "role_arn"}
  {"kind": "membership", "group", "username"}
  {"kind": "user", "username", "status", "enabled", "created", "attributes", "mfa"}

A user's `owner` is the id their data is filed under (photos prefix, table partition, principal
tag): their own `sub`, or, for a user a restore recreated (who got a new `sub`), the id it had
before, kept in the admin-only OWNER_ATTRIBUTE.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

FORMAT = 1
PREFIX = "directory/"
"""Each backup is a folder below it: parts, then its manifest."""
LATEST = f"{PREFIX}latest.json"
"""A copy of the newest complete backup's manifest (and its key): the restore's default and the
baseline of the next backup's user-count check."""
METRIC_USERS = "Users"
METRIC_DROP = "UserDropPercent"
"""Published once per backup, per user pool: its user count and the drop from the one before."""
OWNER_ATTRIBUTE = "custom:owner_id"
"""Immutable, readable and writable by no app client: only the restore (an administrator) sets
it, when it recreates a user."""
OWNER_CLAIM = "data_owner"
"""The token claim pre token generation sets to the owner id, and the identity pool maps to the
`sub` principal tag every data permission is keyed on."""
SET_BY_COGNITO = frozenset({"sub", "identities"})
"""Attributes no call can write: Cognito assigns `sub`, and `identities` follows the links."""
NOT_IN_A_BACKUP = (
    "passwords (Cognito never reveals them or their hashes)",
    "TOTP secrets and passkeys (registered authenticators cannot be exported)",
    "remembered devices and refresh tokens",
    "the user's sub (a recreated user gets a new one; its old one is kept as its owner id)",
)
KINDS = ("group", "user", "membership")
"""The order a restore applies them in: a membership needs its group and its user."""


def owner_id(attributes: dict[str, str]) -> str:
    """The id a user's data is filed under (see the module docstring)."""
    return attributes.get(OWNER_ATTRIBUTE) or attributes["sub"]


def user_record(user: dict[str, Any], mfa: dict[str, Any] | None) -> dict[str, Any]:
    """One user from ListUsers (UserType), plus its MFA settings from AdminGetUser (or None)."""
    created = user.get("UserCreateDate")
    return {
        "kind": "user",
        "username": user["Username"],
        "status": user.get("UserStatus", ""),
        "enabled": bool(user.get("Enabled", True)),
        "created": created.isoformat() if isinstance(created, datetime) else created,
        "attributes": {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])},
        "mfa": mfa,
    }


def mfa_settings(user: dict[str, Any]) -> dict[str, Any]:
    """The MFA part of an AdminGetUser answer."""
    return {
        "preferred": user.get("PreferredMfaSetting"),
        "enabled": list(user.get("UserMFASettingList") or []),
    }


def group_record(group: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "group",
        "name": group["GroupName"],
        "description": group.get("Description"),
        "precedence": group.get("Precedence"),
        "role_arn": group.get("RoleArn"),
    }


def membership_record(group: str, username: str) -> dict[str, Any]:
    return {"kind": "membership", "group": group, "username": username}


def linked_identities(attributes: dict[str, str]) -> list[dict[str, str]]:
    """The federated identities linked to a user (its `identities` attribute): provider name
    and the user's id at that provider."""
    raw = json.loads(attributes.get("identities") or "[]")
    return [{"provider": i["providerName"], "user_id": i["userId"]} for i in raw]


def encode(records: Iterable[dict[str, Any]]) -> bytes:
    """Gzip-compressed JSON Lines (mtime 0: the same records give the same bytes)."""
    lines = b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in records)
    return gzip.compress(lines, mtime=0)


def decode(blob: bytes) -> Iterator[dict[str, Any]]:
    for line in gzip.decompress(blob).splitlines():
        if line.strip():
            record: dict[str, Any] = json.loads(line)
            yield record
