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
    owner_claim: str = ""
    """With the directory backup: the claim that carries the user's owner id (their `sub`, or
    the one they had before a restore recreated them), which the identity pool tags sessions
    with. Empty: no such claim, and the identity pool tags sessions with the `sub`."""
