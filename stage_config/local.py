"""The Local stage: Dev as the local AWS emulator (ministack) can run it, for `make local`.

Everything it leaves out is named in LOCAL_OMISSIONS with the reason, and docs/local-backend.md
lists each; what is left deploys with the real CDK CLI into the emulator. It is never a deployed
stage: app.py adds it only with `-c local=true`, and never in pipeline mode.
"""

from __future__ import annotations

import dataclasses

from stage_config.checks import require
from stage_config.emulator import Omission
from stage_config.stage import StageConfig
from stage_config.stages import STAGES

LOCAL_OF = "Dev"
"""The stage the Local stage copies."""
LOCAL_STAGE = "Local"

LOCAL_OMISSIONS: dict[str, str] = {
    "user_pool.protection.waf": (
        "the emulator rejects AWS::WAFv2::WebACLAssociation and AWS::WAFv2::LoggingConfiguration"
    ),
    "user_pool.protection.threat_protection": (
        "the emulator rejects AWS::Cognito::UserPoolRiskConfigurationAttachment"
    ),
    "user_pool.protection.alarms": (
        "the emulator's CloudFormation rejects the metric-math alarms (throttles, sign-in drop)"
    ),
    "federation": "the emulator rejects AWS::Cognito::UserPoolIdentityProvider",
    "triggers": (
        "the triggers import Powertools from its public Lambda layer, which the emulator "
        "does not hold"
    ),
    "customer_key": "not tried against the emulator (Dev has none either)",
    "backup": "not tried against the emulator (Dev has none either)",
    "directory_backup": (
        "not tried against the emulator (EventBridge Scheduler, Step Functions and an "
        "object-locked bucket); the local directory is seeded, not backed up"
    ),
    "replica": "the emulator is one Region, and Dev has no replica either",
    "user_pool.custom_domain": (
        "not tried against the emulator (a custom domain is served by CloudFront with an ACM "
        "certificate); Dev has none either"
    ),
    "user_pool.web_client.password_auth": (
        "only for a user migration window, and the Local stage has no triggers"
    ),
    "user_pool.mobile_client.password_auth": (
        "only for a user migration window, and the Local stage has no triggers"
    ),
    f"leave_out.{Omission.MANAGED_LOGIN_BRANDING}": (
        "the emulator rejects AWS::Cognito::ManagedLoginBranding"
    ),
    f"leave_out.{Omission.LOG_DELIVERY}": (
        "the emulator rejects AWS::Cognito::LogDeliveryConfiguration"
    ),
    f"leave_out.{Omission.ISSUER_URL_OUTPUT}": (
        "the emulator's user pool has no ProviderURL attribute"
    ),
}
"""Each config key the Local stage turns off, and why."""


def local() -> StageConfig:
    """The Local stage: LOCAL_OF with every LOCAL_OMISSIONS entry turned off."""
    base = STAGES[LOCAL_OF]()
    require(
        not base.production,
        "local",
        f"{LOCAL_OF} is a production stage, which the local stage must not copy",
        "point LOCAL_OF at a non-production stage",
    )
    pool = base.user_pool
    return dataclasses.replace(
        base,
        name=LOCAL_STAGE,
        user_pool=dataclasses.replace(
            pool,
            domain_prefix=f"{pool.domain_prefix}-local",
            custom_domain=None,
            web_client=dataclasses.replace(pool.web_client, password_auth=False),
            mobile_client=dataclasses.replace(pool.mobile_client, password_auth=False),
            protection=dataclasses.replace(
                pool.protection, waf=None, threat_protection=None, alarms=None
            ),
        ),
        federation=(),
        triggers=None,
        customer_key=None,
        backup=None,
        directory_backup=None,
        replica=None,
        leave_out=tuple(Omission),
        tags={**base.tags, "stage": "local"},
    )
