"""Replacement guard: fires on a renamed construct and a replacement-forcing change only."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app import build_app
from stacks.stage import IdentityStage
from tests.cdk_app import ROOT, SynthesizedApp, cdk_json_context
from tools.guard import DEFAULT_BASELINE, check, compare, main, replacement_properties

POOL, TABLE, BUCKET = "UserPoolDAD9161D", "StorageItems5ACFBC81", "StoragePhotos333B189A"


@pytest.fixture(scope="module")
def prod_baseline() -> dict[str, Any]:
    baseline: dict[str, Any] = json.loads((DEFAULT_BASELINE / "Prod.template.json").read_text())
    return baseline


def test_committed_baselines_pass_against_a_fresh_synth(synthesized: SynthesizedApp) -> None:
    assert sorted(p.name for p in DEFAULT_BASELINE.glob("*.json")) == [
        "Dev.template.json",
        "Prod.template.json",
    ]
    assert check(DEFAULT_BASELINE, synthesized.outdir) == []


def test_fires_on_a_renamed_construct(tmp_path: Path, prod_baseline: dict[str, Any]) -> None:
    app = build_app(
        context={**cdk_json_context(), "stages": "Prod"}, environ={}, outdir=str(tmp_path)
    )
    stage = app.node.find_child("Prod")
    assert isinstance(stage, IdentityStage)
    stage.auth.rename_logical_id(POOL, "UserPoolRenamed")
    app.synth()
    (template,) = (tmp_path / "assembly-Prod").glob("*.template.json")
    (finding,) = compare("Prod", prod_baseline, json.loads(template.read_text()))
    assert finding.logical_id == POOL
    assert "logical ID vanished" in finding.reason
    assert "UserPoolRenamed" in finding.reason


@pytest.mark.parametrize(
    ("logical_id", "prop", "value", "expected"),
    [
        (POOL, "UsernameAttributes", ["phone_number"], "UsernameAttributes changed"),
        (POOL, "UsernameConfiguration", {"CaseSensitive": True}, "UsernameConfiguration changed"),
        (TABLE, "KeySchema", [{"AttributeName": "id", "KeyType": "HASH"}], "KeySchema changed"),
        (TABLE, "TableName", "photos-items", "TableName changed"),
        (BUCKET, "BucketName", "my-photos", "BucketName changed"),
    ],
)
def test_fires_on_a_replacement_forcing_change(
    prod_baseline: dict[str, Any], logical_id: str, prop: str, value: Any, expected: str
) -> None:
    current = copy.deepcopy(prod_baseline)
    current["Resources"][logical_id]["Properties"][prop] = value
    (finding,) = compare("Prod", prod_baseline, current)
    assert finding.logical_id == logical_id
    assert expected in finding.reason
    assert "forces replacement" in finding.reason


def test_quiet_on_benign_changes(prod_baseline: dict[str, Any]) -> None:
    current = copy.deepcopy(prod_baseline)
    for resource in current["Resources"].values():
        if resource["Type"] == "AWS::Cognito::UserPoolClient":
            resource["Properties"]["AccessTokenValidity"] = 5
    pool = current["Resources"][POOL]["Properties"]
    pool["Policies"]["PasswordPolicy"]["MinimumLength"] = 14
    pool["MfaConfiguration"] = "OPTIONAL"
    current["Resources"][BUCKET]["Properties"]["CorsConfiguration"]["CorsRules"][0]["MaxAge"] = 60
    assert compare("Prod", prod_baseline, current) == []


def test_replacement_properties_come_from_the_registry_schemas() -> None:
    assert "/properties/BucketName" in replacement_properties("AWS::S3::Bucket")
    assert "/properties/TableName" in replacement_properties("AWS::DynamoDB::Table")
    assert "/properties/UsernameAttributes" in replacement_properties("AWS::Cognito::UserPool")


def test_cli_reports_and_fails(
    tmp_path: Path,
    prod_baseline: dict[str, Any],
    synthesized: SynthesizedApp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    baseline = copy.deepcopy(prod_baseline)
    baseline["Resources"]["UserPoolFromAnOldName"] = baseline["Resources"][POOL]
    (tmp_path / "Prod.template.json").write_text(json.dumps(baseline))
    assert main(["--baseline", str(tmp_path), "--cdk-out", str(synthesized.outdir)]) == 1
    err = capsys.readouterr().err
    assert "REPLACEMENT GUARD: Prod: AWS::Cognito::UserPool UserPoolFromAnOldName" in err
    assert "make guard-update" in err


def test_cli_update_writes_baselines(tmp_path: Path, synthesized: SynthesizedApp) -> None:
    assert (
        main(["--update", "--baseline", str(tmp_path / "b"), "--cdk-out", str(synthesized.outdir)])
        == 0
    )
    assert main(["--baseline", str(tmp_path / "b"), "--cdk-out", str(synthesized.outdir)]) == 0
    assert DEFAULT_BASELINE.is_relative_to(ROOT)
