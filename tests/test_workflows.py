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
from tests.support.paths import ROOT
from tests.support.scanners import INJECTION_SAMPLE, WORKFLOWS, Scan
from tools.quality.mutation import DEFAULT_MODULES, file_runs

WORKFLOWS_BY_NAME = {w.name for w in WORKFLOWS}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)", re.MULTILINE)


def test_workflows_exist() -> None:
    assert [w.name for w in WORKFLOWS] == [
        "deploy-stage.yml",
        "deploy.yml",
        "mutate.yml",
        "pull-request.yml",
    ]


@pytest.fixture(scope="module")
def actionlint(actionlint_scan: Scan) -> dict[str, list[dict[str, Any]]]:
    """actionlint's findings per file name."""
    outcome = actionlint_scan.outcome
    assert outcome.returncode == 0, outcome.stderr
    findings: dict[str, list[dict[str, Any]]] = {
        path.name: [] for path in [*WORKFLOWS, INJECTION_SAMPLE]
    }
    for finding in json.loads(outcome.stdout):
        findings[Path(finding["path"]).name].append(finding)
    return findings


def test_actionlint_is_clean(actionlint: dict[str, list[dict[str, Any]]]) -> None:
    assert {name: found for name, found in actionlint.items() if name in WORKFLOWS_BY_NAME} == {
        name: [] for name in WORKFLOWS_BY_NAME
    }


def test_actionlint_catches_an_injection(actionlint: dict[str, list[dict[str, Any]]]) -> None:
    """The linter runs for real: a classic script injection is reported."""
    (finding,) = actionlint[INJECTION_SAMPLE.name]
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
    assert "make guard" in review
    assert 'npx cdk diff "$stage/*" --app cdk.out' in review
    assert "python3 -m tools.deploy.stages --names" in review
    assert workflow["jobs"]["review"]["permissions"]["id-token"] == "write"


def test_pull_requests_run_the_local_backend_as_ci_does() -> None:
    """The same targets as .ci/run, in its order, and the emulator stopped whatever failed."""
    job = load("pull-request.yml")["jobs"]["local"]
    runs = [step["run"].split(" CHROMIUM=")[0] for step in job["steps"] if "run" in step]
    ci = (ROOT / ".ci" / "run").read_text()
    assert runs == ["make local", "make local-smoke", "make local-test", "make local-stop"]
    assert [line for line in ci.splitlines() if line.startswith("make local")] == runs[:3]
    assert "trap 'make local-stop' EXIT" in ci
    (stop,) = [step for step in job["steps"] if step.get("run") == "make local-stop"]
    assert stop["if"] == "always()"


def test_mutation_testing_runs_nightly_and_on_demand_one_job_per_file() -> None:
    """The matrix is what `make mutate-files` lists for every module (each file once, as
    `make mutate` would run it), so a file you add is judged without editing the workflow."""
    workflow = load("mutate.yml")
    assert set(workflow[True]) == {"workflow_dispatch", "schedule"}  # YAML 1.1: `on` is a boolean
    files, job = workflow["jobs"]["files"], workflow["jobs"]["mutate"]
    assert files["permissions"] == job["permissions"] == {"contents": "read"}
    (listing,) = [step for step in files["steps"] if step.get("id") == "list"]
    assert listing["run"] == 'echo "files=$(make -s mutate-files)" >> "$GITHUB_OUTPUT"'
    assert files["outputs"]["files"] == "${{ steps.list.outputs.files }}"
    assert job["needs"] == "files"
    assert job["strategy"]["matrix"]["module"] == "${{ fromJSON(needs.files.outputs.files) }}"
    assert job["steps"][-1]["env"]["MODULES"] == "${{ matrix.module }}"
    assert 'make -s mutate MODULES="$MODULES"' in run_lines(job)
    listed = subprocess.run(
        [sys.executable, "-m", "tools.quality.mutation", "--files"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout) == [
        source for module in DEFAULT_MODULES for source, _ in file_runs(module)
    ]


def test_the_security_review_gates_flagged_changes_on_the_label() -> None:
    """The review compares with the base branch (fetched in full), fails on a flagged change,
    and passes it only when the pull request carries the label; labelling re-runs it."""
    workflow = load("pull-request.yml")
    triggers = workflow[True]["pull_request"]  # YAML 1.1 reads the key `on` as a boolean
    assert {"labeled", "unlabeled", "synchronize"} <= set(triggers["types"])
    steps = workflow["jobs"]["review"]["steps"]
    (checkout,) = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0
    (gate,) = [s for s in steps if "make -s review" in s.get("run", "")]
    assert gate["shell"] == "bash", "bash -eo pipefail: the review's exit status survives tee"
    assert gate["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert gate["env"]["ACCEPTED"] == (
        "${{ contains(github.event.pull_request.labels.*.name, 'security-accepted') }}"
    )
    assert "gate=--fail-on-flagged" in gate["run"]
    assert 'if [ "$ACCEPTED" = true ]; then gate=; fi' in gate["run"]
    assert (
        'make -s review BASE="origin/$BASE_REF" REVIEW_ARGS="$gate" | tee -a "$GITHUB_STEP_SUMMARY"'
    ) in gate["run"]


def test_main_deploys_every_configured_stage_in_order_through_its_environment() -> None:
    deploy = load("deploy.yml")
    triggers = deploy[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers == {"push": {"branches": ["main"]}}
    jobs = deploy["jobs"]
    assert "python3 -m tools.deploy.stages" in run_lines(jobs["stages"])
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
            [sys.executable, "-m", "tools.deploy.stages"],
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
