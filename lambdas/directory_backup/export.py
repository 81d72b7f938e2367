"""The export of one user pool, a step at a time: groups with their members, then users.

A step runs until its time is nearly up and returns a cursor (plain JSON); the state machine
passes it to the next step, so a pool of any size backs up within Lambda's 15 minutes per step.
Each part file is written before the cursor moves past it, so a step that dies is simply run
again from the cursor it was given (its part is rewritten with the same name). The manifest,
with the counts and the part list, is written last: a backup without one is not a backup.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from directory_backup.pacing import Paced
from directory_backup.records import (
    FORMAT,
    LATEST,
    NOT_IN_A_BACKUP,
    PREFIX,
    encode,
    group_record,
    membership_record,
    mfa_settings,
    user_record,
)

PAGE = 60
"""The most ListUsers, ListGroups and ListUsersInGroup return per call."""
PART_RECORDS = 20_000
"""Records per part file (about 2 MB compressed): a failed step redoes at most one part."""
STEP_RESERVE_SECONDS = 90.0
"""A step stops starting pages when less than this is left of its Lambda's time."""


class Store(Protocol):
    """The seam to the backup bucket."""

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...


class Metrics(Protocol):
    def publish(self, user_pool_id: str, users: int, drop_percent: float) -> None: ...


@dataclass
class Directory:
    """The seam to Cognito: list calls through the UserList budget, AdminGetUser through the
    UserRead budget."""

    cognito: Any
    pool_id: str
    lists: Paced
    reads: Paced

    def page(self, operation: str, token_name: str, token: str | None, **request: Any) -> Any:
        call = getattr(self.cognito, operation)
        paging = {token_name: token} if token else {}
        return self.lists.call(
            lambda: call(UserPoolId=self.pool_id, Limit=PAGE, **request, **paging)
        )

    def groups_page(self, token: str | None) -> Any:
        return self.page("list_groups", "NextToken", token)

    def members_page(self, group: str, token: str | None) -> Any:
        return self.page("list_users_in_group", "NextToken", token, GroupName=group)

    def users_page(self, token: str | None) -> Any:
        return self.page("list_users", "PaginationToken", token)

    def mfa(self, username: str) -> dict[str, Any] | None:
        try:
            user = self.reads.call(
                lambda: self.cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
            )
        except self.cognito.exceptions.UserNotFoundException:
            return None  # deleted since the list: its record says so with mfa None
        return mfa_settings(user)


def run_id(started: str) -> str:
    """A backup's folder name from the execution's start time: 20261201T020000Z."""
    moment = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def new_cursor(started: str) -> dict[str, Any]:
    return {
        "run": run_id(started),
        "phase": "groups",
        "groups_token": None,
        "groups_done": False,
        "pending_groups": [],
        "members_token": None,
        "users_token": None,
        "parts": [],
        "counts": {"groups": 0, "memberships": 0, "users": 0},
        "done": False,
    }


def _groups_records(cursor: dict[str, Any], directory: Directory) -> list[dict[str, Any]]:
    """The next page of the first pending group's members, or else of groups."""
    if cursor["pending_groups"]:
        group = cursor["pending_groups"][0]
        page = directory.members_page(group, cursor["members_token"])
        cursor["members_token"] = page.get("NextToken")
        if not cursor["members_token"]:
            cursor["pending_groups"] = cursor["pending_groups"][1:]
        members = [membership_record(group, user["Username"]) for user in page.get("Users", [])]
        cursor["counts"]["memberships"] += len(members)
        return members
    if cursor["groups_done"]:
        cursor["phase"] = "users"
        return []
    page = directory.groups_page(cursor["groups_token"])
    cursor["groups_token"] = page.get("NextToken")
    cursor["groups_done"] = not cursor["groups_token"]
    groups = page.get("Groups", [])
    cursor["pending_groups"] = [group["GroupName"] for group in groups]
    cursor["counts"]["groups"] += len(groups)
    return [group_record(group) for group in groups]


def _users_records(
    cursor: dict[str, Any], directory: Directory, with_mfa: bool
) -> list[dict[str, Any]]:
    page = directory.users_page(cursor["users_token"])
    cursor["users_token"] = page.get("PaginationToken")
    if not cursor["users_token"]:
        cursor["phase"] = "manifest"
    users = [
        user_record(user, directory.mfa(user["Username"]) if with_mfa else None)
        for user in page.get("Users", [])
    ]
    cursor["counts"]["users"] += len(users)
    return users


def _advance(cursor: dict[str, Any], directory: Directory, with_mfa: bool) -> list[dict[str, Any]]:
    if cursor["phase"] == "groups":
        return _groups_records(cursor, directory)
    return _users_records(cursor, directory, with_mfa)


def step(
    cursor: dict[str, Any],
    *,
    directory: Directory,
    store: Store,
    metrics: Metrics,
    with_mfa: bool,
    seconds_left: Callable[[], float],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Export parts until the time is nearly up or the pool is done; the cursor to go on from.

    The given cursor is not modified: a retried step starts from exactly where it was told.
    """
    cursor = json.loads(json.dumps(cursor))
    while cursor["phase"] in ("groups", "users") and seconds_left() > STEP_RESERVE_SECONDS:
        records: list[dict[str, Any]] = []
        moved = json.loads(json.dumps(cursor))
        while (
            moved["phase"] in ("groups", "users")
            and len(records) < PART_RECORDS
            and seconds_left() > STEP_RESERVE_SECONDS
        ):
            records += _advance(moved, directory, with_mfa)
        if records:
            name = f"{PREFIX}{cursor['run']}/part-{len(cursor['parts']):05d}.jsonl.gz"
            store.put(name, encode(records), "application/gzip")
            moved["parts"].append(name)
        cursor = moved
    if cursor["phase"] == "manifest":
        _finish(cursor, directory.pool_id, store, metrics, now())
    return cursor


def _finish(
    cursor: dict[str, Any], pool_id: str, store: Store, metrics: Metrics, finished: datetime
) -> None:
    """The manifest (last: it makes the parts a backup), the latest pointer, the user count."""
    previous = store.get(LATEST)
    before = json.loads(previous)["counts"]["users"] if previous else None
    users = cursor["counts"]["users"]
    drop = 100.0 * (before - users) / before if before else 0.0
    key = f"{PREFIX}{cursor['run']}/manifest.json"
    manifest = {
        "format": FORMAT,
        "user_pool_id": pool_id,
        "run": cursor["run"],
        "finished_at": finished.isoformat(timespec="seconds"),
        "counts": cursor["counts"],
        "parts": cursor["parts"],
        "previous_users": before,
        "not_included": list(NOT_IN_A_BACKUP),
    }
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    store.put(key, body, "application/json")
    store.put(LATEST, json.dumps({**manifest, "key": key}).encode(), "application/json")
    metrics.publish(pool_id, users, max(drop, 0.0))
    cursor.update(phase="done", done=True, manifest=key)
