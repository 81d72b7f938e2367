"""app.py: stage selection from context, account/region from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Token

from app import build_app
from stacks.stage import IdentityStage
from stage_config import ConfigError, StageConfig
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp, cdk_json_context, synthesize


def test_unknown_stage_in_context_fails_before_synth(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'NoSuchStage' is not a stage"):
        synthesize(tmp_path, context={"stages": f"{next(iter(STAGES))},NoSuchStage"})


def test_stage_selection_and_environment(tmp_path: Path) -> None:
    """What app.py builds from context and environment (the construct tree; synthesis itself is
    covered by the session's app)."""
    name = list(STAGES)[-1]
    app = build_app(
        context={**cdk_json_context(), "stages": name},
        environ={f"{name.upper()}_ACCOUNT": "123456789012", f"{name.upper()}_REGION": "eu-west-1"},
        outdir=str(tmp_path),
    )
    stages = [c for c in app.node.children if isinstance(c, IdentityStage)]
    assert [stage.node.id for stage in stages] == [name]
    stack = stages[0].auth
    assert (stack.account, stack.region) == ("123456789012", "eu-west-1")
    assert stack.termination_protection is STAGES[name]().production


def test_stages_are_environment_agnostic_by_default(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """Account and Region come from the config (`account`, `region`) or the environment only;
    a stage that names neither synthesizes for any."""
    stack = synthesized.stack(stage_name)
    assert Token.is_unresolved(stack.account) is not bool(stage_config.account)
    assert Token.is_unresolved(stack.region) is not bool(stage_config.region)
