"""The stage's customer-managed KMS key: who holds the key to the photos, the items and the logs."""

from __future__ import annotations

from dataclasses import dataclass

from stage_config.checks import require
from stage_config.section import Context, Section


@dataclass(frozen=True, kw_only=True)
class CustomerKeyConfig(Section):
    """One KMS key per stage encrypts the photos bucket, the items table and the log groups that
    accept a key (the triggers' and the WAF log; Cognito delivers only to unencrypted groups).

    It costs 1 USD a month plus requests (S3 Bucket Keys keep uploads from calling KMS each
    time); in return the stage's own key policy and CloudTrail decide and record every use, and
    disabling the key makes the data unreadable at once.
    """

    rotation_days: int = 365
    """KMS generates new key material this often; old material still decrypts older data."""
    deletion_window_days: int = 30
    """Days a deleted key stays recoverable (KMS's waiting period) before the data is lost."""

    def check(self, context: Context) -> None:
        require(
            90 <= self.rotation_days <= 2560,
            "rotation_days",
            f"{self.rotation_days} is outside KMS's rotation period range",
            "choose 90 to 2560 days (365 is KMS's default)",
        )
        require(
            7 <= self.deletion_window_days <= 30,
            "deletion_window_days",
            f"{self.deletion_window_days} is outside KMS's waiting period range",
            "choose 7 to 30 days",
        )
