"""Backup of the user directory (users, groups, memberships): Cognito has no backup API and AWS
Backup does not cover user pools, so a scheduled export writes it to a bucket of the stage."""

from __future__ import annotations

from dataclasses import dataclass

from stage_config.backup import VaultLockMode
from stage_config.checks import check_daily_backup, require
from stage_config.section import Context, Section
from stage_config.user_pool import CustomAttributeConfig

USER_LIST_QUOTA = 30.0
"""Cognito's UserList category (ListUsers, ListUsersInGroup): requests per second per account
and Region, not adjustable, shared with pre sign-up's account linking."""
USER_READ_QUOTA = 120.0
"""The UserRead category (AdminGetUser), the default per account and Region (adjustable)."""
OWNER_ATTRIBUTE = CustomAttributeConfig(
    name="owner_id", mutable=False, max_length=64, readable_by=(), writable_by=()
)
"""`custom:owner_id`: the id a restored user's data is filed under (their `sub` before the
restore). Immutable, and no app client reads or writes it: only an administrator's
AdminCreateUser (the restore) sets it, once."""
MAX_SHARE = 0.5
"""At most this share of a category for the export: the rest stays for sign-ups and sign-ins."""


@dataclass(frozen=True, kw_only=True)
class DirectoryBackupConfig(Section):
    """A daily export of every user, group and membership into the stage's backup bucket.

    On by default: a user directory lost to a script or a stolen admin role cannot be rebuilt
    otherwise, and the export costs cents (a Lambda that mostly waits, a few compressed objects).
    """

    start_hour_utc: int = 2
    """The export starts at this hour (UTC); a million users take a few hours at the defaults."""
    retention_days: int = 35
    """Each backup is kept this long (object lock, where set, keeps it at least as long)."""
    object_lock: VaultLockMode | None = None
    """Production requires it: no administrator (COMPLIANCE) or only a privileged one
    (GOVERNANCE) can delete a backup before `retention_days`."""
    list_requests_per_second: float = 3.0
    """ListUsers and ListUsersInGroup calls per second: a tenth of UserList's 30."""
    read_requests_per_second: float = 30.0
    """AdminGetUser calls per second (one per user, for its MFA settings): a quarter of
    UserRead's default 120 (adjustable, unlike UserList)."""
    mfa_preferences: bool = True
    """Read each user's MFA settings (ListUsers does not return them): one AdminGetUser per
    user. At the default rates a million users take about 11 hours with them, under 2 without
    (`make bench`); a run must end within 23 hours, before the next one starts."""
    user_drop_alarm_percent: int = 10
    """Alarm when a backup holds this many percent fewer users than the one before."""

    def check(self, context: Context) -> None:
        check_daily_backup(self.start_hour_utc, self.retention_days, "backups")
        require(
            self.object_lock is not None or not context.production,
            "object_lock",
            "production backups without object lock can be deleted by any administrator (or "
            "a stolen admin role) together with the users they would restore",
            "set object_lock=VaultLockMode.COMPLIANCE (or GOVERNANCE)",
        )
        for key, rate, quota, category in (
            (
                "list_requests_per_second",
                self.list_requests_per_second,
                USER_LIST_QUOTA,
                "UserList",
            ),
            (
                "read_requests_per_second",
                self.read_requests_per_second,
                USER_READ_QUOTA,
                "UserRead",
            ),
        ):
            require(
                0 < rate <= quota * MAX_SHARE,
                key,
                f"{rate} is not above 0 and within half of Cognito's {category} quota "
                f"({quota:g}/s per account), which sign-ups and sign-ins share",
                f"use a rate between 0 and {quota * MAX_SHARE:g}",
            )
        require(
            1 <= self.user_drop_alarm_percent <= 100,
            "user_drop_alarm_percent",
            f"{self.user_drop_alarm_percent} is not a percentage",
            "use 1 to 100",
        )
