"""Session fixtures: the app is synthesized once per test session and shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cdk_app import SynthesizedApp, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Every stage, synthesized with cdk-nag attached (a finding fails synthesis)."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session", params=["Dev", "Prod"])
def stage_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def outdir(synthesized: SynthesizedApp) -> Path:
    return synthesized.outdir
