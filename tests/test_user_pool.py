"""The user pool construct: one test per default, one per override."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from auth_constructs.identity.user_pool import PhotoUserPool
from stage_config import (
    CustomDomainConfig,
    FeaturePlan,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    SesEmailConfig,
    StatefulPolicy,
    UserPoolConfig,
)
from tests.support.app import SynthesizedApp, cdk_json_context
from tests.support.configs import CERTIFICATE_ARN, LIVE, SANDBOX, sandbox
from tests.support.construct_stacks import acknowledged
from tests.support.harness import template_of

POOL = "AWS::Cognito::UserPool"


def pool_template(production: bool = False, **changes: Any) -> Template:
    config: UserPoolConfig = dataclasses.replace(sandbox().user_pool, **changes)
    stateful = StatefulPolicy(retain=production, deletion_protection=production)

    def build(stack: Stack) -> None:
        PhotoUserPool(stack, "UserPool", config=config, stateful=stateful)

    return template_of(build)


def test_email_sign_in_case_insensitive_self_sign_up(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    synthesized.template(stage_name).has_resource_properties(
        POOL,
        {
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "AutoVerifiedAttributes": ["email"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "AccountRecoverySetting": {
                "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
            },
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        },
    )


def test_password_policy_is_strong(synthesized: SynthesizedApp, stage_name: str) -> None:
    synthesized.template(stage_name).has_resource_properties(
        POOL,
        {
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                    "TemporaryPasswordValidityDays": 3,
                }
            }
        },
    )


def test_sandbox_mfa_optional_totp_and_sms_cognito_email(samples: SynthesizedApp) -> None:
    template = samples.template(SANDBOX)
    template.has_resource_properties(
        POOL,
        {
            "MfaConfiguration": "OPTIONAL",
            "EnabledMfas": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
            "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
            "UserPoolTier": "ESSENTIALS",
            "DeletionProtection": "INACTIVE",
        },
    )
    template.has_resource(POOL, {"DeletionPolicy": "Delete"})


def test_live_mfa_required_ses_plus_threat_protection(samples: SynthesizedApp) -> None:
    template = samples.template(LIVE)
    template.has_resource_properties(
        POOL,
        {
            "MfaConfiguration": "ON",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "EmailConfiguration": Match.object_like(
                {
                    "EmailSendingAccount": "DEVELOPER",
                    "From": "Acme <hello@gallery.example.net>",
                    "SourceArn": Match.any_value(),
                }
            ),
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
            "DeletionProtection": "ACTIVE",
        },
    )
    template.has_resource(POOL, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_no_passwordless_by_default() -> None:
    props = pool_template(passwordless=PasswordlessConfig()).find_resources(POOL)
    (pool,) = props.values()
    assert "SignInPolicy" not in pool["Properties"]["Policies"]


def test_passwordless_override_sets_first_factors() -> None:
    pool_template(
        passwordless=PasswordlessConfig(email_otp=True, passkeys=True),
        email=SesEmailConfig(from_address="a@example.com", ses_region="eu-west-1"),
    ).has_resource_properties(
        POOL,
        {
            "Policies": Match.object_like(
                {
                    "SignInPolicy": {
                        "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
                    }
                }
            )
        },
    )


def test_passkeys_use_custom_domain_as_relying_party() -> None:
    pool_template(
        passwordless=PasswordlessConfig(passkeys=True),
        custom_domain=CustomDomainConfig(
            domain_name="login.example.net", certificate_arn=CERTIFICATE_ARN
        ),
    ).has_resource_properties(POOL, {"WebAuthnRelyingPartyID": "login.example.net"})


def test_plus_plan_override_enforces_threat_protection() -> None:
    pool_template(feature_plan=FeaturePlan.PLUS).has_resource_properties(
        POOL, {"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}
    )


def test_essentials_has_no_threat_protection_addon() -> None:
    (pool,) = pool_template(feature_plan=FeaturePlan.ESSENTIALS).find_resources(POOL).values()
    assert "UserPoolAddOns" not in pool["Properties"]


def test_mfa_override_totp_only_creates_no_sms_role() -> None:
    template = pool_template(mfa=MfaConfig(mode=MfaMode.OPTIONAL, totp=True))
    template.has_resource_properties(POOL, {"EnabledMfas": ["SOFTWARE_TOKEN_MFA"]})
    template.resource_count_is("AWS::IAM::Role", 0)


def test_production_override_retains_and_protects() -> None:
    template = pool_template(production=True)
    template.has_resource(
        POOL,
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like({"DeletionProtection": "ACTIVE"}),
        },
    )


def test_passkeys_with_required_mfa_verify_the_user() -> None:
    """Cognito refuses SINGLE_FACTOR passkeys when MFA is required (go-to-k/cdkd #2064)."""
    pool_template(
        mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True),
        passwordless=PasswordlessConfig(passkeys=True),
    ).has_resource_properties(
        POOL,
        {
            "WebAuthnFactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION",
            "WebAuthnUserVerification": "required",
        },
    )


def test_passkeys_with_optional_mfa_keep_cognito_defaults() -> None:
    (pool,) = (
        pool_template(passwordless=PasswordlessConfig(passkeys=True)).find_resources(POOL).values()
    )
    assert "WebAuthnFactorConfiguration" not in pool["Properties"]


def cog2_reason(config: UserPoolConfig) -> str:
    app = App(context=cdk_json_context())
    pool = PhotoUserPool(
        Stack(app, "Test"), "UserPool", config=config, stateful=sandbox().stateful
    ).user_pool
    return acknowledged(pool)["AwsSolutions-COG2"]


def test_cog2_acknowledgment_states_the_configured_reason() -> None:
    reason = "Kiosk accounts sign in on shared devices; MFA is enforced by the IdP."
    mfa = MfaConfig(mode=MfaMode.OPTIONAL, not_required_reason=reason)
    assert cog2_reason(dataclasses.replace(sandbox().user_pool, mfa=mfa)) == reason


def test_cog2_acknowledgment_without_a_reason_says_non_production() -> None:
    assert cog2_reason(sandbox().user_pool).startswith("A non-production stage: MFA is OPTIONAL")
