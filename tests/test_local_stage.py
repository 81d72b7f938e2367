"""The Local stage (`make local`, docs/local-backend.md): Dev less what the emulator cannot run,
each omission named in config and in the doc, added only on request and never by the pipeline;
and the tool that runs it, up to the emulator (the running backend: tests/local/)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import reduce
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stacks.outputs import StackOutput
from stage_config import ConfigError, StageConfig
from stage_config.emulator import Omission
from stage_config.local import LOCAL_OF, LOCAL_OMISSIONS, LOCAL_STAGE, local
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.app import PIPELINE_CONNECTION, SynthesizedApp, normalized, synthesize
from tests.support.config_errors import assert_config_error
from tests.support.configs import replicated
from tests.support.paths import ROOT
from tools.deploy import local as tool
from tools.deploy.client_config import Client, client_config

EMULATOR_REJECTS = (
    "AWS::Cognito::ManagedLoginBranding",
    "AWS::Cognito::LogDeliveryConfiguration",
    "AWS::Cognito::UserPoolIdentityProvider",
    "AWS::Cognito::UserPoolRiskConfigurationAttachment",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::CloudWatch::Alarm",
)
"""Resource types ministack 1.5.33's CloudFormation refused in a Dev deploy (the alarms: those
with metric math; the Local stage has none at all)."""


@pytest.fixture(scope="module")
def with_local(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The app as `make local` synthesizes it, with the stage it copies beside it."""
    return synthesize(
        tmp_path_factory.mktemp("local.out"),
        context={"local": "true", "stages": f"{LOCAL_OF},{LOCAL_STAGE}"},
    )


def test_local_leaves_the_deployed_stages_as_they_are(
    with_local: SynthesizedApp, synthesized: SynthesizedApp
) -> None:
    assert LOCAL_STAGE not in STAGES, "never a deployed stage, nor in CI's stage matrix"
    assert [c.name for c in select_stages()] == list(STAGES)
    assert normalized(with_local.template_json(LOCAL_OF)) == normalized(
        synthesized.template_json(LOCAL_OF)
    )


def test_local_holds_nothing_the_emulator_rejects(with_local: SynthesizedApp) -> None:
    kinds = {r["Type"] for r in with_local.template_json(LOCAL_STAGE)["Resources"].values()}
    assert kinds & set(EMULATOR_REJECTS) == set()
    assert not {k for k in kinds if k.startswith("AWS::Lambda::")}, "no trigger needs a layer"
    assert {
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolDomain",
        "AWS::Cognito::IdentityPool",
        "AWS::Cognito::IdentityPoolPrincipalTag",
        "AWS::S3::Bucket",
    } <= kinds
    outputs = with_local.template_json(LOCAL_STAGE)["Outputs"]
    assert StackOutput.ISSUER_URL.value not in outputs  # the emulator has no ProviderURL
    assert StackOutput.USER_POOL_ID.value in outputs


def everything_on() -> StageConfig:
    """A non-production stage with every omission's feature on (a user's Dev may grow any)."""
    sample = replicated()
    pool = sample.user_pool
    clients = {
        name: dataclasses.replace(getattr(pool, name), password_auth=True)
        for name in ("web_client", "mobile_client")
    }
    full = dataclasses.replace(
        sample, production=False, user_pool=dataclasses.replace(pool, **clients)
    )
    for key in LOCAL_OMISSIONS:
        if not key.startswith("leave_out."):
            assert reduce(getattr, key.split("."), full), f"{key} is off in the sample already"
    return full


@pytest.mark.parametrize("base", [STAGES[LOCAL_OF], everything_on], ids=[LOCAL_OF, "everything"])
def test_every_omission_is_off_in_the_local_stage_and_named_in_the_doc(
    base: Callable[[], StageConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(STAGES, LOCAL_OF, base)
    config, doc = local(), (ROOT / "docs" / "local-backend.md").read_text()
    for key in LOCAL_OMISSIONS:
        if key.startswith("leave_out."):
            assert Omission(key.removeprefix("leave_out.")) in config.leave_out
        else:
            assert not reduce(getattr, key.split("."), config), key
        assert f"`{key}`" in doc, f"docs/local-backend.md does not list the omission {key}"
    assert {f"leave_out.{o}" for o in Omission} <= set(LOCAL_OMISSIONS)
    # Its own names, so it never collides with the stage it copies.
    assert config.name == LOCAL_STAGE
    assert config.user_pool.domain_prefix == f"{base().user_pool.domain_prefix}-local"
    assert config.tags == {**base().tags, "stage": "local"}


def test_the_local_stage_refuses_to_copy_a_production_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(STAGES, LOCAL_OF, STAGES["Prod"])
    assert_config_error(
        local,
        "local",
        f"{LOCAL_OF} is a production stage, which the local stage must not copy. Fix: point "
        "LOCAL_OF at a non-production stage",
    )


def test_local_is_asked_for_by_name_and_never_delivered_by_the_pipeline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="local: 'yes' is not 'true'"):
        synthesize(tmp_path / "bad", context={"local": "yes"})
    with pytest.raises(ConfigError, match="local: the Local stage is deployed into the local"):
        synthesize(
            tmp_path / "pipeline",
            context={
                "local": "true",
                "delivery": "cdk-pipelines",
                "connection_arn": PIPELINE_CONNECTION,
            },
        )


def test_a_production_stage_leaves_nothing_out() -> None:
    prod = STAGES["Prod"]()
    assert_config_error(
        lambda: dataclasses.replace(prod, leave_out=(Omission.LOG_DELIVERY,)),
        "Prod.leave_out",
        "a production stage must deploy every resource. Fix: remove leave_out, or set "
        "production=False",
    )


def test_the_emulator_environment_keeps_no_real_credentials() -> None:
    environ = tool.emulator_environ(
        "http://localhost:4566",
        {
            "PATH": "/bin",
            "AWS_PROFILE": "prod-admin",
            "AWS_SESSION_TOKEN": "real",
            "AWS_ACCESS_KEY_ID": "AKIAREAL",
            "CDK_DEFAULT_ACCOUNT": "123456789012",
        },
    )
    assert environ == {
        "PATH": "/bin",
        "AWS_ENDPOINT_URL": "http://localhost:4566",
        "AWS_REGION": tool.REGION,
        "AWS_DEFAULT_REGION": tool.REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }


def test_up_bootstraps_and_deploys_only_the_local_stage(tmp_path: Path) -> None:
    bootstrap, deploy = tool.cdk_commands(tmp_path / "outputs.json")
    assert bootstrap[:3] == ["cdk", "bootstrap", f"aws://{tool.ACCOUNT}/{tool.REGION}"]
    assert deploy[:3] == ["cdk", "deploy", f"{LOCAL_STAGE}/*"]
    for command in (bootstrap, deploy):
        assert "local=true" in command
        assert f"stages={LOCAL_STAGE}" in command
    assert deploy[deploy.index("--outputs-file") + 1] == str(tmp_path / "outputs.json")


def test_stop_signals_only_the_emulator_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = tool.Paths(tmp_path)
    assert tool.stop(paths) is False
    paths.pid.write_text("999999999\n")  # no such process
    assert tool.stop(paths) is False
    assert not paths.pid.exists()
    paths.pid.write_text(f"{os.getpid()}\n")  # a stale file, its pid now someone else's
    assert tool.stop(paths) is False, "this test process is not the emulator"
    # A stand-in emulator, started as `start` starts the real one: `<venv python> -m ministack`.
    (tmp_path / "ministack.py").write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(tool, "EMULATOR_PYTHON", Path(sys.executable))
    emulator = subprocess.Popen(
        [sys.executable, "-m", "ministack"], cwd=tmp_path, start_new_session=True
    )
    paths.pid.write_text(f"{emulator.pid}\n")
    # Until the child has exec'd, /proc shows the forking parent's command line: wait for it.
    deadline = time.monotonic() + 10
    while tool.running_pid(paths) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tool.running_pid(paths) == emulator.pid
    # Reap the stand-in as it ends (the real emulator's parent, `make local`, is long gone): an
    # unreaped child stays in its group as a zombie, and `stop` would wait out its timeout.
    reaper = threading.Thread(target=emulator.wait)
    reaper.start()
    assert tool.stop(paths) is True
    reaper.join(timeout=10)
    assert emulator.returncode == -signal.SIGTERM
    assert not paths.pid.exists()


@mock_aws
def test_seeded_users_are_confirmed_with_their_own_passwords() -> None:
    idp = boto3.client("cognito-idp", region_name=tool.REGION)
    pool = idp.create_user_pool(PoolName="local", UsernameAttributes=["email"])["UserPool"]["Id"]
    users = tool.seed_users(idp, pool)
    assert list(users) == list(tool.SEEDED_USERS)
    assert len(set(users.values())) == len(users)
    for name in users:
        assert idp.admin_get_user(UserPoolId=pool, Username=name)["UserStatus"] == "CONFIRMED"
    again = tool.seed_users(idp, pool)  # `make local` on a running emulator
    assert set(again.values()).isdisjoint(users.values()), "new passwords"
    assert len(idp.list_users(UserPoolId=pool)["Users"]) == len(users)


def outputs() -> dict[StackOutput, str]:
    return {
        StackOutput.REGION: tool.REGION,
        StackOutput.USER_POOL_ID: f"{tool.REGION}_Local1",
        StackOutput.DOMAIN_URL: "https://photoshare-dev-local.auth.us-east-1.amazoncognito.com",
        StackOutput.WEB_CLIENT_ID: "web",
        StackOutput.MOBILE_CLIENT_ID: "mobile",
        StackOutput.IDENTITY_POOL_ID: f"{tool.REGION}:1",
        StackOutput.PHOTOS_BUCKET: "photos",
        StackOutput.ITEMS_TABLE: "items",
        StackOutput.SMOKE_ROLE_ARN: "arn:aws:iam::000000000000:role/smoke",
    }


def test_the_local_client_file_points_every_endpoint_at_the_emulator() -> None:
    endpoint = tool.endpoint_url(4566)
    document: dict[str, Any] = client_config(outputs(), local(), Client.WEB, endpoint=endpoint)
    assert document["custom"]["endpoints"] == dict.fromkeys(
        ("user_pool", "identity_pool", "s3"), endpoint
    )
    assert "issuer" not in document["custom"]
    plain = client_config(outputs(), local(), Client.WEB)
    assert "endpoints" not in plain["custom"], "only the local backend's file redirects"
    assert json.loads(json.dumps(document))["auth"]["user_pool_id"] == f"{tool.REGION}_Local1"
