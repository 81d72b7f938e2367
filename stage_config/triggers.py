"""Config of the Python Lambda triggers: sign-up rules, profiles, token claims, messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auth_constructs.data.data_layout import resource_server_scopes
from stage_config.checks import (
    PRODUCTION_MIN_RETENTION_DAYS,
    check_log_retention,
    check_unique,
    is_local_or_plain_http,
    require,
)
from stage_config.extensions import CustomSenderConfig, UserMigrationConfig
from stage_config.federation import SecretRef
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


ALWAYS_ON = ("pre_sign_up", "post_confirmation", "pre_token_generation", "custom_message")
"""The triggers every stage with triggers runs (custom message unless both custom senders
replace it); pre and post authentication, the senders and user migration are chosen."""
PEAK_RATES = {
    "pre_sign_up": 50 + 25,
    "post_confirmation": 50 + 25 + 30,
    "pre_token_generation": 120 + 120 + 25,
    "custom_message": 50 + 30,
    "pre_authentication": 120 + 25,
    "post_authentication": 120 + 25,
    "custom_email_sender": 50 + 30,
    "custom_sms_sender": 50 + 30,
    "user_migration": 120 + 30,
}
"""Invocations per second each trigger can see at Cognito's default quotas
(docs/triggers-and-quotas.md, "Scale"):
sign-ups (UserCreation 50) and first federated sign-ins (UserFederation 25) for pre sign-up;
those and password resets (UserAccountRecovery 30) for post confirmation; sign-ins
(UserAuthentication 120), refreshes (UserToken 120) and federated sign-ins for pre token
generation; sign-up and recovery codes for custom message; sign-ins and federated sign-ins
for pre and post authentication; for the custom senders, as for custom message, sign-up and
recovery codes (they are invoked asynchronously: beyond the reservation an event waits in
Lambda's queue instead of failing); sign-ins and password resets (UserAccountRecovery 30) of
users not yet in the pool for user migration."""
SECONDS_PER_INVOCATION = 1
"""The concurrency each invocation holds, at most: a cold start plus the slowest AWS call path
stays under a second; slower runs raise the duration alarm (p99 near the 3 s timeout) first."""
UNRESERVED_MINIMUM = 100
"""Lambda keeps this much of the account's concurrency unreserved, refusing a reservation that
would leave less."""


def sized_from_quotas(trigger: str) -> int:
    """A trigger's reserved concurrency: its peak rate times the seconds an invocation holds."""
    return PEAK_RATES[trigger] * SECONDS_PER_INVOCATION


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
    server_claims: dict[str, str] = field(default_factory=dict)
    """Claims of the server client's client-credentials access tokens (app:role is
    `service`); each such token request bills as a machine-to-machine request."""
    access_token_scopes: tuple[str, ...] = ()
    # Public layer AWSLambdaPowertoolsPythonV3-python313-arm64; its typed trigger events are the
    # only Powertools the handlers import.
    powertools_layer_version: int = 27
    log_retention_days: int = PRODUCTION_MIN_RETENTION_DAYS
    pre_authentication: bool = False
    """Refuse sign-in to users whose profile item says `suspended` (a read per sign-in)."""
    post_authentication: bool = False
    """Record each sign-in's time on the user's profile item (a write per sign-in)."""
    custom_email_sender: CustomSenderConfig | None = None
    """Deliver every email through a function of ours (needs the stage's customer key)."""
    custom_sms_sender: CustomSenderConfig | None = None
    """Deliver every SMS through a function of ours (needs the stage's customer key)."""
    user_migration: UserMigrationConfig | None = None
    """Migrate users from a legacy store as they sign in (needs `password_auth` on a client)."""
    reserved_concurrency: dict[str, int] | None = field(default_factory=dict)
    """Concurrency reserved per trigger (`lambdas/<trigger>` folder names), sized from Cognito's
    default quotas where not named here: a sign-up flood then cannot take the account's Lambda
    concurrency from everything else, nor they its triggers. Raise with those quotas. None
    reserves nothing."""
    account_concurrency: int = 1000
    """The account's Lambda concurrency quota in the stage's Region (Service Quotas; new
    accounts can start far lower, and Lambda then refuses any reservation)."""

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
        for key, claim in [("extra_claims", c) for c in self.extra_claims] + [
            ("server_claims", c) for c in self.server_claims
        ]:
            require(
                bool(_CLAIM.match(claim)) and claim not in _RESERVED_CLAIMS,
                f"{key}[{claim!r}]",
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
        for key, sender, channel in (
            ("custom_email_sender", self.custom_email_sender, "email"),
            ("custom_sms_sender", self.custom_sms_sender, "sms"),
        ):
            if sender:
                sender.check_channel(channel, key)
        if self.reserved_concurrency is not None:
            self._check_concurrency(self.reserved_concurrency)

    @property
    def secret_refs(self) -> dict[str, SecretRef]:
        """The secrets the triggers read at run time (a provider's API key, the legacy store's
        token), keyed by their config key: preflight checks them as it checks federation's."""
        sections = {
            "custom_email_sender": self.custom_email_sender,
            "custom_sms_sender": self.custom_sms_sender,
            "user_migration": self.user_migration,
        }
        return {
            f"triggers.{key}.api_key": section.api_key
            for key, section in sections.items()
            if section and section.api_key
        }

    @property
    def runs_custom_message(self) -> bool:
        """Whether the custom message trigger runs: unless both senders are on. The senders write
        the same text themselves, so with both the custom message trigger would have no
        message left to shape (docs/custom-senders-and-migration.md, "With custom message")."""
        return not (self.custom_email_sender and self.custom_sms_sender)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The triggers this stage runs, by folder name."""
        chosen = {
            "pre_authentication": self.pre_authentication,
            "post_authentication": self.post_authentication,
            "custom_email_sender": self.custom_email_sender is not None,
            "custom_sms_sender": self.custom_sms_sender is not None,
            "user_migration": self.user_migration is not None,
        }
        always = tuple(n for n in ALWAYS_ON if n != "custom_message" or self.runs_custom_message)
        return always + tuple(name for name, on in chosen.items() if on)

    @property
    def reservations(self) -> dict[str, int]:
        """The concurrency each enabled trigger reserves (none with reserved_concurrency=None)."""
        if self.reserved_concurrency is None:
            return {}
        return {
            name: self.reserved_concurrency.get(name, sized_from_quotas(name))
            for name in self.enabled
        }

    def _check_concurrency(self, overrides: dict[str, int]) -> None:
        unknown = sorted(set(overrides) - set(self.enabled))
        require(
            not unknown,
            "reserved_concurrency",
            f"names {unknown}, not among this stage's triggers {list(self.enabled)}",
            "name only triggers the stage runs, or set reserved_concurrency=None",
        )
        reserved = self.reservations
        for name, count in reserved.items():
            require(
                count >= 1,
                f"reserved_concurrency[{name!r}]",
                f"{count} would stop the trigger (and every sign-in through it)",
                "reserve at least 1, or set reserved_concurrency=None",
            )
        total = sum(reserved.values())
        require(
            total <= self.account_concurrency - UNRESERVED_MINIMUM,
            "reserved_concurrency",
            f"{total} reserved of an account quota of {self.account_concurrency} leaves less "
            f"than the {UNRESERVED_MINIMUM} Lambda keeps unreserved, and the deploy would fail",
            "raise the account's Lambda concurrency in Service Quotas and set "
            "account_concurrency, or reserve less",
        )
