"""A one-million-user directory export through the real export code, on a virtual clock, against
the quota stub of the burst simulation (`benchmarks.burst`: a token bucket per quota category).

Beside the export, federated first sign-ins run at the full UserFederation rate (25/s), each
calling ListUsers from pre sign-up to find a native account to link: the UserList quota (30/s)
they share is the one the export must not starve. Steps hand on their cursor as the state
machine does (15 minutes each); the store only counts bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_calls import Backoff
from botocore.exceptions import ClientError
from directory_backup import export
from directory_backup.pacing import Paced, Pacer

from benchmarks.burst import QUOTAS, Bucket, Clock
from stage_config.directory_backup import DirectoryBackupConfig

USERS = 1_000_000
GROUPS = {"admins": 40, "members": 600_000}
"""Group sizes: a few moderators, and most users in a default group."""
SIGN_UP_LISTS_PER_SECOND = QUOTAS["UserFederation"]
STEP_SECONDS = 15 * 60.0
CATEGORY = {
    "list_users": "UserList",
    "list_users_in_group": "UserList",
    "list_groups": "UserPoolResourceRead",
    "admin_get_user": "UserRead",
}
RATES = {**QUOTAS, "UserRead": 120.0, "UserPoolResourceRead": 20.0}


def throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, operation
    )


@dataclass
class QuotaPool:
    """A pool of USERS users behind Cognito's per-category buckets, with sign-ups' ListUsers
    arriving at a steady rate on the same UserList bucket."""

    clock: Clock
    buckets: dict[str, Bucket] = field(
        default_factory=lambda: {c: Bucket(r) for c, r in RATES.items()}
    )
    calls: dict[str, list[float]] = field(default_factory=dict)
    sign_ups_served: int = 0
    sign_ups_throttled: int = 0
    export_throttled: int = 0
    _next_sign_up: float = 0.0

    class exceptions:  # noqa: N801 (boto3's client attribute)
        UserNotFoundException = type("UserNotFound", (Exception,), {})

    def _sign_ups_until(self, now: float) -> None:
        bucket = self.buckets["UserList"]
        while self._next_sign_up <= now:
            if bucket.take(self._next_sign_up):
                self.sign_ups_served += 1
            else:
                self.sign_ups_throttled += 1
            self._next_sign_up += 1.0 / SIGN_UP_LISTS_PER_SECOND

    def _admit(self, operation: str) -> None:
        self._sign_ups_until(self.clock.now)
        category = CATEGORY[operation]
        if not self.buckets[category].take(self.clock.now):
            self.export_throttled += 1
            raise throttled(operation)
        self.calls.setdefault(category, []).append(self.clock.now)

    def list_groups(self, **request: Any) -> dict[str, Any]:
        self._admit("list_groups")
        return {"Groups": [{"GroupName": name, "Precedence": i} for i, name in enumerate(GROUPS)]}

    def list_users_in_group(self, **request: Any) -> dict[str, Any]:
        self._admit("list_users_in_group")
        start = int(request.get("NextToken") or 0)
        end = min(start + export.PAGE, GROUPS[request["GroupName"]])
        page: dict[str, Any] = {"Users": [{"Username": f"u{i}"} for i in range(start, end)]}
        if end < GROUPS[request["GroupName"]]:
            page["NextToken"] = str(end)
        return page

    def list_users(self, **request: Any) -> dict[str, Any]:
        self._admit("list_users")
        start = int(request.get("PaginationToken") or 0)
        end = min(start + export.PAGE, USERS)
        users = [
            {
                "Username": f"u{i}",
                "UserStatus": "CONFIRMED",
                "Enabled": True,
                "Attributes": [
                    {"Name": "sub", "Value": f"sub-{i}"},
                    {"Name": "email", "Value": f"person{i}@example.net"},
                    {"Name": "email_verified", "Value": "true"},
                ],
            }
            for i in range(start, end)
        ]
        page: dict[str, Any] = {"Users": users}
        if end < USERS:
            page["PaginationToken"] = str(end)
        return page

    def admin_get_user(self, **request: Any) -> dict[str, Any]:
        self._admit("admin_get_user")
        return {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "x"}


class CountingStore:
    def __init__(self) -> None:
        self.bytes = 0
        self.objects = 0

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.bytes += len(body)
        self.objects += 1

    def get(self, key: str) -> bytes | None:
        return None


class NoMetrics:
    def publish(self, user_pool_id: str, users: int, drop_percent: float) -> None:
        return None


@dataclass(frozen=True)
class Outcome:
    hours: float
    steps: int
    peak: dict[str, int]
    export_throttled: int
    sign_ups_served: int
    sign_ups_throttled: int
    megabytes: float


def peak_per_second(times: list[float]) -> int:
    """The most calls in any one-second window (sliding, not aligned to whole seconds)."""
    peak, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0 - 1e-9:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def simulate(config: DirectoryBackupConfig, seed: int = 7) -> Outcome:
    clock = Clock()
    pool = QuotaPool(clock)
    jitter = random.Random(seed).random

    def paced(rate: float) -> Paced:
        return Paced(
            Pacer(rate, clock=lambda: clock.now, sleep=clock.sleep),
            Backoff(
                attempts=8, base_seconds=1.0, cap_seconds=30.0, sleep=clock.sleep, jitter=jitter
            ),
        )

    directory = export.Directory(
        pool,
        "eu-west-1_Bench",
        lists=paced(config.list_requests_per_second),
        reads=paced(config.read_requests_per_second),
    )
    store = CountingStore()
    cursor, steps = export.new_cursor("2026-12-01T02:00:00Z"), 0
    while not cursor["done"]:
        step_ends = clock.now + STEP_SECONDS
        cursor = export.step(
            cursor,
            directory=directory,
            store=store,
            metrics=NoMetrics(),
            with_mfa=config.mfa_preferences,
            seconds_left=lambda ends=step_ends: ends - clock.now,  # type: ignore[misc]
            now=lambda: datetime(2026, 12, 1, tzinfo=UTC),
        )
        steps += 1
    if cursor["counts"]["users"] != USERS:
        raise RuntimeError(f"the export found {cursor['counts']['users']} of {USERS} users")
    return Outcome(
        hours=clock.now / 3600,
        steps=steps,
        peak={category: peak_per_second(times) for category, times in pool.calls.items()},
        export_throttled=pool.export_throttled,
        sign_ups_served=pool.sign_ups_served,
        sign_ups_throttled=pool.sign_ups_throttled,
        megabytes=store.bytes / 1e6,
    )


def main() -> None:
    print(
        f"directory export: {USERS:,} users, {len(GROUPS)} groups "
        f"({sum(GROUPS.values()):,} memberships), beside federated sign-ups' ListUsers at "
        f"{SIGN_UP_LISTS_PER_SECOND:.0f}/s"
    )
    print(
        f"{'scenario':<34}{'hours':>7}{'steps':>7}{'UserList peak/s':>17}{'UserRead peak/s':>17}"
        f"{'export 429':>12}{'sign-up 429':>13}{'MB':>6}"
    )
    default = DirectoryBackupConfig()
    for name, config in (
        ("defaults, with MFA settings", default),
        ("defaults, without MFA settings", DirectoryBackupConfig(mfa_preferences=False)),
    ):
        outcome = simulate(config)
        print(
            f"{name:<34}{outcome.hours:>7.1f}{outcome.steps:>7}"
            f"{outcome.peak.get('UserList', 0):>17}{outcome.peak.get('UserRead', 0):>17}"
            f"{outcome.export_throttled:>12}{outcome.sign_ups_throttled:>13}{outcome.megabytes:>6.0f}"
        )
    print(
        "(peaks: the export's own calls in any one-second window; MB: the compressed parts of "
        "synthetic, repetitive users: real attributes compress less)"
    )
