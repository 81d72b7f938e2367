"""Settings of the pre authentication trigger (built by `CognitoTriggers`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class PreAuthenticationSettings(TriggerSettings):
    table_name: str
