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
    SamlProviderConfig,
    SecretRef,
    SocialProviderConfig,
    StageConfig,
)
from stage_config.stages import prod
from tests.cdk_app import SynthesizedApp
from tests.config_cases import BadCase, assert_config_error, bad_config_cases

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
            "api_version": "v21.0",
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
            "client_id": "com.example.photoshare.signin",
            "team_id": "ABCDE12345",
            "key_id": "FGHIJ67890",
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
    "Corporate": {
        "ProviderType": "OIDC",
        "ProviderDetails": {
            "client_id": "photoshare",
            "client_secret": Match.any_value(),
            "authorize_scopes": "openid email profile",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://login.example.com",
        },
        "AttributeMapping": OPENID_CLAIMS,
    },
    "Partner": {
        "ProviderType": "SAML",
        "ProviderDetails": {
            "MetadataURL": "https://idp.partner.example.com/saml/metadata",
            "IDPSignout": True,
        },
        "IdpIdentifiers": ["partner.example.com"],
        "AttributeMapping": Match.object_like(
            {"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}
        ),
    },
}


@pytest.mark.parametrize("name", PROVIDERS)
def test_prod_provider_shape(synthesized: SynthesizedApp, name: str) -> None:
    synthesized.template("Prod").has_resource_properties(
        IDP, {"ProviderName": name, **PROVIDERS[name]}
    )


def test_dev_enables_no_provider(synthesized: SynthesizedApp) -> None:
    synthesized.template("Dev").resource_count_is(IDP, 0)


def test_hosted_clients_list_and_depend_on_every_provider(synthesized: SynthesizedApp) -> None:
    template = synthesized.template_json("Prod")
    providers = {logical_id for logical_id, r in template["Resources"].items() if r["Type"] == IDP}
    assert len(providers) == 6
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


def test_prod_has_a_dynamic_reference_per_secret(synthesized: SynthesizedApp) -> None:
    assert len(secret_fields(synthesized.template_json("Prod"))) == 5


def with_provider(index: int, **changes: Any) -> StageConfig:
    config = prod()
    providers = list(config.federation)
    providers[index] = dataclasses.replace(providers[index], **changes)
    return dataclasses.replace(config, federation=tuple(providers))


def provider_of(kind: type) -> int:
    return next(i for i, p in enumerate(prod().federation) if isinstance(p, kind))


BAD: list[BadCase] = [
    (
        "google without client id",
        lambda: with_provider(0, client_id=" "),
        "Prod.federation[0].client_id",
        "without its client id",
    ),
    (
        "raw google secret",
        lambda: with_provider(0, client_secret=SecretRef(name_or_arn="GOCSPX-abcdefghijklmnop")),
        "Prod.federation[0].client_secret",
        "looks like a raw secret",
    ),
    (
        "raw facebook app secret",
        lambda: with_provider(
            1, client_secret=SecretRef(name_or_arn="0123456789abcdef0123456789abcdef")
        ),
        "Prod.federation[1].client_secret",
        "looks like a raw secret",
    ),
    (
        "pem key as apple secret",
        lambda: with_provider(
            provider_of(AppleProviderConfig),
            private_key=SecretRef(name_or_arn="-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49"),
        ),
        f"Prod.federation[{provider_of(AppleProviderConfig)}].private_key",
        "looks like a raw secret",
    ),
    (
        "apple without team id",
        lambda: with_provider(provider_of(AppleProviderConfig), team_id=""),
        f"Prod.federation[{provider_of(AppleProviderConfig)}].team_id",
        "without its team id",
    ),
    (
        "apple bad key id",
        lambda: with_provider(provider_of(AppleProviderConfig), key_id="short"),
        f"Prod.federation[{provider_of(AppleProviderConfig)}].key_id",
        "10-character",
    ),
    (
        "secret reference that is not a name",
        lambda: with_provider(0, client_secret=SecretRef(name_or_arn="has spaces in it")),
        "Prod.federation[0].client_secret",
        "neither a Secrets Manager ARN nor a secret name",
    ),
    (
        "saml without metadata",
        lambda: with_provider(provider_of(SamlProviderConfig), metadata_url=""),
        f"Prod.federation[{provider_of(SamlProviderConfig)}].metadata_url",
        "exactly one of metadata_url or metadata_file",
    ),
    (
        "oidc without openid scope",
        lambda: with_provider(provider_of(OidcProviderConfig), scopes=("email",)),
        f"Prod.federation[{provider_of(OidcProviderConfig)}].scopes",
        "'openid' scope",
    ),
    (
        "duplicate provider name",
        lambda: dataclasses.replace(prod(), federation=(*prod().federation, prod().federation[0])),
        "Prod.federation",
        "'Google' appears twice",
    ),
]


@bad_config_cases(BAD)
def test_bad_provider_config(make: Callable[[], StageConfig], key: str, problem: str) -> None:
    assert_config_error(make, key, problem)


def test_secret_arn_is_a_valid_reference() -> None:
    ref = SecretRef(
        name_or_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:google-AbCdEf"
    )
    ref.validate("k")


def test_every_provider_kind_is_configured_in_prod() -> None:
    kinds: set[type[ProviderConfig]] = {type(p) for p in prod().federation}
    assert kinds == {
        SocialProviderConfig,
        AppleProviderConfig,
        OidcProviderConfig,
        SamlProviderConfig,
    }
