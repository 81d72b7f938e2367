"""`make review` summarizes the synthesized stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cdk_app import SynthesizedApp
from tools.review import main, review


@pytest.fixture(scope="module")
def stages(synthesized: SynthesizedApp) -> dict[str, str]:
    text = review(synthesized.outdir)
    _, dev, prod = text.split("## ")
    return {"Dev": dev, "Prod": prod}


def test_sign_in_mfa_password_and_plan(stages: dict[str, str]) -> None:
    assert "Sign-in: email; case sensitive: False; self sign-up: True" in stages["Dev"]
    assert "MFA: OPTIONAL (SMS_MFA, SOFTWARE_TOKEN_MFA)" in stages["Dev"]
    assert "MFA: ON (SOFTWARE_TOKEN_MFA, EMAIL_OTP)" in stages["Prod"]
    assert "Password: min 12, upper True, lower True, digits True, symbols True" in stages["Prod"]
    assert "Plan: PLUS; threat protection: ENFORCED; email: DEVELOPER" in stages["Prod"]
    assert "(Retain, deletion protection ACTIVE)" in stages["Prod"]


def test_clients_flows_callbacks_and_lifetimes(stages: dict[str, str]) -> None:
    assert "`web`: secret False; flows code + ALLOW_USER_SRP_AUTH" in stages["Prod"]
    assert "tokens: id 30 minutes, access 30 minutes, refresh 43200 minutes" in stages["Prod"]
    assert "callbacks: https://photos.example.com/callback" in stages["Prod"]
    assert "callbacks: http://localhost:5173/callback" in stages["Dev"]
    assert "`server`: secret True; flows client_credentials" in stages["Prod"]


def test_providers_and_triggers(stages: dict[str, str]) -> None:
    assert "**Identity providers**: 6" in stages["Prod"]
    assert "- SignInWithApple (SignInWithApple): scopes name email" in stages["Prod"]
    assert "**Identity providers**: none" in stages["Dev"]
    assert "(event V2_0)" in stages["Prod"]


def test_roles_with_actions_and_resources(stages: dict[str, str]) -> None:
    assert (
        "Allow s3:DeleteObject, s3:GetObject, s3:PutObject on "
        "${StoragePhotos333B189A.Arn}/users/${aws:PrincipalTag/sub}/*"
    ) in stages["Prod"]
    assert "Allow cognito-idp:AdminAddUserToGroup on ${UserPoolDAD9161D.Arn}" in stages["Prod"]
    assert "Allow dynamodb:PutItem on ${StorageItems5ACFBC81.Arn}" in stages["Dev"]


def test_cli_needs_a_synthesized_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cdk-out", str(tmp_path)]) == 2
    assert "run `make synth` first" in capsys.readouterr().err
