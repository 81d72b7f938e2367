"""Managed login failover: the custom domain serves the replica's Region while a Route 53 health
check on the primary fails (`UserPoolDomain.Routing.Failover`; custom domains only)."""

from __future__ import annotations

from typing import cast

from aws_cdk import Aws, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_route53 as route53
from constructs import Construct

CHECK_INTERVAL_SECONDS = 30
"""Route 53's standard interval (10 s costs more and detects a minute sooner)."""
FAILURES_TO_FAIL_OVER = 3
"""Consecutive failed checks before a checker calls the primary unhealthy: about
CHECK_INTERVAL_SECONDS x FAILURES_TO_FAIL_OVER (90 s) from the first failure to failover."""
FOLLOW_THE_PROBE = 1
"""The routing check's HealthThreshold as deployed: healthy while its one child, the probe, is.
`make failover` sets 2 (more than its children: always unhealthy, whatever the primary does)
and `make failback` sets it back; a deploy leaves it alone unless the check's template changes."""


class LoginFailover(Construct):
    """A health check on the primary Region's user-pool service for this pool (the probe), a
    calculated check over it that the domain routes on (the operators' override), and the custom
    domain's failover routing to `secondary_region`.

    It probes the pool's OpenID discovery document on the Region's own endpoint
    (`https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration`):
    served by the service managed login depends on, for this pool, without a client or
    credentials, and answered only while the Region serves the pool (the body must hold the pool
    id). It does not see a failure of the managed-login pages alone: `make failover` forces the
    calculated check unhealthy for that (an inverted probe would route back to a primary that
    then failed for real)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        domain: cognito.UserPoolDomain,
        replica: cognito.CfnUserPoolReplica,
        secondary_region: str,
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.probe = route53.CfnHealthCheck(
            self,
            "PrimaryHealth",
            health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                type="HTTPS_STR_MATCH",
                fully_qualified_domain_name=f"cognito-idp.{region}.amazonaws.com",
                resource_path=f"/{user_pool.user_pool_id}/.well-known/openid-configuration",
                search_string=user_pool.user_pool_id,
                port=443,
                enable_sni=True,
                request_interval=CHECK_INTERVAL_SECONDS,
                failure_threshold=FAILURES_TO_FAIL_OVER,
            ),
            health_check_tags=[
                route53.CfnHealthCheck.HealthCheckTagProperty(
                    key="Name", value=f"{Aws.STACK_NAME} managed login primary"
                )
            ],
        )
        self.health_check = route53.CfnHealthCheck(
            self,
            "Routing",
            health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                type="CALCULATED",
                child_health_checks=[self.probe.attr_health_check_id],
                health_threshold=FOLLOW_THE_PROBE,
            ),
            health_check_tags=[
                route53.CfnHealthCheck.HealthCheckTagProperty(
                    key="Name", value=f"{Aws.STACK_NAME} managed login routing"
                )
            ],
        )
        cfn_domain = cast(cognito.CfnUserPoolDomain, domain.node.default_child)
        cfn_domain.routing = cognito.CfnUserPoolDomain.RoutingTypeProperty(
            failover=cognito.CfnUserPoolDomain.FailoverTypeProperty(
                secondary_region=secondary_region,
                primary_route53_health_check_id=self.health_check.attr_health_check_id,
            )
        )
        # The secondary Region must hold the pool's replica before a domain routes to it.
        cfn_domain.add_resource_dependency(replica)
