"""Social and enterprise identity providers, all landing in the one user pool.

Every secret is a Secrets Manager dynamic reference (`{{resolve:secretsmanager:...}}`): the
template never holds a value, and rotating the secret needs only a provider update, not a
template change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import SecretValue
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stage_config import (
    AppleProviderConfig,
    OidcProviderConfig,
    ProviderConfig,
    ProviderKind,
    SamlProviderConfig,
    SecretRef,
    SocialProviderConfig,
)

_ATTR = cognito.ProviderAttribute
_SAML_CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

_SOCIAL_MAPPINGS = {
    ProviderKind.GOOGLE: cognito.AttributeMapping(
        email=_ATTR.GOOGLE_EMAIL,
        email_verified=_ATTR.GOOGLE_EMAIL_VERIFIED,
        fullname=_ATTR.GOOGLE_NAME,
        given_name=_ATTR.GOOGLE_GIVEN_NAME,
        family_name=_ATTR.GOOGLE_FAMILY_NAME,
        profile_picture=_ATTR.GOOGLE_PICTURE,
    ),
    # Facebook has no email_verified claim and its picture is an object, not a URL.
    ProviderKind.FACEBOOK: cognito.AttributeMapping(
        email=_ATTR.FACEBOOK_EMAIL,
        fullname=_ATTR.FACEBOOK_NAME,
        given_name=_ATTR.FACEBOOK_FIRST_NAME,
        family_name=_ATTR.FACEBOOK_LAST_NAME,
    ),
    # Login with Amazon returns user_id, email, name and postal_code only.
    ProviderKind.AMAZON: cognito.AttributeMapping(
        email=_ATTR.AMAZON_EMAIL, fullname=_ATTR.AMAZON_NAME
    ),
}
_APPLE_MAPPING = cognito.AttributeMapping(
    email=_ATTR.APPLE_EMAIL,
    email_verified=_ATTR.APPLE_EMAIL_VERIFIED,
    fullname=_ATTR.APPLE_NAME,
    given_name=_ATTR.APPLE_FIRST_NAME,
    family_name=_ATTR.APPLE_LAST_NAME,
)
_OIDC_MAPPING = cognito.AttributeMapping(
    email=_ATTR.other("email"),
    email_verified=_ATTR.other("email_verified"),
    fullname=_ATTR.other("name"),
    given_name=_ATTR.other("given_name"),
    family_name=_ATTR.other("family_name"),
    profile_picture=_ATTR.other("picture"),
)
_SAML_MAPPING = cognito.AttributeMapping(
    email=_ATTR.other(f"{_SAML_CLAIMS}emailaddress"),
    fullname=_ATTR.other(f"{_SAML_CLAIMS}name"),
    given_name=_ATTR.other(f"{_SAML_CLAIMS}givenname"),
    family_name=_ATTR.other(f"{_SAML_CLAIMS}surname"),
)


def secret_value(ref: SecretRef) -> SecretValue:
    """The dynamic reference for `ref`; the value itself is resolved by CloudFormation."""
    return SecretValue.secrets_manager(ref.name_or_arn, json_field=ref.json_field or None)


class Federation(Construct):
    """One identity provider per enabled config entry.

    `client_providers` goes into every hosted app client's supported providers. Each entry is a
    `Ref` to its provider resource, so CloudFormation creates the provider before the client
    that lists it and the first deploy does not race.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        providers: tuple[ProviderConfig, ...],
    ) -> None:
        super().__init__(scope, construct_id)
        self._user_pool = user_pool
        self.providers: list[cognito.IUserPoolIdentityProvider] = [
            self._provider(config) for config in providers
        ]
        self.client_providers = [
            cognito.UserPoolClientIdentityProvider.custom(p.provider_name) for p in self.providers
        ]

    def _provider(self, config: ProviderConfig) -> cognito.IUserPoolIdentityProvider:
        pool = self._user_pool
        if isinstance(config, SocialProviderConfig):
            return self._social(config)
        if isinstance(config, AppleProviderConfig):
            return cognito.UserPoolIdentityProviderApple(
                self,
                "Apple",
                user_pool=pool,
                client_id=config.services_id,
                team_id=config.team_id,
                key_id=config.key_id,
                private_key_value=secret_value(config.private_key),
                scopes=list(config.scopes),
                attribute_mapping=_APPLE_MAPPING,
            )
        if isinstance(config, OidcProviderConfig):
            return cognito.UserPoolIdentityProviderOidc(
                self,
                f"Oidc{config.name}",
                user_pool=pool,
                name=config.name,
                issuer_url=config.issuer_url,
                client_id=config.client_id,
                client_secret=secret_value(config.client_secret).unsafe_unwrap(),
                scopes=list(config.scopes),
                attribute_mapping=_OIDC_MAPPING,
                attribute_request_method=cognito.OidcAttributeRequestMethod[
                    config.attributes_request_method
                ],
            )
        return self._saml(config)

    def _social(self, config: SocialProviderConfig) -> cognito.IUserPoolIdentityProvider:
        common: dict[str, Any] = {
            "user_pool": self._user_pool,
            "client_id": config.client_id,
            "scopes": list(config.scopes),
            "attribute_mapping": _SOCIAL_MAPPINGS[config.kind],
        }
        secret = secret_value(config.client_secret)
        if config.kind is ProviderKind.GOOGLE:
            return cognito.UserPoolIdentityProviderGoogle(
                self, "Google", client_secret_value=secret, **common
            )
        # Facebook and Amazon take the secret as a string: unwrapping a dynamic reference
        # yields the `{{resolve:...}}` token, never the value.
        if config.kind is ProviderKind.FACEBOOK:
            return cognito.UserPoolIdentityProviderFacebook(
                self,
                "Facebook",
                client_secret=secret.unsafe_unwrap(),
                api_version=config.api_version or None,
                **common,
            )
        return cognito.UserPoolIdentityProviderAmazon(
            self, "Amazon", client_secret=secret.unsafe_unwrap(), **common
        )

    def _saml(self, config: SamlProviderConfig) -> cognito.IUserPoolIdentityProvider:
        metadata = (
            cognito.UserPoolIdentityProviderSamlMetadata.url(config.metadata_url)
            if config.metadata_url
            else cognito.UserPoolIdentityProviderSamlMetadata.file(
                Path(config.metadata_file).read_text(encoding="utf-8")
            )
        )
        return cognito.UserPoolIdentityProviderSaml(
            self,
            f"Saml{config.name}",
            user_pool=self._user_pool,
            name=config.name,
            metadata=metadata,
            identifiers=list(config.identifiers) or None,
            idp_signout=config.idp_signout,
            attribute_mapping=_SAML_MAPPING,
        )
