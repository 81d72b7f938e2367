"""AWS Backup of the stage's data (the items table and the photos bucket), beside the
table's point-in-time recovery and the bucket's versioning."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stage_config.checks import check_daily_backup, require
from stage_config.section import Context, Section

MIN_CHANGEABLE_DAYS = 3
"""AWS Backup's cooling-off period: a compliance-mode lock can be removed for this many days
after it is set, and never after."""


class VaultLockMode(StrEnum):
    """GOVERNANCE: recovery points cannot be deleted early, but a principal allowed
    `backup:DeleteBackupVaultLockConfiguration` can remove the lock. COMPLIANCE: after a
    cooling-off period nobody can, not even the account's root user."""

    GOVERNANCE = "governance"
    COMPLIANCE = "compliance"


@dataclass(frozen=True, kw_only=True)
class BackupConfig(Section):
    """A daily backup plan into the stage's own vault (encrypted with the stage's key when it
    has one), kept `retention_days`; in production the vault is locked."""

    start_hour_utc: int = 3
    """The daily backup starts within an hour of this hour (UTC)."""
    retention_days: int = 35
    """Each recovery point is kept this long (and, under a vault lock, cannot go sooner)."""
    vault_lock: VaultLockMode | None = None
    """Production requires a lock. COMPLIANCE becomes irreversible `changeable_days` after
    the first deploy."""
    changeable_days: int = MIN_CHANGEABLE_DAYS
    """Days a COMPLIANCE lock can still be removed (`aws backup
    delete-backup-vault-lock-configuration`) after it is first deployed."""

    def check(self, context: Context) -> None:
        check_daily_backup(self.start_hour_utc, self.retention_days, "recovery points")
        require(
            self.vault_lock is not None or not context.production,
            "vault_lock",
            "a production vault without a lock lets an administrator (or a stolen admin role) "
            "delete every recovery point",
            "set vault_lock=VaultLockMode.COMPLIANCE (or GOVERNANCE)",
        )
        require(
            self.changeable_days >= MIN_CHANGEABLE_DAYS,
            "changeable_days",
            f"{self.changeable_days} is under AWS Backup's {MIN_CHANGEABLE_DAYS}-day cooling-off",
            f"use at least {MIN_CHANGEABLE_DAYS} days",
        )
