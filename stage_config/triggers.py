"""Config of the Python Lambda triggers: sign-up rules, profiles, token claims, messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auth_constructs.data_layout import resource_server_scopes
from stage_config.checks import (
    PRODUCTION_MIN_RETENTION_DAYS,
    check_log_retention,
    check_unique,
    is_local_or_plain_http,
    require,
)
from stage_config.section import Context, Section

_EMAIL_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
RESOURCE_SERVER_SCOPES = resource_server_scopes()
MAX_APP_NAME = 40  # keeps every branded SMS and subject within Cognito's 140 characters
_CLAIM = re.compile(r"^[a-z][a-z0-9_:.-]{0,63}$")
# Claims Cognito owns; a V2 trigger may not override them.
_RESERVED_CLAIMS = {
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "token_use",
    "jti",
    "origin_jti",
    "client_id",
    "username",
    "scope",
    "cognito:username",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
    "event_id",
    "nonce",
    "at_hash",
    "identities",
    "acr",
    "amr",
}


@dataclass(frozen=True, kw_only=True)
class TriggersConfig(Section):
    allowed_email_domains: tuple[str, ...] = ()
    denied_email_domains: tuple[str, ...] = ()
    auto_confirm: bool = False
    auto_verify_email: bool = False
    link_federated_to_verified_email: bool = True
    default_group: str = ""
    """A group every new user joins (post confirmation). Off by default: it costs a call against
    Cognito's UserResourceUpdate quota (25 per second, not adjustable) on every sign-up, so set
    it only when that group grants something (a role, a claim your API checks)."""
    app_name: str
    app_url: str
    extra_claims: dict[str, str] = field(default_factory=dict)
    access_token_scopes: tuple[str, ...] = ()
    # Public layer AWSLambdaPowertoolsPythonV3-python313-arm64; its typed trigger events are the
    # only Powertools the handlers import.
    powertools_layer_version: int = 27
    log_retention_days: int = PRODUCTION_MIN_RETENTION_DAYS

    def check(self, context: Context) -> None:
        for key, domains in (
            ("allowed_email_domains", self.allowed_email_domains),
            ("denied_email_domains", self.denied_email_domains),
        ):
            for index, domain in enumerate(domains):
                require(
                    bool(_EMAIL_DOMAIN.match(domain)),
                    f"{key}[{index}]",
                    f"{domain!r} is not a lowercase email domain",
                    "write the part after '@', e.g. example.com",
                )
            check_unique(domains, key)
        overlap = set(self.allowed_email_domains) & set(self.denied_email_domains)
        require(
            not overlap,
            "denied_email_domains",
            f"{sorted(overlap)} are both allowed and denied",
            "keep each domain in one list",
        )
        require(
            not self.auto_verify_email or self.auto_confirm,
            "auto_verify_email",
            "auto-verifying email without auto-confirming the user has no effect",
            "set auto_confirm=True as well, or auto_verify_email=False",
        )
        require(
            not self.default_group or self.default_group in context.groups,
            "default_group",
            f"{self.default_group!r} is not one of the user pool groups {sorted(context.groups)}",
            "add the group to user_pool.groups or leave default_group empty",
        )
        require(
            self.app_url.startswith(("https://", "http://")),
            "app_url",
            f"{self.app_url!r} is not a web URL",
            "use the URL users open the app at, e.g. https://photos.example.com",
        )
        require(
            not context.production or not is_local_or_plain_http(self.app_url),
            "app_url",
            f"{self.app_url!r} is plain http or localhost, which production emails must not "
            "link to",
            "use the https:// URL of the deployed app",
        )
        require(
            0 < len(self.app_name.strip()) <= MAX_APP_NAME,
            "app_name",
            f"{self.app_name!r} is empty or longer than {MAX_APP_NAME} characters",
            "set the short name shown in emails and SMS, e.g. 'PhotoShare'",
        )
        for claim in self.extra_claims:
            require(
                bool(_CLAIM.match(claim)) and claim not in _RESERVED_CLAIMS,
                f"extra_claims[{claim!r}]",
                "the claim name is reserved by Cognito or malformed",
                "use a namespaced lowercase name such as 'app:tier'",
            )
        for index, scope in enumerate(self.access_token_scopes):
            require(
                scope in RESOURCE_SERVER_SCOPES,
                f"access_token_scopes[{index}]",
                f"{scope!r} is not a scope the resource server defines",
                f"use one of {', '.join(RESOURCE_SERVER_SCOPES)}",
            )
        require(
            self.powertools_layer_version >= 1,
            "powertools_layer_version",
            f"{self.powertools_layer_version} is not a layer version",
            "use a published version of the Powertools for AWS Lambda (Python) V3 layer",
        )
        check_log_retention(
            self.log_retention_days, "log_retention_days", production=context.production
        )
