"""The CDK Pipelines option: synthesizes without lookups, tests before deploying, gates Prod."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp
from tests.support.scanners import Scans


@pytest.fixture(scope="module")
def outdir(pipeline_outdir: Path) -> Path:
    """The app in the CDK Pipelines mode, synthesized once per session."""
    return pipeline_outdir


@pytest.fixture(scope="module")
def pipeline(outdir: Path) -> dict[str, Any]:
    template: dict[str, Any] = json.loads((outdir / "Pipeline.template.json").read_text())
    return template


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_stages_live_inside_the_pipeline(outdir: Path) -> None:
    assert sorted(p.name for p in outdir.glob("assembly-*")) == sorted(
        f"assembly-Pipeline-{name}" for name in STAGES
    )
    assert not (outdir / "CiAccess.template.json").exists()


def test_no_context_lookups(outdir: Path) -> None:
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert manifest.get("missing", []) == []


def test_synth_step_runs_the_test_suite(pipeline: dict[str, Any]) -> None:
    specs = [
        json.loads(p["Source"]["BuildSpec"])
        for p in resources(pipeline, "AWS::CodeBuild::Project")
        if "BuildSpec" in p.get("Source", {})
    ]
    commands = [spec["phases"]["build"]["commands"] for spec in specs]
    assert ["make test", "make synth"] in commands
    for name in STAGES:
        assert [f"make smoke-env STAGE={name}"] in commands


def test_production_stages_wait_for_a_manual_approval(pipeline: dict[str, Any]) -> None:
    (codepipeline,) = resources(pipeline, "AWS::CodePipeline::Pipeline")
    stages = {
        s["Name"]: [a["ActionTypeId"]["Category"] for a in s["Actions"]]
        for s in codepipeline["Stages"]
    }
    assert list(stages)[:3] == ["Source", "Build", "UpdatePipeline"]
    assert [name for name in stages if name in STAGES] == list(STAGES)
    for name, factory in STAGES.items():
        assert (stages[name][0] == "Approval") is factory().production, name
        assert stages[name][-1] == "Build", "the smoke test runs after the deploy"


def test_stages_inside_the_pipeline_hold_the_linted_resources(
    outdir: Path, synthesized: SynthesizedApp
) -> None:
    """The same resources as the top-level stages that the session's cfn-lint and checkov scan
    (only path-derived values such as the SMS role's external id differ)."""
    for name in STAGES:
        (path,) = outdir.glob(f"assembly-Pipeline-{name}/*.template.json")
        inside = json.loads(path.read_text())["Resources"]
        top = synthesized.template_json(name)["Resources"]
        metadata = {"CDKMetadata"}  # version reporting is on here, as under the CLI
        assert {i: r["Type"] for i, r in inside.items() if i not in metadata} == {
            i: r["Type"] for i, r in top.items()
        }


def test_pipeline_template_lints_clean(scans: Scans) -> None:
    result = scans.cfn_lint_pipeline.outcome
    assert result.returncode == 0, result.stdout
