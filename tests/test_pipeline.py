"""The CDK Pipelines option: synthesizes without lookups, tests before deploying, gates Prod."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auth_constructs import cfn_text
from auth_constructs.operations.smoke_access import smoke_role_name, smoke_runner_role_name
from stacks.outputs import deployed_stack_name
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp
from tests.support.scanners import Scans
from tools.review.templates import template_path


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
        assert [f"make preflight STAGE={name}"] in commands
        assert [f"make smoke-env STAGE={name}"] in commands


def test_each_stage_runs_preflight_then_approval_in_production_then_deploy_then_smoke(
    pipeline: dict[str, Any], synthesized: SynthesizedApp
) -> None:
    (codepipeline,) = resources(pipeline, "AWS::CodePipeline::Pipeline")
    stages = {
        s["Name"]: sorted(s["Actions"], key=lambda a: a["RunOrder"]) for s in codepipeline["Stages"]
    }
    assert list(stages)[:3] == ["Source", "Build", "UpdatePipeline"]
    assert [name for name in stages if name in STAGES] == list(STAGES)
    for name, factory in STAGES.items():
        steps = [(a["Name"], a["ActionTypeId"]["Category"], a["RunOrder"]) for a in stages[name]]
        approval = [(f"Promote{name}", "Approval")] if factory().production else []
        deploys = [  # each stack in the stage's deploy order (the key before what it encrypts)
            (f"{stack.node.id}.{step}", "Deploy")
            for stack in synthesized.stage(name).stacks
            for step in ("Prepare", "Deploy")
        ]
        assert [step[:2] for step in steps] == [
            (f"Preflight{name}", "Build"),
            *approval,
            *deploys,
            (f"Smoke{name}", "Build"),
        ]
        orders = [order for _, _, order in steps]
        assert orders == sorted(set(orders)), "each step waits for the one before"


def test_stages_inside_the_pipeline_hold_the_linted_resources(
    outdir: Path, synthesized: SynthesizedApp
) -> None:
    """The same resources as the top-level stages that the session's cfn-lint and checkov scan
    (only path-derived values such as the SMS role's external id differ)."""
    metadata = {"CDKMetadata"}  # version reporting is on here, as under the CLI
    for name in STAGES:
        for stack in synthesized.stage(name).stacks:
            inside = json.loads(template_path(outdir, stack.stack_name).read_text())["Resources"]
            top = synthesized.template_json(name, stack)["Resources"]
            assert {i: r["Type"] for i, r in inside.items() if i not in metadata} == {
                i: r["Type"] for i, r in top.items()
            }


def test_pipeline_template_lints_clean(scans: Scans) -> None:
    result = scans.cfn_lint_pipeline.outcome
    assert result.returncode == 0, result.stdout


def test_each_smoke_step_runs_as_a_role_that_may_only_assume_its_stages_smoke_role(
    pipeline: dict[str, Any], outdir: Path
) -> None:
    resources = pipeline["Resources"]
    roles = {
        r["Properties"].get("RoleName"): logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::IAM::Role"
    }
    for name, factory in STAGES.items():
        config = factory()
        runner = roles[smoke_runner_role_name(config)]
        trust = resources[runner]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "codebuild.amazonaws.com"}]
        assumed = [
            cfn_text.render(statement["Resource"])
            for policy in resources.values()
            if policy["Type"] == "AWS::IAM::Policy"
            and {"Ref": runner} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Action"] == "sts:AssumeRole"
        ]
        assert [role.rsplit(":", 1)[1] for role in assumed] == [f"role/{smoke_role_name(config)}"]
        path = template_path(outdir, deployed_stack_name(name))
        (smoke,) = [
            r["Properties"]
            for r in json.loads(path.read_text())["Resources"].values()
            if r["Properties"].get("RoleName") == smoke_role_name(config)
        ]
        (statement,) = smoke["AssumeRolePolicyDocument"]["Statement"]
        principal = cfn_text.render(statement["Principal"]["AWS"])
        assert principal.endswith(f":role/{smoke_runner_role_name(config)}")
