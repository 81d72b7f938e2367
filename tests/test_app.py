"""app.py: stage selection from context, account/region from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Token

from stage_config import ConfigError
from tests.cdk_app import SynthesizedApp, synthesize


def test_unknown_stage_in_context_fails_before_synth(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'Staging' is not a stage"):
        synthesize(tmp_path, context={"stages": "Dev,Staging"})


def test_stage_selection_and_environment(tmp_path: Path) -> None:
    app = synthesize(
        tmp_path,
        context={"stages": "Prod"},
        environ={"PROD_ACCOUNT": "123456789012", "PROD_REGION": "eu-west-1"},
    )
    assert [p.name for p in tmp_path.glob("assembly-*")] == ["assembly-Prod"]
    stack = app.stack("Prod")
    assert (stack.account, stack.region) == ("123456789012", "eu-west-1")
    assert stack.termination_protection is True


def test_stages_are_environment_agnostic_by_default(synthesized: SynthesizedApp) -> None:
    stack = synthesized.stack("Dev")
    assert Token.is_unresolved(stack.account)
    assert Token.is_unresolved(stack.region)
