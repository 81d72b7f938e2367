"""The client configuration file is derived from the stack's real output names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cdk_app import SynthesizedApp
from tools.client_config import REQUIRED, OutputsError, client_config, main, stage_outputs


def deployed_outputs(synthesized: SynthesizedApp, stage: str) -> dict[str, dict[str, str]]:
    """What `cdk deploy --outputs-file` would write: the template's output names, with values."""
    names = synthesized.template_json(stage)["Outputs"]
    values = {
        "Region": "eu-west-1",
        "DomainUrl": "https://photoshare.auth.eu-west-1.amazoncognito.com",
        "UserPoolId": "eu-west-1_AbC123",
    }
    return {f"{stage}-Auth": {name: values.get(name, f"{name.lower()}-value") for name in names}}


def test_every_required_output_exists_in_both_stages(synthesized: SynthesizedApp) -> None:
    for stage in ("Dev", "Prod"):
        assert set(REQUIRED) <= set(synthesized.template_json(stage)["Outputs"])


def test_config_from_outputs(synthesized: SynthesizedApp) -> None:
    config = client_config(stage_outputs(deployed_outputs(synthesized, "Prod"), "Prod"))
    assert config["auth"]["user_pool_id"] == "eu-west-1_AbC123"
    assert config["auth"]["user_pool_client_id"] == "webclientid-value"
    assert config["auth"]["identity_pool_id"] == "identitypoolid-value"
    assert config["auth"]["oauth"]["domain"] == "photoshare.auth.eu-west-1.amazoncognito.com"
    assert config["auth"]["unauthenticated_identities_enabled"] is False
    assert config["storage"] == {"aws_region": "eu-west-1", "bucket_name": "photosbucket-value"}
    assert config["custom"]["items_table"] == "itemstable-value"
    assert config["custom"]["issuer"] == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    )


def test_cli_writes_json(
    synthesized: SynthesizedApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(deployed_outputs(synthesized, "Dev")))
    assert main([str(outputs), "Dev"]) == 0
    assert json.loads(capsys.readouterr().out)["auth"]["aws_region"] == "eu-west-1"


def test_missing_stage_or_output_is_a_clear_error(synthesized: SynthesizedApp) -> None:
    outputs = deployed_outputs(synthesized, "Dev")
    with pytest.raises(OutputsError, match="no outputs for stack 'Prod-Auth'"):
        stage_outputs(outputs, "Prod")
    del outputs["Dev-Auth"]["IdentityPoolId"]
    with pytest.raises(OutputsError, match=r"lacks outputs \['IdentityPoolId'\]"):
        stage_outputs(outputs, "Dev")
