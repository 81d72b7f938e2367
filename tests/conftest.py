"""Session fixtures only (helpers live in `tests/support/`). The app is synthesized once per
session; app-level tests run over every stage the user's config defines."""

from __future__ import annotations

from pathlib import Path

import pytest

from stage_config import StageConfig
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp, synthesize, synthesize_configs
from tests.support.configs import live, sandbox


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Every stage, synthesized with cdk-nag attached (a finding fails synthesis)."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


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
