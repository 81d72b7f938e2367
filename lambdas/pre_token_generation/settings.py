"""Settings of the pre token generation trigger (built by `CognitoTriggers`, read by the
handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class PreTokenGenerationSettings(TriggerSettings):
    elevated_groups: tuple[str, ...]
    extra_claims: dict[str, str]
    access_token_scopes: tuple[str, ...]
    server_claims: dict[str, str]
    """Claims of the access tokens the server client gets by client credentials (no user)."""
