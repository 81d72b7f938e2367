"""`make failover-status`, `make failover`, `make failback` against botocore's Stubber: each call
checked against the real API models of Cognito (multi-Region replication) and Route 53, which
moto does not have."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from stacks.outputs import StackOutput
from tools.operations.failover import (
    FORCED_UNHEALTHY,
    Stage,
    Status,
    failback_plan,
    failover_plan,
    main,
    read_status,
    report,
    run,
    settings_drift,
)

POOL = "eu-west-1_AbCdEf123"
ROUTING, PROBE = "11111111-aaaa-4bbb-8ccc-000000000001", "11111111-aaaa-4bbb-8ccc-000000000002"
STAGE = Stage(
    name="Prod",
    user_pool_id=POOL,
    primary="eu-west-1",
    secondary="eu-central-1",
    routing_check=ROUTING,
)
ARN = f"arn:aws:cognito-idp:eu-central-1:123456789012:userpool/{POOL}"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Stubber, Any, Stubber]]:
    cognito = boto3.client(
        "cognito-idp",
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    route53 = boto3.client(
        "route53",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(cognito) as cognito_stub, Stubber(route53) as route53_stub:
        yield cognito, cognito_stub, route53, route53_stub
        cognito_stub.assert_no_pending_responses()
        route53_stub.assert_no_pending_responses()


def replicas(stub: Stubber, status: str) -> None:
    stub.add_response(
        "list_user_pool_replicas",
        {
            "UserPoolReplicas": [
                {"RegionName": "eu-west-1", "Status": "ACTIVE", "Role": "PRIMARY"},
                {"RegionName": "eu-central-1", "Status": status, "Role": "SECONDARY"},
            ]
        },
        {"UserPoolId": POOL},
    )


def routing_check(stub: Stubber, threshold: int, version: int = 3) -> None:
    stub.add_response(
        "get_health_check",
        {
            "HealthCheck": {
                "Id": ROUTING,
                "CallerReference": "cfn",
                "HealthCheckVersion": version,
                "HealthCheckConfig": {
                    "Type": "CALCULATED",
                    "ChildHealthChecks": [PROBE],
                    "HealthThreshold": threshold,
                },
            }
        },
        {"HealthCheckId": ROUTING},
    )


def probe(stub: Stubber, passing: int, failing: int) -> None:
    def observation(region: str, status: str) -> dict[str, Any]:
        return {
            "Region": region,
            "IPAddress": "15.177.0.1",
            "StatusReport": {"Status": status},
        }

    stub.add_response(
        "get_health_check_status",
        {
            "HealthCheckObservations": [
                *(
                    observation("eu-west-1", "Success: HTTP Status Code 200, OK")
                    for _ in range(passing)
                ),
                *(
                    observation("us-east-1", "Failure: Connection timed out")
                    for _ in range(failing)
                ),
            ]
        },
        {"HealthCheckId": PROBE},
    )


def status_of(clients: Any, replica: str, threshold: int, passing: int, failing: int) -> Status:
    cognito, cognito_stub, route53, route53_stub = clients
    replicas(cognito_stub, replica)
    routing_check(route53_stub, threshold)
    probe(route53_stub, passing, failing)
    return read_status(STAGE, cognito, route53)


def test_status_reads_the_replica_the_routing_and_the_primarys_health(clients: Any) -> None:
    status = status_of(clients, "INACTIVE", 1, passing=1, failing=7)
    assert status == Status("INACTIVE", 1, False)
    assert report(STAGE, status) == [
        f"Prod: user pool {POOL}, primary eu-west-1, secondary eu-central-1",
        "replica in eu-central-1: INACTIVE",
        "managed login: follows the primary's health: now the secondary (the primary fails its "
        "check)",
        "warning: the replica is INACTIVE: nobody can sign in through it, so a failover "
        "(automatic or not) would reach a replica that serves no one; `make failover` "
        "activates it",
    ]


def test_more_than_18_percent_of_checkers_passing_is_healthy(clients: Any) -> None:
    """Route 53's own rule: 2 of 8 (25%) is healthy; 1 of 8 (12.5%) is not (above)."""
    status = status_of(clients, "ACTIVE", 1, passing=2, failing=6)
    assert status.probe_healthy is True
    assert status.warnings() == []
    assert status.routing == "follows the primary's health: now the primary"


def test_failover_activates_the_replica_then_forces_the_routing_check(clients: Any) -> None:
    cognito, cognito_stub, route53, route53_stub = clients
    status = status_of(clients, "INACTIVE", 1, passing=8, failing=0)
    steps = failover_plan(STAGE, status, cognito, route53)
    assert [what for what, _ in steps] == [
        "activate the replica in eu-central-1 (UpdateUserPoolReplica ACTIVE)",
        f"route managed login to eu-central-1 whatever the primary's health (routing check "
        f"{ROUTING}: HealthThreshold 2)",
    ]
    cognito_stub.add_response(
        "update_user_pool_replica",
        {"UserPoolReplica": {"RegionName": "eu-central-1", "Status": "ACTIVE", "UserPoolArn": ARN}},
        {"UserPoolId": POOL, "RegionName": "eu-central-1", "Status": "ACTIVE"},
    )
    routing_check(route53_stub, 1, version=7)
    route53_stub.add_response(
        "update_health_check",
        {
            "HealthCheck": {
                "Id": ROUTING,
                "CallerReference": "cfn",
                "HealthCheckVersion": 8,
                "HealthCheckConfig": {"Type": "CALCULATED", "HealthThreshold": 2},
            }
        },
        {"HealthCheckId": ROUTING, "HealthCheckVersion": 7, "HealthThreshold": FORCED_UNHEALTHY},
    )
    said: list[str] = []
    assert run(steps, STAGE, yes=False, ask=lambda _: "Prod", say=said.append) == 0
    assert said[-2:] == [f"done: {steps[0][0]}", f"done: {steps[1][0]}"]


def test_nothing_changes_unless_the_stage_is_typed_back(clients: Any) -> None:
    cognito, _, route53, _ = clients
    status = status_of(clients, "INACTIVE", 1, passing=8, failing=0)
    steps = failover_plan(STAGE, status, cognito, route53)
    said: list[str] = []
    assert run(steps, STAGE, yes=False, ask=lambda _: "prod", say=said.append) == 1
    assert said[-1] == "nothing changed"  # and no stubbed call was made (the fixture checks)


def test_a_stage_already_failed_over_has_nothing_to_do(clients: Any) -> None:
    cognito, _, route53, _ = clients
    status = status_of(clients, "ACTIVE", FORCED_UNHEALTHY, passing=0, failing=8)
    assert status.routing == "forced to the secondary (make failover)"
    assert failover_plan(STAGE, status, cognito, route53) == []
    said: list[str] = []
    assert run([], STAGE, yes=True, say=said.append) == 0
    assert said == ["nothing to do"]


def test_failback_follows_the_probe_again_and_keeps_the_replica_active(clients: Any) -> None:
    _, _, route53, route53_stub = clients
    status = status_of(clients, "ACTIVE", FORCED_UNHEALTHY, passing=8, failing=0)
    (step,) = failback_plan(STAGE, status, route53)
    assert step[0] == (
        f"route managed login on the primary's health again (routing check {ROUTING}: "
        "HealthThreshold 1); the replica stays ACTIVE"
    )
    routing_check(route53_stub, FORCED_UNHEALTHY, version=8)
    route53_stub.add_response(
        "update_health_check",
        {
            "HealthCheck": {
                "Id": ROUTING,
                "CallerReference": "cfn",
                "HealthCheckVersion": 9,
                "HealthCheckConfig": {"Type": "CALCULATED", "HealthThreshold": 1},
            }
        },
        {"HealthCheckId": ROUTING, "HealthCheckVersion": 8, "HealthThreshold": 1},
    )
    assert run([step], STAGE, yes=True, say=lambda _: None) == 0


def test_failback_of_a_stage_that_follows_the_probe_does_nothing(clients: Any) -> None:
    _, _, route53, _ = clients
    status = status_of(clients, "ACTIVE", 1, passing=8, failing=0)
    assert failback_plan(STAGE, status, route53) == []


def test_without_failover_routing_failover_only_activates_the_replica(clients: Any) -> None:
    cognito, cognito_stub, route53, _ = clients
    stage = Stage("Prod", POOL, "eu-west-1", "eu-central-1", routing_check=None)
    replicas(cognito_stub, "INACTIVE")
    status = read_status(stage, cognito, route53)
    assert status.routing == "no failover routing (managed login serves the primary only)"
    assert [what for what, _ in failover_plan(stage, status, cognito, route53)] == [
        "activate the replica in eu-central-1 (UpdateUserPoolReplica ACTIVE)"
    ]
    assert failback_plan(stage, status, route53) == []


ATTACHMENT = "AWS::Cognito::UserPoolRegionalConfigurationAttachment"


def secondary_template(**properties: Any) -> dict[str, Any]:
    return {"Resources": {"Settings": {"Type": ATTACHMENT, "Properties": properties}}}


def test_regional_settings_that_differ_from_the_config_are_named() -> None:
    email = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:...:identity/a@example.com"}
    same = secondary_template(UserPoolId=POOL, EmailConfiguration=email)
    assert settings_drift(same, same) == ()
    moved = secondary_template(
        UserPoolId=POOL, EmailConfiguration={**email, "SourceArn": "arn:...:identity/b@example.com"}
    )
    assert settings_drift(same, moved) == ("EmailConfiguration",)
    assert settings_drift(secondary_template(UserPoolId=POOL), moved) == ("EmailConfiguration",)
    status = Status("ACTIVE", 1, True, settings_drift=("EmailConfiguration",))
    assert status.warnings() == [
        "the replica's regional settings differ from the config (EmailConfiguration): deploy "
        "the stage's Secondary stack"
    ]


def test_a_stage_without_a_replica_or_its_outputs_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"Dev-Auth": {o.value: "x" for o in StackOutput}}))
    assert main(["status", "Dev", "--outputs", str(outputs)]) == 2
    assert capsys.readouterr().err == "error: Dev has no replica (StageConfig.replica)\n"
    assert main(["status", "Prod", "--outputs", str(outputs)]) == 2
    assert "no outputs for stack 'Prod-Auth'" in capsys.readouterr().err
