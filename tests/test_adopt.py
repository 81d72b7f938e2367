"""`make adopt`: an existing pool made like the stage's template adopts cleanly; one that differs
in a setting Cognito fixes at creation is refused with the setting named; settings the first
deploy would reset are listed. The commands of docs/deploying.md run against the same moto pools.

The live pools are created in moto from the synthesized template of the user's own stages (the
template's properties that CreateUserPool and friends accept), so nothing here fixes a value.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from stacks.outputs import deployed_stack_name
from stage_config.stages import STAGES
from tests.support.aws import mocked_account
from tests.support.paths import ROOT
from tools.deploy.adopt import (
    CLIENT,
    DEFAULT_ADOPTED,
    DOMAIN,
    GROUP,
    IDENTITY_POOL,
    POOL,
    PROVIDER,
    Resolver,
    api_value,
    commands,
    differences,
    main,
    outside,
)
from tools.review.guard import compare
from tools.review.templates import of_type, stage_templates

REGION = "eu-west-1"
ACCOUNT = "123456789012"
"""moto's default account."""
FIRST_STAGE = next(iter(STAGES))


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    with mocked_account(monkeypatch, REGION):
        yield boto3.Session(region_name=REGION)


def accepted(client: Any, operation: str, props: dict[str, Any], resolve: Resolver) -> Any:
    """The template's properties that `operation` takes, resolved to live ids; a value that
    still names a resource the stage would create (a trigger, a role) is left out."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    resolved = {k: api_value(k, resolve(v)) for k, v in props.items() if k in members}
    return {key: value for key, value in resolved.items() if "<" not in json.dumps(value)}


@dataclass
class TeamPool:
    """A live pool (and identity pool) in moto, as a team made it before finding this project."""

    template: dict[str, Any]
    pool_id: str
    identity_pool_id: str


def team_pool(session: boto3.Session, template: dict[str, Any], **pool_overrides: Any) -> TeamPool:
    idp = session.client("cognito-idp")
    mapping: dict[str, dict[str, str]] = {}
    # The ARN the new pool will have (moto's account), for the template's pseudo parameters.
    resolve = Resolver(template, mapping, f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/new")
    ((pool_logical_id, pool),) = of_type(template, POOL).items()
    settings = {**accepted(idp, "CreateUserPool", pool, resolve), **pool_overrides}
    pool_id = idp.create_user_pool(PoolName="team-pool", **settings)["UserPool"]["Id"]
    mapping[pool_logical_id] = {"UserPoolId": pool_id}
    factors = set(pool.get("EnabledMfas", []))
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration=settings.get("MfaConfiguration", "OFF"),
        SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in factors},
    )
    for logical_id, props in of_type(template, PROVIDER).items():
        idp.create_identity_provider(**accepted(idp, "CreateIdentityProvider", props, resolve))
        mapping[logical_id] = {"UserPoolId": pool_id}
    for logical_id, props in of_type(template, CLIENT).items():
        created = idp.create_user_pool_client(
            **accepted(idp, "CreateUserPoolClient", props, resolve)
        )["UserPoolClient"]
        mapping[logical_id] = {"ClientId": created["ClientId"]}
    for props in of_type(template, GROUP).values():
        idp.create_group(**accepted(idp, "CreateGroup", props, resolve))
    for props in of_type(template, DOMAIN).values():
        idp.create_user_pool_domain(**accepted(idp, "CreateUserPoolDomain", props, resolve))
    identities = session.client("cognito-identity")
    ((_, identity_props),) = of_type(template, IDENTITY_POOL).items()
    identity_pool_id = identities.create_identity_pool(
        IdentityPoolName="team_identities",
        **accepted(identities, "CreateIdentityPool", identity_props, resolve),
    )["IdentityPoolId"]
    return TeamPool(template, pool_id, identity_pool_id)


@dataclass
class Run:
    code: int
    out: str
    adopted: Path
    baseline: Path
    assembly: Path


def adopt(
    session: boto3.Session,
    tmp_path: Path,
    outdir: Path,
    stage: str,
    pool_id: str,
    *extra: str,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    adopted, baseline, assembly = tmp_path / "adopted", tmp_path / "baselines", tmp_path / "asm"
    argv = [stage, "--pool-id", pool_id, "--cdk-out", str(outdir), *extra]
    argv += ["--adopted", str(adopted), "--baseline", str(baseline), "--assembly", str(assembly)]
    code = main(argv, session)
    return Run(code, capsys.readouterr().out, adopted, baseline, assembly)


def test_a_pool_made_like_the_stage_adopts_cleanly(
    session: boto3.Session,
    tmp_path: Path,
    outdir: Path,
    stage_name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = stage_templates(outdir)[stage_name]
    team = team_pool(session, template)
    run = adopt(
        session,
        tmp_path,
        outdir,
        stage_name,
        team.pool_id,
        "--identity-pool-id",
        team.identity_pool_id,
        capsys=capsys,
    )
    assert run.code == 0, run.out
    assert "REFUSED" not in run.out
    mapping = json.loads((run.adopted / f"{stage_name}.json").read_text())
    expected_types = {POOL, CLIENT, GROUP, DOMAIN, IDENTITY_POOL, PROVIDER} & {
        r["Type"] for r in template["Resources"].values()
    }
    assert {template["Resources"][i]["Type"] for i in mapping} == expected_types
    ((pool_logical_id, _),) = of_type(template, POOL).items()
    assert mapping[pool_logical_id] == {"UserPoolId": team.pool_id}
    for logical_id, props in of_type(template, GROUP).items():
        assert mapping[logical_id] == {"UserPoolId": team.pool_id, "GroupName": props["GroupName"]}
    clients = session.client("cognito-idp").list_user_pool_clients(
        UserPoolId=team.pool_id, MaxResults=60
    )["UserPoolClients"]
    assert {mapping[i]["ClientId"] for i in of_type(template, CLIENT)} == {
        c["ClientId"] for c in clients
    }
    assert "The first deploy after the import changes:" in run.out
    assert "Created by the first deploy:" in run.out
    for command in commands(stage_name, run.adopted / f"{stage_name}.json", run.assembly):
        assert f"    - {command}\n" in run.out


def test_the_import_assembly_only_adds_retained_self_contained_resources(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = stage_templates(outdir)[FIRST_STAGE]
    team = team_pool(session, template)
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    assert run.code == 0, run.out
    mapping = json.loads((run.adopted / f"{FIRST_STAGE}.json").read_text())
    imported = stage_templates(run.assembly)[FIRST_STAGE]
    assert imported.keys() == {"Resources"}
    assert imported["Resources"].keys() == mapping.keys()
    for logical_id, resource in imported["Resources"].items():
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
        assert resource["Type"] == template["Resources"][logical_id]["Type"]
        assert outside(resource["Properties"], mapping) == set(), logical_id
    manifest = json.loads((run.assembly / f"assembly-{FIRST_STAGE}" / "manifest.json").read_text())
    names = {a.get("displayName") for a in manifest["artifacts"].values()}
    assert f"{FIRST_STAGE}/Auth" in names


def test_the_baseline_recorded_at_adoption_guards_the_adopted_pool(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = stage_templates(outdir)[FIRST_STAGE]
    team = team_pool(session, template)
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    recorded_file = run.baseline / f"{deployed_stack_name(FIRST_STAGE)}.template.json"
    recorded = json.loads(recorded_file.read_text())
    assert compare(FIRST_STAGE, recorded, template) == []
    ((pool_logical_id, _),) = of_type(template, POOL).items()
    changed = json.loads(json.dumps(template))
    changed["Resources"][pool_logical_id]["Properties"]["UsernameAttributes"] = ["phone_number"]
    (finding,) = compare(FIRST_STAGE, recorded, changed)
    assert finding.logical_id == pool_logical_id
    assert "forces replacement" in finding.reason


def _schema(template: dict[str, Any]) -> list[dict[str, Any]]:
    ((_, pool),) = of_type(template, POOL).items()
    return list(pool.get("Schema", []))


def _first_required(template: dict[str, Any]) -> str:
    return str(next(a["Name"] for a in _schema(template) if a.get("Required")))


Template = dict[str, Any]
REFUSALS: dict[str, tuple[Callable[[Template], Template], Callable[[Template], list[str]]]] = {
    "phone sign-in": (
        lambda t: {"UsernameAttributes": ["phone_number"]},
        lambda t: ["UsernameAttributes", '"phone_number"', "sign_in_aliases"],
    ),
    "case-sensitive usernames": (
        lambda t: {"UsernameConfiguration": {"CaseSensitive": True}},
        lambda t: ["UsernameConfiguration.CaseSensitive", "sign_in_case_sensitive"],
    ),
    "a required attribute not required": (
        lambda t: {
            "Schema": [
                {**a, "Required": False} if a["Name"] == _first_required(t) else a
                for a in _schema(t)
            ]
        },
        lambda t: [f"Schema: {_first_required(t)} Required is false in the pool", "standard_"],
    ),
    "an extra custom attribute": (
        lambda t: {"Schema": [*_schema(t), {"Name": "tier", "AttributeDataType": "String"}]},
        lambda t: ["Schema: custom attribute custom:tier: only the pool has it"],
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_pool_that_differs_in_a_fixed_setting_is_refused_naming_it(
    case: str,
    session: boto3.Session,
    tmp_path: Path,
    outdir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = stage_templates(outdir)[FIRST_STAGE]
    override, expected = REFUSALS[case]
    team = team_pool(session, template, **override(template))
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    assert run.code == 1
    assert "REFUSED: Cognito fixes these at creation" in run.out
    refusals = [line for line in run.out.splitlines() if line.startswith("    - ")]
    assert len(refusals) == 1, run.out
    for text in expected(template):
        assert text in refusals[0]
    assert "the project's pool definition follows the live pool" in run.out
    assert not run.adopted.exists(), "nothing is written for a refused pool"
    assert not run.baseline.exists()


def test_a_pool_on_another_domain_is_refused_naming_the_config_key(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = stage_templates(outdir)[FIRST_STAGE]
    team = team_pool(session, template)
    idp = session.client("cognito-idp")
    for props in of_type(template, DOMAIN).values():
        idp.delete_user_pool_domain(Domain=props["Domain"], UserPoolId=team.pool_id)
    idp.create_user_pool_domain(Domain="team-login", UserPoolId=team.pool_id)
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    assert run.code == 1
    (refusal,) = [line for line in run.out.splitlines() if line.startswith("    - ")]
    assert refusal.startswith("    - user_pool.domain_prefix: the pool already has the domain")
    assert refusal.endswith("set user_pool.domain_prefix to 'team-login'")


def test_a_pool_that_is_not_there_is_an_error_naming_the_inputs(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [FIRST_STAGE, "--pool-id", f"{REGION}_missing", "--cdk-out", str(outdir)]
    assert main([*argv, "--adopted", str(tmp_path)], session) == 2
    assert "error: cannot read the pool: An error occurred (ResourceNotFoundException)" in (
        capsys.readouterr().err
    )
    assert not any(tmp_path.iterdir())


def test_settings_the_first_deploy_would_reset_are_each_listed(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = stage_templates(outdir)[FIRST_STAGE]
    ((_, pool),) = of_type(template, POOL).items()
    trigger = f"arn:aws:lambda:{REGION}:123456789012:function:team-pre-auth"
    team = team_pool(
        session,
        template,
        MfaConfiguration="OFF",
        LambdaConfig={"PreAuthentication": trigger},
        SmsAuthenticationMessage="Team code {####}",
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
    )
    idp = session.client("cognito-idp")
    client_name = sorted(p["ClientName"] for p in of_type(template, CLIENT).values())[0]
    (old_client,) = [
        c
        for c in idp.list_user_pool_clients(UserPoolId=team.pool_id, MaxResults=60)[
            "UserPoolClients"
        ]
        if c["ClientName"] == client_name
    ]
    idp.delete_user_pool_client(UserPoolId=team.pool_id, ClientId=old_client["ClientId"])
    idp.create_user_pool_client(
        UserPoolId=team.pool_id, ClientName=client_name, GenerateSecret=True
    )
    idp.create_group(UserPoolId=team.pool_id, GroupName="team-legacy")
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    assert run.code == 0, run.out
    replaced = "(REPLACES it: a new resource, a new id)"
    assert f"UserPoolClient {client_name} GenerateSecret: true -> false {replaced}\n" in run.out
    assert 'UserPool MfaConfiguration: "OFF" -> ' in run.out
    assert run.out.count(replaced) == 1, "only the client's secret forces a replacement"
    assert f"    - {GROUP} team-legacy\n" in run.out.split("Left alone")[1]
    reset = "-> reset (the template leaves it out)"
    for line in [
        f'UserPool LambdaConfig.PreAuthentication: "{trigger}" {reset}',
        f'UserPool SmsAuthenticationMessage: "Team code {{####}}" {reset}',
        f"UserPool DeviceConfiguration.ChallengeRequiredOnNewDevice: true {reset}",
        f'UserPool MfaConfiguration: "OFF" -> {json.dumps(pool["MfaConfiguration"])}',
    ]:
        assert f"    - {line}\n" in run.out


def documented_block() -> list[str]:
    """The command lines of the docs section "Adopt an existing user pool"."""
    page = (ROOT / "docs" / "deploying.md").read_text()
    section = page.split("## Adopt an existing user pool\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_documented_commands_run_on_the_moto_pool(
    session: boto3.Session, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, *rest = documented_block()
    variables = dict(re.findall(r"(\w+)=(\S+)", first))
    assert first.startswith("make adopt ")
    assert {"STAGE", "POOL_ID"} <= variables.keys()
    shown = variables["STAGE"]
    stage = shown if shown in STAGES else FIRST_STAGE
    team = team_pool(session, stage_templates(outdir)[stage])
    run = adopt(session, tmp_path, outdir, stage, team.pool_id, capsys=capsys)
    assert run.code == 0, run.out
    default_assembly = ROOT / f"cdk.out.adopt-{stage}"
    documented_commands = [line.replace(shown, stage) for line in rest]
    assert documented_commands == commands(
        stage, DEFAULT_ADOPTED / f"{stage}.json", default_assembly
    )
    for command in commands(stage, run.adopted / f"{stage}.json", run.assembly):
        assert f"    - {command}\n" in run.out


def test_provider_secrets_are_never_printed() -> None:
    resolve = Resolver({"Resources": {}}, {}, f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/x")
    wanted = {"ProviderDetails": {"client_id": "new-id", "client_secret": "{{resolve:...}}"}}
    live = {"ProviderDetails": {"client_id": "old-id", "client_secret": "GOCSPX-live-value"}}
    lines = differences("UserPoolIdentityProvider Google", PROVIDER, wanted, live, resolve)
    assert lines == [
        'UserPoolIdentityProvider Google ProviderDetails.client_id: "old-id" -> "new-id"',
        "UserPoolIdentityProvider Google ProviderDetails.client_secret: (hidden) -> (hidden)",
    ]


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server that boto3 here and the CDK CLI in a subprocess both reach."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for key, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield endpoint
    server.stop()


@pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")
def test_the_documented_import_command_makes_a_change_set_of_retained_additions(
    moto_endpoint: str, tmp_path: Path, outdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The docs' `cdk import` line, run by the pinned CDK CLI against moto's CloudFormation.
    moto accepts the change set without Cognito's import handlers, so this proves the command,
    the mapping file and the import assembly (the change set adds exactly the mapped resources,
    each retained), not that CloudFormation's Cognito import accepts them."""
    session = boto3.Session(region_name=REGION)
    make_line, import_line, *_ = documented_block()
    shown = dict(re.findall(r"(\w+)=(\S+)", make_line))["STAGE"]
    template = stage_templates(outdir)[FIRST_STAGE]
    team = team_pool(session, template)
    run = adopt(session, tmp_path, outdir, FIRST_STAGE, team.pool_id, capsys=capsys)
    assert run.code == 0, run.out
    bootstrap = json.loads((outdir / f"assembly-{FIRST_STAGE}" / "manifest.json").read_text())
    parameter = next(
        a["properties"]["bootstrapStackVersionSsmParameter"]
        for a in bootstrap["artifacts"].values()
        if a["type"] == "aws:cloudformation:stack"
    )
    session.client("ssm").put_parameter(Name=parameter, Value="27", Type="String")
    session.client("s3").create_bucket(
        Bucket=f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    mapping_file = run.adopted / f"{FIRST_STAGE}.json"
    argv = shlex.split(import_line.replace(shown, FIRST_STAGE))
    assert argv[:2] == ["npx", "cdk"]
    argv[argv.index("--app") + 1] = str(run.assembly)
    argv[argv.index("--resource-mapping") + 1] = str(mapping_file)
    subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdk"), *argv[2:]],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    cloudformation = session.client("cloudformation")
    stack = deployed_stack_name(FIRST_STAGE)
    imported = yaml.safe_load(cloudformation.get_template(StackName=stack)["TemplateBody"])
    mapping = json.loads(mapping_file.read_text())
    assert imported["Resources"].keys() == mapping.keys()
    assert {r["DeletionPolicy"] for r in imported["Resources"].values()} == {"Retain"}
    (change_set,) = cloudformation.list_change_sets(StackName=stack)["Summaries"]
    changes = cloudformation.describe_change_set(
        StackName=stack, ChangeSetName=change_set["ChangeSetName"]
    )["Changes"]
    assert {c["ResourceChange"]["Action"] for c in changes} == {"Add"}
    assert {c["ResourceChange"]["LogicalResourceId"] for c in changes} == mapping.keys()
