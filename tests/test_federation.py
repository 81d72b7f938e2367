"""Social and enterprise providers: template shape, client wiring, and no secret in any template."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk.assertions import Match

from stage_config import (
    AppleProviderConfig,
    OidcProviderConfig,
    ProviderConfig,
    ProviderKind,
    SamlProviderConfig,
    SecretRef,
    SocialProviderConfig,
    StageConfig,
)
from stage_config.section import Context
from tests.support.app import SynthesizedApp
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LIVE, SANDBOX, live

IDP = "AWS::Cognito::UserPoolIdentityProvider"
SECRET_FIELDS = {"client_secret", "private_key"}
DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:secretsmanager:[^}]+\}\}$")

# Google and generic OIDC both send the standard OpenID Connect claims, mapped one to one.
OPENID_CLAIMS = {
    "email": "email",
    "email_verified": "email_verified",
    "name": "name",
    "given_name": "given_name",
    "family_name": "family_name",
    "picture": "picture",
}

PROVIDERS: dict[str, dict[str, Any]] = {
    "Google": {
        "ProviderType": "Google",
        "ProviderDetails": {
            "client_id": Match.any_value(),
            "client_secret": Match.any_value(),
            "authorize_scopes": "openid email profile",
        },
        "AttributeMapping": OPENID_CLAIMS,
    },
    "Facebook": {
        "ProviderType": "Facebook",
        "ProviderDetails": {
            "client_id": Match.any_value(),
            "client_secret": Match.any_value(),
            "authorize_scopes": "public_profile,email",
            "api_version": "v22.0",
        },
        "AttributeMapping": {
            "email": "email",
            "name": "name",
            "given_name": "first_name",
            "family_name": "last_name",
        },
    },
    "SignInWithApple": {
        "ProviderType": "SignInWithApple",
        "ProviderDetails": {
            "client_id": "net.example.acme.signin",
            "team_id": "TEAM000001",
            "key_id": "KEY0000001",
            "private_key": Match.any_value(),
            "authorize_scopes": "name email",
        },
        "AttributeMapping": {
            "email": "email",
            "email_verified": "email_verified",
            "name": "name",
            "given_name": "firstName",
            "family_name": "lastName",
        },
    },
    "LoginWithAmazon": {
        "ProviderType": "LoginWithAmazon",
        "ProviderDetails": {
            "client_id": Match.any_value(),
            "client_secret": Match.any_value(),
            "authorize_scopes": "profile",
        },
        "AttributeMapping": {"email": "email", "name": "name"},
    },
    "Workforce": {
        "ProviderType": "OIDC",
        "ProviderDetails": {
            "client_id": "acme-gallery",
            "client_secret": Match.any_value(),
            "authorize_scopes": "openid email profile",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://sso.example.net",
        },
        "AttributeMapping": OPENID_CLAIMS,
    },
    "Supplier": {
        "ProviderType": "SAML",
        "ProviderDetails": {
            "MetadataURL": "https://idp.supplier.example.net/metadata",
            "IDPSignout": False,
        },
        "IdpIdentifiers": ["supplier.example.net"],
        "AttributeMapping": Match.object_like(
            {"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}
        ),
    },
}


@pytest.mark.parametrize("name", PROVIDERS)
def test_provider_shape(samples: SynthesizedApp, name: str) -> None:
    samples.template(LIVE).has_resource_properties(IDP, {"ProviderName": name, **PROVIDERS[name]})


def test_no_provider_unless_configured(samples: SynthesizedApp) -> None:
    samples.template(SANDBOX).resource_count_is(IDP, 0)


def test_one_provider_per_config_entry(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    names = [
        r["Properties"]["ProviderName"]
        for r in synthesized.template_json(stage_name)["Resources"].values()
        if r["Type"] == IDP
    ]
    assert sorted(names) == sorted(p.name for p in stage_config.federation)


def test_hosted_clients_list_and_depend_on_every_provider(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    template = synthesized.template_json(stage_name)
    providers = {logical_id for logical_id, r in template["Resources"].items() if r["Type"] == IDP}
    clients = {
        r["Properties"]["ClientName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPoolClient"
    }
    for name in ("web", "mobile"):
        supported = clients[name]["SupportedIdentityProviders"]
        assert supported[0] == "COGNITO"
        # A Ref makes CloudFormation create each provider before the client that lists it.
        assert {entry["Ref"] for entry in supported[1:]} == providers
    if "server" in clients:
        assert clients["server"]["SupportedIdentityProviders"] == ["COGNITO"]


def secret_fields(node: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SECRET_FIELDS:
                found.append((f"{path}.{key}", value))
            found.extend(secret_fields(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(secret_fields(value, f"{path}[{index}]"))
    return found


def test_no_secret_literal_in_any_template(synthesized: SynthesizedApp, stage_name: str) -> None:
    template = synthesized.template_json(stage_name)
    for path, value in secret_fields(template):
        assert isinstance(value, str)
        assert DYNAMIC_REFERENCE.match(value), f"{path} is not a dynamic reference"
    text = json.dumps(template)
    assert "-----BEGIN" not in text
    assert not re.search(r"GOCSPX-|amzn1\.oa2-cs\.", text)


def test_a_dynamic_reference_per_secret(samples: SynthesizedApp) -> None:
    """Google, Facebook, Amazon, OIDC client secrets and Apple's private key; SAML has none."""
    assert len(secret_fields(samples.template_json(LIVE))) == 5


def with_provider(index: int, **changes: Any) -> StageConfig:
    config = live()
    providers = list(config.federation)
    providers[index] = dataclasses.replace(providers[index], **changes)
    return dataclasses.replace(config, federation=tuple(providers))


def provider_of(kind: type) -> int:
    return next(i for i, p in enumerate(live().federation) if isinstance(p, kind))


BAD: list[BadCase] = [
    (
        "a secret's JSON field that is not a key name",
        lambda: with_provider(
            0, client_secret=SecretRef(name_or_arn="acme/live/google", json_field="not a key!")
        ),
        "Live.federation[0].client_secret.json_field",
        "'not a key!' is not a JSON key name. Fix: use e.g. 'client_secret'",
    ),
    *(
        (
            f"a provider named {name}",
            lambda name=name: with_provider(provider_of(OidcProviderConfig), name=name),
            f"Live.federation[{provider_of(OidcProviderConfig)}].name",
            f"{name!r} is reserved. Fix: choose a name such as 'Corporate' or 'Okta'",
        )
        for name in ("Cognito", "CognitoUserPool")
    ),
    (
        "google without client id",
        lambda: with_provider(0, client_id=" "),
        "Live.federation[0].client_id",
        (
            "the provider is enabled without its client id. Fix: set client_id (from the "
            "provider's developer console)"
        ),
    ),
    (
        "raw google secret",
        lambda: with_provider(0, client_secret=SecretRef(name_or_arn="GOCSPX-abcdefghijklmnop")),
        "Live.federation[0].client_secret.name_or_arn",
        (
            "this looks like a raw secret value, not a reference. Fix: store the value in "
            "Secrets Manager and put its name or ARN here; never commit the value (rotate it "
            "now if it was committed)"
        ),
    ),
    (
        "raw facebook app secret",
        lambda: with_provider(
            1, client_secret=SecretRef(name_or_arn="0123456789abcdef0123456789abcdef")
        ),
        "Live.federation[1].client_secret.name_or_arn",
        (
            "this looks like a raw secret value, not a reference. Fix: store the value in "
            "Secrets Manager and put its name or ARN here; never commit the value (rotate it "
            "now if it was committed)"
        ),
    ),
    (
        "pem key as apple secret",
        lambda: with_provider(
            provider_of(AppleProviderConfig),
            private_key=SecretRef(name_or_arn="-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49"),
        ),
        f"Live.federation[{provider_of(AppleProviderConfig)}].private_key.name_or_arn",
        (
            "this looks like a raw secret value, not a reference. Fix: store the value in "
            "Secrets Manager and put its name or ARN here; never commit the value (rotate it "
            "now if it was committed)"
        ),
    ),
    (
        "apple without team id",
        lambda: with_provider(provider_of(AppleProviderConfig), team_id=""),
        f"Live.federation[{provider_of(AppleProviderConfig)}].team_id",
        (
            "the provider is enabled without its team id. Fix: set team_id (from the "
            "provider's developer console)"
        ),
    ),
    (
        "apple bad key id",
        lambda: with_provider(provider_of(AppleProviderConfig), key_id="short"),
        f"Live.federation[{provider_of(AppleProviderConfig)}].key_id",
        (
            "'short' is not a 10-character Apple identifier. Fix: copy it from the Apple "
            "developer account (Membership / Keys)"
        ),
    ),
    (
        "secret reference that is not a name",
        lambda: with_provider(0, client_secret=SecretRef(name_or_arn="has spaces in it")),
        "Live.federation[0].client_secret.name_or_arn",
        (
            "'has spaces in it' is neither a Secrets Manager ARN nor a secret name. Fix: use "
            "e.g. 'photoshare/prod/google' or the secret's full ARN"
        ),
    ),
    (
        "saml without metadata",
        lambda: with_provider(provider_of(SamlProviderConfig), metadata_url=""),
        f"Live.federation[{provider_of(SamlProviderConfig)}].metadata_url",
        (
            "exactly one of metadata_url or metadata_file must be set. Fix: point "
            "metadata_url at the IdP's metadata endpoint, or metadata_file at a copy"
        ),
    ),
    (
        "oidc without openid scope",
        lambda: with_provider(provider_of(OidcProviderConfig), scopes=("email",)),
        f"Live.federation[{provider_of(OidcProviderConfig)}].scopes",
        (
            "the 'openid' scope is missing. Fix: add 'openid' (OIDC providers return no ID "
            "token without it)"
        ),
    ),
    (
        "apple as a client-secret provider",
        lambda: with_provider(0, kind=ProviderKind.APPLE),
        "Live.federation[0].kind",
        (
            "SignInWithApple is not a client-secret social provider. Fix: use "
            "AppleProviderConfig, OidcProviderConfig or SamlProviderConfig instead"
        ),
    ),
    (
        "social provider without scopes",
        lambda: with_provider(0, scopes=()),
        "Live.federation[0].scopes",
        ("no scope is requested. Fix: request at least the scope that returns the email address"),
    ),
    (
        "apple without services id",
        lambda: with_provider(provider_of(AppleProviderConfig), services_id=" "),
        f"Live.federation[{provider_of(AppleProviderConfig)}].services_id",
        (
            "the provider is enabled without its Services ID. Fix: set services_id (from the "
            "provider's developer console)"
        ),
    ),
    (
        "apple team id in lowercase",
        lambda: with_provider(provider_of(AppleProviderConfig), team_id="abcde12345"),
        f"Live.federation[{provider_of(AppleProviderConfig)}].team_id",
        (
            "'abcde12345' is not a 10-character Apple identifier. Fix: copy it from the Apple "
            "developer account (Membership / Keys)"
        ),
    ),
    (
        "oidc issuer over http",
        lambda: with_provider(
            provider_of(OidcProviderConfig), issuer_url="http://login.example.net"
        ),
        f"Live.federation[{provider_of(OidcProviderConfig)}].issuer_url",
        (
            "'http://login.example.net' is not an https issuer URL. Fix: use the IdP's "
            "issuer, e.g. https://login.example.com"
        ),
    ),
    (
        "oidc without client id",
        lambda: with_provider(provider_of(OidcProviderConfig), client_id=""),
        f"Live.federation[{provider_of(OidcProviderConfig)}].client_id",
        (
            "the provider is enabled without its client id. Fix: set client_id (from the "
            "provider's developer console)"
        ),
    ),
    (
        "oidc attributes by PUT",
        lambda: with_provider(provider_of(OidcProviderConfig), attributes_request_method="PUT"),
        f"Live.federation[{provider_of(OidcProviderConfig)}].attributes_request_method",
        "'PUT' is not GET or POST. Fix: use 'GET' or 'POST'",
    ),
    (
        "provider name too short",
        lambda: with_provider(provider_of(OidcProviderConfig), name="ab"),
        f"Live.federation[{provider_of(OidcProviderConfig)}].name",
        (
            "'ab' is not a valid provider name. Fix: use 3-32 letters, digits, '.' or '-' (it "
            "appears in the hosted sign-in page)"
        ),
    ),
    (
        "provider named like a built-in one",
        lambda: with_provider(provider_of(SamlProviderConfig), name="GOOGLE"),
        f"Live.federation[{provider_of(SamlProviderConfig)}].name",
        "'GOOGLE' is reserved. Fix: choose a name such as 'Corporate' or 'Okta'",
    ),
    (
        "saml with both metadata url and file",
        lambda: with_provider(provider_of(SamlProviderConfig), metadata_file="idp.xml"),
        f"Live.federation[{provider_of(SamlProviderConfig)}].metadata_url",
        (
            "exactly one of metadata_url or metadata_file must be set. Fix: point "
            "metadata_url at the IdP's metadata endpoint, or metadata_file at a copy"
        ),
    ),
    (
        "saml metadata over http",
        lambda: with_provider(
            provider_of(SamlProviderConfig), metadata_url="http://idp.example.net/metadata"
        ),
        f"Live.federation[{provider_of(SamlProviderConfig)}].metadata_url",
        ("'http://idp.example.net/metadata' is not https. Fix: use the IdP's https metadata URL"),
    ),
    (
        "saml identifier over 40 characters",
        lambda: with_provider(provider_of(SamlProviderConfig), identifiers=("x" * 41,)),
        f"Live.federation[{provider_of(SamlProviderConfig)}].identifiers[0]",
        (
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not a valid IdP identifier. Fix: "
            "use up to 40 letters, digits or +=.@-_ (usually the email domain)"
        ),
    ),
    (
        "duplicate provider name",
        lambda: dataclasses.replace(live(), federation=(*live().federation, live().federation[0])),
        "Live.federation",
        "'Google' appears twice. Fix: give each entry a unique name",
    ),
]


@bad_config_cases(BAD)
def test_bad_provider_config(make: Callable[[], StageConfig], key: str, message: str) -> None:
    assert_config_error(make, key, message)


def test_values_at_the_limits_are_accepted() -> None:
    """The other side of the rules above: a 40-character identifier, a 3- and a 32-character
    provider name, a secret file instead of a URL, attributes requested by POST."""
    saml = provider_of(SamlProviderConfig)
    with_provider(saml, identifiers=("x" * 40, "acme.example.net"))
    with_provider(saml, name="Abc")
    with_provider(saml, name="A" * 32, metadata_url="", metadata_file="idp.xml")
    with_provider(provider_of(OidcProviderConfig), attributes_request_method="POST")


def test_secret_arn_is_a_valid_reference() -> None:
    ref = SecretRef(
        name_or_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:google-AbCdEf"
    )
    ref.check(Context())


def test_every_provider_kind_is_in_the_test_config() -> None:
    kinds: set[type[ProviderConfig]] = {type(p) for p in live().federation}
    assert kinds == {
        SocialProviderConfig,
        AppleProviderConfig,
        OidcProviderConfig,
        SamlProviderConfig,
    }
