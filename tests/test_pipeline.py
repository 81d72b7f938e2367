"""The CDK Pipelines option: synthesizes without lookups, tests before deploying, gates Prod."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stage_config.stages import STAGES
from tests.support.app import synthesize

CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:123456789012:connection/12345678-1234-1234-1234-123456789012"
)


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pipeline.out")
    # As `cdk synth` does, with version reporting on (the CLI's default): cfn-lint's E3703
    # heuristic flags CodePipeline's Fn::Join role ARNs only in a template without Conditions.
    synthesize(
        out,
        context={
            "delivery": "cdk-pipelines",
            "connection_arn": CONNECTION,
            "aws:cdk:version-reporting": True,
        },
    )
    return out


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


def test_pipeline_templates_lint_clean(outdir: Path) -> None:
    templates = [
        str(outdir / "Pipeline.template.json"),
        *map(str, outdir.glob("assembly-*/*.template.json")),
    ]
    result = subprocess.run(
        [str(Path(__file__).parent.parent / ".venv" / "bin" / "cfn-lint"), *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
