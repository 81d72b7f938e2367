"""Session fixtures only (helpers live in `tests/support/`). The app is synthesized once per
session; app-level tests run over every stage the user's config defines."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
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
from tests.support.aws import moto_keys_made_once, one_model_cache  # noqa: F401 (fixtures)
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
SCANNED = pytest.StashKey[bool]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start each background process whose tests will run, so it works beside the suite."""
    collected = {item.path.name for item in session.items}
    session.config.stash[STARTED] = {
        module: start() for module, start in BACKGROUND.items() if module in collected
    }
    session.config.stash[SCANNED] = any(
        "scans" in getattr(item, "fixturenames", ()) for item in session.items
    )


def started(request: pytest.FixtureRequest, module: str) -> Scan:
    return request.config.stash.get(STARTED, {}).get(module) or BACKGROUND[module]()


@pytest.fixture(scope="session")
def actionlint_scan(request: pytest.FixtureRequest) -> Scan:
    return started(request, "test_workflows.py")


@pytest.fixture(scope="session")
def trigger_tests_on_oldest_powertools(request: pytest.FixtureRequest) -> Scan:
    return started(request, "test_runtime_parity.py")


def process_outdir(name: str) -> Path:
    """A cloud assembly folder that lives as long as the process (removed at its exit)."""
    outdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    return outdir


@cache
def user_app() -> SynthesizedApp:
    """Every stage, synthesized with cdk-nag attached (a finding fails synthesis).

    Once per process rather than per session: `make mutate` runs each mutant as a pytest session
    forked from a process that built it, which then reuses it. A mutant of the code that builds
    an app is therefore judged by the tests that build their own (construct and config tests)."""
    return synthesize(process_outdir("cdk.out"))


@cache
def sample_app() -> SynthesizedApp:
    """The test-owned stages (`tests/support/configs.py`), once per process as `user_app`."""
    return synthesize_configs(process_outdir("samples"), [sandbox(), live()])


@pytest.fixture(scope="session")
def synthesized() -> SynthesizedApp:
    return user_app()


@pytest.fixture(scope="session")
def pipeline_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app in the CDK Pipelines mode."""
    outdir = tmp_path_factory.mktemp("pipeline.out")
    synthesize_pipeline(outdir)
    return outdir


@pytest.fixture(scope="session")
def scans(synthesized: SynthesizedApp, pipeline_outdir: Path) -> Scans:
    """The external scanners, on both synthesized apps at once."""
    return start_scans(synthesized.outdir, pipeline_outdir)


@pytest.fixture(scope="session", autouse=True)
def scanners_start_first(request: pytest.FixtureRequest) -> None:
    """When the session runs a test that judges the scanners, they start before the first test
    and run beside the rest of the suite; a session without one (a targeted run, a mutant's
    tests) synthesizes no pipeline and starts no scanner."""
    if request.config.stash.get(SCANNED, True):
        request.getfixturevalue("scans")


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
def samples() -> SynthesizedApp:
    """The test-owned stages, for tests of specific values."""
    return sample_app()
