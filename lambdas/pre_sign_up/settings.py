"""Settings of the pre sign-up trigger (built by `CognitoTriggers`, read by the handler)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class PreSignUpSettings(TriggerSettings):
    allowed_email_domains: tuple[str, ...]
    denied_email_domains: tuple[str, ...]
    auto_confirm: bool
    auto_verify_email: bool
    link_federated: bool
    custom_providers: tuple[str, ...]
    """OIDC and SAML provider names: their users' usernames start with the lowercased name."""
