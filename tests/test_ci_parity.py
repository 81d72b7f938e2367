"""Every workflow job can run on a fresh runner, in its own order of steps.

For each job, the test asks GNU make what the job's `make` steps would run on a clone with no
`.venv` and no `node_modules` (`make -n` in a directory holding only the Makefile and the files it
installs from), then checks, line by line, that each Python module a step runs needs only
distributions that an earlier line installed, and that `cdk`/`npx` run only after `npm ci`. A
step that runs `python3 -m ...` before any install must need the standard library only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.imports import distributions_of, installed_by, third_party
from tests.support.paths import ROOT
from tests.support.scanners import WORKFLOWS

INSTALL = re.compile(r"(?<!-checkov)(?<!-local)/bin/pip install (?!.*--target).*?-r (\S+)")
PYTHON_MODULE = re.compile(r"\.venv/bin/python -m ([\w.]+)")
SYSTEM_PYTHON_MODULE = re.compile(r"\bpython3 -m ([\w.]+)")
MAKE = re.compile(r"\bmake (?:-\S+ )*([a-z][\w-]*)")


def jobs() -> list[tuple[str, list[str]]]:
    """(workflow/job, its `run:` scripts in order) for every job with steps."""
    found = []
    for workflow in WORKFLOWS:
        document: dict[Any, Any] = yaml.safe_load(workflow.read_text())
        for name, job in document["jobs"].items():
            runs = [step["run"] for step in job.get("steps", []) if "run" in step]
            if runs:
                found.append((f"{workflow.name}/{name}", runs))
    return found


def make_dry_run(targets: list[str], tmp_path: Path) -> list[str]:
    """What `make -n <targets>` prints in a fresh clone (only the Makefile and install inputs)."""
    for name in [
        "Makefile",
        "package.json",
        "package-lock.json",
        *(p.name for p in ROOT.glob("requirements*.txt")),
    ]:
        shutil.copy(ROOT / name, tmp_path / name)
    result = subprocess.run(
        ["make", "-n", *targets], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def missing_installs(lines: list[str]) -> list[str]:
    """Lines that run something before what it needs is installed."""
    installed: set[str] = set()
    npm_done = False
    problems = []
    for line in lines:
        for requirements in INSTALL.findall(line):
            installed |= installed_by([requirements])
        npm_done = npm_done or "npm ci" in line
        modules = PYTHON_MODULE.findall(line) + (["app"] if "cdk synth" in line else [])
        for module in modules:
            lacking = distributions_of(third_party(module)) - installed
            if lacking:
                problems.append(f"{module} needs {sorted(lacking)} before: {line}")
        if re.search(r"(^|\s)(cdk|npx) ", line) and not npm_done:
            problems.append(f"runs the CDK CLI before `npm ci`: {line}")
    return problems


@pytest.mark.parametrize(("job", "runs"), jobs(), ids=[job for job, _ in jobs()])
def test_job_runs_on_a_fresh_runner(job: str, runs: list[str], tmp_path: Path) -> None:
    targets = [target for script in runs for target in MAKE.findall(script)]
    lines = make_dry_run(targets, tmp_path) if targets else []
    assert missing_installs(lines) == [], job
    for script in runs:
        for module in SYSTEM_PYTHON_MODULE.findall(script):
            assert third_party(module) == frozenset(), (
                f"{job}: {module} runs on the runner's Python"
            )
        if re.search(r"\bnpx ", script):
            assert any("npm ci" in line for line in lines), f"{job}: npx before `npm ci`"


def test_the_check_catches_a_target_that_skips_an_install(tmp_path: Path) -> None:
    """Had `make guard` no dev install (as on 2026-11-26), the check would have failed."""
    lines = [*make_dry_run(["synth"], tmp_path), ".venv/bin/python -m tools.review.guard"]
    (problem,) = missing_installs(lines)
    assert "tools.review.guard needs ['cfn-lint']" in problem
