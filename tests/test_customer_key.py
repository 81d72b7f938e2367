"""The stage's customer-managed key: what it encrypts, what its policy allows, how it is kept,
and what it never touches (the access-log bucket, Cognito's delivered logs). Your stages hold
what their config asks for; the samples (Live with a key, Sandbox without) pin the details."""

from __future__ import annotations

import dataclasses
from typing import Any

from stage_config import CustomerKeyConfig, StageConfig
from tests.support.app import SynthesizedApp, bucket_ids
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LIVE, SANDBOX, live
from tests.support.iam import follow
from tools.review.templates import of_type

KEY = "AWS::KMS::Key"
VENDED = "/aws/vendedlogs/cognito/"


def buckets(app: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    """{'photos' | 'access logs': the bucket's properties}"""
    resources = app.resources(stage, "AWS::S3::Bucket")
    return {name: resources[i]["Properties"] for name, i in bucket_ids(app, stage).items()}


def sse(bucket: dict[str, Any]) -> dict[str, Any]:
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    return dict(rule)


def log_groups(app: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    return {i: r["Properties"] for i, r in app.resources(stage, "AWS::Logs::LogGroup").items()}


def replica_reference(app: SynthesizedApp, stage: str) -> dict[str, Any]:
    """The key replica's ARN as the secondary Region's stacks read it."""
    replica_data = app.stage(stage).replica_data
    assert replica_data is not None
    template = app.template_json(stage, replica_data)
    (key_id,) = of_type(template, "AWS::KMS::ReplicaKey")
    (output,) = (
        name
        for name, o in template["Outputs"].items()
        if o["Value"] == {"Fn::GetAtt": [key_id, "Arn"]}
    )
    return {
        "Fn::GetStackOutput": {
            "StackName": replica_data.stack_name,
            "Region": replica_data.region,
            "OutputName": output,
        }
    }


def is_cognito_delivery(group: dict[str, Any]) -> bool:
    name = group.get("LogGroupName", {})
    return isinstance(name, dict) and name.get("Fn::Join", ["", [""]])[1][0] == VENDED


# --- your stages ---------------------------------------------------------------------------------


def test_stage_data_and_logs_use_the_key_when_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    photos = buckets(synthesized, stage_name)["photos"]
    (table,) = synthesized.resources(stage_name, "AWS::DynamoDB::GlobalTable").values()
    replica, *_secondary = reversed(table["Properties"]["Replicas"])  # the own Region's is last
    if stage_config.customer_key is None:
        groups = log_groups(synthesized, stage_name)
        assert synthesized.resources(stage_name, KEY) == {}
        assert sse(photos)["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert "SSESpecification" not in table["Properties"]
        assert "SSESpecification" not in replica
        assert all("KmsKeyId" not in g for g in groups.values())
        return
    arn = synthesized.key_reference(stage_name)
    assert sse(photos) == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn},
    }
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    assert replica["SSESpecification"] == {"KMSMasterKeyId": arn}
    stage = synthesized.stage(stage_name)
    for stack in stage.stacks:
        # In the secondary Region, the key's replica there (the ReplicaData stack's output).
        key_there = (
            arn if stack.region == stage.auth.region else replica_reference(synthesized, stage_name)
        )
        for logical_id, group in of_type(
            synthesized.template_json(stage_name, stack), "AWS::Logs::LogGroup"
        ).items():
            expected = None if is_cognito_delivery(group) else key_there
            assert group.get("KmsKeyId") == expected, (stack.stack_name, logical_id)
    # The key rotates, and is kept as the stage keeps the data it encrypts.
    config = stage_config.customer_key
    (key,) = synthesized.resources(stage_name, KEY).values()
    assert key["Properties"]["EnableKeyRotation"] is True
    # Multi-Region from the first deploy: a replica Region then replicates this key.
    assert key["Properties"]["MultiRegion"] is True
    assert key["Properties"]["RotationPeriodInDays"] == config.rotation_days
    assert key["Properties"]["PendingWindowInDays"] == config.deletion_window_days
    kept = "Retain" if stage_config.stateful.retain else "Delete"
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == (kept, kept)


# --- the samples pin the details ------------------------------------------------------------------


def key_policy(samples: SynthesizedApp) -> dict[str, dict[str, Any]]:
    (key,) = samples.resources(LIVE, KEY).values()
    return {s.get("Sid", "account"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}


def test_key_policy_lets_cloudwatch_logs_use_it_for_this_accounts_log_groups(
    samples: SynthesizedApp,
) -> None:
    statement = key_policy(samples)["CloudWatchLogsOfThisAccount"]
    assert statement["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    assert "kms:CreateGrant" not in statement["Action"]
    context = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    joined = "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in context["Fn::Join"][1])
    assert joined == "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*"


def test_key_policy_denies_grants_except_for_aws_services(samples: SynthesizedApp) -> None:
    """Control Tower CT.KMS.PR.3: a grant outlives IAM changes, so only AWS services (DynamoDB,
    for the table) may create one."""
    statement = key_policy(samples)["GrantsOnlyForAwsResources"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Action"] == "kms:CreateGrant"
    assert statement["Condition"] == {
        "BoolIfExists": {
            "kms:GrantIsForAWSResource": "false",
            "aws:PrincipalIsAWSService": "false",
        }
    }


def test_signed_in_users_reach_the_key_only_through_s3_for_the_photos_bucket(
    samples: SynthesizedApp,
) -> None:
    """The IAM evaluator (test_isolation) cannot read `kms:EncryptionContext:*` keys, so the S3
    path's conditions are pinned here: S3 only, and only with the photos bucket's context (S3
    Bucket Keys use the bucket ARN as the encryption context); the directory export likewise
    only with its backup bucket's."""
    ids = bucket_ids(samples, LIVE)
    bucket_of = {
        "IdentityAccessUser": ids["photos"],
        "IdentityAccessElevated": ids["photos"],
        "DirectoryBackupExport": ids["directory backup"],
    }
    templates = samples.templates(LIVE)
    auth = samples.stack(LIVE).stack_name
    s3_key_statements = [
        (name, policy_id, statement)
        for name, template in templates.items()
        for policy_id, policy in of_type(template, "AWS::IAM::Policy").items()
        for statement in policy["PolicyDocument"]["Statement"]
        if "kms:ViaService" in statement.get("Condition", {}).get("StringEquals", {})
        and "s3." in str(statement["Condition"]["StringEquals"]["kms:ViaService"])
    ]
    assert {policy_id.split("Role")[0] for _, policy_id, _ in s3_key_statements} == set(bucket_of)
    for name, policy_id, statement in s3_key_statements:
        assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert statement["Resource"] == samples.key_reference(LIVE)
        context = statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"]
        assert follow(context, name, templates) == (
            auth,
            {"Fn::GetAtt": [bucket_of[policy_id.split("Role")[0]], "Arn"]},
        )


def test_access_log_bucket_and_cognito_logs_never_use_the_key(samples: SynthesizedApp) -> None:
    """S3 server access logging delivers only to SSE-S3 buckets; Cognito only to log groups
    without a KMS key."""
    assert sse(buckets(samples, LIVE)["access logs"])["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    delivered = [g for g in log_groups(samples, LIVE).values() if is_cognito_delivery(g)]
    assert len(delivered) == 2, "notification errors and auth events"
    assert all("KmsKeyId" not in g for g in delivered)
    encrypted = [g for g in log_groups(samples, LIVE).values() if "KmsKeyId" in g]
    live_triggers = live().triggers
    assert live_triggers
    exports = 2 if live().directory_backup else 0  # the directory export's and its runs'
    assert len(encrypted) == len(live_triggers.enabled) + 1 + exports, "and the WAF log"


def test_a_stage_without_a_key_has_none(samples: SynthesizedApp) -> None:
    assert samples.resources(SANDBOX, KEY) == {}
    statements = [
        statement
        for policy in samples.resources(SANDBOX, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert not [s for s in statements if "kms:" in str(s["Action"])]


# --- bad key config ------------------------------------------------------------------------------

BAD: list[BadCase] = [
    (
        "rotation more often than KMS allows",
        lambda: live_with_key(rotation_days=30),
        "Live.customer_key.rotation_days",
        (
            "30 is outside KMS's rotation period range. Fix: choose 90 to 2560 days (365 is "
            "KMS's default)"
        ),
    ),
    (
        "deletion window longer than KMS allows",
        lambda: live_with_key(deletion_window_days=45),
        "Live.customer_key.deletion_window_days",
        "45 is outside KMS's waiting period range. Fix: choose 7 to 30 days",
    ),
]


def live_with_key(**settings: int) -> StageConfig:
    return dataclasses.replace(live(), customer_key=CustomerKeyConfig(**settings))


@bad_config_cases(BAD)
def test_bad_key_config_names_key_and_fix(make: Any, key: str, message: str) -> None:
    assert_config_error(make, key, message)
