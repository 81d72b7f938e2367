"""Settings of the directory export (built by `DirectoryBackup`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class DirectoryBackupSettings(TriggerSettings):
    user_pool_id: str
    bucket: str
    list_requests_per_second: float
    read_requests_per_second: float
    mfa_preferences: bool
    metric_namespace: str
