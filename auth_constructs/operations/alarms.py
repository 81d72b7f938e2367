"""CloudWatch alarms on what breaks sign-up and sign-in: the triggers, Cognito's own request
handling and WAF, each notifying an SNS topic: one from config, or the stage's own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from stage_config import AlarmsConfig

PERIOD = Duration.minutes(5)
DURATION_SHARE_OF_TIMEOUT = 0.8
"""Alarm when the p99 duration reaches this share of the function timeout (itself under
Cognito's 5-second wait)."""
THROTTLE_METRICS = ("SignUpThrottles", "SignInThrottles", "TokenRefreshThrottles")
"""Published per UserPool and UserPoolClient (developer guide, metrics for user pools)."""
FEDERATION_THROTTLES = (
    "SELECT SUM(FederationThrottles) "
    'FROM SCHEMA("AWS/Cognito", IdentityProvider, UserPool, UserPoolClient) '
    "WHERE UserPool = '{pool}' AND UserPoolClient = '{client}'"
)
"""FederationThrottles carries a third dimension, IdentityProvider: a Metrics Insights query
sums it over every provider (a metric with only two of the three dimensions matches nothing)."""
SIGN_IN_BAND_STD_DEVS = 3
"""Successful sign-ins (tokens issued) below this many standard deviations of their learned
band for 15 minutes: a broken provider, client release or trigger. A success rate would not
do: Cognito counts a sample only as successful when tokens are issued, and it does not say
how the challenge steps of SRP and MFA count, so a rate could fall on healthy MFA traffic."""
WAF_BLOCKS_PER_PERIOD = 100


def of_stack(scope: Construct, service: str, kind: str = "") -> str:
    """The ARN pattern of the resources of `service` (of `kind`, e.g. "alarm:") that
    CloudFormation names for `scope`'s stack, `<stack name>-<logical id>-<suffix>`. The stack's
    name as text, not `AWS::StackName`: the key's policy, in the stage's Key stack, names the
    Auth stack's alarms and topics."""
    name = Stack.of(scope).stack_name
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{kind}{name}-*"


class StackAlarms(Construct):
    """The alarms of a stack that serves the pool in its Region, the primary's or the
    replica's: its triggers (errors, throttles, duration near the timeout, messages a custom
    sender gave up on) and its web ACL's blocks, notifying the stack's topic: the topic of
    yours `topic_arn`, or for `config.notify_emails` one of its own, encrypted with `key` (the
    stage's key, or the key's replica in the secondary Region)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AlarmsConfig,
        topic_arn: str,
        functions: Mapping[str, lambda_.Function],
        function_timeout: Duration,
        web_acl_metric: str | None,
        key: CustomerKey | CustomerKeyReplica | None,
        failed_sends: Mapping[str, sqs.IQueue] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm | cloudwatch.AnomalyDetectionAlarm] = []
        self.topic = self._topic(config, topic_arn, key)
        self._action = actions.SnsAction(self.topic) if self.topic else None
        if self.topic is None:
            accept_finding(
                self,
                nag_packs=("CloudWatchAlarmAction",),
                control_tower=("cloudwatch_alarm_action_check",),
                reason="A non-production stage whose config names no alarm topic: its alarms "
                "show in the CloudWatch console only. Set protection.alarms.notify_emails or "
                "notify_topic_arn to page someone.",
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
        for name, queue in (failed_sends or {}).items():
            self._alarm(
                f"{name}FailedSends",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                1,
                f"The {name} trigger gave up on a message after Lambda's retries: a user did "
                "not get a code (the event waits in the dead-letter queue)",
            )
        if web_acl_metric:
            blocked = cloudwatch.Metric(
                namespace="AWS/WAFV2",
                metric_name="BlockedRequests",
                # WebACL is the web ACL's visibility metric name (not necessarily its name).
                dimensions_map={
                    "WebACL": web_acl_metric,
                    "Rule": "ALL",
                    "Region": Stack.of(self).region,
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

    def _topic(
        self, config: AlarmsConfig, topic_arn: str, key: CustomerKey | CustomerKeyReplica | None
    ) -> sns.ITopic | None:
        """The topic of yours `topic_arn`, or the stack's own for `notify_emails` (encrypted
        with `key`; CloudWatch may publish to it for this stack's alarms only)."""
        if topic_arn:
            return sns.Topic.from_topic_arn(self, "Topic", topic_arn)
        if not config.notify_emails:
            return None
        if key is None:
            raise ValueError("the stage's alarm topic needs the stage's customer key")
        master_key = (
            kms.Key.from_key_arn(self, "TopicKey", key.key_arn)
            if isinstance(key, CustomerKeyReplica)
            else key.key
        )
        topic = sns.Topic(
            self, "Topic", master_key=master_key, enforce_ssl=True, display_name="Alarms"
        )
        alarm_arns = of_stack(self, "cloudwatch", "alarm:")
        own_alarms = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": alarm_arns},
        }
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisStack",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=own_alarms,
            )
        )
        key.allow_alarm_topics(source_arns=alarm_arns, topic_arns=of_stack(self, "sns"))
        for address in config.notify_emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        accept_finding(
            topic,
            nag_packs=("SNSRedrivePolicy",),
            reason="Email subscriptions: SNS retries delivery to the mail server itself, and an "
            "alarm that goes undelivered stays in ALARM state in the console; a dead-letter "
            "queue would hold alarm texts nobody reads.",
        )
        return topic

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
    ) -> None:
        self._notify(
            cloudwatch.Alarm(
                self,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=(
                    cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
                ),
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
        )

    def _notify(self, alarm: cloudwatch.Alarm | cloudwatch.AnomalyDetectionAlarm) -> None:
        if self._action:
            alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)


class OperationalAlarms(StackAlarms):
    """The primary's alarms: the stack's, and Cognito's request handling per app client
    (throttles, federation throttles, a drop in successful sign-ins). Not in the secondary:
    which metrics Cognito publishes for a replica is not documented (docs/multi-region.md)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AlarmsConfig,
        user_pool_id: str,
        clients: Sequence[cognito.UserPoolClient],
        functions: Mapping[str, lambda_.Function],
        function_timeout: Duration,
        web_acl_metric: str | None,
        federated: bool,
        key: CustomerKey | None,
        failed_sends: Mapping[str, sqs.IQueue] | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            topic_arn=config.notify_topic_arn,
            functions=functions,
            function_timeout=function_timeout,
            web_acl_metric=web_acl_metric,
            key=key,
            failed_sends=failed_sends,
        )
        for client in clients:
            dimensions = {
                "UserPool": user_pool_id,
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
                f"Cognito throttled sign-ups, sign-ins or refreshes of the {client_name} client "
                "(a quota)",
            )
            if federated:
                self._alarm(
                    f"{client_name}FederationThrottles",
                    cloudwatch.MathExpression(
                        expression=FEDERATION_THROTTLES.format(
                            pool=user_pool_id, client=client.user_pool_client_id
                        ),
                        using_metrics={},
                        period=PERIOD,
                    ),
                    1,
                    f"Cognito throttled federated sign-ins of the {client_name} client",
                )
            self._notify(
                cloudwatch.AnomalyDetectionAlarm(
                    self,
                    f"{client_name}SignInDrop",
                    metric=self._cognito("SignInSuccesses", dimensions, "Sum"),
                    std_devs=SIGN_IN_BAND_STD_DEVS,
                    evaluation_periods=3,
                    comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                    alarm_description=f"Successful sign-ins of the {client_name} client fell "
                    "far below their usual level",
                )
            )
