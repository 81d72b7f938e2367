"""Settings of the custom email and SMS senders (built by `CognitoTriggers`, read by the
handlers): both senders share this contract and differ only in `channel`."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_settings import TriggerSettings


@dataclass(frozen=True, kw_only=True)
class CustomSenderSettings(TriggerSettings):
    channel: str
    """'email' or 'sms': which attribute the message goes to and which text it carries."""
    app_name: str
    app_url: str
    key_arn: str
    """The KMS key Cognito encrypts the codes with (LambdaConfig.KMSKeyID)."""
    provider: str
    """A name in `custom_sender.providers.PROVIDERS`."""
    options: dict[str, str]
    """The provider's own settings (for SES the from address and Region)."""
    api_key_secret: str
    """The Secrets Manager secret (name or ARN) holding the provider's API key, or ''."""
    api_key_field: str
    """The JSON field of that secret holding the key, or '' for the whole value."""
