"""Settings of the post confirmation trigger (built by `CognitoTriggers`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class PostConfirmationSettings(TriggerSettings):
    table_name: str
    default_group: str
    """Empty: new users join no group."""
