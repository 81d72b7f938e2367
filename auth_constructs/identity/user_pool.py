"""The user pool: who may sign up, how they sign in, and how Cognito reaches them."""

from __future__ import annotations

from typing import cast

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKey
from auth_constructs.data.stateful import removal_policy
from auth_constructs.identity.sign_in import PASSWORD_POLICY
from stage_config import (
    AttributeKind,
    CustomAttributeConfig,
    FeaturePlan,
    MfaMode,
    SesEmailConfig,
    StatefulPolicy,
    UserPoolConfig,
)


def _email(config: SesEmailConfig | None) -> cognito.UserPoolEmail:
    if config is None:
        return cognito.UserPoolEmail.with_cognito()
    return cognito.UserPoolEmail.with_ses(
        from_email=config.from_address,
        from_name=config.from_name or None,
        reply_to=config.reply_to or None,
        ses_region=config.ses_region,
        configuration_set_name=config.configuration_set or None,
    )


def _custom_attribute(config: CustomAttributeConfig) -> cognito.ICustomAttribute:
    if config.kind is AttributeKind.NUMBER:
        return cognito.NumberAttribute(
            min=config.min_value, max=config.max_value, mutable=config.mutable
        )
    return cognito.StringAttribute(
        min_len=config.min_length, max_len=config.max_length, mutable=config.mutable
    )


class PhotoUserPool(Construct):
    """An email-first user pool with the security baseline baked in.

    Settings Cognito fixes at creation (sign-in aliases, case sensitivity, required attributes)
    are not configurable on purpose: changing them means a new pool and losing every user.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: UserPoolConfig,
        stateful: StatefulPolicy,
        key: CustomerKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        plus = config.feature_plan is FeaturePlan.PLUS
        passwordless = config.passwordless
        passkeys_are_mfa = passwordless.passkeys and config.mfa.mode is MfaMode.REQUIRED
        self.user_pool = cognito.UserPool(
            self,
            "Pool",
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY.min_length,
                require_lowercase=PASSWORD_POLICY.require_lowercase,
                require_uppercase=PASSWORD_POLICY.require_uppercase,
                require_digits=PASSWORD_POLICY.require_digits,
                require_symbols=PASSWORD_POLICY.require_symbols,
                temp_password_validity=Duration.days(PASSWORD_POLICY.temporary_password_days),
            ),
            mfa=cognito.Mfa[config.mfa.mode.value],
            mfa_second_factor=cognito.MfaSecondFactor(
                otp=config.mfa.totp, sms=config.mfa.sms, email=config.mfa.email
            ),
            feature_plan=cognito.FeaturePlan[config.feature_plan.value],
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None
            ),
            sign_in_policy=cognito.SignInPolicy(
                allowed_first_auth_factors=cognito.AllowedFirstAuthFactors(
                    password=True, email_otp=passwordless.email_otp, passkey=passwordless.passkeys
                )
            )
            if passwordless.enabled
            else None,
            passkey_relying_party_id=(
                config.custom_domain.domain_name
                if passwordless.passkeys and config.custom_domain
                else None
            ),
            # With MFA required, Cognito accepts a passkey as the only factor only when the
            # authenticator verified the user (a PIN or biometric counts as the second factor).
            passkey_user_verification=(
                cognito.PasskeyUserVerification.REQUIRED if passkeys_are_mfa else None
            ),
            email=_email(config.email),
            custom_attributes={a.name: _custom_attribute(a) for a in config.custom_attributes}
            or None,
            deletion_protection=stateful.deletion_protection,
            removal_policy=removal_policy(stateful),
        )
        cfn = cast(cognito.CfnUserPool, self.user_pool.node.default_child)
        if passkeys_are_mfa:
            cfn.web_authn_factor_configuration = "MULTI_FACTOR_WITH_USER_VERIFICATION"
        cfn.issuer_configuration = cognito.CfnUserPool.IssuerConfigurationProperty(
            type=config.issuer.value
        )
        if key:
            # The stage's multi-Region key: a replica Region can then hold the same directory.
            cfn.key_configuration = cognito.CfnUserPool.KeyConfigurationProperty(
                key_type="CUSTOMER_MANAGED_KEY", kms_key_arn=key.key.key_arn
            )
            key.allow_user_pools()
        if config.mfa.sms:
            accept_finding(
                self.user_pool.node.find_child("smsRole"),
                nag="AwsSolutions-IAM5[Resource::*]",
                checkov=("CKV_AWS_111",),
                reason="Cognito's SMS role publishes to phone numbers, which have no ARN; "
                "sns:Publish on * is the documented policy and the trust is bound to "
                "this pool by an external id.",
            )
        if config.mfa.mode is not MfaMode.REQUIRED:
            accept_finding(
                self.user_pool,
                nag="AwsSolutions-COG2",
                # The stage config demands a stated reason in production, so a stage without
                # one is not production.
                reason=config.mfa.not_required_reason
                or f"A non-production stage: MFA is {config.mfa.mode} here by config so "
                "developers can sign in quickly.",
            )
        if not plus:
            accept_finding(
                self.user_pool,
                nag="AwsSolutions-COG8",
                reason=f"This stage uses the {config.feature_plan} plan by config; PLUS (with "
                "threat protection ENFORCED) is a per-stage cost decision.",
            )
