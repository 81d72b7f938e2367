"""Config of the extension points a stage turns on: custom email/SMS senders and user migration
(docs/custom-senders-and-migration.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import auth_constructs  # noqa: F401 - puts lambdas/ on the import path, as Lambda has it

# isort: split
from custom_sender.catalog import PROVIDERS

from stage_config.checks import require
from stage_config.federation import SecretRef
from stage_config.section import Context, Section


@dataclass(frozen=True, kw_only=True)
class CustomSenderConfig(Section):
    """A custom email or SMS sender: Cognito hands every message of that channel to a function,
    which decrypts the code with the stage's customer key and delivers the branded text."""

    provider: str
    """'ses' (email, from the pool's SES address) or 'sns' (SMS) as shipped, or the name of a
    provider you add to `lambdas/custom_sender/catalog.py`."""
    api_key: SecretRef | None = None
    """The provider's API key in Secrets Manager (a provider of yours that needs one)."""
    options: dict[str, str] = field(default_factory=dict)
    """Your provider's own non-secret settings (the shipped ones take none)."""

    def check(self, context: Context) -> None:
        require(
            self.provider in PROVIDERS,
            "provider",
            f"{self.provider!r} is not a provider in lambdas/custom_sender/catalog.py",
            f"use one of {', '.join(sorted(PROVIDERS))}, or add yours to PROVIDERS",
        )
        needs_key = PROVIDERS[self.provider].needs_api_key
        require(
            needs_key == (self.api_key is not None),
            "api_key",
            f"provider {self.provider!r} "
            + ("needs an API key" if needs_key else "takes no API key (it signs with IAM)"),
            "set api_key to the Secrets Manager reference of the key"
            if needs_key
            else "remove api_key",
        )

    def check_channel(self, channel: str, key: str) -> None:
        """Raise unless the provider delivers `channel` (the email sender cannot send SMS)."""
        require(
            PROVIDERS[self.provider].channel == channel,
            f"{key}.provider",
            f"{self.provider!r} delivers {PROVIDERS[self.provider].channel}, not {channel}",
            f"use a provider of {channel}: "
            + ", ".join(sorted(n for n, p in PROVIDERS.items() if p.channel == channel)),
        )


@dataclass(frozen=True, kw_only=True)
class UserMigrationConfig(Section):
    """Lazy migration from a legacy user store: a user unknown to the pool who signs in (or asks
    for a password reset) is looked up in the old system, verified there, and created here."""

    endpoint_url: str
    """The legacy system's HTTPS base URL; the trigger POSTs to `<url>/authenticate` and
    `<url>/lookup` (docs/custom-senders-and-migration.md, "The legacy endpoint")."""
    api_key: SecretRef
    """The bearer token the trigger presents to the legacy system, in Secrets Manager."""

    def check(self, context: Context) -> None:
        parts = urlsplit(self.endpoint_url)
        require(
            parts.scheme == "https" and bool(parts.hostname) and not parts.query,
            "endpoint_url",
            f"{self.endpoint_url!r} is not an https:// base URL (passwords travel to it)",
            "use the legacy system's HTTPS endpoint, e.g. https://legacy.example.com/cognito",
        )
