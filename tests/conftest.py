"""Session fixtures only (helpers live in `tests/support/`). The app is synthesized once per
session; app-level tests run over every stage the user's config defines."""

from __future__ import annotations

from pathlib import Path

import pytest

from stage_config import StageConfig
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.app import (
    SynthesizedApp,
    synthesize,
    synthesize_configs,
    synthesize_pipeline,
)
from tests.support.configs import live, sandbox
from tests.support.scanners import (
    Scan,
    Scans,
    start_actionlint,
    start_scans,
    start_trigger_tests_on_oldest_powertools,
)

BACKGROUND = {
    "test_workflows.py": start_actionlint,
    "test_runtime_parity.py": start_trigger_tests_on_oldest_powertools,
}
"""Test modules whose judge runs as a separate process, and how to start it."""
STARTED = pytest.StashKey[dict[str, Scan]]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start each background process whose tests will run, so it works beside the suite."""
    collected = {item.path.name for item in session.items}
    session.config.stash[STARTED] = {
        module: start() for module, start in BACKGROUND.items() if module in collected
    }


def started(request: pytest.FixtureRequest, module: str) -> Scan:
    return request.config.stash.get(STARTED, {}).get(module) or BACKGROUND[module]()


@pytest.fixture(scope="session")
def actionlint_scan(request: pytest.FixtureRequest) -> Scan:
    return started(request, "test_workflows.py")


@pytest.fixture(scope="session")
def trigger_tests_on_oldest_powertools(request: pytest.FixtureRequest) -> Scan:
    return started(request, "test_runtime_parity.py")


@pytest.fixture(scope="session")
def synthesized_and_scans(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[SynthesizedApp, Path, Scans]:
    """Every stage, synthesized with cdk-nag attached (a finding fails synthesis), and the app in
    the CDK Pipelines mode; the external scanners start on both at once and run beside the rest
    of the suite."""
    app = synthesize(tmp_path_factory.mktemp("cdk.out"))
    pipeline_outdir = tmp_path_factory.mktemp("pipeline.out")
    synthesize_pipeline(pipeline_outdir)
    return app, pipeline_outdir, start_scans(app.outdir, pipeline_outdir)


@pytest.fixture(scope="session")
def synthesized(synthesized_and_scans: tuple[SynthesizedApp, Path, Scans]) -> SynthesizedApp:
    return synthesized_and_scans[0]


@pytest.fixture(scope="session")
def pipeline_outdir(synthesized_and_scans: tuple[SynthesizedApp, Path, Scans]) -> Path:
    return synthesized_and_scans[1]


@pytest.fixture(scope="session")
def scans(synthesized_and_scans: tuple[SynthesizedApp, Path, Scans]) -> Scans:
    return synthesized_and_scans[2]


@pytest.fixture(scope="session", params=list(STAGES))
def stage_name(request: pytest.FixtureRequest) -> str:
    """Each stage of the user's config in turn."""
    return str(request.param)


@pytest.fixture(scope="session")
def stage_config(stage_name: str) -> StageConfig:
    (config,) = select_stages([stage_name])
    return config


@pytest.fixture(scope="session")
def outdir(synthesized: SynthesizedApp) -> Path:
    return synthesized.outdir


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The test-owned stages (`tests/support/configs.py`), for tests of specific values."""
    return synthesize_configs(tmp_path_factory.mktemp("samples"), [sandbox(), live()])
