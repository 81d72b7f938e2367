"""Managed login (version 2): the hosted sign-in pages, their domains and their branding."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stage_config import UserPoolConfig


class ManagedLogin(Construct):
    """A prefix domain (always) and a custom domain (when configured), both on managed login v2.

    Managed login v2 renders nothing for a client until a branding style exists for it, so every
    hosted client gets one built from Cognito's default look (`branding=False` only where the
    target cannot hold one: the local emulator).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        config: UserPoolConfig,
        clients: Sequence[cognito.UserPoolClient],
        branding: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.prefix_domain = cognito.UserPoolDomain(
            self,
            "PrefixDomain",
            user_pool=user_pool,
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=config.domain_prefix),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        )
        self.custom_domain: cognito.UserPoolDomain | None = None
        if config.custom_domain:
            self.custom_domain = cognito.UserPoolDomain(
                self,
                "CustomDomain",
                user_pool=user_pool,
                custom_domain=cognito.CustomDomainOptions(
                    domain_name=config.custom_domain.domain_name,
                    certificate=acm.Certificate.from_certificate_arn(
                        self, "Certificate", config.custom_domain.certificate_arn
                    ),
                ),
                managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
            )
        self.domain = self.custom_domain or self.prefix_domain
        for client in clients if branding else ():
            cognito.CfnManagedLoginBranding(
                self,
                f"Branding{client.node.id}",
                user_pool_id=user_pool.user_pool_id,
                client_id=client.user_pool_client_id,
                use_cognito_provided_values=True,
            )

    @property
    def base_url(self) -> str:
        """https://<domain> of the pages users see (the custom domain when there is one)."""
        return self.domain.base_url()
