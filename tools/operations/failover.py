"""See, and move, where a replicated stage signs users in.

    make failover-status STAGE=Prod OUTPUTS=outputs.json    read-only
    make failover STAGE=Prod OUTPUTS=outputs.json           activate the replica, route to it
    make failback STAGE=Prod OUTPUTS=outputs.json           route on the primary's health again

Each change prints its plan first and runs only once the stage's name is typed back (or with
`--yes`, for a runbook's automation). Every call goes to the secondary Region or to Route 53,
never to the primary's Cognito, so the commands work while the primary Region is out; the
outputs come from the local `cdk deploy --outputs-file`, not from the primary's CloudFormation.

The managed login's custom domain routes on a calculated health check over a probe of the
primary (`auth_constructs/identity/login_failover.py`): its HealthThreshold 1 follows the probe,
2 (more than its one child) is always unhealthy, which is how `failover` forces the secondary
whatever the primary does, and `failback` sets 1 again (traffic returns once the probe passes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from auth_constructs.identity.login_failover import FOLLOW_THE_PROBE
from stacks.outputs import SECONDARY_STACK_ID, StackOutput, deployed_stack_name
from stage_config import StageConfig
from stage_config.selection import select_stages
from tools.deploy.client_config import Outputs, OutputsError, stage_outputs
from tools.review.templates import ROOT, template_path

CDK_OUT = ROOT / "cdk.out"

FORCED_UNHEALTHY = FOLLOW_THE_PROBE + 1
"""A calculated check with a threshold above its children's count is always unhealthy."""
HEALTHY_SHARE = 0.18
"""Route 53 calls an endpoint healthy when more than 18% of its checkers do."""


@dataclass(frozen=True)
class Stage:
    """What the commands act on: the pool, its two Regions, the routing check (if any)."""

    name: str
    user_pool_id: str
    primary: str
    secondary: str
    routing_check: str | None


@dataclass(frozen=True)
class Status:
    replica: str
    """The secondary replica's status (CREATING, ACTIVE, INACTIVE, DELETING) or 'absent'."""
    threshold: int | None
    """The routing check's HealthThreshold; None without managed login failover."""
    probe_healthy: bool | None
    """Whether Route 53 sees the primary healthy now; None without a routing check."""
    settings_drift: tuple[str, ...] = ()
    """The replica's regional settings the deployed Secondary stack holds otherwise than the
    config (as synthesized into cdk.out): none when they match."""

    @property
    def routing(self) -> str:
        if self.threshold is None:
            return "no failover routing (managed login serves the primary only)"
        if self.threshold >= FORCED_UNHEALTHY:
            return "forced to the secondary (make failover)"
        if self.threshold == 0:
            return "pinned to the primary (HealthThreshold 0, set outside these commands)"
        where = "primary" if self.probe_healthy else "secondary (the primary fails its check)"
        return f"follows the primary's health: now the {where}"

    def warnings(self) -> list[str]:
        found = []
        if self.settings_drift:
            found.append(
                "the replica's regional settings differ from the config ("
                + ", ".join(self.settings_drift)
                + "): deploy the stage's Secondary stack"
            )
        if self.replica != "ACTIVE":
            found.append(
                f"the replica is {self.replica}: nobody can sign in through it, so a failover "
                "(automatic or not) would reach a replica that serves no one; `make failover` "
                "activates it"
            )
        return found


def stage_from(config: StageConfig, outputs: Outputs) -> Stage:
    if config.replica is None:
        raise OutputsError(f"{config.name} has no replica (StageConfig.replica)")
    return Stage(
        name=config.name,
        user_pool_id=outputs[StackOutput.USER_POOL_ID],
        primary=outputs[StackOutput.REGION],
        secondary=config.replica.region,
        routing_check=outputs.get(StackOutput.FAILOVER_HEALTH_CHECK),
    )


def settings_drift(deployed: dict[str, Any], synthesized: dict[str, Any]) -> tuple[str, ...]:
    """The properties of the regional configuration attachment that differ between the deployed
    Secondary template and the synthesized one (Cognito has no call that reads them back)."""
    kind = "AWS::Cognito::UserPoolRegionalConfigurationAttachment"

    def attachment(template: dict[str, Any]) -> dict[str, Any]:
        found = [r for r in template["Resources"].values() if r["Type"] == kind]
        return found[0].get("Properties", {}) if found else {}

    was, now = attachment(deployed), attachment(synthesized)
    return tuple(sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k)))


def read_status(stage: Stage, cognito: Any, route53: Any, drift: tuple[str, ...] = ()) -> Status:
    """`cognito` is a client in the secondary Region (it answers while the primary is out)."""
    replicas = cognito.list_user_pool_replicas(UserPoolId=stage.user_pool_id)["UserPoolReplicas"]
    replica = next((r["Status"] for r in replicas if r["RegionName"] == stage.secondary), "absent")
    if stage.routing_check is None:
        return Status(replica, threshold=None, probe_healthy=None, settings_drift=drift)
    config = route53.get_health_check(HealthCheckId=stage.routing_check)["HealthCheck"][
        "HealthCheckConfig"
    ]
    (probe,) = config["ChildHealthChecks"]
    observations = route53.get_health_check_status(HealthCheckId=probe)["HealthCheckObservations"]
    passing = [o for o in observations if o["StatusReport"]["Status"].startswith("Success")]
    healthy = bool(observations) and len(passing) / len(observations) > HEALTHY_SHARE
    return Status(replica, config["HealthThreshold"], healthy, settings_drift=drift)


def report(stage: Stage, status: Status) -> list[str]:
    return [
        f"{stage.name}: user pool {stage.user_pool_id}, primary {stage.primary}, "
        f"secondary {stage.secondary}",
        f"replica in {stage.secondary}: {status.replica}",
        f"managed login: {status.routing}",
        *(f"warning: {w}" for w in status.warnings()),
    ]


Step = tuple[str, Callable[[], object]]
"""What a step does, in words, and the call that does it."""


def failover_plan(stage: Stage, status: Status, cognito: Any, route53: Any) -> list[Step]:
    steps: list[Step] = []
    if status.replica != "ACTIVE":
        steps.append(
            (
                f"activate the replica in {stage.secondary} (UpdateUserPoolReplica ACTIVE)",
                lambda: cognito.update_user_pool_replica(
                    UserPoolId=stage.user_pool_id, RegionName=stage.secondary, Status="ACTIVE"
                ),
            )
        )
    if stage.routing_check and (status.threshold or 0) < FORCED_UNHEALTHY:
        steps.append(
            (
                f"route managed login to {stage.secondary} whatever the primary's health "
                f"(routing check {stage.routing_check}: HealthThreshold {FORCED_UNHEALTHY})",
                lambda: _set_threshold(route53, stage.routing_check, FORCED_UNHEALTHY),
            )
        )
    return steps


def failback_plan(stage: Stage, status: Status, route53: Any) -> list[Step]:
    """Routing back on the primary's health; the replica stays ACTIVE, ready for the next."""
    if stage.routing_check is None or status.threshold == FOLLOW_THE_PROBE:
        return []
    return [
        (
            f"route managed login on the primary's health again (routing check "
            f"{stage.routing_check}: HealthThreshold {FOLLOW_THE_PROBE}); the replica stays "
            "ACTIVE",
            lambda: _set_threshold(route53, stage.routing_check, FOLLOW_THE_PROBE),
        )
    ]


def _set_threshold(route53: Any, check: str | None, threshold: int) -> None:
    """HealthThreshold of `check`, against the version just read (a concurrent change fails
    with HealthCheckVersionMismatch rather than being overwritten)."""
    version = route53.get_health_check(HealthCheckId=check)["HealthCheck"]["HealthCheckVersion"]
    route53.update_health_check(
        HealthCheckId=check, HealthCheckVersion=version, HealthThreshold=threshold
    )


def run(
    steps: list[Step],
    stage: Stage,
    *,
    yes: bool,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> int:
    """Print the plan; on confirmation (the stage's name typed back, or `yes`) run it."""
    if not steps:
        say("nothing to do")
        return 0
    say("plan:")
    for n, (what, _) in enumerate(steps, 1):
        say(f"  {n}. {what}")
    if not yes and ask(f"type {stage.name} to go ahead: ").strip() != stage.name:
        say("nothing changed")
        return 1
    for what, call in steps:
        call()
        say(f"done: {what}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("status", "failover", "failback"))
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    parser.add_argument("--outputs", type=Path, required=True, help="cdk deploy --outputs-file")
    parser.add_argument("--yes", action="store_true", help="skip the confirmation")
    args = parser.parse_args(argv)
    try:
        (config,) = select_stages([args.stage])
        outputs = stage_outputs(json.loads(args.outputs.read_text()), args.stage)
        stage = stage_from(config, outputs)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    cognito = boto3.client("cognito-idp", region_name=stage.secondary)
    route53 = boto3.client("route53")
    secondary_stack = deployed_stack_name(stage.name, SECONDARY_STACK_ID)
    try:
        synthesized = json.loads(template_path(CDK_OUT, secondary_stack).read_text())
    except (KeyError, FileNotFoundError):
        print(f"error: no {secondary_stack} in {CDK_OUT}: run `make synth` first", file=sys.stderr)
        return 2
    deployed = boto3.client("cloudformation", region_name=stage.secondary).get_template(
        StackName=secondary_stack, TemplateStage="Original"
    )["TemplateBody"]
    drift = settings_drift(
        deployed if isinstance(deployed, dict) else json.loads(deployed), synthesized
    )
    status = read_status(stage, cognito, route53, drift)
    print("\n".join(report(stage, status)))
    if args.action == "status":
        return 0
    if args.action == "failover":
        steps = failover_plan(stage, status, cognito, route53)
    else:
        steps = failback_plan(stage, status, route53)
    return run(steps, stage, yes=args.yes)


if __name__ == "__main__":
    sys.exit(main())
