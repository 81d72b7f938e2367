"""The smoke test's client flow against a local moto server (no AWS).

moto does not enforce IAM conditions, so the foreign-prefix denial is reported as not judged
here and asserted only when the smoke test runs against real AWS.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from stacks.outputs import StackOutput
from tests.support.triggers import create_items_table
from tools.deploy.client_config import OutputsError
from tools.operations.smoke import (
    FOREIGN_PREFIX_DENIED,
    UNLINK_IDENTITY,
    Deployment,
    Emulator,
    SmokeTest,
    main,
    read_outputs,
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
