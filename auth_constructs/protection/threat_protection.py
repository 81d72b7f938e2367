"""Adaptive threat response: the pool's risk configuration (PLUS plan, threat protection on)."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stage_config import SesEmailConfig, ThreatProtectionConfig

CHECKED_EVENTS = ("SIGN_IN", "SIGN_UP", "PASSWORD_CHANGE")
RiskConfig = cognito.CfnUserPoolRiskConfigurationAttachment


class ThreatProtection(Construct):
    """For every app client: compromised credentials blocked on sign-in, sign-up and password
    change; account takeover answered by risk level (low: notify, medium: MFA if the user has
    it, high: block), users notified by email through SES when the stage sends with SES."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        config: ThreatProtectionConfig,
        email: SesEmailConfig | None,
    ) -> None:
        super().__init__(scope, construct_id)
        notify = email is not None

        def action(event_action: str) -> RiskConfig.AccountTakeoverActionTypeProperty:
            return RiskConfig.AccountTakeoverActionTypeProperty(
                event_action=event_action, notify=notify
            )

        self.risk_configuration = RiskConfig(
            self,
            "Risk",
            user_pool_id=user_pool.user_pool_id,
            client_id="ALL",
            compromised_credentials_risk_configuration=RiskConfig.CompromisedCredentialsRiskConfigurationTypeProperty(
                event_filter=list(CHECKED_EVENTS),
                actions=RiskConfig.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK"),
            ),
            account_takeover_risk_configuration=RiskConfig.AccountTakeoverRiskConfigurationTypeProperty(
                actions=RiskConfig.AccountTakeoverActionsTypeProperty(
                    low_action=action("NO_ACTION"),
                    medium_action=action("MFA_IF_CONFIGURED"),
                    high_action=action("BLOCK"),
                ),
                notify_configuration=RiskConfig.NotifyConfigurationTypeProperty(
                    source_arn=f"arn:{Aws.PARTITION}:ses:{email.ses_region}:{Aws.ACCOUNT_ID}:"
                    f"identity/{email.from_address}",
                    from_=email.from_address,
                    reply_to=email.reply_to or None,
                )
                if email
                else None,
            ),
            risk_exception_configuration=RiskConfig.RiskExceptionConfigurationTypeProperty(
                skipped_ip_range_list=list(config.trusted_networks)
            )
            if config.trusted_networks
            else None,
        )
