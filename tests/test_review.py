"""`make summary` summarizes the synthesized stages (checked on the test-owned stages), and
`make review BASE=<ref>` compares the working tree with a git ref, synthesized side by side."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import cast

import pytest
from aws_cdk import CfnResource

from stacks.auth_stack import AuthStack
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp
from tests.support.configs import LIVE, SANDBOX, WEB_ORIGIN
from tests.support.paths import ROOT
from tests.support.scanners import REVIEW_BASE, Scans
from tools.review.review import main, review


@pytest.fixture(scope="module")
def stages(samples: SynthesizedApp) -> dict[str, str]:
    sections = review(samples.outdir).split("## ")[1:]
    return {section.split("\n", 1)[0]: section for section in sections}


def test_one_section_per_stage(stages: dict[str, str]) -> None:
    assert set(stages) == {SANDBOX, LIVE}


def test_sign_in_mfa_password_and_plan(stages: dict[str, str]) -> None:
    assert "Sign-in: email; case sensitive: False; self sign-up: True" in stages[SANDBOX]
    assert "MFA: OPTIONAL (SMS_MFA, SOFTWARE_TOKEN_MFA)" in stages[SANDBOX]
    assert "MFA: ON (SOFTWARE_TOKEN_MFA)" in stages[LIVE]
    assert "Password: min 12, upper True, lower True, digits True, symbols True" in stages[LIVE]
    assert "Plan: PLUS; threat protection: ENFORCED; email: DEVELOPER" in stages[LIVE]
    assert "(Retain, deletion protection ACTIVE)" in stages[LIVE]


def test_clients_flows_callbacks_and_lifetimes(stages: dict[str, str]) -> None:
    # Live's web client allows USER_PASSWORD_AUTH for its user migration window.
    assert (
        "`web`: secret False; flows code + ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH"
        in (stages[LIVE])
    )
    assert "tokens: id 15 minutes, access 20 minutes, refresh 10080 minutes" in stages[LIVE]
    assert f"callbacks: {WEB_ORIGIN}/auth" in stages[LIVE]
    assert "callbacks: http://localhost:3000/auth" in stages[SANDBOX]
    assert "`server`: secret True; flows client_credentials" in stages[LIVE]


def test_providers_and_triggers(stages: dict[str, str]) -> None:
    assert "**Identity providers**: 6" in stages[LIVE]
    assert "- SignInWithApple (SignInWithApple): scopes name email" in stages[LIVE]
    assert "**Identity providers**: none" in stages[SANDBOX]
    assert "(event V3_0)" in stages[LIVE]


def test_each_identity_pool_with_its_guests_flow_and_providers(stages: dict[str, str]) -> None:
    assert (
        f"- `IdentityAccessPoolC6B30B21` ({LIVE}-Auth): guests False; classic flow False; "
        "providers ${UserPoolDAD9161D.ProviderName}"
    ) in stages[LIVE]
    assert stages[LIVE].count("classic flow") == 1, "one identity pool without a replica"


def test_roles_with_actions_and_resources(samples: SynthesizedApp, stages: dict[str, str]) -> None:
    stack = cast(AuthStack, samples.stack(LIVE))

    def ref(construct: object) -> str:
        resource = cast(CfnResource, cast(AuthStack, construct).node.default_child)
        return stack.get_logical_id(resource)

    bucket, pool = ref(stack.storage.bucket), ref(stack.user_pool.user_pool)
    table = ref(stack.storage.table)
    assert (
        "Allow s3:DeleteObject, s3:GetObject, s3:PutObject on "
        f"${{{bucket}.Arn}}/users/${{aws:PrincipalTag/sub}}/*"
    ) in stages[LIVE]
    assert f"Allow cognito-idp:AdminAddUserToGroup on ${{{pool}.Arn}}" in stages[LIVE]
    assert f"Allow dynamodb:PutItem on ${{{table}.Arn}}" in stages[LIVE]


def test_cli_needs_a_synthesized_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--state", "--cdk-out", str(tmp_path)]) == 2
    assert "run `make synth` first" in capsys.readouterr().err


def test_review_against_head_covers_every_stage_and_the_ci_stack(
    scans: Scans, synthesized: SynthesizedApp
) -> None:
    """The CLI end to end: HEAD synthesized in a git worktree, compared with the working tree.
    On a clean checkout (CI's fresh clone) the same commit synthesized twice moves nothing."""
    outcome = scans.review.outcome
    assert outcome.returncode == 0, outcome.stderr
    sections = outcome.stdout.split("\n## ")
    assert sections[0].startswith(f"# Security review against {REVIEW_BASE} (")
    names = [section.split("\n", 1)[0] for section in sections[1:]]
    stacks = [stack.stack_name for name in STAGES for stack in synthesized.stage(name).stacks]
    assert sorted(names[:-1]) == sorted(stacks), "every stage's stacks, in cloud-assembly order"
    assert names[-1] == "CiAccess"
    if not git_changes():
        bodies = [section.split("\n", 1)[1].strip() for section in sections[1:]]
        assert bodies == ["no change"] * len(names), outcome.stdout


def git_changes() -> str:
    """Tracked files changed since HEAD (untracked files do not reach the synth)."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_missing_base_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base", "no-such-ref", "--no-synth"]) == 2
    assert "error: git rev-parse --verify no-such-ref^{commit}" in capsys.readouterr().err
