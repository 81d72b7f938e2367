"""The directory backup's resources: each stage's template holds what its config asks for (a
locked, versioned, encrypted bucket; a daily schedule; a logged state machine; three alarms),
bad config fails with the key and the fix, and a real IAM evaluator shows the export may read
this pool and write backups, and nothing else."""

from __future__ import annotations

import ast
import dataclasses
import json
from typing import Any, cast

import botocore.session
import pytest
from aws_cdk import CfnResource
from aws_cdk import aws_iam as iam
from botocore import xform_name
from directory_backup.records import LATEST, METRIC_DROP, OWNER_ATTRIBUTE, OWNER_CLAIM

from auth_constructs.data.directory_backup import EXPORT_CALLS, METRIC_NAMESPACE
from stacks.auth_stack import AuthStack
from stage_config import CustomAttributeConfig, DirectoryBackupConfig, StageConfig, VaultLockMode
from stage_config.directory_backup import OWNER_ATTRIBUTE as OWNER_ATTRIBUTE_CONFIG
from tests.support.app import SynthesizedApp, bucket_ids
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LIVE, SANDBOX, live, sandbox, with_pool
from tests.support.iam import (
    ACCOUNT,
    ALLOWED,
    DENIED,
    REGION,
    Case,
    Names,
    answers,
    role_policies,
    stack_outputs,
)
from tests.support.paths import ROOT
from tools.review.templates import of_type

SCHEDULE = "AWS::Scheduler::Schedule"
MACHINE = "AWS::StepFunctions::StateMachine"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_OwnPool1"
OTHER_POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_OtherPool"
BACKUPS, PHOTOS = "own-directory-backups", "own-photos"


def only(app: SynthesizedApp, stage: str, kind: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = app.resources(stage, kind).items()
    return logical_id, resource


def backup_bucket(app: SynthesizedApp, stage: str) -> dict[str, Any]:
    resources = app.resources(stage, "AWS::S3::Bucket")
    return resources[bucket_ids(app, stage)["directory backup"]]


@pytest.fixture(params=[SANDBOX, LIVE])
def sample(request: pytest.FixtureRequest) -> tuple[str, StageConfig]:
    return request.param, {SANDBOX: sandbox, LIVE: live}[request.param]()


def test_the_bucket_keeps_backups_as_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    config = stage_config.directory_backup
    if config is None:
        assert "directory backup" not in bucket_ids(synthesized, stage_name)
        return
    bucket = backup_bucket(synthesized, stage_name)
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == config.retention_days
    logs = properties["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert logs == bucket_ids(synthesized, stage_name)["access logs"]
    (sse,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    algorithm = sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert algorithm == ("aws:kms" if stage_config.customer_key else "AES256")
    lock = properties.get("ObjectLockConfiguration")
    if config.object_lock:
        assert properties["ObjectLockEnabled"] is True
        assert lock["Rule"]["DefaultRetention"] == {
            "Mode": config.object_lock.name,
            "Days": config.retention_days,
        }
    else:
        assert lock is None
    assert bucket["DeletionPolicy"] == ("Retain" if stage_config.stateful.retain else "Delete")


def test_a_daily_schedule_starts_the_export(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    config = stage_config.directory_backup
    if config is None:
        assert synthesized.resources(stage_name, SCHEDULE) == {}
        return
    _, schedule = only(synthesized, stage_name, SCHEDULE)
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == f"cron(0 {config.start_hour_utc} * * ? *)"
    assert properties["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert properties["State"] == "ENABLED"
    machine_id, machine = only(synthesized, stage_name, MACHINE)
    assert properties["Target"]["Arn"] == {"Ref": machine_id}
    logging = machine["Properties"]["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_the_export_runs_with_the_configured_budget(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    config = stage_config.directory_backup
    if config is None:
        return
    stack = cast(AuthStack, synthesized.stack(stage_name))
    assert stack.directory_backup is not None
    function_id = stack.get_logical_id(
        cast(CfnResource, stack.directory_backup.function.node.default_child)
    )
    function = synthesized.template_json(stage_name)["Resources"][function_id]["Properties"]
    raw = function["Environment"]["Variables"]["TRIGGER_SETTINGS"]
    # Pool id and bucket name are references: a placeholder each, inside their JSON strings.
    text = "".join(p if isinstance(p, str) else "ref" for p in raw["Fn::Join"][1])
    settings = json.loads(text)
    assert settings["list_requests_per_second"] == config.list_requests_per_second
    assert settings["read_requests_per_second"] == config.read_requests_per_second
    assert settings["mfa_preferences"] is config.mfa_preferences
    assert "ReservedConcurrentExecutions" not in function, "one step at a time anyway"
    assert function["Timeout"] == 900


def test_alarms_on_failed_missed_and_shrinking_backups(
    samples: SynthesizedApp, sample: tuple[str, StageConfig]
) -> None:
    name, config = sample
    app = samples
    assert config.directory_backup is not None
    alarms = {
        i: r["Properties"]
        for i, r in app.resources(name, "AWS::CloudWatch::Alarm").items()
        if i.startswith("DirectoryBackup")
    }
    if config.user_pool.protection.alarms is None:
        assert alarms == {}, "like the stage's other alarms, only with protection.alarms"
        return
    by_name = {
        next(n for n in ("Failed", "Missed", "UserDrop") if n in i): a for i, a in alarms.items()
    }
    assert set(by_name) == {"Failed", "Missed", "UserDrop"}
    assert by_name["Missed"]["TreatMissingData"] == "breaching"
    assert by_name["Missed"]["ComparisonOperator"] == "LessThanThreshold"
    drop = by_name["UserDrop"]
    assert drop["MetricName"] == METRIC_DROP
    assert drop["Namespace"] == METRIC_NAMESPACE
    assert drop["Threshold"] == config.directory_backup.user_drop_alarm_percent
    for alarm in by_name.values():
        assert alarm["AlarmActions"], "to the stage's alarm topic"


def bad(case: str, key: str, message: str, **config: Any) -> BadCase:
    """A sandbox whose directory backup has `config`: its error names `key`, with `message`."""

    def make() -> StageConfig:
        return dataclasses.replace(sandbox(), directory_backup=DirectoryBackupConfig(**config))

    return case, make, f"{SANDBOX}.directory_backup.{key}", message


BAD: list[BadCase] = [
    bad(
        "drop-over-100",
        "user_drop_alarm_percent",
        "101 is not a percentage. Fix: use 1 to 100",
        user_drop_alarm_percent=101,
    ),
    (
        "production-without-lock",
        lambda: dataclasses.replace(live(), directory_backup=DirectoryBackupConfig()),
        f"{LIVE}.directory_backup.object_lock",
        (
            "production backups without object lock can be deleted by any administrator (or a "
            "stolen admin role) together with the users they would restore. Fix: set "
            "object_lock=VaultLockMode.COMPLIANCE (or GOVERNANCE)"
        ),
    ),
    bad(
        "too-much-of-user-list",
        "list_requests_per_second",
        (
            "20 is not above 0 and within half of Cognito's UserList quota (30/s per account), "
            "which sign-ups and sign-ins share. Fix: use a rate between 0 and 15"
        ),
        list_requests_per_second=20,
    ),
    bad(
        "zero-rate",
        "read_requests_per_second",
        (
            "0 is not above 0 and within half of Cognito's UserRead quota (120/s per account), "
            "which sign-ups and sign-ins share. Fix: use a rate between 0 and 60"
        ),
        read_requests_per_second=0,
    ),
    bad(
        "hour",
        "start_hour_utc",
        "24 is not an hour of the day. Fix: use 0 to 23 (UTC)",
        start_hour_utc=24,
    ),
    bad(
        "retention",
        "retention_days",
        "0 is outside the retention range (1-36500 days). Fix: keep backups 1 to 36500 days",
        retention_days=0,
    ),
    bad(
        "drop",
        "user_drop_alarm_percent",
        "0 is not a percentage. Fix: use 1 to 100",
        user_drop_alarm_percent=0,
    ),
    (
        "owner-attribute-taken",
        lambda: with_pool(
            sandbox(), custom_attributes=(CustomAttributeConfig(name=OWNER_ATTRIBUTE_CONFIG.name),)
        ),
        f"{SANDBOX}.user_pool.custom_attributes",
        (
            "custom:owner_id is the directory backup's own (admin-only) attribute. Fix: rename "
            "your custom attribute"
        ),
    ),
]


@bad_config_cases(BAD)
def test_bad_directory_backup_config_fails_with_key_and_fix(
    make: Any, key: str, message: str
) -> None:
    assert_config_error(make, key, message)


@pytest.mark.parametrize(
    "limits",
    [
        {"list_requests_per_second": 0.5},
        {"read_requests_per_second": 0.5},
        {"list_requests_per_second": 15},
        {"read_requests_per_second": 60},
        {"user_drop_alarm_percent": 1},
        {"user_drop_alarm_percent": 100},
    ],
    ids=["slow-list", "slow-read", "half-of-user-list", "half-of-user-read", "drop-1", "drop-100"],
)
def test_a_directory_backup_at_its_limits_is_accepted(limits: dict[str, Any]) -> None:
    """The other side of BAD: a rate just above 0 or at half its quota, and a drop alarm at 1 or
    100 percent, are accepted."""
    config = DirectoryBackupConfig(**limits)
    assert dataclasses.replace(sandbox(), directory_backup=config).directory_backup == config


def test_a_locked_production_config_is_accepted() -> None:
    config = DirectoryBackupConfig(object_lock=VaultLockMode.GOVERNANCE)
    assert dataclasses.replace(live(), directory_backup=config).directory_backup == config


def export_calls() -> set[str]:
    """The Cognito operations lambdas/directory_backup/export.py makes: method names and the
    operation names it passes by string."""
    tree = ast.parse((ROOT / "lambdas" / "directory_backup" / "export.py").read_text())
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return {f"cognito-idp:{op}" for op in model.operation_names if xform_name(op) in names}


def test_the_role_allows_exactly_the_calls_the_export_makes() -> None:
    assert export_calls() == set(EXPORT_CALLS)


@pytest.fixture(scope="module")
def export_policies(synthesized: SynthesizedApp) -> list[dict[str, Any]]:
    stage = next(
        name
        for name in ("Prod", "Dev")
        if cast(AuthStack, synthesized.stack(name)).directory_backup is not None
    )
    stack = cast(AuthStack, synthesized.stack(stage))
    template = synthesized.template_json(stage)
    resources = template["Resources"]
    ids = bucket_ids(synthesized, stage)
    arns = {
        ids["directory backup"]: f"arn:aws:s3:::{BACKUPS}",
        ids["photos"]: f"arn:aws:s3:::{PHOTOS}",
    }
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind == "AWS::Cognito::UserPool":
            arns[logical_id] = POOL_ARN
        elif kind == "AWS::Logs::LogGroup":
            arns[logical_id] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical_id}:*"
    key_template = synthesized.key_template(stage) if synthesized.stage(stage).keys else {}
    keys = of_type(key_template, "AWS::KMS::Key")
    key_arns = dict.fromkeys(keys, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/stage")
    names = Names(
        arns=arns,
        refs={ids["directory backup"]: BACKUPS},
        outputs=stack_outputs(key_template, Names(arns=key_arns, refs={})),
    )
    assert stack.directory_backup is not None
    role = stack.get_logical_id(
        cast(CfnResource, cast(iam.Role, stack.directory_backup.function.role).node.default_child)
    )
    return role_policies(template, role, names)


def asks() -> list[tuple[str, str, dict[str, Any], str]]:
    """(action, resource, context, expected)"""
    cases: list[Case] = []
    for action in EXPORT_CALLS:
        cases += [(action, POOL_ARN, {}, ALLOWED), (action, OTHER_POOL_ARN, {}, DENIED)]
    for action in (
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminUpdateUserAttributes",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:DeleteUserPool",
    ):
        cases.append((action, POOL_ARN, {}, DENIED))
    part = f"arn:aws:s3:::{BACKUPS}/directory/20261201T020000Z/part-00000.jsonl.gz"
    cases += [
        ("s3:PutObject", part, {}, ALLOWED),
        ("s3:GetObject", f"arn:aws:s3:::{BACKUPS}/{LATEST}", {}, ALLOWED),
        ("s3:GetObject", part, {}, DENIED),
        ("s3:DeleteObject", part, {}, DENIED),
        ("s3:PutObject", f"arn:aws:s3:::{BACKUPS}/elsewhere", {}, DENIED),
        ("s3:PutObject", f"arn:aws:s3:::{PHOTOS}/users/someone/photo.jpg", {}, DENIED),
        ("s3:GetObject", f"arn:aws:s3:::{PHOTOS}/users/someone/photo.jpg", {}, DENIED),
        ("s3:ListBucket", f"arn:aws:s3:::{BACKUPS}", {"s3:prefix": LATEST}, ALLOWED),
        ("s3:ListBucket", f"arn:aws:s3:::{BACKUPS}", {"s3:prefix": "directory/"}, DENIED),
        ("s3:PutBucketPolicy", f"arn:aws:s3:::{BACKUPS}", {}, DENIED),
        ("s3:PutObjectRetention", part, {}, DENIED),
        ("s3:BypassGovernanceRetention", part, {}, DENIED),
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": METRIC_NAMESPACE}, ALLOWED),
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "AWS/Cognito"}, DENIED),
    ]
    return cases


ASKS = asks()


@pytest.fixture(scope="module")
def decisions(export_policies: list[dict[str, Any]]) -> list[str]:
    return answers("export", export_policies, ASKS)


@pytest.mark.parametrize(
    "index", range(len(ASKS)), ids=[f"{a[0]}:{a[1].rsplit('/', 1)[-1]}" for a in ASKS]
)
def test_export_role_matrix(decisions: list[str], index: int) -> None:
    assert decisions[index] == ASKS[index][3]


def test_sessions_are_tagged_with_the_owner_claim(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """With the directory backup and the triggers, the `sub` tag every data permission is keyed
    on reads the owner claim (the `sub`, or a restored user's old one); the mapping changes only
    after the trigger that sets the claim, so no token meets a tag without its claim."""
    stack = cast(AuthStack, synthesized.stack(stage_name))
    tag_id = stack.get_logical_id(stack.identity_pool.node.find_child("SubTag"))  # type: ignore[arg-type]
    tag = synthesized.template_json(stage_name)["Resources"][tag_id]
    continuity = stage_config.directory_backup is not None and stage_config.triggers is not None
    assert tag["Properties"]["PrincipalTags"] == {"sub": OWNER_CLAIM if continuity else "sub"}
    if not continuity and stack.triggers is not None:
        function = stack.triggers.pre_token_generation
        function_id = stack.get_logical_id(cast(CfnResource, function.node.default_child))
        assert function_id not in tag.get("DependsOn", []), "it reads no claim of the trigger's"
    if continuity:
        assert stack.triggers is not None
        function = stack.triggers.pre_token_generation
        function_id = stack.get_logical_id(cast(CfnResource, function.node.default_child))
        assert function_id in tag.get("DependsOn", []), tag_id
        variables = synthesized.template_json(stage_name)["Resources"][function_id]["Properties"]
        settings = json.loads(variables["Environment"]["Variables"]["TRIGGER_SETTINGS"])
        assert settings["owner_claim"] == OWNER_CLAIM


def test_no_identity_provider_maps_into_the_owner_attribute(
    samples: SynthesizedApp, sample: tuple[str, StageConfig]
) -> None:
    """A provider's attribute mapping writes the user's attributes on every federated sign-in:
    none may write the owner id."""
    name, _ = sample
    for provider in samples.resources(name, "AWS::Cognito::UserPoolIdentityProvider").values():
        mapping = provider["Properties"].get("AttributeMapping", {})
        assert OWNER_ATTRIBUTE not in mapping
