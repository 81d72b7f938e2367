"""The smoke test's client flow against a local moto server (no AWS).

moto does not enforce IAM conditions, so the foreign-prefix denial is reported as not judged
here and asserted only when the smoke test runs against real AWS.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from stacks.outputs import StackOutput
from tests.support.triggers import create_items_table
from tools.deploy.client_config import OutputsError
from tools.operations.smoke import (
    FOREIGN_PREFIX_DENIED,
    REPLICATION_WAIT_SECONDS,
    UNLINK_IDENTITY,
    Deployment,
    Emulator,
    Replica,
    SmokeCheckError,
    SmokeTest,
    main,
    read_outputs,
    read_replica,
    token_provider,
    totp,
)

REGION = "eu-west-1"
MOTO = Emulator(
    "moto",
    {FOREIGN_PREFIX_DENIED: "it enforces no IAM conditions", UNLINK_IDENTITY: "no UnlinkIdentity"},
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def deployment(endpoint: str, session: boto3.Session) -> Deployment:
    """The resources a deployed stage has, created with boto3 on the moto server."""

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    idp = client("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName="smoke",
        UsernameAttributes=["email"],
        MfaConfiguration="ON",
    )["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    identity_pool_id = client("cognito-identity").create_identity_pool(
        IdentityPoolName="smoke",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}", "ClientId": client_id}
        ],
    )["IdentityPoolId"]
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    table = f"items-{uuid.uuid4().hex[:8]}"
    create_items_table(client("dynamodb"), table)
    return Deployment(
        region=REGION,
        user_pool_id=pool_id,
        client_id=client_id,
        identity_pool_id=identity_pool_id,
        bucket=bucket,
        table=table,
    )


def test_full_flow_with_mfa_setup_and_cleanup(
    deployment: Deployment, session: boto3.Session, endpoint: str
) -> None:
    report = SmokeTest(deployment, session=session, endpoint_url=endpoint, emulator=MOTO).run()
    steps = [line.split(" (")[0] for line in report.lines]
    assert not report.failed, report.lines
    assert steps[0].startswith("ok    create throwaway user smoke+")
    assert steps[1:] == [
        "ok    sign in with SRP",
        "ok    get identity-pool credentials",
        f"ok    upload to own prefix s3://{deployment.bucket}/users/"
        + steps[3].split("/users/")[1],
        "n/a   upload to another user's prefix is denied: moto cannot judge it: it enforces no "
        "IAM conditions",
        "ok    write and read own item",
        "ok    clean up object and item",
        "n/a   unlink the identity-pool identity: moto cannot judge it: no UnlinkIdentity",
        "ok    delete throwaway user",
    ]
    assert report.summary() == "smoke: 7 ok, 0 failed; 2 not judged here (n/a above)"
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    assert idp.list_users(UserPoolId=deployment.user_pool_id)["Users"] == []
    s3 = session.client("s3", endpoint_url=endpoint)
    assert s3.list_objects_v2(Bucket=deployment.bucket)["KeyCount"] == 0
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    assert dynamodb.scan(TableName=deployment.table)["Items"] == []


def test_a_failed_step_is_reported_and_the_user_still_removed(
    deployment: Deployment, session: boto3.Session, endpoint: str
) -> None:
    broken = Deployment(**{**deployment.__dict__, "table": "no-such-table"})
    smoke = SmokeTest(broken, session=session, endpoint_url=endpoint, emulator=MOTO)
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        smoke.run()
    assert smoke.report.failed
    assert any(line.startswith("FAIL  write and read own item") for line in smoke.report.lines)
    assert smoke.report.lines[-1].startswith("ok    delete throwaway user")


def test_totp_matches_rfc_6238() -> None:
    """RFC 6238's SHA-1 vectors, cut to the six digits Cognito asks for."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp(secret, 59) == "287082"
    assert totp(secret, 1111111109) == "081804"
    assert totp(secret.lower(), 1234567890) == "005924"


def test_cli_names_a_missing_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"One-Auth": {}}))
    assert main(["Other", "--outputs", str(outputs)]) == 2
    assert "no outputs for stack 'Other-Auth'" in capsys.readouterr().err


def test_outputs_from_environment_as_a_pipeline_step_gets_them() -> None:
    environ = {name.value: f"{name}-value" for name in StackOutput} | {"HOME": "/root"}
    outputs = read_outputs("Any", None, environ)
    assert dict(outputs) == {name: f"{name}-value" for name in StackOutput}
    with pytest.raises(OutputsError, match=r"lacks outputs \['Region'\]"):
        read_outputs("Any", None, {k: v for k, v in environ.items() if k != "Region"})


SECONDARY = "eu-central-1"


class ReplicaStandIn:
    """A session whose secondary-Region Cognito serves the primary's pool, as a replica does
    (moto has no replicas), and whose first `not_yet` refreshes there answer as for a user
    not yet replicated. It records the Region of every client it hands out."""

    def __init__(self, session: boto3.Session, endpoint: str, not_yet: int) -> None:
        self._session, self._endpoint, self._not_yet = session, endpoint, not_yet
        self.regions: list[tuple[str, str]] = []
        self.refreshes = 0

    def client(self, service: str, *, region_name: str, **options: Any) -> Any:
        self.regions.append((service, region_name))
        if service != "cognito-idp" or region_name != SECONDARY:
            return self._session.client(service, region_name=region_name, **options)
        primary = self._session.client(service, region_name=REGION, **options)
        stand_in = self

        class Replica:
            def initiate_auth(self, **request: Any) -> Any:
                assert request["AuthFlow"] == "REFRESH_TOKEN_AUTH"
                stand_in.refreshes += 1
                if stand_in.refreshes <= stand_in._not_yet:
                    raise ClientError(
                        {"Error": {"Code": "NotAuthorizedException", "Message": "Invalid"}},
                        "InitiateAuth",
                    )
                return primary.initiate_auth(**request)

        return Replica()


@pytest.fixture
def replica(deployment: Deployment, session: boto3.Session, endpoint: str) -> Replica:
    """The secondary identity pool (accepting both Regions' names for the pool) and the
    items table's replica, in the secondary Region."""
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    [web] = idp.list_user_pool_clients(UserPoolId=deployment.user_pool_id)["UserPoolClients"]
    pool = session.client(
        "cognito-identity", region_name=SECONDARY, endpoint_url=endpoint
    ).create_identity_pool(
        IdentityPoolName="smoke-secondary",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {
                "ProviderName": f"cognito-idp.{region}.amazonaws.com/{deployment.user_pool_id}",
                "ClientId": web["ClientId"],
            }
            for region in (SECONDARY, REGION)
        ],
    )["IdentityPoolId"]
    create_items_table(
        session.client("dynamodb", region_name=SECONDARY, endpoint_url=endpoint), deployment.table
    )
    return Replica(region=SECONDARY, identity_pool_id=pool)


def test_a_user_of_the_primary_reaches_its_own_item_through_the_replica(
    deployment: Deployment, replica: Replica, session: boto3.Session, endpoint: str
) -> None:
    """Signed in at the primary (TOTP set up there), refreshed at the replica once the user
    has replicated, credentials from the secondary pool, its own item in the table's replica;
    nothing written in the primary's data, and the user removed."""
    stand_in = ReplicaStandIn(session, endpoint, not_yet=2)
    waits: list[float] = []
    report = SmokeTest(
        deployment,
        session=stand_in,
        endpoint_url=endpoint,
        emulator=MOTO,
        replica=replica,
        sleep=waits.append,
    ).run()
    assert not report.failed, report.lines
    steps = [line.split(" (")[0] for line in report.lines]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{deployment.user_pool_id}"
    assert steps[1:] == [
        "ok    sign in with SRP",
        f"ok    refresh the tokens at the replica in {SECONDARY}",
        f"ok    get credentials from the identity pool in {SECONDARY} as {provider}",
        f"ok    write and read own item in the table's replica in {SECONDARY}",
        "ok    clean up item",
        "n/a   unlink the identity-pool identity: moto cannot judge it: no UnlinkIdentity",
        "ok    delete throwaway user",
    ]
    assert (stand_in.refreshes, waits) == (3, [5.0, 5.0]), "waits while the user replicates"
    assert ("cognito-identity", SECONDARY) in stand_in.regions
    assert ("dynamodb", SECONDARY) in stand_in.regions
    assert ("cognito-identity", REGION) not in stand_in.regions
    for region in (REGION, SECONDARY):
        dynamodb = session.client("dynamodb", region_name=region, endpoint_url=endpoint)
        assert dynamodb.scan(TableName=deployment.table)["Items"] == [], region
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    assert idp.list_users(UserPoolId=deployment.user_pool_id)["Users"] == []


def test_a_replica_that_never_knows_the_user_fails_the_run_and_the_user_is_removed(
    deployment: Deployment, replica: Replica, session: boto3.Session, endpoint: str
) -> None:
    start = time.time()  # the TOTP code at sign-in is computed on this clock too
    now = [start]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    smoke = SmokeTest(
        deployment,
        session=ReplicaStandIn(session, endpoint, not_yet=1000),
        endpoint_url=endpoint,
        emulator=MOTO,
        replica=replica,
        clock=lambda: now[0],
        sleep=sleep,
    )
    with pytest.raises(SmokeCheckError):
        smoke.run()
    assert smoke.report.lines[2].startswith(
        f"FAIL  refresh the tokens at the replica in {SECONDARY}: the replica in {SECONDARY} did "
        "not accept the user's refresh token within 300 s"
    )
    assert now[0] - start == REPLICATION_WAIT_SECONDS
    assert smoke.report.lines[-1].startswith("ok    delete throwaway user")


def test_the_replica_run_reads_the_secondary_stacks_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = {name.value: f"{name}-value" for name in StackOutput} | {"Region": REGION}
    pool = f"{SECONDARY}:11111111-2222-3333-4444-555555555555"
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"Prod-Auth": auth, "Prod-Secondary": {"IdentityPoolId": pool}}))
    assert read_replica("Prod", outputs, SECONDARY) == Replica(SECONDARY, pool)
    with pytest.raises(OutputsError) as wrong:
        read_replica("Prod", outputs, "us-east-1")
    assert str(wrong.value) == (
        f"--region us-east-1: Prod's replica is in {SECONDARY} (its identity pool {pool}); "
        f"pass --region {SECONDARY}, or leave it out for the primary"
    )
    assert main(["Prod", "--from-env", "--region", SECONDARY], environ=auth) == 2
    assert "--region eu-central-1 reads the Secondary stack's outputs: pass --outputs" in (
        capsys.readouterr().err
    )
    outputs.write_text(json.dumps({"Prod-Auth": auth}))
    assert main(["Prod", "--outputs", str(outputs), "--region", SECONDARY]) == 2
    assert "the file has no IdentityPoolId of 'Prod-Secondary'" in capsys.readouterr().err


def test_the_login_name_is_the_tokens_issuer() -> None:
    def token(claims: dict[str, str]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"e30.{body}.signature"

    issuer = "issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
    assert token_provider(token({"iss": f"https://{issuer}"})) == issuer
    assert token_provider(token({"iss": "https://cognito-idp.eu-central-1.amazonaws.com/x1"})) == (
        "cognito-idp.eu-central-1.amazonaws.com/x1"
    )
