"""Restore a user directory backup into a stage's user pool: dry run unless told to apply.

    make restore STAGE=Prod BACKUP=s3://<backup bucket>            (the latest backup)
    make restore STAGE=Prod BACKUP=s3://<bucket>/directory/<run>/manifest.json APPLY=1
    make restore STAGE=Prod BACKUP=./backup/manifest.json       (a downloaded copy)

The restore adds what the pool lacks and changes no user it did not create: missing groups
(precedence, role, description), missing users (attributes, and their enabled flag), their links
to federated identities, and missing memberships. Users are matched by owner id, so a run that
stopped is simply run again, and a second run finds nothing to do. Each recreated user gets a
new `sub`; the restore keeps the old id in the admin-only `custom:owner_id`, which the pre token
generation trigger puts in the token the identity pool tags sessions with, so the user's photos
and items stay theirs (docs/backup-and-restore.md).

A backup holds no password, TOTP secret or passkey: recreated native users get Cognito's
invitation (a temporary password of their own, through the pool's custom message) and set a new
password, then enrol MFA again; users who only ever signed in with a federated provider get no
email: their next federated sign-in lands in the recreated, linked user.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from directory_backup.pacing import Paced, Pacer
from directory_backup.records import (
    LATEST,
    OWNER_ATTRIBUTE,
    SET_BY_COGNITO,
    decode,
    linked_identities,
    owner_id,
)

import auth_constructs  # noqa: F401 (puts lambdas/ on the import path, as Lambda has it)
from stacks.outputs import StackOutput
from stage_config.directory_backup import DirectoryBackupConfig
from stage_config.stages import STAGES
from tools.deploy.client_config import OutputsError, stage_outputs

WRITES_PER_SECOND = 5.0
"""Admin writes per second: a tenth of UserCreation (50/s), a fifth of UserResourceUpdate (25/s,
not adjustable), so sign-ups and group changes go on during a restore."""
FEDERATED_ONLY = "EXTERNAL_PROVIDER"
SKIPPED_STATUSES = {"UNCONFIRMED": "never confirmed their sign-up"}
COGNITO_SUBJECT = "Cognito_Subject"


# -- reading a backup ------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    manifest: dict[str, Any]
    read_part: Callable[[str], bytes]

    def records(self, kind: str) -> Iterator[dict[str, Any]]:
        for part in self.manifest["parts"]:
            for record in decode(self.read_part(part)):
                if record["kind"] == kind:
                    yield record


def load_backup(source: str, s3: Any) -> Backup:
    """`s3://bucket` (its latest backup), `s3://bucket/<key of a manifest>`, or a local
    manifest.json with its parts beside it."""
    if not source.startswith("s3://"):
        manifest_path = Path(source)
        folder = manifest_path.parent
        return Backup(
            json.loads(manifest_path.read_text()),
            lambda part: (folder / Path(part).name).read_bytes(),
        )
    bucket, _, key = source.removeprefix("s3://").partition("/")

    def read(name: str) -> bytes:
        body: bytes = s3.get_object(Bucket=bucket, Key=name)["Body"].read()
        return body

    if not key:
        key = json.loads(read(LATEST))["key"]
    return Backup(json.loads(read(key)), read)


# -- the pool as it is -----------------------------------------------------------------------


@dataclass
class PoolUser:
    username: str
    sub: str
    enabled: bool
    identities: set[tuple[str, str]]


@dataclass
class PoolState:
    users: dict[str, PoolUser] = field(default_factory=dict)
    """By owner id."""
    groups: set[str] = field(default_factory=set)
    members: set[tuple[str, str]] = field(default_factory=set)
    """(group, owner id)."""


def pages(call: Callable[..., Any], token_name: str, **request: Any) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = call(**request, **({token_name: token} if token else {}))
        yield page
        token = page.get(token_name)
        if not token:
            return


@dataclass
class Pool:
    """The target pool, every call through a budget: lists at the backup's UserList rate,
    writes at WRITES_PER_SECOND."""

    cognito: Any
    pool_id: str
    lists: Paced
    writes: Paced

    def _list(self, operation: str, token_name: str, **request: Any) -> Iterator[Any]:
        call = getattr(self.cognito, operation)
        return pages(
            lambda **r: self.lists.call(lambda: call(UserPoolId=self.pool_id, Limit=60, **r)),
            token_name,
            **request,
        )

    def state(self) -> PoolState:
        state = PoolState()
        by_username: dict[str, str] = {}
        for page in self._list("list_users", "PaginationToken"):
            for user in page["Users"]:
                attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
                owner = owner_id(attributes)
                by_username[user["Username"]] = owner
                state.users[owner] = PoolUser(
                    username=user["Username"],
                    sub=attributes["sub"],
                    enabled=bool(user.get("Enabled", True)),
                    identities={
                        (i["provider"], i["user_id"]) for i in linked_identities(attributes)
                    },
                )
        for page in self._list("list_groups", "NextToken"):
            state.groups |= {group["GroupName"] for group in page["Groups"]}
        for group in sorted(state.groups):
            for page in self._list("list_users_in_group", "NextToken", GroupName=group):
                state.members |= {(group, by_username[u["Username"]]) for u in page["Users"]}
        return state

    def username_attributes(self) -> tuple[str, ...]:
        """What users sign in with instead of a username (email, phone_number), if anything."""
        described = self.cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        return tuple(described.get("UsernameAttributes", []))

    def write(self, operation: str, **request: Any) -> None:
        call = getattr(self.cognito, operation)
        self.writes.call(lambda: call(UserPoolId=self.pool_id, **request))


# -- the plan --------------------------------------------------------------------------------


@dataclass
class Plan:
    groups: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    """Backup records of users to create."""
    disable: list[str] = field(default_factory=list)
    """Owner ids of users to disable (the backup says so; created by a restore)."""
    links: list[tuple[str, str, str]] = field(default_factory=list)
    """(owner id, provider, the user's id at the provider)."""
    memberships: list[tuple[str, str]] = field(default_factory=list)
    """(group, owner id)."""
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.groups or self.users or self.disable or self.links or self.memberships)


def plan(backup: Backup, state: PoolState, username_attributes: tuple[str, ...] = ()) -> Plan:
    """What the pool lacks of the backup. Users the pool has and a restore did not create
    (their owner id is their own sub) are never changed, only reported where they differ.
    In a pool whose users sign in by `username_attributes` (email), a user without one cannot
    be created: it is skipped and reported, with its links and memberships."""
    result = Plan()
    result.groups = [g for g in backup.records("group") if g["name"] not in state.groups]
    owners: dict[str, str] = {}
    for user in backup.records("user"):
        owner = owner_id(user["attributes"])
        owners[user["username"]] = owner
        current = state.users.get(owner)
        why = SKIPPED_STATUSES.get(user["status"])
        if username_attributes and not any(user["attributes"].get(a) for a in username_attributes):
            why = f"has no {' or '.join(username_attributes)} to sign in with"
        if current is None and why:
            result.notes.append(f"skipped {owner}: {why}")
            owners.pop(user["username"])
            continue
        if current is None:
            result.users.append(user)
        identities = current.identities if current else set()
        result.links += [
            (owner, i["provider"], i["user_id"])
            for i in _identities_of(user)
            if (i["provider"], i["user_id"]) not in identities
        ]
        recreated = current is None or current.sub != owner
        if not user["enabled"] and recreated and (current is None or current.enabled):
            result.disable.append(owner)
        elif current and current.enabled != user["enabled"]:
            result.notes.append(
                f"{owner} is {'enabled' if current.enabled else 'disabled'} now, "
                f"{'enabled' if user['enabled'] else 'disabled'} in the backup: left as it is"
            )
    result.memberships = [
        (m["group"], owners[m["username"]])
        for m in backup.records("membership")
        if m["username"] in owners and (m["group"], owners[m["username"]]) not in state.members
    ]
    return result


def _identities_of(user: dict[str, Any]) -> list[dict[str, str]]:
    """Linked identities, and for a federated-only user its own (it is restored as a native
    user linked to it, so its next federated sign-in lands there)."""
    identities = linked_identities(user["attributes"])
    if user["status"] == FEDERATED_ONLY and not identities:
        provider, _, subject = user["username"].partition("_")
        identities = [{"provider": provider, "user_id": subject}]
    return identities


# -- applying it -----------------------------------------------------------------------------


def create_request(user: dict[str, Any], username_attributes: tuple[str, ...]) -> dict[str, Any]:
    """AdminCreateUser for a backup record: the owner id set once, at creation; Cognito's own
    invitation (a temporary password of the user's own) unless the user never had a password
    (federated only) or is disabled."""
    attributes = user["attributes"]
    owner = owner_id(attributes)
    username = next(
        (attributes[a] for a in username_attributes if attributes.get(a)), user["username"]
    )
    kept = {
        name: value
        for name, value in attributes.items()
        if name not in SET_BY_COGNITO and name != OWNER_ATTRIBUTE
    }
    request: dict[str, Any] = {
        "Username": username,
        "UserAttributes": [
            *({"Name": n, "Value": v} for n, v in sorted(kept.items())),
            {"Name": OWNER_ATTRIBUTE, "Value": owner},
        ],
    }
    if user["status"] == FEDERATED_ONLY or not user["enabled"]:
        request["MessageAction"] = "SUPPRESS"
    elif attributes.get("email"):
        request["DesiredDeliveryMediums"] = ["EMAIL"]
    return request


def apply(plan_: Plan, pool: Pool, say: Callable[[str], None] = print) -> None:
    """Groups, then users, their flags and links, then memberships: each needs what comes
    before it. Usernames of created users come from the pool itself (email-as-username pools
    name users by a generated id)."""
    for group in plan_.groups:
        pool.write(
            "create_group",
            GroupName=group["name"],
            **{
                key: group[name]
                for key, name in (
                    ("Description", "description"),
                    ("Precedence", "precedence"),
                    ("RoleArn", "role_arn"),
                )
                if group.get(name) is not None
            },
        )
    username_attributes = pool.username_attributes()
    for user in plan_.users:
        pool.write("admin_create_user", **create_request(user, username_attributes))
    needs_names = plan_.disable or plan_.links or plan_.memberships
    usernames = (
        {owner: user.username for owner, user in pool.state().users.items()} if needs_names else {}
    )

    def username(owner: str) -> str:
        return usernames[owner]

    for owner in plan_.disable:
        pool.write("admin_disable_user", Username=username(owner))
    for owner, provider, subject in plan_.links:
        pool.write(
            "admin_link_provider_for_user",
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username(owner)},
            SourceUser={
                "ProviderName": provider,
                "ProviderAttributeName": COGNITO_SUBJECT,
                "ProviderAttributeValue": subject,
            },
        )
    for group_name, owner in plan_.memberships:
        pool.write("admin_add_user_to_group", GroupName=group_name, Username=username(owner))
    say(
        f"restored: {len(plan_.groups)} groups, {len(plan_.users)} users, "
        f"{len(plan_.disable)} disabled, {len(plan_.links)} links, "
        f"{len(plan_.memberships)} memberships"
    )


def describe(plan_: Plan, manifest: dict[str, Any]) -> list[str]:
    invited = sum(1 for u in plan_.users if "DesiredDeliveryMediums" in create_request(u, ()))
    lines = [
        f"backup {manifest['run']} of {manifest['user_pool_id']}: {manifest['counts']}",
        f"groups to create:      {len(plan_.groups)} {[g['name'] for g in plan_.groups][:10]}",
        f"users to create:       {len(plan_.users)} ({invited} get an invitation email)",
        f"users to disable:      {len(plan_.disable)}",
        f"identities to link:    {len(plan_.links)}",
        f"memberships to add:    {len(plan_.memberships)}",
        *plan_.notes[:20],
        "not in any backup: " + "; ".join(manifest.get("not_included", [])),
        "restored native users set a new password from the invitation and enrol MFA again.",
    ]
    if plan_.empty:
        lines.append("nothing to do: the pool already holds everything in the backup")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Restore a user directory backup.")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    parser.add_argument("--outputs", type=Path, required=True, help="cdk deploy --outputs-file")
    parser.add_argument("--backup", required=True, help="s3://bucket[/manifest key] or a file")
    parser.add_argument("--apply", action="store_true", help="restore (default: dry run)")
    args = parser.parse_args(argv)
    try:
        outputs = stage_outputs(json.loads(args.outputs.read_text()), args.stage)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    region, pool_id = outputs[StackOutput.REGION], outputs[StackOutput.USER_POOL_ID]
    budget = STAGES[args.stage]().directory_backup or DirectoryBackupConfig()
    pool = Pool(
        boto3.client("cognito-idp", region_name=region),
        pool_id,
        lists=Paced(Pacer(budget.list_requests_per_second)),
        writes=Paced(Pacer(WRITES_PER_SECOND)),
    )
    backup = load_backup(args.backup, boto3.client("s3", region_name=region))
    todo = plan(backup, pool.state(), pool.username_attributes())
    print("\n".join(describe(todo, backup.manifest)))
    if args.apply and not todo.empty:
        apply(todo, pool)
    elif not args.apply:
        print("dry run: nothing changed (APPLY=1 restores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
