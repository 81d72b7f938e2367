"""What a stage leaves out because the place it deploys to cannot run it (the local emulator).

Only the resources no other config key switches off are here; the rest of what the local stage
drops (web ACL, threat protection, alarms, federation, triggers) is ordinary config, set in
`stage_config.local`.
"""

from __future__ import annotations

from enum import StrEnum


class Omission(StrEnum):
    MANAGED_LOGIN_BRANDING = "managed_login_branding"
    """`AWS::Cognito::ManagedLoginBranding`: without it managed login v2 renders no page."""
    LOG_DELIVERY = "log_delivery"
    """`AWS::Cognito::LogDeliveryConfiguration` and its log groups: Cognito's own logs."""
    ISSUER_URL_OUTPUT = "issuer_url_output"
    """The `IssuerUrl` output, which reads the user pool's `ProviderURL` attribute."""
