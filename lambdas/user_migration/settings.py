"""Settings of the user migration trigger (built by `CognitoTriggers`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class UserMigrationSettings(TriggerSettings):
    endpoint_url: str
    """The legacy system's HTTPS base URL (`/authenticate` and `/lookup` below it)."""
    api_key_secret: str
    """The Secrets Manager secret (name or ARN) holding the bearer token for that system."""
    api_key_field: str
    """The JSON field of that secret holding the token, or '' for the whole value."""
