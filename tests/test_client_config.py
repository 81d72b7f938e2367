"""The client configuration file: every value from the deployed outputs or the stage config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.outputs import OPTIONAL_OUTPUTS, StackOutput, deployed_stack_name
from stage_config import StageConfig
from tests.support.app import SynthesizedApp
from tests.support.configs import LIVE, live, with_access
from tools.client_config import OutputsError, client_config, main, stage_outputs

REGION, POOL = "eu-west-1", "eu-west-1_AbC123"


def deployed_outputs(synthesized: SynthesizedApp, stage: str) -> dict[str, dict[str, str]]:
    """What `cdk deploy --outputs-file` would write: the template's output names, with values."""
    names = synthesized.template_json(stage)["Outputs"]
    values = {
        StackOutput.REGION: REGION,
        StackOutput.DOMAIN_URL: "https://acme.auth.eu-west-1.amazoncognito.com",
        StackOutput.USER_POOL_ID: POOL,
        StackOutput.ISSUER_URL: f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}",
    }
    return {
        deployed_stack_name(stage): {
            name: values.get(StackOutput(name), f"{name.lower()}-value") for name in names
        }
    }


def test_every_stage_has_every_output_the_client_needs(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    required = {o.value for o in StackOutput if o not in OPTIONAL_OUTPUTS}
    assert required <= set(synthesized.template_json(stage_name)["Outputs"])


def test_config_from_outputs_and_stage_config(samples: SynthesizedApp) -> None:
    config = client_config(stage_outputs(deployed_outputs(samples, LIVE), LIVE), live())
    assert config["auth"]["user_pool_id"] == POOL
    assert config["auth"]["user_pool_client_id"] == "webclientid-value"
    assert config["auth"]["identity_pool_id"] == "identitypoolid-value"
    assert config["auth"]["oauth"]["domain"] == "acme.auth.eu-west-1.amazoncognito.com"
    assert config["auth"]["oauth"]["scopes"] == [
        "openid",
        "email",
        "profile",
        "photos/read",
        "photos/write",
    ]
    assert config["auth"]["unauthenticated_identities_enabled"] is False
    assert config["storage"] == {"aws_region": REGION, "bucket_name": "photosbucket-value"}
    assert config["custom"]["items_table"] == "itemstable-value"
    assert config["custom"]["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"


def test_guest_flag_follows_the_config(samples: SynthesizedApp) -> None:
    guests: StageConfig = with_access(
        live(),
        allow_guest_access=True,
        guest_access_reason="Anyone may browse the public showcase gallery without an account.",
    )
    outputs = stage_outputs(deployed_outputs(samples, LIVE), LIVE)
    assert client_config(outputs, guests)["auth"]["unauthenticated_identities_enabled"] is True


def test_cli_writes_json_for_a_stage_of_the_config(
    synthesized: SynthesizedApp,
    stage_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(deployed_outputs(synthesized, stage_name)))
    assert main([str(outputs), stage_name]) == 0
    assert json.loads(capsys.readouterr().out)["auth"]["aws_region"] == REGION


def test_missing_stage_or_output_is_a_clear_error(samples: SynthesizedApp) -> None:
    outputs = deployed_outputs(samples, LIVE)
    with pytest.raises(OutputsError, match="no outputs for stack 'Other-Auth'"):
        stage_outputs(outputs, "Other")
    del outputs[deployed_stack_name(LIVE)][StackOutput.IDENTITY_POOL_ID]
    with pytest.raises(OutputsError, match=r"lacks outputs \['IdentityPoolId'\]"):
        stage_outputs(outputs, LIVE)
