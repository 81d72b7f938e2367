"""Cognito's own logs, delivered to CloudWatch Logs: message-delivery errors on every plan and,
with threat protection, every sign-in, sign-up and password event with its risk decision."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from auth_constructs.operations.log_groups import delivery_arn, log_group
from stage_config import StatefulPolicy

UNENCRYPTED = (
    "Cognito delivers only to log groups without a KMS key (CloudFormation reference, "
    "AWS::Cognito::LogDeliveryConfiguration); CloudWatch Logs encrypts them at rest."
)
Delivery = cognito.CfnLogDeliveryConfiguration


class AuditLogs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        auth_events: bool,
        retention_days: int,
        stateful: StatefulPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        # /aws/vendedlogs/ keeps the delivery's resource policy out of CloudWatch Logs' 5,120-
        # character limit on log-group resource policies.
        sources = {"userNotification": ("Notifications", "ERROR")}
        if auth_events:
            sources["userAuthEvents"] = ("AuthEvents", "INFO")
        self.log_groups = {
            source: log_group(
                self,
                name,
                name=f"/aws/vendedlogs/cognito/{Aws.STACK_NAME}/{name}",
                retention_days=retention_days,
                stateful=stateful,
                unencrypted_because=UNENCRYPTED,
            )
            for source, (name, _) in sources.items()
        }
        self.delivery = Delivery(
            self,
            "Delivery",
            user_pool_id=user_pool.user_pool_id,
            log_configurations=[
                Delivery.LogConfigurationProperty(
                    event_source=source,
                    log_level=level,
                    cloud_watch_logs_configuration=Delivery.CloudWatchLogsConfigurationProperty(
                        log_group_arn=delivery_arn(self.log_groups[source])
                    ),
                )
                for source, (_, level) in sources.items()
            ],
        )
