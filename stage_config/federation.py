"""Config of social and enterprise identity providers. Secrets are references, never values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stage_config.checks import require
from stage_config.section import Context, Section

_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SECRET_FIELD = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
# Shapes of real credentials that people paste by mistake: PEM blocks, Google/Amazon client
# secrets, and long hex/base64 runs (a Facebook app secret is 32 hex characters).
_RAW_SECRET_SHAPES = (
    re.compile(r"-----BEGIN"),
    re.compile(r"^GOCSPX-"),
    re.compile(r"^amzn1\.oa2-cs\."),
    re.compile(r"^[0-9a-f]{32,}$"),
    re.compile(r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[A-Za-z0-9+_=-]{32,}$"),
)


@dataclass(frozen=True, kw_only=True)
class SecretRef(Section):
    """A Secrets Manager secret (name or ARN) and optionally one JSON field of it.

    The template only ever holds `{{resolve:secretsmanager:...}}`; rotating the secret value needs
    no template change (CloudFormation resolves it on the next provider update).
    """

    name_or_arn: str
    json_field: str = ""

    def check(self, context: Context) -> None:
        looks_raw = any(shape.search(self.name_or_arn) for shape in _RAW_SECRET_SHAPES)
        require(
            not looks_raw,
            "name_or_arn",
            "this looks like a raw secret value, not a reference",
            "store the value in Secrets Manager and put its name or ARN here; never commit "
            "the value (rotate it now if it was committed)",
        )
        require(
            bool(_SECRET_ARN.match(self.name_or_arn) or _SECRET_NAME.match(self.name_or_arn)),
            "name_or_arn",
            f"{self.name_or_arn!r} is neither a Secrets Manager ARN nor a secret name",
            "use e.g. 'photoshare/prod/google' or the secret's full ARN",
        )
        if self.json_field:
            require(
                bool(_SECRET_FIELD.match(self.json_field)),
                "json_field",
                f"{self.json_field!r} is not a JSON key name",
                "use e.g. 'client_secret'",
            )


class ProviderKind(StrEnum):
    GOOGLE = "Google"
    FACEBOOK = "Facebook"
    APPLE = "SignInWithApple"
    AMAZON = "LoginWithAmazon"
    OIDC = "OIDC"
    SAML = "SAML"


def _require_text(value: str, key: str, what: str) -> None:
    require(
        bool(value.strip()),
        key,
        f"the provider is enabled without its {what}",
        f"set {key} (from the provider's developer console)",
    )


@dataclass(frozen=True, kw_only=True)
class SocialProviderConfig(Section):
    """Google, Facebook or Login with Amazon: an OAuth client id and a secret reference."""

    kind: ProviderKind
    client_id: str
    client_secret: SecretRef
    scopes: tuple[str, ...]
    api_version: str = ""  # Facebook Graph API version, e.g. "v21.0"

    @property
    def name(self) -> str:
        return self.kind.value

    def check(self, context: Context) -> None:
        require(
            self.kind in {ProviderKind.GOOGLE, ProviderKind.FACEBOOK, ProviderKind.AMAZON},
            "kind",
            f"{self.kind} is not a client-secret social provider",
            "use AppleProviderConfig, OidcProviderConfig or SamlProviderConfig instead",
        )
        _require_text(self.client_id, "client_id", "client id")
        require(
            bool(self.scopes),
            "scopes",
            "no scope is requested",
            "request at least the scope that returns the email address",
        )


@dataclass(frozen=True, kw_only=True)
class AppleProviderConfig(Section):
    services_id: str
    team_id: str
    key_id: str
    private_key: SecretRef
    scopes: tuple[str, ...] = ("name", "email")

    name = ProviderKind.APPLE.value

    def check(self, context: Context) -> None:
        _require_text(self.services_id, "services_id", "Services ID")
        for attr, value in (("team_id", self.team_id), ("key_id", self.key_id)):
            _require_text(value, attr, attr.replace("_", " "))
            require(
                bool(re.fullmatch(r"[A-Z0-9]{10}", value)),
                attr,
                f"{value!r} is not a 10-character Apple identifier",
                "copy it from the Apple developer account (Membership / Keys)",
            )


@dataclass(frozen=True, kw_only=True)
class OidcProviderConfig(Section):
    name: str
    issuer_url: str
    client_id: str
    client_secret: SecretRef
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    attributes_request_method: str = "GET"

    def check(self, context: Context) -> None:
        _check_provider_name(self.name)
        require(
            self.issuer_url.startswith("https://"),
            "issuer_url",
            f"{self.issuer_url!r} is not an https issuer URL",
            "use the IdP's issuer, e.g. https://login.example.com",
        )
        _require_text(self.client_id, "client_id", "client id")
        require(
            "openid" in self.scopes,
            "scopes",
            "the 'openid' scope is missing",
            "add 'openid' (OIDC providers return no ID token without it)",
        )
        require(
            self.attributes_request_method in {"GET", "POST"},
            "attributes_request_method",
            f"{self.attributes_request_method!r} is not GET or POST",
            "use 'GET' or 'POST'",
        )


@dataclass(frozen=True, kw_only=True)
class SamlProviderConfig(Section):
    name: str
    metadata_url: str = ""
    metadata_file: str = ""
    identifiers: tuple[str, ...] = ()
    idp_signout: bool = False

    def check(self, context: Context) -> None:
        _check_provider_name(self.name)
        require(
            bool(self.metadata_url) != bool(self.metadata_file),
            "metadata_url",
            "exactly one of metadata_url or metadata_file must be set",
            "point metadata_url at the IdP's metadata endpoint, or metadata_file at a copy",
        )
        if self.metadata_url:
            require(
                self.metadata_url.startswith("https://"),
                "metadata_url",
                f"{self.metadata_url!r} is not https",
                "use the IdP's https metadata URL",
            )
        for index, ident in enumerate(self.identifiers):
            require(
                bool(re.fullmatch(r"[\w\s+=.@-]{1,40}", ident)),
                f"identifiers[{index}]",
                f"{ident!r} is not a valid IdP identifier",
                "use up to 40 letters, digits or +=.@-_ (usually the email domain)",
            )


def _check_provider_name(name: str) -> None:
    require(
        bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{1,30}[A-Za-z0-9]", name)),
        "name",
        f"{name!r} is not a valid provider name",
        "use 3-32 letters, digits, '.' or '-' (it appears in the hosted sign-in page)",
    )
    reserved = {kind.value.lower() for kind in ProviderKind} | {"cognito", "cognitouserpool"}
    require(
        name.lower() not in reserved,
        "name",
        f"{name!r} is reserved",
        "choose a name such as 'Corporate' or 'Okta'",
    )


ProviderConfig = (
    SocialProviderConfig | AppleProviderConfig | OidcProviderConfig | SamlProviderConfig
)
