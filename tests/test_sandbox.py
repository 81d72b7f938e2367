"""Personal sandboxes: a developer's copy of Dev with its own names, nothing retained and
nothing shared with Dev but the account; deployed and destroyed (buckets emptied first) by
`tools.deploy.sandbox`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from auth_constructs.operations.smoke_access import smoke_role_name
from stacks.outputs import StackOutput, deployed_stack_name
from stage_config import ConfigError
from stage_config.sandbox import SANDBOX_OF, sandbox, sandbox_name
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp, synthesize
from tests.support.config_errors import assert_config_error
from tools.deploy import sandbox as tool

NAME = "alice"
STAGE = f"Sandbox{NAME.capitalize()}"


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The app as `make sandbox NAME=alice` synthesizes it: the sandbox beside the stages."""
    return synthesize(
        tmp_path_factory.mktemp("sandbox.out"),
        context={"sandbox": NAME, "stages": f"{SANDBOX_OF},{STAGE}"},
    )


UNIQUE_NAMES = (
    "BackupVaultName",
    "BucketName",
    "Domain",
    "FunctionName",
    "LogGroupName",
    "RoleName",
    "TableName",
    "TopicName",
)
"""Properties naming a resource that must be unique in an account and Region."""


def names(template: dict[str, Any], stack: str) -> set[str]:
    """Every unique name a template gives a resource (not a reference to another resource),
    with the stack's name filled in."""
    return {
        json.dumps(value).replace('{"Ref": "AWS::StackName"}', stack)
        for resource in template["Resources"].values()
        for key, value in resource.get("Properties", {}).items()
        if key in UNIQUE_NAMES
        and not (isinstance(value, dict) and {"Ref", "Fn::GetAtt"} & set(value))
    }


def test_a_sandbox_is_dev_under_its_own_names(sandboxed: SynthesizedApp) -> None:
    dev = select_stages([SANDBOX_OF])[0]
    (own,) = select_stages([STAGE], sandbox_of=NAME)
    assert own.user_pool.domain_prefix == f"{dev.user_pool.domain_prefix}-{NAME}"
    assert own.tags["sandbox"] == NAME
    assert smoke_role_name(own) != smoke_role_name(dev)
    (domain,) = sandboxed.resources(STAGE, "AWS::Cognito::UserPoolDomain").values()
    assert domain["Properties"]["Domain"] == own.user_pool.domain_prefix
    own_names = names(sandboxed.template_json(STAGE), deployed_stack_name(STAGE))
    dev_names = names(sandboxed.template_json(SANDBOX_OF), deployed_stack_name(SANDBOX_OF))
    assert len(own_names) >= 3, own_names  # the domain, the smoke role, the log groups
    assert own_names & dev_names == set(), "a name both would claim in the account"


def test_a_sandbox_retains_nothing(sandboxed: SynthesizedApp) -> None:
    resources = sandboxed.template_json(STAGE)["Resources"]
    kept = [
        i
        for i, r in resources.items()
        if "Retain" in (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy"))
    ]
    assert kept == []
    (pool,) = sandboxed.resources(STAGE, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["DeletionProtection"] == "INACTIVE"


def test_several_sandboxes_coexist() -> None:
    alice, bob = sandbox("alice"), sandbox("bob")
    assert alice.name != bob.name
    assert alice.user_pool.domain_prefix != bob.user_pool.domain_prefix
    assert STAGE not in STAGES, "a sandbox never joins the deployed stages or CI"


@pytest.mark.parametrize("bad", ["", "Alice", "9lives", "a-b", "x" * 21])
def test_bad_sandbox_names_are_refused(bad: str) -> None:
    assert_config_error(
        lambda: sandbox(bad),
        "sandbox",
        f"{bad!r} is not a sandbox name. Fix: use 1-20 lowercase letters and digits starting "
        "with a letter, e.g. NAME=alice",
    )


def test_a_sandbox_refuses_to_copy_a_production_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(STAGES, SANDBOX_OF, STAGES["Prod"])
    assert_config_error(
        lambda: sandbox("alice"),
        "sandbox",
        f"{SANDBOX_OF} is a production stage, which sandboxes must not copy. Fix: point "
        "SANDBOX_OF at a non-production stage",
    )


def test_the_name_comes_from_git_when_none_is_given() -> None:
    assert sandbox_name("Alice O'Neil-Smith") == "aliceoneilsmith"
    assert sandbox_name("Maximiliana Wolkenstein-Ostrowska") == "maximilianawolkenste"  # 20
    assert tool.developer(None, git_name=lambda: "Bob 2") == "bob2"
    assert tool.developer("carol", git_name=lambda: "ignored") == "carol"


def test_a_sandbox_is_never_delivered_by_the_pipeline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sandbox: a sandbox is deployed from a developer"):
        synthesize(
            tmp_path,
            context={
                "sandbox": NAME,
                "delivery": "cdk-pipelines",
                "connection_arn": "arn:aws:codeconnections:eu-west-1:"
                "123456789012:connection/12345678-1234-1234-1234-"
                "123456789012",
            },
        )


class Recorder:
    """Stands in for the CDK CLI: records each command; `deploy` writes the outputs file."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.commands: list[list[str]] = []
        self.outputs = outputs

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        if "--outputs-file" in command:
            target = Path(command[command.index("--outputs-file") + 1])
            target.write_text(json.dumps({deployed_stack_name(STAGE): self.outputs}))
        return 0


OUTPUTS = {
    StackOutput.REGION: "eu-west-1",
    StackOutput.USER_POOL_ID: "eu-west-1_Sandbox1",
    StackOutput.ISSUER_URL: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Sandbox1",
    StackOutput.DOMAIN_URL: "https://photoshare-dev-alice.auth.eu-west-1.amazoncognito.com",
    StackOutput.WEB_CLIENT_ID: "web123",
    StackOutput.MOBILE_CLIENT_ID: "mobile123",
    StackOutput.IDENTITY_POOL_ID: "eu-west-1:11111111-2222-3333-4444-555555555555",
    StackOutput.PHOTOS_BUCKET: "sandbox-photos",
    StackOutput.ITEMS_TABLE: "sandbox-items",
    StackOutput.SMOKE_ROLE_ARN: "arn:aws:iam::123456789012:role/smoke-photoshare-dev-alice",
}


def test_deploy_writes_the_outputs_and_client_files_next_to_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    cdk = Recorder({k.value: v for k, v in OUTPUTS.items()})
    assert tool.deploy(NAME, run=cdk) == 0
    ((command),) = cdk.commands
    assert command[:3] == ["cdk", "deploy", f"{STAGE}/*"]
    assert command[3:5] == ["-c", f"sandbox={NAME}"]
    web = json.loads((tmp_path / "sandbox" / NAME / "amplify_outputs.json").read_text())
    assert web["auth"]["user_pool_id"] == "eu-west-1_Sandbox1"
    assert web["auth"]["user_pool_client_id"] == "web123"
    mobile = json.loads((tmp_path / "sandbox" / NAME / "amplify_outputs.mobile.json").read_text())
    assert mobile["auth"]["user_pool_client_id"] == "mobile123"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield boto3.Session(region_name="eu-west-1")


def test_destroy_empties_every_version_then_destroys(aws: boto3.Session) -> None:
    s3 = aws.client("s3")
    template = {
        "Resources": {
            name: {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"alice-{name.lower()}"}}
            for name in ("Photos", "AccessLogs")
        }
    }
    aws.client("cloudformation").create_stack(
        StackName=deployed_stack_name(STAGE), TemplateBody=json.dumps(template)
    )
    for bucket in ("alice-photos", "alice-accesslogs"):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for version in range(3):
            s3.put_object(Bucket=bucket, Key="users/u1/a.jpg", Body=f"v{version}".encode())
        s3.delete_object(Bucket=bucket, Key="users/u1/a.jpg")  # a delete marker
    cdk = Recorder({})
    assert tool.destroy(NAME, aws, run=cdk) == 0
    for bucket in ("alice-photos", "alice-accesslogs"):
        listed = s3.list_object_versions(Bucket=bucket)
        assert listed.get("Versions", []) == []
        assert listed.get("DeleteMarkers", []) == []
    assert cdk.commands == [["cdk", "destroy", f"{STAGE}/*", "-c", f"sandbox={NAME}", "--force"]]


def test_the_cli_refuses_a_bad_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["deploy", "--name", "Not Valid"]) == 2
    assert re.search(r"sandbox: 'Not Valid' is not a sandbox name", capsys.readouterr().err)
