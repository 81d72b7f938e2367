"""Bad config fails when the stage object is built, naming the key and the fix."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest

from stage_config import (
    CompliancePack,
    ConfigError,
    CustomDomainConfig,
    CustomerKeyConfig,
    CustomSenderConfig,
    FeaturePlan,
    GroupConfig,
    HostedClientConfig,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    ProtectionConfig,
    SecretRef,
    SesEmailConfig,
    SocialProviderConfig,
    StageConfig,
    TokenValidityConfig,
)
from stage_config.checks import MIN_REASON
from stage_config.emulator import Omission
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import (
    CERTIFICATE_ARN,
    in_region,
    live,
    sandbox,
    with_access,
    with_pool,
    with_triggers,
)

SES = "eu-west-1"
LITE_PROTECTION = ProtectionConfig(waf=None, refresh_token_rotation=None)
"""What the LITE plan allows: no rotation (and no web ACL, to keep it cheap)."""


def tokens(**changes: timedelta) -> TokenValidityConfig:
    return TokenValidityConfig(**changes)


BAD: list[BadCase] = [
    (
        "a stage name in lowercase",
        lambda: dataclasses.replace(sandbox(), name="sandbox"),
        "sandbox.name",
        "'sandbox' is not a stage name. Fix: use a capitalised word such as 'Dev'",
    ),
    (
        "a stage region that is not a region",
        lambda: dataclasses.replace(sandbox(), region="Ireland"),
        "Sandbox.region",
        "'Ireland' is not an AWS region name. Fix: use e.g. 'eu-west-1'",
    ),
    (
        "a compliance pack twice",
        lambda: dataclasses.replace(
            sandbox(), compliance=(CompliancePack.HIPAA_SECURITY, CompliancePack.HIPAA_SECURITY)
        ),
        "Sandbox.compliance",
        "'HIPAA.Security' appears twice. Fix: give each entry a unique name",
    ),
    (
        "a resource left out twice",
        lambda: dataclasses.replace(
            sandbox(), leave_out=(Omission.LOG_DELIVERY, Omission.LOG_DELIVERY)
        ),
        "Sandbox.leave_out",
        "'log_delivery' appears twice. Fix: give each entry a unique name",
    ),
    (
        "an empty tag key",
        lambda: dataclasses.replace(sandbox(), tags={"": "me"}),
        "Sandbox.tags['']",
        (
            "tag keys are 1-128 characters and the aws: prefix is reserved for AWS. Fix: "
            "rename the tag key, e.g. 'app:stage'"
        ),
    ),
    (
        "a tag key of 129 characters",
        lambda: dataclasses.replace(sandbox(), tags={"k" * 129: "me"}),
        f"Sandbox.tags[{'k' * 129!r}]",
        (
            "tag keys are 1-128 characters and the aws: prefix is reserved for AWS. Fix: "
            "rename the tag key, e.g. 'app:stage'"
        ),
    ),
    (
        "a tag value of 257 characters",
        lambda: dataclasses.replace(sandbox(), tags={"app:note": "v" * 257}),
        "Sandbox.tags['app:note']",
        "the value is 257 characters; AWS allows 256. Fix: shorten the tag value",
    ),
    (
        "callback URL without a scheme",
        lambda: with_pool(
            sandbox(),
            web_client=dataclasses.replace(
                sandbox().user_pool.web_client, callback_urls=("gallery.example.net/auth",)
            ),
        ),
        "Sandbox.user_pool.web_client.callback_urls[0]",
        (
            "'gallery.example.net/auth' is not an absolute URL. Fix: use e.g. "
            "https://app.example.com/callback"
        ),
    ),
    (
        "callback URL with a fragment",
        lambda: with_pool(
            sandbox(),
            web_client=dataclasses.replace(
                sandbox().user_pool.web_client,
                callback_urls=("http://localhost:3000/auth", "http://localhost:3000/auth#done"),
            ),
        ),
        "Sandbox.user_pool.web_client.callback_urls[1]",
        (
            "'http://localhost:3000/auth#done' has a #fragment, which OAuth forbids. Fix: drop "
            "the part after '#'"
        ),
    ),
    (
        "http callback in prod",
        lambda: with_pool(
            live(),
            web_client=HostedClientConfig(callback_urls=("http://gallery.example.net/auth",)),
        ),
        "Live.user_pool.web_client.callback_urls[0]",
        (
            "'http://gallery.example.net/auth' is plain http or localhost, which production "
            "must not redirect to. Fix: use an https:// URL on your real domain (or a custom "
            "app scheme for mobile)"
        ),
    ),
    (
        "localhost logout in prod",
        lambda: with_pool(
            live(),
            mobile_client=HostedClientConfig(
                callback_urls=("acmegallery://auth",), logout_urls=("https://localhost/",)
            ),
        ),
        "Live.user_pool.mobile_client.logout_urls[0]",
        (
            "'https://localhost/' is plain http or localhost, which production must not "
            "redirect to. Fix: use an https:// URL on your real domain (or a custom app "
            "scheme for mobile)"
        ),
    ),
    (
        "uppercase domain prefix",
        lambda: with_pool(sandbox(), domain_prefix="AcmeGallery"),
        "Sandbox.user_pool.domain_prefix",
        (
            "'AcmeGallery' breaks Cognito's rule: 1-63 lowercase letters, digits and hyphens, "
            "not starting or ending with a hyphen. Fix: use something like 'photoshare-dev'"
        ),
    ),
    (
        "reserved word in prefix",
        lambda: with_pool(sandbox(), domain_prefix="my-cognito-app"),
        "Sandbox.user_pool.domain_prefix",
        (
            "'my-cognito-app' contains the reserved word 'cognito'. Fix: choose a prefix "
            "without aws, amazon, cognito"
        ),
    ),
    (
        "aws in prefix",
        lambda: with_pool(sandbox(), domain_prefix="awsome"),
        "Sandbox.user_pool.domain_prefix",
        (
            "'awsome' contains the reserved word 'aws'. Fix: choose a prefix without aws, "
            "amazon, cognito"
        ),
    ),
    (
        "id token too short",
        lambda: with_pool(sandbox(), tokens=tokens(id_token=timedelta(minutes=4))),
        "Sandbox.user_pool.tokens.id_token",
        (
            "0:04:00 is outside Cognito's range 0:05:00 to 1 day, 0:00:00. Fix: choose a "
            "value between 0:05:00 and 1 day, 0:00:00"
        ),
    ),
    (
        "access token too long",
        lambda: with_pool(sandbox(), tokens=tokens(access_token=timedelta(days=2))),
        "Sandbox.user_pool.tokens.access_token",
        (
            "2 days, 0:00:00 is outside Cognito's range 0:05:00 to 1 day, 0:00:00. Fix: "
            "choose a value between 0:05:00 and 1 day, 0:00:00"
        ),
    ),
    (
        "refresh token as long as the access token",
        lambda: with_pool(
            sandbox(),
            tokens=tokens(
                id_token=timedelta(hours=1),
                access_token=timedelta(hours=2),
                refresh_token=timedelta(hours=2),
            ),
        ),
        "Sandbox.user_pool.tokens.refresh_token",
        (
            "2:00:00 is not longer than the access token (2:00:00). Fix: make the refresh "
            "token outlive the access and ID tokens"
        ),
    ),
    (
        "refresh token as long as the ID token",
        lambda: with_pool(
            sandbox(),
            tokens=tokens(
                id_token=timedelta(hours=2),
                access_token=timedelta(hours=1),
                refresh_token=timedelta(hours=2),
            ),
        ),
        "Sandbox.user_pool.tokens.refresh_token",
        (
            "2:00:00 is not longer than the ID token (2:00:00). Fix: make the refresh token "
            "outlive the access and ID tokens"
        ),
    ),
    (
        "refresh token too short",
        lambda: with_pool(sandbox(), tokens=tokens(refresh_token=timedelta(minutes=59))),
        "Sandbox.user_pool.tokens.refresh_token",
        (
            "0:59:00 is outside Cognito's range 1:00:00 to 3650 days, 0:00:00. Fix: choose a "
            "value between 1:00:00 and 3650 days, 0:00:00"
        ),
    ),
    (
        "refresh token too long",
        lambda: with_pool(sandbox(), tokens=tokens(refresh_token=timedelta(days=3651))),
        "Sandbox.user_pool.tokens.refresh_token",
        (
            "3651 days, 0:00:00 is outside Cognito's range 1:00:00 to 3650 days, 0:00:00. "
            "Fix: choose a value between 1:00:00 and 3650 days, 0:00:00"
        ),
    ),
    (
        "refresh not longer than access",
        lambda: with_pool(
            sandbox(),
            tokens=tokens(access_token=timedelta(hours=2), refresh_token=timedelta(hours=1)),
        ),
        "Sandbox.user_pool.tokens.refresh_token",
        (
            "1:00:00 is not longer than the access token (2:00:00). Fix: make the refresh "
            "token outlive the access and ID tokens"
        ),
    ),
    (
        "MFA required with no factor",
        lambda: with_pool(live(), mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=False)),
        "Live.user_pool.mfa.mode",
        (
            "mode is REQUIRED but no factor is enabled. Fix: enable at least one of mfa.totp, "
            "mfa.sms, or set mfa.mode=OFF"
        ),
    ),
    (
        "email MFA where email is the only recovery",
        lambda: with_pool(live(), mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True, email=True)),
        "Live.user_pool.mfa.email",
        (
            "email MFA disqualifies account recovery by email (CreateUserPool API reference), "
            "and email is this pool's only recovery method: those users could never reset a "
            "password. Fix: use mfa.totp (or mfa.sms) as the second factor and set "
            "email=False"
        ),
    ),
    (
        "email as the only MFA factor",
        lambda: with_pool(live(), mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=False, email=True)),
        "Live.user_pool.mfa.email",
        (
            "email MFA disqualifies account recovery by email (CreateUserPool API reference), "
            "and email is this pool's only recovery method: those users could never reset a "
            "password. Fix: use mfa.totp (or mfa.sms) as the second factor and set "
            "email=False"
        ),
    ),
    (
        "production MFA optional without a reason",
        lambda: with_pool(live(), mfa=MfaConfig(mode=MfaMode.OPTIONAL, totp=True)),
        "Live.user_pool.mfa.not_required_reason",
        (
            "a production stage has MFA OPTIONAL without a stated reason. Fix: set "
            "mode=MfaMode.REQUIRED, or explain in a sentence (60+ characters) why production "
            "users may sign in without a second factor"
        ),
    ),
    (
        "email OTP sign-in without SES",
        lambda: with_pool(
            sandbox(), email=None, passwordless=PasswordlessConfig(email_otp=True, passkeys=True)
        ),
        "Sandbox.user_pool.passwordless.email_otp",
        (
            "email OTP sign-in needs SES to deliver codes. Fix: set email=SesEmailConfig(...), "
            "or passwordless.email_otp=False"
        ),
    ),
    (
        "a group name twice",
        lambda: with_pool(
            sandbox(),
            groups=(
                GroupConfig(name="editors", precedence=3),
                GroupConfig(name="editors", precedence=4),
            ),
        ),
        "Sandbox.user_pool.groups",
        "'editors' appears twice. Fix: give each entry a unique name",
    ),
    (
        "a group precedence twice",
        lambda: with_pool(
            sandbox(),
            groups=(
                GroupConfig(name="editors", precedence=3),
                GroupConfig(name="viewers", precedence=3),
            ),
        ),
        "Sandbox.user_pool.groups.precedence",
        "'3' appears twice. Fix: give each entry a unique name",
    ),
    (
        "a group name Cognito refuses",
        lambda: with_pool(sandbox(), groups=(GroupConfig(name="bad name!", precedence=1),)),
        "Sandbox.user_pool.groups[0].name",
        (
            "'bad name!' is not a valid Cognito group name. Fix: use 1-128 letters, digits or "
            "+=,.@-_"
        ),
    ),
    (
        "a negative group precedence",
        lambda: with_pool(sandbox(), groups=(GroupConfig(name="editors", precedence=-1),)),
        "Sandbox.user_pool.groups[0].precedence",
        "-1 is negative. Fix: use 0 or more (lower wins when a user is in several groups)",
    ),
    (
        "a hosted client without a callback URL",
        lambda: with_pool(
            sandbox(),
            web_client=dataclasses.replace(sandbox().user_pool.web_client, callback_urls=()),
        ),
        "Sandbox.user_pool.web_client.callback_urls",
        (
            "no callback URL is set. Fix: list at least one URL the managed login pages may "
            "redirect to"
        ),
    ),
    (
        "a hosted client without a logout URL",
        lambda: with_pool(
            sandbox(),
            web_client=dataclasses.replace(sandbox().user_pool.web_client, logout_urls=()),
        ),
        "Sandbox.user_pool.web_client.logout_urls",
        (
            "no logout URL is set. Fix: list at least one URL the pages may return to after "
            "sign-out (Amplify's signOut and its outputs schema need one)"
        ),
    ),
    (
        "email OTP sign-in with MFA required",
        lambda: with_pool(live(), passwordless=PasswordlessConfig(email_otp=True)),
        "Live.user_pool.passwordless.email_otp",
        (
            "Cognito does not offer one-time-password first factors when MFA is REQUIRED. "
            "Fix: set mfa.mode=OPTIONAL (with mfa.not_required_reason in production), or "
            "passwordless.email_otp=False"
        ),
    ),
    (
        "more than 100 callback URLs",
        lambda: with_pool(
            sandbox(),
            web_client=HostedClientConfig(
                callback_urls=tuple(f"https://t{i}.example.net/auth" for i in range(101))
            ),
        ),
        "Sandbox.user_pool.web_client.callback_urls",
        (
            "101 URLs exceed Cognito's 100 per app client. Fix: keep at most 100 (use one "
            "client per app, not per tenant)"
        ),
    ),
    (
        "more than 100 logout URLs",
        lambda: with_pool(
            sandbox(),
            mobile_client=HostedClientConfig(
                callback_urls=("acme://auth",),
                logout_urls=tuple(f"acme://bye/{i}" for i in range(101)),
            ),
        ),
        "Sandbox.user_pool.mobile_client.logout_urls",
        (
            "101 URLs exceed Cognito's 100 per app client. Fix: keep at most 100 (use one "
            "client per app, not per tenant)"
        ),
    ),
    (
        "multipart uploads never aborted",
        lambda: with_access(sandbox(), abort_multipart_after_days=0),
        "Sandbox.data_access.abort_multipart_after_days",
        "0 is not 1-3650 days. Fix: choose a number of days between 1 and 3650",
    ),
    (
        "old versions kept beyond ten years",
        lambda: with_access(live(), noncurrent_versions_expire_after_days=3651),
        "Live.data_access.noncurrent_versions_expire_after_days",
        "3651 is not 1-3650 days. Fix: choose a number of days between 1 and 3650",
    ),
    (
        "key rotated more often than KMS allows",
        lambda: dataclasses.replace(live(), customer_key=CustomerKeyConfig(rotation_days=89)),
        "Live.customer_key.rotation_days",
        (
            "89 is outside KMS's rotation period range. Fix: choose 90 to 2560 days (365 is "
            "KMS's default)"
        ),
    ),
    (
        "key rotated less often than KMS allows",
        lambda: dataclasses.replace(live(), customer_key=CustomerKeyConfig(rotation_days=2561)),
        "Live.customer_key.rotation_days",
        (
            "2561 is outside KMS's rotation period range. Fix: choose 90 to 2560 days (365 is "
            "KMS's default)"
        ),
    ),
    (
        "key deletion window too short",
        lambda: dataclasses.replace(live(), customer_key=CustomerKeyConfig(deletion_window_days=6)),
        "Live.customer_key.deletion_window_days",
        "6 is outside KMS's waiting period range. Fix: choose 7 to 30 days",
    ),
    (
        "key deletion window too long",
        lambda: dataclasses.replace(
            live(), customer_key=CustomerKeyConfig(deletion_window_days=31)
        ),
        "Live.customer_key.deletion_window_days",
        "31 is outside KMS's waiting period range. Fix: choose 7 to 30 days",
    ),
    (
        "SES sender that is not an address",
        lambda: with_pool(live(), email=SesEmailConfig(from_address="gallery", ses_region=SES)),
        "Live.user_pool.email.from_address",
        ("'gallery' is not an email address. Fix: use a full address such as no-reply@example.com"),
    ),
    (
        "SES reply-to that is not an address",
        lambda: with_pool(
            live(),
            email=SesEmailConfig(
                from_address="hello@gallery.example.net", ses_region=SES, reply_to="support"
            ),
        ),
        "Live.user_pool.email.reply_to",
        ("'support' is not an email address. Fix: use a full address such as no-reply@example.com"),
    ),
    (
        "SES region that is not a region",
        lambda: with_pool(
            live(),
            email=SesEmailConfig(from_address="hello@gallery.example.net", ses_region="Ireland"),
        ),
        "Live.user_pool.email.ses_region",
        "'Ireland' is not an AWS region name. Fix: use e.g. 'eu-west-1'",
    ),
    (
        "custom domain in capitals",
        lambda: with_pool(
            live(),
            custom_domain=CustomDomainConfig(
                domain_name="Login.Example.net", certificate_arn=CERTIFICATE_ARN
            ),
        ),
        "Live.user_pool.custom_domain.domain_name",
        (
            "'Login.Example.net' is not a lowercase DNS name. Fix: use a fully qualified name "
            "such as auth.example.com"
        ),
    ),
    (
        "production MFA optional with a reason one character short",
        lambda: with_pool(
            live(),
            mfa=MfaConfig(
                mode=MfaMode.OPTIONAL,
                totp=True,
                not_required_reason=" " + "r" * (MIN_REASON - 1) + " ",
            ),
        ),
        "Live.user_pool.mfa.not_required_reason",
        (
            "a production stage has MFA OPTIONAL without a stated reason. Fix: set "
            "mode=MfaMode.REQUIRED, or explain in a sentence (60+ characters) why production "
            "users may sign in without a second factor"
        ),
    ),
    (
        "tag key in the aws: namespace",
        lambda: dataclasses.replace(sandbox(), tags={"AWS:owner": "me"}),
        "Sandbox.tags['AWS:owner']",
        (
            "tag keys are 1-128 characters and the aws: prefix is reserved for AWS. Fix: "
            "rename the tag key, e.g. 'app:stage'"
        ),
    ),
    (
        "SES in a region Cognito cannot use from the stage's",
        lambda: dataclasses.replace(
            with_pool(
                live(),
                email=SesEmailConfig(
                    from_address="hello@gallery.example.net", ses_region="eu-central-1"
                ),
            ),
            region="ap-southeast-2",
        ),
        "Live.user_pool.email.ses_region",
        (
            "Cognito in ap-southeast-2 cannot send through SES in eu-central-1. Fix: use SES "
            "in ap-southeast-2 (the stage's region) or in one of eu-west-1, us-east-1, "
            "us-west-2"
        ),
    ),
    (
        "passwordless on LITE",
        lambda: with_pool(
            sandbox(),
            feature_plan=FeaturePlan.LITE,
            passwordless=PasswordlessConfig(passkeys=True),
            protection=LITE_PROTECTION,
        ),
        "Sandbox.user_pool.passwordless",
        (
            "this feature needs the ESSENTIALS or PLUS feature plan. Fix: set "
            "feature_plan=FeaturePlan.ESSENTIALS (or PLUS)"
        ),
    ),
    (
        "V3 token trigger on LITE",
        lambda: with_pool(
            sandbox(),
            feature_plan=FeaturePlan.LITE,
            passwordless=PasswordlessConfig(),
            protection=LITE_PROTECTION,
        ),
        "Sandbox.user_pool.feature_plan",
        (
            "the pre token generation trigger uses event version V3_0, which LITE lacks. Fix: "
            "set feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or triggers=None"
        ),
    ),
    (
        "custom domain certificate outside us-east-1",
        lambda: with_pool(
            live(),
            custom_domain=CustomDomainConfig(
                domain_name="login.example.net",
                certificate_arn=CERTIFICATE_ARN.replace("us-east-1", "eu-west-1"),
            ),
        ),
        "Live.user_pool.custom_domain.certificate_arn",
        (
            "'arn:aws:acm:eu-west-1:210987654321:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' "
            "is not an ACM certificate ARN in us-east-1. Fix: request the certificate in "
            "us-east-1 (Cognito serves custom domains via CloudFront) and paste its full ARN"
        ),
    ),
    (
        "bad account id",
        lambda: dataclasses.replace(sandbox(), account="12345"),
        "Sandbox.account",
        (
            "'12345' is not a 12-digit AWS account id. Fix: set the account id, or leave it "
            "empty for an environment-agnostic synth"
        ),
    ),
]


@bad_config_cases(BAD)
def test_bad_config_names_key_and_fix(
    make: Callable[[], StageConfig], key: str, message: str
) -> None:
    assert_config_error(make, key, message)


AT_THE_LIMITS: list[tuple[str, Callable[[], StageConfig]]] = [
    ("Powertools layer version 1", lambda: with_triggers(sandbox(), powertools_layer_version=1)),
    ("a one-letter app name", lambda: with_triggers(live(), app_name="P")),
    ("an app name of 40 characters", lambda: with_triggers(live(), app_name="P" * 40)),
    ("a one-character tag key", lambda: dataclasses.replace(sandbox(), tags={"a": "b"})),
    (
        "a tag key of 128 characters",
        lambda: dataclasses.replace(sandbox(), tags={"k" * 128: "b"}),
    ),
    (
        "a tag value of 256 characters",
        lambda: dataclasses.replace(sandbox(), tags={"app:note": "v" * 256}),
    ),
    (
        "100 callback URLs",
        lambda: with_pool(
            sandbox(),
            web_client=HostedClientConfig(
                callback_urls=tuple(f"https://t{i}.example.net/auth" for i in range(100)),
                logout_urls=("https://t0.example.net/",),
            ),
        ),
    ),
    (
        "100 logout URLs",
        lambda: with_pool(
            sandbox(),
            mobile_client=HostedClientConfig(
                callback_urls=("acme://auth",),
                logout_urls=tuple(f"acme://bye/{i}" for i in range(100)),
            ),
        ),
    ),
    (
        "shortest tokens",
        lambda: with_pool(
            sandbox(),
            tokens=tokens(
                id_token=timedelta(minutes=5),
                access_token=timedelta(minutes=5),
                refresh_token=timedelta(minutes=60),
            ),
        ),
    ),
    (
        "longest tokens",
        lambda: with_pool(
            sandbox(),
            tokens=tokens(
                id_token=timedelta(days=1),
                access_token=timedelta(days=1),
                refresh_token=timedelta(days=3650),
            ),
        ),
    ),
    (
        "key limits",
        lambda: dataclasses.replace(
            live(), customer_key=CustomerKeyConfig(rotation_days=90, deletion_window_days=7)
        ),
    ),
    (
        "key limits, the other end",
        lambda: dataclasses.replace(
            live(), customer_key=CustomerKeyConfig(rotation_days=2560, deletion_window_days=30)
        ),
    ),
    (
        "a reason of exactly the minimum length",
        lambda: with_pool(
            live(),
            mfa=MfaConfig(mode=MfaMode.OPTIONAL, totp=True, not_required_reason="r" * MIN_REASON),
        ),
    ),
    (
        "lifecycle after one day",
        lambda: with_access(
            sandbox(), abort_multipart_after_days=1, noncurrent_versions_expire_after_days=1
        ),
    ),
    (
        "lifecycle after ten years",
        lambda: with_access(
            live(), abort_multipart_after_days=3650, noncurrent_versions_expire_after_days=3650
        ),
    ),
]
"""The other side of each limit above: the last value Cognito or S3 accepts is accepted."""


@pytest.mark.parametrize(
    "make", [case[1] for case in AT_THE_LIMITS], ids=[c[0] for c in AT_THE_LIMITS]
)
def test_values_at_the_limits_are_accepted(make: Callable[[], StageConfig]) -> None:
    assert isinstance(make(), StageConfig)


def test_unknown_stage_name_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"stages: 'No Such' is not a stage") as raised:
        select_stages(["No Such"])
    assert ", ".join(STAGES) in raised.value.fix


def test_every_stage_of_the_registry_is_valid_and_named_by_its_key() -> None:
    configs = select_stages()
    assert [c.name for c in configs] == list(STAGES)


def test_account_and_region_overrides_apply_per_stage() -> None:
    first, *others = STAGES
    (config,) = select_stages(
        [first],
        accounts={first: "123456789012"},
        regions={first: "eu-west-1", **dict.fromkeys(others, "us-east-1")},
    )
    assert (config.account, config.region) == ("123456789012", "eu-west-1")


def test_a_stage_without_overrides_keeps_its_own_account_and_region() -> None:
    first, *_ = STAGES
    assert select_stages([first], accounts={}, regions={}) == [STAGES[first]()]


def test_production_may_relax_mfa_with_a_stated_reason() -> None:
    reason = "Kiosk accounts sign in on shared devices; MFA is enforced by the IdP."
    config = with_pool(live(), mfa=MfaConfig(mode=MfaMode.OPTIONAL, not_required_reason=reason))
    assert config.user_pool.mfa.not_required_reason == reason


def test_ses_in_the_stage_region_or_a_legacy_one_is_fine() -> None:
    assert in_region(live(), "us-west-2").region == "us-west-2"
    elsewhere = live()
    assert elsewhere.user_pool.email is not None
    legacy = dataclasses.replace(elsewhere.user_pool.email, ses_region="eu-west-1")
    relocated = with_pool(elsewhere, email=legacy)
    assert in_region(relocated, "ap-southeast-2").region == "ap-southeast-2"


def test_plain_http_is_fine_outside_production() -> None:
    assert sandbox().user_pool.web_client.callback_urls[0].startswith("http://localhost")


def test_errors_are_rooted_at_the_stage_for_nested_sections() -> None:
    """One convention: a nested section's error carries the whole path from the stage."""
    google = live().federation[0]
    assert isinstance(google, SocialProviderConfig)
    provider = dataclasses.replace(
        google, client_secret=SecretRef(name_or_arn="not a name!", json_field="client_secret")
    )
    with pytest.raises(ConfigError) as raised:
        dataclasses.replace(live(), federation=(provider,))
    assert raised.value.key == "Live.federation[0].client_secret.name_or_arn"


BAD_TRIGGERS: list[BadCase] = [
    (
        "a Powertools layer version of 0",
        lambda: with_triggers(sandbox(), powertools_layer_version=0),
        "Sandbox.triggers.powertools_layer_version",
        (
            "0 is not a layer version. Fix: use a published version of the Powertools for AWS "
            "Lambda (Python) V3 layer"
        ),
    ),
    (
        "trigger logs kept a month in production",
        lambda: with_triggers(live(), log_retention_days=30),
        "Live.triggers.log_retention_days",
        (
            "30 days is too short for a production audit trail. Fix: use at least 365 (AWS "
            "Control Tower's log controls expect a year)"
        ),
    ),
    (
        "an allowed email domain in capitals",
        lambda: with_triggers(live(), allowed_email_domains=("Example.net",)),
        "Live.triggers.allowed_email_domains[0]",
        (
            "'Example.net' is not a lowercase email domain. Fix: write the part after '@', "
            "e.g. example.com"
        ),
    ),
    (
        "an allowed email domain twice",
        lambda: with_triggers(live(), allowed_email_domains=("example.net", "example.net")),
        "Live.triggers.allowed_email_domains",
        "'example.net' appears twice. Fix: give each entry a unique name",
    ),
    (
        "app url that is not a web URL",
        lambda: with_triggers(sandbox(), app_url="gallery.example.net"),
        "Sandbox.triggers.app_url",
        (
            "'gallery.example.net' is not a web URL. Fix: use the URL users open the app at, "
            "e.g. https://photos.example.com"
        ),
    ),
    (
        "a reservation of none",
        lambda: with_triggers(sandbox(), reserved_concurrency={"pre_sign_up": 0}),
        "Sandbox.triggers.reserved_concurrency['pre_sign_up']",
        (
            "0 would stop the trigger (and every sign-in through it). Fix: reserve at least 1, "
            "or set reserved_concurrency=None"
        ),
    ),
    (
        "an SMS sender without the customer key",
        lambda: with_triggers(sandbox(), custom_sms_sender=CustomSenderConfig(provider="sns")),
        "Sandbox.triggers.custom_sms_sender",
        (
            "Cognito encrypts the codes it hands a custom sender with a customer managed KMS "
            "key, and this stage has none (customer_key=None). Fix: keep customer_key on "
            "(CustomerKeyConfig()), or remove the sender"
        ),
    ),
    (
        "server claims without a server client",
        lambda: with_triggers(sandbox(), server_claims={"acme:tenant": "x"}),
        "Sandbox.triggers.server_claims",
        (
            "claims for the server client's tokens, but this stage has no server client. Fix: "
            "set user_pool.server_client=True, or remove server_claims"
        ),
    ),
    (
        "a reserved server claim",
        lambda: with_triggers(live(), server_claims={"client_id": "x"}),
        "Live.triggers.server_claims['client_id']",
        (
            "the claim name is reserved by Cognito or malformed. Fix: use a namespaced "
            "lowercase name such as 'app:tier'"
        ),
    ),
    (
        "domain with @",
        lambda: with_triggers(live(), denied_email_domains=("@spam.com",)),
        "Live.triggers.denied_email_domains[0]",
        (
            "'@spam.com' is not a lowercase email domain. Fix: write the part after '@', e.g. "
            "example.com"
        ),
    ),
    (
        "domain both allowed and denied",
        lambda: with_triggers(
            live(), allowed_email_domains=("a.com",), denied_email_domains=("a.com",)
        ),
        "Live.triggers.denied_email_domains",
        "['a.com'] are both allowed and denied. Fix: keep each domain in one list",
    ),
    (
        "unknown default group",
        lambda: with_triggers(live(), default_group="nobody"),
        "Live.triggers.default_group",
        (
            "'nobody' is not one of the user pool groups ['everyone', 'moderators']. Fix: add "
            "the group to user_pool.groups or leave default_group empty"
        ),
    ),
    (
        "access-token scope the resource server does not define",
        lambda: with_triggers(live(), access_token_scopes=("photos/delete",)),
        "Live.triggers.access_token_scopes[0]",
        (
            "'photos/delete' is not a scope the resource server defines. Fix: use one of "
            "photos/read, photos/write"
        ),
    ),
    (
        "reserved claim",
        lambda: with_triggers(live(), extra_claims={"cognito:groups": "x"}),
        "Live.triggers.extra_claims['cognito:groups']",
        (
            "the claim name is reserved by Cognito or malformed. Fix: use a namespaced "
            "lowercase name such as 'app:tier'"
        ),
    ),
    (
        "an app name of spaces",
        lambda: with_triggers(live(), app_name="   "),
        "Live.triggers.app_name",
        (
            "'   ' is empty or longer than 40 characters. Fix: set the short name shown in "
            "emails and SMS, e.g. 'PhotoShare'"
        ),
    ),
    (
        "app name too long for SMS",
        lambda: with_triggers(live(), app_name="P" * 41),
        "Live.triggers.app_name",
        (
            "'PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP' is empty or longer than 40 "
            "characters. Fix: set the short name shown in emails and SMS, e.g. 'PhotoShare'"
        ),
    ),
    (
        "localhost app url in prod",
        lambda: with_triggers(live(), app_url="http://localhost:5173"),
        "Live.triggers.app_url",
        (
            "'http://localhost:5173' is plain http or localhost, which production emails must "
            "not link to. Fix: use the https:// URL of the deployed app"
        ),
    ),
    (
        "auto-verify without auto-confirm",
        lambda: with_triggers(live(), auto_verify_email=True),
        "Live.triggers.auto_verify_email",
        (
            "auto-verifying email without auto-confirming the user has no effect. Fix: set "
            "auto_confirm=True as well, or auto_verify_email=False"
        ),
    ),
    (
        "log retention not offered by CloudWatch",
        lambda: with_triggers(live(), log_retention_days=31),
        "Live.triggers.log_retention_days",
        (
            "31 is not a CloudWatch Logs retention period. Fix: use one of 1, 3, 5, 7, 14, "
            "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
            "3288, 3653"
        ),
    ),
]


@bad_config_cases(BAD_TRIGGERS)
def test_bad_trigger_config(make: Callable[[], StageConfig], key: str, message: str) -> None:
    assert_config_error(make, key, message)


def test_a_reservation_of_one_is_accepted() -> None:
    """The other side of "a reservation of none": one concurrent run keeps a trigger alive."""
    with_triggers(sandbox(), reserved_concurrency={"pre_sign_up": 1})
