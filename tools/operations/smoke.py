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
"""

from __future__ import annotations

import argparse
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
from tools.deploy.client_config import Outputs, OutputsError, stage_outputs
from tools.deploy.local import DUMMY_KEYS

SMOKE_SORT_KEY = "SMOKE"


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
    unjudgeable steps are reported as such rather than passed)."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        emulator: Emulator | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.deployment = deployment
        self._session = session or boto3.Session(region_name=deployment.region)
        self._endpoint = endpoint_url
        self._emulator = emulator
        self._clock = clock
        self._idp = self._client("cognito-idp")
        self.report = Report()

    def _client(self, service: str, credentials: Mapping[str, str] | None = None) -> Any:
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
            service, region_name=self.deployment.region, endpoint_url=self._endpoint, **keys
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
                id_token = self._sign_in(email, password)
            with steps("get identity-pool credentials"):
                identity_id, credentials = self._credentials(id_token)
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
                key = {PARTITION_KEY: {"S": sub}, SORT_KEY: {"S": SMOKE_SORT_KEY}}
                item = {**key, "note": {"S": "smoke"}}
                dynamodb.put_item(TableName=d.table, Item=item)
                got = dynamodb.get_item(TableName=d.table, Key=key)
                _expect(got.get("Item") == item, f"the item reads back as {got.get('Item')}")
            with steps("clean up object and item"):
                s3.delete_object(Bucket=d.bucket, Key=own_key)
                dynamodb.delete_item(TableName=d.table, Key=key)
            self._unlink_identity(identity_id, id_token)
        finally:
            with steps("delete throwaway user"):
                self._idp.admin_delete_user(UserPoolId=d.user_pool_id, Username=email)
        return self.report

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

    def _sign_in(self, email: str, password: str) -> str:
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
        return str(answer["AuthenticationResult"]["IdToken"])

    def _credentials(self, id_token: str) -> tuple[str, dict[str, str]]:
        d = self.deployment
        identity = self._client("cognito-identity")
        logins = {f"cognito-idp.{d.region}.amazonaws.com/{d.user_pool_id}": id_token}
        identity_id = identity.get_id(IdentityPoolId=d.identity_pool_id, Logins=logins)[
            "IdentityId"
        ]
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

    def _unlink_identity(self, identity_id: str, id_token: str) -> None:
        """Detach the user's login from the identity, with the login itself (UnlinkIdentity is
        a public API). DeleteIdentities would need IAM on '*': it has no resource-level
        permissions, so a role allowed it could delete identities of every pool."""
        name = UNLINK_IDENTITY
        if self._cannot_judge(name):
            return
        d = self.deployment
        provider = f"cognito-idp.{d.region}.amazonaws.com/{d.user_pool_id}"
        with self.report.step(name):
            self._client("cognito-identity").unlink_identity(
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
    args = parser.parse_args(argv)
    try:
        outputs = read_outputs(args.stage, args.outputs, os.environ if environ is None else environ)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    deployment = Deployment.from_outputs(outputs)
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
    )
    with suppress(Exception):  # the report names the failed step and its error
        smoke.run()
    print("\n".join([*smoke.report.lines, smoke.report.summary()]))
    return 1 if smoke.report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
