"""Replacement guard: fires on a renamed construct and a replacement-forcing change only; `make
accept` reports changes per stage and records baselines. Built on the test-owned stages."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import CfnResource

from stacks.auth_stack import AuthStack
from stacks.outputs import deployed_stack_name
from stacks.stage import IdentityStage
from tests.support.app import SynthesizedApp, configs_app
from tests.support.configs import LIVE, SANDBOX, live
from tools.review import guard
from tools.review.guard import (
    DEFAULT_BASELINE,
    Finding,
    accept,
    check,
    compare,
    main,
    replacement_properties,
)
from tools.review.templates import stack_templates

AUTH = deployed_stack_name(LIVE)
"""The sample stage's Auth stack, as the guard names its findings and baselines."""


def logical_id(stack: AuthStack, construct: Any) -> str:
    return stack.get_logical_id(cast(CfnResource, construct.node.default_child))


@pytest.fixture(scope="module")
def baseline(samples: SynthesizedApp) -> dict[str, Any]:
    return samples.template_json(LIVE)


@pytest.fixture(scope="module")
def ids(samples: SynthesizedApp) -> dict[str, str]:
    stack = cast(AuthStack, samples.stack(LIVE))
    return {
        "pool": logical_id(stack, stack.user_pool.user_pool),
        "table": logical_id(stack, stack.storage.table),
        "bucket": logical_id(stack, stack.storage.bucket),
    }


def test_fires_on_a_renamed_construct(
    tmp_path: Path, baseline: dict[str, Any], ids: dict[str, str]
) -> None:
    app = configs_app(tmp_path, [live()])
    stage = app.node.find_child(LIVE)
    assert isinstance(stage, IdentityStage)
    stage.auth.rename_logical_id(ids["pool"], "UserPoolRenamed")
    app.synth()
    renamed = SynthesizedApp(app=app, outdir=tmp_path).template_json(LIVE)
    (finding,) = compare(LIVE, baseline, renamed)
    assert finding.logical_id == ids["pool"]
    assert "logical ID vanished" in finding.reason
    assert "UserPoolRenamed" in finding.reason


FIXED: dict[str, dict[str, Any]] = {
    "pool": {
        "UsernameAttributes": ["phone_number"],
        "AliasAttributes": ["preferred_username"],
        "UsernameConfiguration": {"CaseSensitive": True},
    },
    "table": {
        "TableName": "photos-items",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "LocalSecondaryIndexes": [{"IndexName": "byDate", "KeySchema": []}],
    },
    "bucket": {
        "BucketName": "my-photos",
        "BucketNamePrefix": "photos-",
        "BucketNamespace": "account-regional",
    },
}
"""Every property fixed at creation, by resource, with a changed value: a change to any of them
replaces the resource (for the user pool: a new pool, without its users). The pool's schema is
compared attribute by attribute (`tests/test_custom_attributes.py`)."""
TYPES = {
    "pool": "AWS::Cognito::UserPool",
    "table": "AWS::DynamoDB::GlobalTable",
    "bucket": "AWS::S3::Bucket",
}


@pytest.mark.parametrize(
    ("resource", "prop", "value"),
    [(resource, prop, value) for resource, props in FIXED.items() for prop, value in props.items()],
    ids=[f"{resource}-{prop}" for resource, props in FIXED.items() for prop in props],
)
def test_fires_on_a_replacement_forcing_change(
    baseline: dict[str, Any], ids: dict[str, str], resource: str, prop: str, value: Any
) -> None:
    current = copy.deepcopy(baseline)
    current["Resources"][ids[resource]]["Properties"][prop] = value
    was = baseline["Resources"][ids[resource]]["Properties"].get(prop)
    (finding,) = compare(AUTH, baseline, current)
    assert (finding.stack, finding.logical_id) == (AUTH, ids[resource])
    assert finding.reason == (
        f"{prop} changed from {json.dumps(was)} to {json.dumps(value)}, which forces replacement"
    )


@pytest.mark.parametrize("resource", TYPES)
def test_every_property_the_guard_fixes_has_a_case(resource: str) -> None:
    """A property the guard treats as fixed (a newer cfn-lint may add some) needs a case above."""
    fixed = {
        pointer.removeprefix("/properties/") for pointer in replacement_properties(TYPES[resource])
    }
    assert fixed == set(FIXED[resource])


def resource(kind: str, **properties: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": properties}


TABLE = resource("AWS::DynamoDB::Table", TableName="items")
POOL = "AWS::Cognito::UserPool"
TIER = {"Name": "tier", "AttributeDataType": "String", "Mutable": True}


def test_a_schema_finding_names_its_stack_and_both_versions_of_the_attribute() -> None:
    baseline = {"Resources": {"Pool": resource(POOL, Schema=[TIER])}}
    current = {"Resources": {"Pool": resource(POOL, Schema=[{**TIER, "Mutable": False}])}}
    assert compare(LIVE, baseline, current) == [
        Finding(
            LIVE,
            "Pool",
            POOL,
            'Schema: attribute tier changed from {"Name": "tier", "AttributeDataType": "String", '
            '"Mutable": true} to {"Name": "tier", "AttributeDataType": "String", "Mutable": '
            "false}, which forces replacement",
        )
    ]


def test_a_pool_recorded_without_properties_is_judged_on_its_schema() -> None:
    """Every property of AWS::Cognito::UserPool is optional: a pool recorded without the
    section, which then gains a standard attribute, is refused like any other."""
    baseline = {"Resources": {"Pool": {"Type": POOL}}}
    current = {"Resources": {"Pool": resource(POOL, Schema=[{"Name": "phone_number"}])}}
    assert compare(LIVE, baseline, current) == [
        Finding(
            LIVE,
            "Pool",
            POOL,
            "Schema: standard attribute phone_number added, which forces replacement",
        )
    ]


def test_every_stateful_resource_is_judged_after_a_finding() -> None:
    """A vanished pool, a table that became another type, and a bucket renamed: three findings,
    in the baseline's order; the hint names only the stateful resource of the same type."""
    baseline = {
        "Resources": {
            "Pool": resource("AWS::Cognito::UserPool"),
            "Items": TABLE,
            "Photos": resource("AWS::S3::Bucket", BucketName="photos"),
        }
    }
    current = {
        "Resources": {
            "PoolMoved": resource("AWS::Cognito::UserPool"),
            "PoolAlso": resource("AWS::Cognito::UserPool"),
            "Topic": resource("AWS::SNS::Topic"),
            "Items": resource("AWS::DynamoDB::GlobalTable", TableName="items"),
            "Photos": resource("AWS::S3::Bucket", BucketName="pictures"),
        }
    }
    assert [str(f) for f in compare(LIVE, baseline, current)] == [
        f"{LIVE}: AWS::Cognito::UserPool Pool: its logical ID vanished, so CloudFormation would "
        "delete it (a new AWS::Cognito::UserPool appears as PoolMoved, PoolAlso: a renamed or "
        "moved construct?)",
        f"{LIVE}: AWS::DynamoDB::Table Items: its type changed to AWS::DynamoDB::GlobalTable "
        "(replacement)",
        f'{LIVE}: AWS::S3::Bucket Photos: BucketName changed from "photos" to "pictures", which '
        "forces replacement",
    ]


def test_a_vanished_resource_without_a_successor_gets_no_hint() -> None:
    (finding,) = compare(LIVE, {"Resources": {"Items": TABLE}}, {"Resources": {}})
    assert finding.reason == "its logical ID vanished, so CloudFormation would delete it"


def test_quiet_on_benign_changes(baseline: dict[str, Any], ids: dict[str, str]) -> None:
    current = copy.deepcopy(baseline)
    for resource in current["Resources"].values():
        if resource["Type"] == "AWS::Cognito::UserPoolClient":
            resource["Properties"]["AccessTokenValidity"] = 5
    pool = current["Resources"][ids["pool"]]["Properties"]
    pool["Policies"]["PasswordPolicy"]["MinimumLength"] = 14
    pool["MfaConfiguration"] = "OPTIONAL"
    bucket = current["Resources"][ids["bucket"]]["Properties"]
    bucket["CorsConfiguration"]["CorsRules"][0]["MaxAge"] = 60
    assert compare(LIVE, baseline, current) == []


def test_replacement_properties_come_from_the_registry_schemas() -> None:
    assert "/properties/BucketName" in replacement_properties("AWS::S3::Bucket")
    assert "/properties/TableName" in replacement_properties("AWS::DynamoDB::Table")
    assert "/properties/UsernameAttributes" in replacement_properties("AWS::Cognito::UserPool")


def test_cli_reports_and_fails(
    tmp_path: Path,
    baseline: dict[str, Any],
    ids: dict[str, str],
    samples: SynthesizedApp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = copy.deepcopy(baseline)
    old["Resources"]["UserPoolFromAnOldName"] = old["Resources"][ids["pool"]]
    accept(tmp_path, samples.outdir)
    (tmp_path / f"{AUTH}.template.json").write_text(json.dumps(old))
    assert main(["--baseline", str(tmp_path), "--cdk-out", str(samples.outdir)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"REPLACEMENT GUARD: {AUTH}: AWS::Cognito::UserPool UserPoolFromAnOldName: its logical "
        "ID vanished, so CloudFormation would delete it",
        "If this is intended, review it, run `make accept` and commit the new records.",
    ]


def test_cli_help_says_what_the_guard_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps help to the terminal's width
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "Fail on deletion or replacement of stateful resources." in lines
    assert "--accept print the changes, then record the baselines" in lines


def test_cli_defaults_to_the_recorded_baselines_and_the_last_synth(
    tmp_path: Path,
    samples: SynthesizedApp,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without flags the guard judges <ROOT>/cdk.out (what `make guard`, which passes only
    --baseline, judges) against DEFAULT_BASELINE."""
    records = tmp_path / "records"
    accept(records, samples.outdir)
    (tmp_path / "cdk.out").symlink_to(samples.outdir.resolve(), target_is_directory=True)
    monkeypatch.setattr(guard, "DEFAULT_BASELINE", records)
    monkeypatch.setattr(guard, "ROOT", tmp_path)
    assert main([]) == 0
    assert capsys.readouterr().out == (
        f"guard: no stateful resource would be deleted or replaced ({records})\n"
    )


def test_a_stage_gone_from_the_app_fails_and_the_others_are_still_checked(
    tmp_path: Path, baseline: dict[str, Any], ids: dict[str, str], samples: SynthesizedApp
) -> None:
    accept(tmp_path, samples.outdir)
    (tmp_path / "Gone.template.json").write_text(json.dumps({"Resources": {}}))
    moved = copy.deepcopy(baseline)
    moved["Resources"]["OldTable"] = moved["Resources"].pop(ids["table"])
    (tmp_path / f"{AUTH}.template.json").write_text(json.dumps(moved))
    findings = check(tmp_path, samples.outdir)
    assert findings[0] == Finding("Gone", "-", "stack", "the stack is gone from cdk.out")
    assert [(f.stack, f.logical_id) for f in findings[1:]] == [(AUTH, "OldTable")]


def test_cli_accepts_then_passes(
    tmp_path: Path, samples: SynthesizedApp, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "nested" / "baselines"
    cdk_out = ["--cdk-out", str(samples.outdir)]
    assert main(["--accept", "--baseline", str(records), *cdk_out]) == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0] == f"{LIVE}-Key: new stack"
    assert f"{AUTH}: new stack" in report
    assert "Sandbox-Auth: new stack" in report
    assert all(line.startswith("  added ") for line in report if not line.endswith("new stack"))
    assert main(["--baseline", str(records), *cdk_out]) == 0
    assert capsys.readouterr().out == (
        f"guard: no stateful resource would be deleted or replaced ({records})\n"
    )


def test_cli_without_baselines_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--baseline", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: no baseline templates in {tmp_path}\n"


def test_records_are_written_as_committed(tmp_path: Path) -> None:
    """Re-recording an unchanged template leaves each committed baseline byte for byte (sorted
    keys, one-space indent, a final newline), so a reviewed diff shows only what changed. The
    synthesized templates here are the committed ones, written compact and unsorted, in a
    cloud assembly whose manifests list their stages and stacks."""
    records, cdk_out = tmp_path / "records", tmp_path / "cdk.out"
    records.mkdir()
    stages: dict[str, dict[str, Any]] = {}
    for committed in DEFAULT_BASELINE.glob("*.template.json"):
        name = committed.name.removesuffix(".template.json")
        stage, stack = name.rsplit("-", 1)
        (records / committed.name).write_text(committed.read_text())
        (cdk_out / f"assembly-{stage}").mkdir(parents=True, exist_ok=True)
        template = json.loads(committed.read_text())
        unsorted = dict(reversed(list(template.items())))
        (cdk_out / f"assembly-{stage}" / f"{stack}.template.json").write_text(json.dumps(unsorted))
        stages.setdefault(stage, {})[stack] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{stack}.template.json", "stackName": name},
        }
    for stage, artifacts in stages.items():
        manifest = cdk_out / f"assembly-{stage}" / "manifest.json"
        manifest.write_text(json.dumps({"artifacts": artifacts}))
    (cdk_out / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    f"assembly-{stage}": {
                        "type": "cdk:cloud-assembly",
                        "properties": {"directoryName": f"assembly-{stage}"},
                    }
                    for stage in stages
                }
            }
        )
    )
    accept(records, cdk_out)
    for committed in DEFAULT_BASELINE.glob("*.template.json"):
        assert (records / committed.name).read_text() == committed.read_text(), committed.name


def sample_stacks(samples: SynthesizedApp) -> set[str]:
    """Every stack of the samples' stages (Live with its Key, Sandbox without)."""
    return {stack.stack_name for name in (LIVE, SANDBOX) for stack in samples.stage(name).stacks}


def test_a_stage_without_a_baseline_fails_until_accepted(
    tmp_path: Path, samples: SynthesizedApp
) -> None:
    assert sorted(check(tmp_path, samples.outdir), key=str) == sorted(
        (
            Finding(stack, "-", "stack", "no baseline is recorded for it")
            for stack in sample_stacks(samples)
        ),
        key=str,
    )


def test_accept_reports_changes_then_records(
    tmp_path: Path, baseline: dict[str, Any], ids: dict[str, str], samples: SynthesizedApp
) -> None:
    old = copy.deepcopy(baseline)
    old["Resources"][ids["table"]]["Properties"]["KeySchema"] = []
    del old["Resources"][ids["bucket"]]
    old["Resources"]["Gone"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    old["Resources"]["OldItems"] = old["Resources"][ids["table"]]
    old["Resources"][ids["pool"]]["Properties"]["MfaConfiguration"] = "OFF"
    accept(tmp_path, samples.outdir)
    (tmp_path / f"{AUTH}.template.json").write_text(json.dumps(old))
    (tmp_path / "Retired.template.json").write_text(json.dumps({"Resources": {}}))
    report = "\n".join(accept(tmp_path, samples.outdir))
    assert f"replaced             AWS::DynamoDB::GlobalTable {ids['table']}" in report
    assert f"added                AWS::S3::Bucket {ids['bucket']}" in report
    assert "removed              AWS::SNS::Topic Gone" in report
    assert "removed (stateful!)  AWS::DynamoDB::GlobalTable OldItems" in report
    assert f"modified             AWS::Cognito::UserPool {ids['pool']}" in report
    assert "Retired: stack removed" in report
    assert check(tmp_path, samples.outdir) == []
    assert accept(tmp_path, samples.outdir) == [
        line
        for stack in stack_templates(samples.outdir)
        for line in (f"{stack}: 0 change(s)", "  no change")
    ]


def test_a_stage_folder_an_earlier_synth_left_is_not_a_stage(
    tmp_path: Path, samples: SynthesizedApp
) -> None:
    """`cdk synth` leaves `assembly-<Stage>/` of a stage it no longer writes (a sandbox, a
    removed stage): the guard and `make accept` read only the stages the manifest lists."""
    out = tmp_path / "cdk.out"
    shutil.copytree(samples.outdir, out)
    stale = out / "assembly-SandboxGone"
    stale.mkdir()
    (stale / "SandboxGoneAuth.template.json").write_text(json.dumps({"Resources": {}}))
    assert set(stack_templates(out)) == sample_stacks(samples)
