"""Replacement guard: fires on a renamed construct and a replacement-forcing change only; `make
accept` reports changes per stage and records baselines. Built on the test-owned stages."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import CfnResource

from stacks.auth_stack import AuthStack
from stacks.stage import IdentityStage
from tests.support.app import SynthesizedApp, configs_app
from tests.support.configs import LIVE, live
from tools.guard import accept, check, compare, main, replacement_properties


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
        "Schema": [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    },
    "table": {
        "TableName": "photos-items",
        "ImportSourceSpecification": {"InputFormat": "CSV"},
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
replaces the resource (for the user pool: a new pool, without its users)."""
TYPES = {
    "pool": "AWS::Cognito::UserPool",
    "table": "AWS::DynamoDB::Table",
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
    (finding,) = compare(LIVE, baseline, current)
    assert finding.logical_id == ids[resource]
    assert finding.reason.startswith(f"{prop} changed from ")
    assert finding.reason.endswith(f"to {json.dumps(value)}, which forces replacement")


@pytest.mark.parametrize("resource", TYPES)
def test_every_property_the_guard_fixes_has_a_case(resource: str) -> None:
    """A property the guard treats as fixed (a newer cfn-lint may add some) needs a case above."""
    fixed = {
        pointer.removeprefix("/properties/") for pointer in replacement_properties(TYPES[resource])
    }
    assert fixed == set(FIXED[resource])


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
    (tmp_path / f"{LIVE}.template.json").write_text(json.dumps(old))
    assert main(["--baseline", str(tmp_path), "--cdk-out", str(samples.outdir)]) == 1
    err = capsys.readouterr().err
    assert f"REPLACEMENT GUARD: {LIVE}: AWS::Cognito::UserPool UserPoolFromAnOldName" in err
    assert "make accept" in err


def test_a_stage_without_a_baseline_fails_until_accepted(
    tmp_path: Path, samples: SynthesizedApp
) -> None:
    findings = check(tmp_path, samples.outdir)
    assert {f.stage for f in findings} == {"Sandbox", LIVE}
    assert all("no baseline is recorded" in f.reason for f in findings)


def test_accept_reports_changes_then_records(
    tmp_path: Path, baseline: dict[str, Any], ids: dict[str, str], samples: SynthesizedApp
) -> None:
    old = copy.deepcopy(baseline)
    old["Resources"][ids["table"]]["Properties"]["KeySchema"] = []
    del old["Resources"][ids["bucket"]]
    old["Resources"]["Gone"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    old["Resources"][ids["pool"]]["Properties"]["MfaConfiguration"] = "OFF"
    (tmp_path / f"{LIVE}.template.json").write_text(json.dumps(old))
    (tmp_path / "Retired.template.json").write_text(json.dumps({"Resources": {}}))
    report = "\n".join(accept(tmp_path, samples.outdir))
    assert f"replaced             AWS::DynamoDB::Table {ids['table']}" in report
    assert f"added                AWS::S3::Bucket {ids['bucket']}" in report
    assert "removed              AWS::SNS::Topic Gone" in report
    assert f"modified             AWS::Cognito::UserPool {ids['pool']}" in report
    assert "Sandbox: new stage" in report
    assert "Retired: stage removed" in report
    assert check(tmp_path, samples.outdir) == []
    assert accept(tmp_path, samples.outdir) == [
        f"{LIVE}: 0 change(s)",
        "  no change",
        "Sandbox: 0 change(s)",
        "  no change",
    ]
