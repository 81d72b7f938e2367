"""Config of the user pool itself: sign-in, MFA, email, domain, app clients, tokens and groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from stage_config.checks import (
    MIN_REASON,
    check_domain_name,
    check_email,
    check_range,
    check_redirect_urls,
    check_region,
    check_unique,
    has_reason,
    require,
)
from stage_config.protection import ProtectionConfig
from stage_config.section import Context, Section


class MfaMode(StrEnum):
    OFF = "OFF"
    OPTIONAL = "OPTIONAL"
    REQUIRED = "REQUIRED"


class FeaturePlan(StrEnum):
    """Cognito's pricing tiers. V2 token triggers and passwordless sign-in need ESSENTIALS+."""

    LITE = "LITE"
    ESSENTIALS = "ESSENTIALS"
    PLUS = "PLUS"


@dataclass(frozen=True, kw_only=True)
class MfaConfig(Section):
    """`not_required_reason` is the stated reason a production stage does not require MFA; it
    becomes the cdk-nag COG2 acknowledgment, so the template never claims what is untrue."""

    mode: MfaMode
    totp: bool = True
    sms: bool = False
    email: bool = False
    not_required_reason: str = ""

    def check(self, context: Context) -> None:
        require(
            self.mode is MfaMode.OFF or self.totp or self.sms or self.email,
            "mode",
            f"mode is {self.mode} but no factor is enabled",
            "enable at least one of mfa.totp, mfa.sms, or set mfa.mode=OFF",
        )
        require(
            not self.email,
            "email",
            "email MFA disqualifies account recovery by email (CreateUserPool API reference), "
            "and email is this pool's only recovery method: those users could never reset a "
            "password",
            "use mfa.totp (or mfa.sms) as the second factor and set email=False",
        )
        require(
            not context.production
            or self.mode is MfaMode.REQUIRED
            or has_reason(self.not_required_reason),
            "not_required_reason",
            f"a production stage has MFA {self.mode} without a stated reason",
            "set mode=MfaMode.REQUIRED, or explain in a sentence "
            f"({MIN_REASON}+ characters) why production users may sign in without a second "
            "factor",
        )


@dataclass(frozen=True, kw_only=True)
class PasswordlessConfig(Section):
    """Native choice-based sign-in factors offered besides the password (managed login v2)."""

    email_otp: bool = False
    passkeys: bool = False

    @property
    def enabled(self) -> bool:
        return self.email_otp or self.passkeys


@dataclass(frozen=True, kw_only=True)
class SesEmailConfig(Section):
    """Send Cognito's emails through SES: the default sender stops at 50 emails a day."""

    from_address: str
    ses_region: str
    from_name: str = ""
    reply_to: str = ""
    configuration_set: str = ""

    def check(self, context: Context) -> None:
        check_email(self.from_address, "from_address")
        check_region(self.ses_region, "ses_region")
        if self.reply_to:
            check_email(self.reply_to, "reply_to")


CERTIFICATE_REGION = "us-east-1"
"""Cognito serves custom domains through CloudFront, which takes certificates from here only."""
_CERT_ARN = re.compile(
    rf"^arn:aws[a-z-]*:acm:{CERTIFICATE_REGION}:\d{{12}}:certificate/[0-9a-f-]{{36}}$"
)


@dataclass(frozen=True, kw_only=True)
class CustomDomainConfig(Section):
    domain_name: str
    certificate_arn: str

    def check(self, context: Context) -> None:
        check_domain_name(self.domain_name, "domain_name")
        require(
            bool(_CERT_ARN.match(self.certificate_arn)),
            "certificate_arn",
            f"{self.certificate_arn!r} is not an ACM certificate ARN in us-east-1",
            "request the certificate in us-east-1 (Cognito serves custom domains via "
            "CloudFront) and paste its full ARN",
        )


_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")


def check_domain_prefix(prefix: str, key: str = "domain_prefix") -> None:
    require(
        bool(_PREFIX.match(prefix)),
        key,
        f"{prefix!r} breaks Cognito's rule: 1-63 lowercase letters, digits and hyphens, "
        "not starting or ending with a hyphen",
        "use something like 'photoshare-dev'",
    )
    for word in _RESERVED_IN_PREFIX:
        require(
            word not in prefix,
            key,
            f"{prefix!r} contains the reserved word {word!r}",
            f"choose a prefix without {', '.join(_RESERVED_IN_PREFIX)}",
        )


@dataclass(frozen=True, kw_only=True)
class TokenValidityConfig(Section):
    id_token: timedelta = timedelta(hours=1)
    access_token: timedelta = timedelta(hours=1)
    refresh_token: timedelta = timedelta(days=30)

    def check(self, context: Context) -> None:
        check_range(self.id_token, timedelta(minutes=5), timedelta(days=1), "id_token")
        check_range(self.access_token, timedelta(minutes=5), timedelta(days=1), "access_token")
        check_range(
            self.refresh_token, timedelta(minutes=60), timedelta(days=3650), "refresh_token"
        )
        require(
            self.refresh_token > self.access_token,
            "refresh_token",
            f"{self.refresh_token} is not longer than the access token ({self.access_token})",
            "make the refresh token outlive the access and ID tokens",
        )
        require(
            self.refresh_token > self.id_token,
            "refresh_token",
            f"{self.refresh_token} is not longer than the ID token ({self.id_token})",
            "make the refresh token outlive the access and ID tokens",
        )


MAX_REDIRECT_URLS = 100
"""Cognito's limit of callback URLs, and of logout URLs, per app client."""


@dataclass(frozen=True, kw_only=True)
class HostedClientConfig(Section):
    """An app client that signs in through the managed login pages (code flow + PKCE)."""

    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...] = ()
    password_auth: bool = False
    """USER_PASSWORD_AUTH on this client (the password sent to Cognito instead of SRP): only
    while `triggers.user_migration` runs, the one trigger that needs it, and only on the clients
    whose apps sign legacy users in."""

    def check(self, context: Context) -> None:
        require(
            bool(self.callback_urls),
            "callback_urls",
            "no callback URL is set",
            "list at least one URL the managed login pages may redirect to",
        )
        for key, urls in (("callback_urls", self.callback_urls), ("logout_urls", self.logout_urls)):
            require(
                len(urls) <= MAX_REDIRECT_URLS,
                key,
                f"{len(urls)} URLs exceed Cognito's {MAX_REDIRECT_URLS} per app client",
                f"keep at most {MAX_REDIRECT_URLS} (use one client per app, not per tenant)",
            )
        check_redirect_urls(self.callback_urls, "callback_urls", production=context.production)
        check_redirect_urls(self.logout_urls, "logout_urls", production=context.production)
        require(
            bool(self.logout_urls),
            "logout_urls",
            "no logout URL is set",
            "list at least one URL the pages may return to after sign-out (Amplify's signOut "
            "and its outputs schema need one)",
        )


@dataclass(frozen=True, kw_only=True)
class GroupConfig(Section):
    name: str
    precedence: int
    description: str = ""

    def check(self, context: Context) -> None:
        require(
            bool(re.fullmatch(r"[\w+=,.@-]{1,128}", self.name)),
            "name",
            f"{self.name!r} is not a valid Cognito group name",
            "use 1-128 letters, digits or +=,.@-_",
        )
        require(
            self.precedence >= 0,
            "precedence",
            f"{self.precedence} is negative",
            "use 0 or more (lower wins when a user is in several groups)",
        )


class AttributeKind(StrEnum):
    STRING = "String"
    NUMBER = "Number"


APP_CLIENTS = ("web", "mobile", "server")
"""The app clients' names (`AppClients`), by which a custom attribute names who reads it."""
MAX_STRING_LENGTH = 2048
"""Cognito's limit on a custom string attribute's length."""


@dataclass(frozen=True, kw_only=True)
class CustomAttributeConfig(Section):
    """A custom attribute (`custom:<name>` in tokens and the API). Cognito adds one in place,
    but never removes or changes it: its name, kind, mutability and bounds are for good."""

    name: str
    kind: AttributeKind = AttributeKind.STRING
    mutable: bool = True
    """False: set once (at sign-up or by an administrator), never changed after."""
    min_length: int = 0
    max_length: int = MAX_STRING_LENGTH
    min_value: int | None = None
    max_value: int | None = None
    readable_by: tuple[str, ...] = ("web", "mobile")
    """The app clients whose tokens and API calls see the attribute."""
    writable_by: tuple[str, ...] = ()
    """The app clients whose users may set it themselves (none by default: an app backend or
    an administrator sets it)."""

    def check(self, context: Context) -> None:
        require(
            bool(re.fullmatch(r"[A-Za-z0-9_]{1,20}", self.name)),
            "name",
            f"{self.name!r} is not a custom attribute name",
            "use 1-20 letters, digits or underscores (Cognito adds the custom: prefix)",
        )
        if self.kind is AttributeKind.STRING:
            require(
                0 <= self.min_length <= self.max_length <= MAX_STRING_LENGTH,
                "max_length",
                f"{self.min_length}-{self.max_length} is not a length range Cognito takes",
                f"use 0 <= min_length <= max_length <= {MAX_STRING_LENGTH}",
            )
            require(
                self.min_value is None and self.max_value is None,
                "min_value",
                "a string attribute has lengths, not value bounds",
                "set kind=AttributeKind.NUMBER, or drop min_value and max_value",
            )
        else:
            require(
                self.min_value is None
                or self.max_value is None
                or self.min_value <= self.max_value,
                "max_value",
                f"{self.max_value} is below min_value {self.min_value}",
                "make max_value at least min_value",
            )
        for key, clients in (("readable_by", self.readable_by), ("writable_by", self.writable_by)):
            for index, client in enumerate(clients):
                require(
                    client in APP_CLIENTS,
                    f"{key}[{index}]",
                    f"{client!r} is not an app client",
                    f"use {', '.join(APP_CLIENTS)}",
                )
            check_unique(clients, key)
        for index, client in enumerate(self.writable_by):
            require(
                client in self.readable_by,
                f"writable_by[{index}]",
                f"the {client} client may write the attribute but not read it",
                f"add {client!r} to readable_by",
            )


class IssuerType(StrEnum):
    """The `iss` of every token the pool issues (CloudFormation `IssuerConfiguration`).

    ORIGINAL: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. UPDATED:
    `https://issuer-cognito-idp.<primary region>.amazonaws.com/<pool id>`, the same in every
    replica Region; recommended for multi-Region replication, and not compatible with ALB
    Cognito authentication or API Gateway Cognito authorizers."""

    ORIGINAL = "ORIGINAL"
    UPDATED = "UPDATED"


@dataclass(frozen=True, kw_only=True)
class UserPoolConfig(Section):
    """Everything about the pool that is not federation, data access or triggers."""

    domain_prefix: str
    feature_plan: FeaturePlan = FeaturePlan.ESSENTIALS
    mfa: MfaConfig = field(default_factory=lambda: MfaConfig(mode=MfaMode.OPTIONAL))
    passwordless: PasswordlessConfig = field(default_factory=PasswordlessConfig)
    email: SesEmailConfig | None = None
    custom_domain: CustomDomainConfig | None = None
    web_client: HostedClientConfig
    mobile_client: HostedClientConfig
    server_client: bool = False
    tokens: TokenValidityConfig = field(default_factory=TokenValidityConfig)
    groups: tuple[GroupConfig, ...] = ()
    protection: ProtectionConfig = field(default_factory=ProtectionConfig)
    issuer: IssuerType = IssuerType.ORIGINAL
    custom_attributes: tuple[CustomAttributeConfig, ...] = ()
    """Add freely; never remove or change one (Cognito refuses, and the guard says so)."""
    """Decide before the first deploy: a later change alters every token's `iss`
    (docs/multi-region.md, "The issuer"), and the replacement guard refuses it."""

    @property
    def group_names(self) -> frozenset[str]:
        return frozenset(group.name for group in self.groups)

    def check(self, context: Context) -> None:
        check_domain_prefix(self.domain_prefix)
        check_unique((g.name for g in self.groups), "groups")
        check_unique((a.name for a in self.custom_attributes), "custom_attributes")
        for index, attribute in enumerate(self.custom_attributes):
            for client in attribute.readable_by:
                require(
                    client != "server" or self.server_client,
                    f"custom_attributes[{index}].readable_by",
                    "names the server client, which this stage does not have",
                    "set server_client=True, or remove 'server'",
                )
        check_unique((str(g.precedence) for g in self.groups), "groups.precedence")
        require(
            not self.passwordless.email_otp or self.mfa.mode is not MfaMode.REQUIRED,
            "passwordless.email_otp",
            "Cognito does not offer one-time-password first factors when MFA is REQUIRED",
            "set mfa.mode=OPTIONAL (with mfa.not_required_reason in production), or "
            "passwordless.email_otp=False",
        )
        require(
            not self.passwordless.email_otp or self.email is not None,
            "passwordless.email_otp",
            "email OTP sign-in needs SES to deliver codes",
            "set email=SesEmailConfig(...), or passwordless.email_otp=False",
        )
        require(
            self.protection.threat_protection is None or self.feature_plan is FeaturePlan.PLUS,
            "protection.threat_protection",
            f"the {self.feature_plan} plan has no threat protection",
            "set feature_plan=FeaturePlan.PLUS, or protection.threat_protection=None",
        )
        require(
            self.protection.refresh_token_rotation is None
            or self.feature_plan is not FeaturePlan.LITE,
            "protection.refresh_token_rotation",
            "refresh-token rotation needs the ESSENTIALS or PLUS feature plan",
            "set feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or "
            "protection.refresh_token_rotation=None",
        )
        require(
            not self.passwordless.enabled or self.feature_plan is not FeaturePlan.LITE,
            "passwordless",
            "this feature needs the ESSENTIALS or PLUS feature plan",
            "set feature_plan=FeaturePlan.ESSENTIALS (or PLUS)",
        )
