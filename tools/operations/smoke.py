"""Smoke test of a deployed stage, as a real client would use it.

    cdk deploy 'Dev/*' --outputs-file outputs.json
    python -m tools.operations.smoke Dev --outputs outputs.json     (make smoke STAGE=Dev)
    python -m tools.operations.smoke Dev --from-env                 (the CDK Pipelines smoke step)

Creates a throwaway user, signs in with SRP (completing TOTP setup when the pool requires MFA),
exchanges the ID token for identity-pool credentials, uploads to the user's own prefix, checks
that a foreign prefix is denied, writes and reads the user's own item, and cleans everything up.

    python -m tools.operations.smoke Local --outputs .local/outputs.json \
        --local-endpoint http://localhost:4566                       (make local-smoke)

runs it against the local backend (docs/local-backend.md): what its emulator cannot judge is
reported `n/a` with the reason, and counted in the closing line, never passed.

    python -m tools.operations.smoke Prod --outputs outputs.json --region eu-central-1
                                                            (make smoke STAGE=Prod REGION=...)

goes through the pool's replica in that (secondary) Region instead, as an app does in a
failover: the throwaway user is made and signed in at the primary (a replica makes no user and
sets up no TOTP), then refreshes its tokens at the replica, takes credentials from the
secondary identity pool, and writes and reads its own item in the table's replica there.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pyotp
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from auth_constructs.data.data_layout import PARTITION_KEY, SORT_KEY, user_prefix
from stacks.outputs import StackOutput, deployed_stack_name
from tools.deploy.client_config import (
    Outputs,
    OutputsError,
    secondary_identity_pool,
    stage_outputs,
)
from tools.deploy.local import DUMMY_KEYS

SMOKE_SORT_KEY = "SMOKE"
REPLICATION_WAIT_SECONDS = 300.0
"""How long the replica may take to learn of the throwaway user: replication is eventually
consistent, and AWS documents no figure."""
REPLICATION_POLL_SECONDS = 5.0
NOT_YET_REPLICATED = frozenset({"NotAuthorizedException", "UserNotFoundException"})
"""What a refresh at the replica may answer before the user has reached it (not documented:
either is taken as "not yet", until the wait is over)."""


class SmokeCheckError(Exception):
    """A deployed stage does not behave as the design says."""


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise SmokeCheckError(problem)


def totp(secret_base32: str, at: float) -> str:
    """The code an authenticator app shows at `at` for the secret Cognito handed out (pyotp:
    RFC 6238, six digits, 30-second steps, as Cognito expects)."""
    return pyotp.TOTP(secret_base32).at(int(at))


@dataclass(frozen=True)
class Deployment:
    region: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    bucket: str
    table: str

    @classmethod
    def from_outputs(cls, outputs: Outputs) -> Deployment:
        return cls(
            region=outputs[StackOutput.REGION],
            user_pool_id=outputs[StackOutput.USER_POOL_ID],
            client_id=outputs[StackOutput.WEB_CLIENT_ID],
            identity_pool_id=outputs[StackOutput.IDENTITY_POOL_ID],
            bucket=outputs[StackOutput.PHOTOS_BUCKET],
            table=outputs[StackOutput.ITEMS_TABLE],
        )


@dataclass(frozen=True)
class Replica:
    """The secondary Region a run goes through (`--region`), and its identity pool there."""

    region: str
    identity_pool_id: str


def token_provider(id_token: str) -> str:
    """The identity-pool login name of a token's issuer (its `iss` without the scheme), as
    Amplify builds it: which of the secondary pool's two names a replica's token carries is
    not documented, so the run reads it and reports it."""
    payload = id_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["iss"]).removeprefix("https://")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: bool = False
    unjudged: list[str] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        except Exception as error:
            self.failed = True
            self.lines.append(f"FAIL  {name}: {error}")
            raise
        self.lines.append(f"ok    {name} ({(time.perf_counter() - start) * 1000:.0f} ms)")

    def not_judged(self, name: str, emulator: Emulator) -> None:
        self.unjudged.append(name)
        why = emulator.cannot_judge[name]
        self.lines.append(f"n/a   {name}: {emulator.name} cannot judge it: {why}")

    def summary(self) -> str:
        """The closing line: passes, failures, and every step the emulator could not judge."""
        passed = sum(line.startswith("ok ") for line in self.lines)
        failed = sum(line.startswith("FAIL ") for line in self.lines)
        unjudged = f"; {len(self.unjudged)} not judged here (n/a above)" if self.unjudged else ""
        return f"smoke: {passed} ok, {failed} failed{unjudged}"


FOREIGN_PREFIX_DENIED = "upload to another user's prefix is denied"
UNLINK_IDENTITY = "unlink the identity-pool identity"


@dataclass(frozen=True)
class Emulator:
    """A local stand-in for AWS and the smoke steps it cannot judge, each with the reason."""

    name: str
    cannot_judge: Mapping[str, str]


MINISTACK = Emulator(
    "ministack",
    {
        FOREIGN_PREFIX_DENIED: (
            "it enforces no IAM (with AUTH=true it refuses the CDK CLI's asset publishing) and "
            "never substitutes policy variables; per-user isolation is proven offline by the "
            "IAM evaluator (tests/test_isolation.py) and asserted by this test against AWS"
        )
    },
)
"""The local backend's emulator (`make local`)."""


class SmokeTest:
    """One run against one deployment (AWS, or with `emulator` a local stand-in, whose
    unjudgeable steps are reported as such rather than passed), through its primary Region or,
    with `replica`, through the pool's replica."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        emulator: Emulator | None = None,
        replica: Replica | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.deployment = deployment
        self._replica = replica
        self._sleep = sleep
        self._session = session or boto3.Session(region_name=deployment.region)
        self._endpoint = endpoint_url
        self._emulator = emulator
        self._clock = clock
        self._idp = self._client("cognito-idp")
        self.report = Report()

    def _client(
        self,
        service: str,
        credentials: Mapping[str, str] | None = None,
        region: str | None = None,
    ) -> Any:
        keys = (
            {}
            if credentials is None
            else {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        )
        return self._session.client(
            service,
            region_name=region or self.deployment.region,
            endpoint_url=self._endpoint,
            **keys,
        )

    def run(self) -> Report:
        email = f"smoke+{uuid.uuid4().hex[:12]}@example.com"
        password = secrets.token_urlsafe(18) + "aA1!"
        steps = self.report.step
        d = self.deployment
        with steps(f"create throwaway user {email}"):
            sub = self._create_user(email, password)
        try:
            with steps("sign in with SRP"):
                tokens = self._sign_in(email, password)
            if self._replica:
                self._through_replica(self._replica, sub, tokens["RefreshToken"])
            else:
                self._through_primary(sub, tokens["IdToken"])
        finally:
            with steps("delete throwaway user"):
                self._idp.admin_delete_user(UserPoolId=d.user_pool_id, Username=email)
        return self.report

    def _through_primary(self, sub: str, id_token: str) -> None:
        steps = self.report.step
        d = self.deployment
        provider = f"cognito-idp.{d.region}.amazonaws.com/{d.user_pool_id}"
        with steps("get identity-pool credentials"):
            identity_id, credentials = self._credentials(
                d.identity_pool_id, provider, id_token, d.region
            )
        s3 = self._client("s3", credentials)
        own_key = f"{user_prefix(sub)}smoke.txt"
        with steps(f"upload to own prefix s3://{d.bucket}/{own_key}"):
            s3.put_object(Bucket=d.bucket, Key=own_key, Body=b"smoke")
            _expect(
                s3.get_object(Bucket=d.bucket, Key=own_key)["Body"].read() == b"smoke",
                "the uploaded object reads back different",
            )
        self._check_foreign_prefix_denied(s3)
        dynamodb = self._client("dynamodb", credentials)
        with steps("write and read own item"):
            key = self._own_item(dynamodb, sub)
        with steps("clean up object and item"):
            s3.delete_object(Bucket=d.bucket, Key=own_key)
            dynamodb.delete_item(TableName=d.table, Key=key)
        self._unlink_identity(identity_id, provider, id_token, d.region)

    def _through_replica(self, replica: Replica, sub: str, refresh_token: str) -> None:
        """The user signed in at the primary keeps going through the replica: tokens, the
        secondary identity pool's credentials, and its own item in the table's replica."""
        steps = self.report.step
        region = replica.region
        with steps(f"refresh the tokens at the replica in {region}"):
            id_token = self._refresh_at_replica(region, refresh_token)
        provider = token_provider(id_token)
        with steps(f"get credentials from the identity pool in {region} as {provider}"):
            identity_id, credentials = self._credentials(
                replica.identity_pool_id, provider, id_token, region
            )
        dynamodb = self._client("dynamodb", credentials, region)
        with steps(f"write and read own item in the table's replica in {region}"):
            key = self._own_item(dynamodb, sub)
        with steps("clean up item"):
            dynamodb.delete_item(TableName=self.deployment.table, Key=key)
        self._unlink_identity(identity_id, provider, id_token, region)

    def _own_item(self, dynamodb: Any, sub: str) -> dict[str, Any]:
        """Write the user's smoke item and read it back; its key."""
        table = self.deployment.table
        key = {PARTITION_KEY: {"S": sub}, SORT_KEY: {"S": SMOKE_SORT_KEY}}
        item = {**key, "note": {"S": "smoke"}}
        dynamodb.put_item(TableName=table, Item=item)
        got = dynamodb.get_item(TableName=table, Key=key)
        _expect(got.get("Item") == item, f"the item reads back as {got.get('Item')}")
        return key

    def _refresh_at_replica(self, region: str, refresh_token: str) -> str:
        """An ID token from the replica for the primary's refresh token, once the user has
        replicated (waiting up to REPLICATION_WAIT_SECONDS)."""
        idp = self._client("cognito-idp", region=region)
        deadline = self._clock() + REPLICATION_WAIT_SECONDS
        while True:
            try:
                answer = idp.initiate_auth(
                    ClientId=self.deployment.client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": refresh_token},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] not in NOT_YET_REPLICATED:
                    raise
                if self._clock() >= deadline:
                    raise SmokeCheckError(
                        f"the replica in {region} did not accept the user's refresh token within "
                        f"{REPLICATION_WAIT_SECONDS:.0f} s: {error}"
                    ) from error
                self._sleep(REPLICATION_POLL_SECONDS)
                continue
            return str(answer["AuthenticationResult"]["IdToken"])

    def _create_user(self, email: str, password: str) -> str:
        """A confirmed user whose email stays unverified, so an MFA-required pool offers TOTP
        setup (which this test can complete) rather than email codes (which it cannot read)."""
        user = self._idp.admin_create_user(
            UserPoolId=self.deployment.user_pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}],
        )["User"]
        self._idp.admin_set_user_password(
            UserPoolId=self.deployment.user_pool_id,
            Username=email,
            Password=password,
            Permanent=True,
        )
        attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
        return str(attributes["sub"])

    def _sign_in(self, email: str, password: str) -> dict[str, str]:
        """The tokens of an SRP sign-in at the primary (AuthenticationResult)."""
        d = self.deployment
        srp = AWSSRP(
            username=email,
            password=password,
            pool_id=d.user_pool_id,
            client_id=d.client_id,
            client=self._idp,
        )
        answer = srp.authenticate_user()
        if answer.get("ChallengeName") == "MFA_SETUP":
            secret = self._idp.associate_software_token(Session=answer["Session"])
            verified = self._idp.verify_software_token(
                Session=secret["Session"],
                UserCode=totp(secret["SecretCode"], self._clock()),
                FriendlyDeviceName="smoke-test",
            )
            answer = self._idp.respond_to_auth_challenge(
                ClientId=d.client_id,
                ChallengeName="MFA_SETUP",
                Session=verified["Session"],
                ChallengeResponses={"USERNAME": email},
            )
        if "AuthenticationResult" not in answer:
            raise RuntimeError(f"sign-in stopped at challenge {answer.get('ChallengeName')}")
        return dict(answer["AuthenticationResult"])

    def _credentials(
        self, identity_pool_id: str, provider: str, id_token: str, region: str
    ) -> tuple[str, dict[str, str]]:
        identity = self._client("cognito-identity", region=region)
        logins = {provider: id_token}
        identity_id = identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
        credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
            "Credentials"
        ]
        return str(identity_id), credentials

    def _cannot_judge(self, step: str) -> bool:
        """Report `step` as not judged if the emulator cannot judge it."""
        if self._emulator is None or step not in self._emulator.cannot_judge:
            return False
        self.report.not_judged(step, self._emulator)
        return True

    def _unlink_identity(self, identity_id: str, provider: str, id_token: str, region: str) -> None:
        """Detach the user's login from the identity, with the login itself (UnlinkIdentity is
        a public API). DeleteIdentities would need IAM on '*': it has no resource-level
        permissions, so a role allowed it could delete identities of every pool."""
        name = UNLINK_IDENTITY
        if self._cannot_judge(name):
            return
        with self.report.step(name):
            self._client("cognito-identity", region=region).unlink_identity(
                IdentityId=identity_id, Logins={provider: id_token}, LoginsToRemove=[provider]
            )

    def _check_foreign_prefix_denied(self, s3: Any) -> None:
        name = FOREIGN_PREFIX_DENIED
        if self._cannot_judge(name):
            return
        foreign = f"{user_prefix(str(uuid.uuid4()))}smoke.txt"
        with self.report.step(name):
            try:
                s3.put_object(Bucket=self.deployment.bucket, Key=foreign, Body=b"x")
            except ClientError as error:
                if error.response["Error"]["Code"] != "AccessDenied":
                    raise
            else:
                s3.delete_object(Bucket=self.deployment.bucket, Key=foreign)
                raise SmokeCheckError(f"wrote {foreign}: per-user isolation is broken")


def smoke_role_session(role_arn: str, region: str) -> boto3.Session:
    """A session as the stage's smoke role, which may do exactly what this test does."""
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=role_arn, RoleSessionName="smoke-test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def read_outputs(stage: str, outputs_file: Path | None, environ: Mapping[str, str]) -> Outputs:
    """The stage's outputs from a `cdk deploy --outputs-file` file, or from environment
    variables named like the outputs (how a CDK Pipelines step receives them)."""
    if outputs_file is None:
        names = {o.value for o in StackOutput}
        from_env = {k: v for k, v in environ.items() if k in names}
        return stage_outputs({deployed_stack_name(stage): from_env}, stage)
    return stage_outputs(json.loads(outputs_file.read_text()), stage)


def read_replica(stage: str, outputs_file: Path | None, region: str) -> Replica:
    """The stage's replica in `region`, from the Secondary stack's outputs in the file."""
    if outputs_file is None:
        raise OutputsError(
            f"--region {region} reads the Secondary stack's outputs: pass --outputs (the file "
            f"`cdk deploy '{stage}/*' --outputs-file` writes)"
        )
    pool = secondary_identity_pool(json.loads(outputs_file.read_text()), stage)
    pool_region = pool.partition(":")[0]  # an identity pool id is '<region>:<uuid>'
    if pool_region != region:
        raise OutputsError(
            f"--region {region}: {stage}'s replica is in {pool_region} (its identity pool "
            f"{pool}); pass --region {pool_region}, or leave it out for the primary"
        )
    return Replica(region=region, identity_pool_id=pool)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a deployed stage.")
    parser.add_argument("stage", help="the stage name, e.g. Dev")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--outputs", type=Path, help="the file from cdk deploy --outputs-file")
    source.add_argument(
        "--from-env",
        action="store_true",
        help="read the outputs from environment variables (CDK Pipelines)",
    )
    parser.add_argument(
        "--assume-smoke-role",
        action="store_true",
        help="assume the stage's SmokeRoleArn first (the CDK Pipelines step; GitHub Actions "
        "assumes it through OIDC before calling this)",
    )
    parser.add_argument(
        "--local-endpoint",
        metavar="URL",
        help="run against the local backend's emulator at URL (make local-smoke), reporting "
        "the steps it cannot judge as such",
    )
    parser.add_argument(
        "--region",
        help="go through the pool's replica in this (secondary) Region, as in a failover "
        "(needs --outputs: the Secondary stack's outputs)",
    )
    args = parser.parse_args(argv)
    try:
        outputs = read_outputs(args.stage, args.outputs, os.environ if environ is None else environ)
        deployment = Deployment.from_outputs(outputs)
        replica = None
        if args.region and args.region != deployment.region:
            replica = read_replica(args.stage, args.outputs, args.region)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    session = (
        smoke_role_session(outputs[StackOutput.SMOKE_ROLE_ARN], deployment.region)
        if args.assume_smoke_role
        else None
    )
    if args.local_endpoint:
        session = boto3.Session(region_name=deployment.region, **DUMMY_KEYS)
    smoke = SmokeTest(
        deployment,
        session=session,
        endpoint_url=args.local_endpoint,
        emulator=MINISTACK if args.local_endpoint else None,
        replica=replica,
    )
    with suppress(Exception):  # the report names the failed step and its error
        smoke.run()
    print("\n".join([*smoke.report.lines, smoke.report.summary()]))
    return 1 if smoke.report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
