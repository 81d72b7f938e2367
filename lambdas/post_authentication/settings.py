"""Settings of the post authentication trigger (built by `CognitoTriggers`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class PostAuthenticationSettings(TriggerSettings):
    table_name: str
