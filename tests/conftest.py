"""Session fixtures only (helpers live in `tests/support/`). The app is synthesized once per
session; app-level tests run over every stage the user's config defines.

`make test` runs the suite in pytest-xdist workers (`--dist loadgroup`): the tests that read
a synthesized app or a background process's result form one group, so one worker does that
shared work; every other test goes with its module, whose module-scoped fixtures are then built
once, to whichever worker is free."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest
from xdist import is_xdist_controller

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
    "actionlint_scan": start_actionlint,
    "trigger_tests_on_oldest_powertools": start_trigger_tests_on_oldest_powertools,
}
"""The session fixtures whose judge runs as a separate process, and how to start it."""
STARTED = pytest.StashKey[dict[str, Scan]]()
NEEDED = pytest.StashKey[list[str]]()
SCANNED = pytest.StashKey[bool]()

SHARED = frozenset({"synthesized", "outdir", "pipeline_outdir", "scans", "samples", *BACKGROUND})
"""The session fixtures that synthesize an app or wait for a background process: the work the
tests share, which a process should do once."""


def worker_group(item: pytest.Item) -> str:
    """The pytest-xdist group of `item`: "shared" if it reads the shared work, else its module."""
    return "shared" if SHARED & set(getattr(item, "fixturenames", ())) else item.path.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests before pytest-xdist reads the groups (it renames the items after them)."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(worker_group(item)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under `--dist loadgroup`, fail the run when a test carried no group or the shared group
    ran on several workers: pytest-xdist ignored the groups (as it does on pytest 9.2,
    pytest-dev/pytest-xdist#1386), so each worker synthesized every app and started every
    scanner."""
    if not is_xdist_controller(session) or session.config.getoption("dist") != "loadgroup":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    assert isinstance(reporter, pytest.TerminalReporter)
    reports = [r for found in reporter.stats.values() for r in found if hasattr(r, "node")]
    workers = {r.node.gateway.id for r in reports if r.nodeid.endswith("@shared")}
    grouped = all("@" in r.nodeid for r in reports)
    if len(workers) > 1 or not grouped:
        reporter.write_line(
            f"error: pytest-xdist ignored the groups (tests without one: {not grouped}, workers "
            f"that ran the shared tests: {len(workers)}); see docs/tests-and-benchmarks.md",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note which background processes and scanners the collected tests judge."""
    fixtures = set().union(*(getattr(item, "fixturenames", ()) for item in session.items))
    session.config.stash[NEEDED] = [name for name in BACKGROUND if name in fixtures]
    session.config.stash[SCANNED] = "scans" in fixtures


def started(request: pytest.FixtureRequest, name: str) -> Scan:
    """The background process of the fixture `name`, started on the first call."""
    running = request.config.stash.setdefault(STARTED, {})
    if name not in running:
        running[name] = BACKGROUND[name]()
    return running[name]


@pytest.fixture(autouse=True)
def background_starts_first(request: pytest.FixtureRequest) -> None:
    """The processes that work beside the tests (checkov, cfn-lint, the review, actionlint, the
    trigger tests on the oldest Powertools) start at the first test of the shared group, if the
    session runs a test that judges them, and run on the other core while the suite goes on. A
    targeted run (a mutant's tests) that judges none starts none, nor synthesizes the pipeline;
    a pytest-xdist worker that runs none of the shared group starts none either."""
    if worker_group(request.node) != "shared":
        return
    for name in request.config.stash.get(NEEDED, ()):
        started(request, name)
    if request.config.stash.get(SCANNED, True):
        request.getfixturevalue("scans")


@pytest.fixture(scope="session")
def actionlint_scan(request: pytest.FixtureRequest) -> Scan:
    return started(request, "actionlint_scan")


@pytest.fixture(scope="session")
def trigger_tests_on_oldest_powertools(request: pytest.FixtureRequest) -> Scan:
    return started(request, "trigger_tests_on_oldest_powertools")


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
