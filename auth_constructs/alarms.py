"""CloudWatch alarms on what breaks sign-up and sign-in: the triggers, Cognito's own request
handling and WAF, each notifying an SNS topic from config when it has one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from auth_constructs.accepted_findings import accept_finding
from stage_config import AlarmsConfig

PERIOD = Duration.minutes(5)
DURATION_SHARE_OF_TIMEOUT = 0.8
"""Alarm when the p99 duration reaches this share of the function timeout (itself under
Cognito's 5-second wait)."""
THROTTLE_METRICS = (
    "SignUpThrottles",
    "SignInThrottles",
    "TokenRefreshThrottles",
    "FederationThrottles",
)
SIGN_IN_SUCCESS_FLOOR = 0.5
"""Below this share of successful sign-ins for 15 minutes: credential stuffing, a broken
provider or a broken client release."""
WAF_BLOCKS_PER_PERIOD = 100


class OperationalAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AlarmsConfig,
        user_pool: cognito.IUserPool,
        clients: Sequence[cognito.UserPoolClient],
        functions: Mapping[str, lambda_.Function],
        function_timeout: Duration,
        web_acl_name: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        topic = (
            sns.Topic.from_topic_arn(self, "Topic", config.notify_topic_arn)
            if config.notify_topic_arn
            else None
        )
        self._action = actions.SnsAction(topic) if topic else None
        if topic is None:
            accept_finding(
                self,
                control_tower=("cloudwatch_alarm_action_check",),
                reason="This stage's config names no notify_topic_arn: its alarms show in the "
                "CloudWatch console only. Set protection.alarms.notify_topic_arn to page someone.",
            )
        for name, function in functions.items():
            self._alarm(
                f"{name}Errors",
                function.metric_errors(period=PERIOD),
                1,
                f"The {name} trigger failed: users saw an error",
            )
            self._alarm(
                f"{name}Throttles",
                function.metric_throttles(period=PERIOD),
                1,
                f"The {name} trigger was throttled: users saw an error",
            )
            self._alarm(
                f"{name}Duration",
                function.metric_duration(period=PERIOD, statistic="p99"),
                function_timeout.to_milliseconds() * DURATION_SHARE_OF_TIMEOUT,
                f"The {name} trigger's p99 duration is near its timeout",
                periods=3,
            )
        for client in clients:
            dimensions = {
                "UserPool": user_pool.user_pool_id,
                "UserPoolClient": client.user_pool_client_id,
            }
            throttled = cloudwatch.MathExpression(
                expression=f"SUM([{', '.join(f'm{i}' for i in range(len(THROTTLE_METRICS)))}])",
                using_metrics={
                    f"m{i}": self._cognito(metric, dimensions, "Sum")
                    for i, metric in enumerate(THROTTLE_METRICS)
                },
                period=PERIOD,
            )
            client_name = client.node.id
            self._alarm(
                f"{client_name}CognitoThrottles",
                throttled,
                1,
                f"Cognito throttled requests of the {client_name} client (a quota)",
            )
            self._alarm(
                f"{client_name}SignInSuccessRate",
                self._cognito("SignInSuccesses", dimensions, "Average"),
                SIGN_IN_SUCCESS_FLOOR,
                f"Fewer than half the sign-ins of the {client_name} client succeed",
                periods=3,
                below=True,
            )
        if web_acl_name:
            blocked = cloudwatch.Metric(
                namespace="AWS/WAFV2",
                metric_name="BlockedRequests",
                dimensions_map={
                    "WebACL": web_acl_name,
                    "Rule": "ALL",
                    "Region": user_pool.stack.region,
                },
                statistic="Sum",
                period=PERIOD,
            )
            self._alarm(
                "WafBlocks",
                blocked,
                WAF_BLOCKS_PER_PERIOD,
                "WAF blocked a spike of requests to the user pool",
            )

    @staticmethod
    def _cognito(metric: str, dimensions: dict[str, str], statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Cognito",
            metric_name=metric,
            dimensions_map=dimensions,
            statistic=statistic,
            period=PERIOD,
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        periods: int = 1,
        below: bool = False,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=(
                cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
                if below
                else cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
            ),
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        if self._action:
            alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
