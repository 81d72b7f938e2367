"""App clients: a public web SPA, a public mobile app, and an optional confidential server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from auth_constructs.data.data_layout import OPENID_SCOPES, PHOTO_SCOPES, RESOURCE_SERVER
from stage_config import HostedClientConfig, UserPoolConfig


def _minutes(delta: timedelta) -> Duration:
    return Duration.minutes(int(delta.total_seconds() // 60))


STANDARD_ATTRIBUTES = (
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "fullname",
    "gender",
    "given_name",
    "last_update_time",
    "locale",
    "middle_name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "preferred_username",
    "profile_page",
    "profile_picture",
    "timezone",
    "website",
)
"""Every standard attribute (CDK's names): what a client reads when nothing is said."""
SET_BY_COGNITO = ("email_verified", "phone_number_verified", "last_update_time")
READABLE_STANDARD = dict.fromkeys(STANDARD_ATTRIBUTES, True)
WRITABLE_STANDARD = {name: True for name in STANDARD_ATTRIBUTES if name not in SET_BY_COGNITO}


class AppClients(Construct):
    """The pool's app clients, all sharing token lifetimes and the pool's sign-in options.

    Web and mobile are public clients (no secret): the web SPA uses the authorization code flow
    with PKCE through the managed login pages; the mobile app also signs in natively with SRP.
    The optional server client is confidential and uses client credentials for the photos API.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        config: UserPoolConfig,
        identity_providers: Sequence[cognito.UserPoolClientIdentityProvider] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._user_pool = user_pool
        self._config = config
        self._providers = [cognito.UserPoolClientIdentityProvider.COGNITO, *identity_providers]
        scopes = [
            cognito.ResourceServerScope(scope_name=name, scope_description=text)
            for name, text in PHOTO_SCOPES.items()
        ]
        self.resource_server = cognito.UserPoolResourceServer(
            self, "PhotosApi", user_pool=user_pool, identifier=RESOURCE_SERVER, scopes=scopes
        )
        self.photo_scopes = [
            cognito.OAuthScope.resource_server(self.resource_server, scope) for scope in scopes
        ]
        user_auth = config.passwordless.enabled
        # USER_PASSWORD_AUTH only where config turns it on, for a user migration window.
        self.web = self._hosted_client(
            "Web",
            config.web_client,
            cognito.AuthFlow(
                user_srp=True, user=user_auth, user_password=config.web_client.password_auth
            ),
        )
        self.mobile = self._hosted_client(
            "Mobile",
            config.mobile_client,
            cognito.AuthFlow(
                user_srp=True, user=user_auth, user_password=config.mobile_client.password_auth
            ),
        )
        self.hosted_clients = [self.web, self.mobile]
        self.server: cognito.UserPoolClient | None = None
        if config.server_client:
            self.server = cognito.UserPoolClient(
                self,
                "Server",
                user_pool=user_pool,
                user_pool_client_name="server",
                generate_secret=True,
                o_auth=cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(client_credentials=True), scopes=self.photo_scopes
                ),
                # Machine-to-machine: no people sign in through it, so no identity providers.
                supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
                **self._token_settings(),
                read_attributes=self._attributes("server", write=False),
                write_attributes=self._attributes("server", write=True),
            )

    def _token_settings(self) -> dict[str, Any]:
        tokens = self._config.tokens
        return {
            "id_token_validity": _minutes(tokens.id_token),
            "access_token_validity": _minutes(tokens.access_token),
            "refresh_token_validity": _minutes(tokens.refresh_token),
            "enable_token_revocation": True,
            "prevent_user_existence_errors": True,
        }

    def _hosted_client(
        self, name: str, config: HostedClientConfig, auth_flows: cognito.AuthFlow
    ) -> cognito.UserPoolClient:
        return cognito.UserPoolClient(
            self,
            name,
            user_pool=self._user_pool,
            user_pool_client_name=name.lower(),
            generate_secret=False,
            auth_flows=auth_flows,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    *(cognito.OAuthScope.custom(name) for name in OPENID_SCOPES),
                    *self.photo_scopes,
                ],
                callback_urls=list(config.callback_urls),
                logout_urls=list(config.logout_urls) or None,
            ),
            supported_identity_providers=self._providers,
            refresh_token_rotation_grace_period=self._rotation_grace(),
            **self._token_settings(),
            read_attributes=self._attributes(name.lower(), write=False),
            write_attributes=self._attributes(name.lower(), write=True),
        )

    def _attributes(self, client: str, *, write: bool) -> cognito.ClientAttributes | None:
        """With custom attributes, what `client` reads (or, `write`, what its users may set)
        is exactly what config says; unset, a client reads and writes every attribute, custom
        ones included."""
        custom = self._config.custom_attributes
        if not custom:
            return None
        return (
            cognito.ClientAttributes()
            .with_standard_attributes(**(WRITABLE_STANDARD if write else READABLE_STANDARD))
            .with_custom_attributes(
                *(a.name for a in custom if client in (a.writable_by if write else a.readable_by))
            )
        )

    def _rotation_grace(self) -> Duration | None:
        """Refresh-token rotation: each refresh returns a new refresh token and retires the old
        one after the grace period (None: rotation off, as configured)."""
        grace = self._config.protection.refresh_token_rotation
        return None if grace is None else Duration.seconds(int(grace.total_seconds()))
