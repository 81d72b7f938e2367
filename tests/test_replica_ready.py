"""Every stage is replica-ready from its first deploy: what a second Region would need and
cannot be changed later (the key's multi-Region flag, the table's type, the issuer) is set
now, the user pool is encrypted with the stage's key, and the guard refuses a later change of
any of them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auth_constructs import cfn_text
from stage_config import StageConfig
from tests.support.app import SynthesizedApp
from tests.support.configs import LIVE
from tools.review.guard import changes, compare
from tools.review.templates import of_type

POOL = "AWS::Cognito::UserPool"
KEY = "AWS::KMS::Key"
TABLE = "AWS::DynamoDB::GlobalTable"


def test_pool_is_encrypted_with_the_stage_key_and_issues_the_configured_iss(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    (pool,) = synthesized.resources(stage_name, POOL).values()
    properties = pool["Properties"]
    assert properties["IssuerConfiguration"] == {"Type": stage_config.user_pool.issuer.value}
    if stage_config.customer_key is None:
        assert "KeyConfiguration" not in properties
        return
    (key,) = synthesized.resources(stage_name, KEY).values()
    assert key["Properties"]["MultiRegion"] is True
    assert properties["KeyConfiguration"] == {
        "KeyType": "CUSTOMER_MANAGED_KEY",
        "KmsKeyArn": synthesized.key_reference(stage_name),
    }


def test_the_items_table_is_a_global_table(synthesized: SynthesizedApp, stage_name: str) -> None:
    assert len(synthesized.resources(stage_name, TABLE)) == 1
    assert synthesized.resources(stage_name, "AWS::DynamoDB::Table") == {}


def key_statements(app: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    (key,) = app.resources(stage, KEY).values()
    return {s.get("Sid", ""): s for s in key["Properties"]["KeyPolicy"]["Statement"]}


POOLS = "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"


def test_cognito_may_use_the_key_for_this_accounts_pools_only(samples: SynthesizedApp) -> None:
    """The data protection page's statements, the pool ARN as a pattern (the pool names the
    key, so the key cannot name the pool without a cycle)."""
    statements = key_statements(samples, LIVE)
    principals = {"Service": ["cognito-idp.amazonaws.com", "identitystore.amazonaws.com"]}
    use = statements["CognitoUserPoolsOfThisAccount"]
    assert use["Principal"] == principals
    assert sorted(use["Action"]) == [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncrypt*",
    ]
    condition = use["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert cfn_text.render(condition["ArnLike"]["aws:SourceArn"]) == POOLS
    context = condition["StringLike"]["kms:EncryptionContext:aws:cognito-idp:userpool-arn"]
    assert cfn_text.render(context) == POOLS
    describe = statements["CognitoDescribesTheKey"]
    assert (describe["Principal"], describe["Action"]) == (principals, "kms:DescribeKey")
    assert cfn_text.render(describe["Condition"]["ArnLike"]["aws:SourceArn"]) == POOLS
    through = statements["ThroughCognitoForThisAccount"]
    assert through["Principal"] == {"AWS": "*"}
    assert "kms:CreateGrant" not in through["Action"]
    conditions = through["Condition"]["StringEquals"]
    assert {k: cfn_text.render(v) for k, v in conditions.items()} == {
        "kms:ViaService": "cognito-idp.${AWS::Region}.amazonaws.com",
        "kms:CallerAccount": "${AWS::AccountId}",
    }


def changed(baseline: dict[str, Any], kind: str, prop: str, value: Any) -> dict[str, Any]:
    current = copy.deepcopy(baseline)
    (resource,) = [r for r in current["Resources"].values() if r["Type"] == kind]
    resource["Properties"][prop] = value
    return current


@pytest.mark.parametrize(
    ("kind", "prop", "value", "reason"),
    [
        (KEY, "MultiRegion", False, "MultiRegion changed from true to false, which forces"),
        (POOL, "IssuerConfiguration", {"Type": "UPDATED"}, "changes the iss of every token"),
    ],
)
def test_the_guard_refuses_a_later_change_of_what_a_replica_needs(
    samples: SynthesizedApp, kind: str, prop: str, value: Any, reason: str
) -> None:
    (baseline,) = [
        template
        for stack in samples.stage(LIVE).stacks
        if of_type(template := samples.template_json(LIVE, stack), kind)
    ]
    (finding,) = compare(LIVE, baseline, changed(baseline, kind, prop, value))
    assert reason in finding.reason


def test_the_guard_refuses_the_table_going_back_to_a_regional_table(
    samples: SynthesizedApp,
) -> None:
    baseline = samples.template_json(LIVE)
    current = copy.deepcopy(baseline)
    (table,) = [r for r in current["Resources"].values() if r["Type"] == TABLE]
    table["Type"] = "AWS::DynamoDB::Table"
    (finding,) = compare(LIVE, baseline, current)
    assert "its type changed to AWS::DynamoDB::Table (replacement)" in finding.reason


def test_accept_reports_an_issuer_change_as_breaking_not_as_a_replacement(
    samples: SynthesizedApp,
) -> None:
    baseline = samples.template_json(LIVE)
    (pool_id,) = samples.resources(LIVE, POOL)
    report = changes(LIVE, baseline, changed(baseline, POOL, "IssuerConfiguration", {"Type": "X"}))
    assert report == [f"  {'breaking update':<20} {POOL} {pool_id}"]
