"""AWS Backup of the items table and the photos bucket, and reserved trigger concurrency: each
of your stages' templates holds what its config asks for, and bad config fails with the key and
the fix."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from auth_constructs import cfn_text
from auth_constructs.data.directory_backup import HANDLER as EXPORT_HANDLER
from stage_config import BackupConfig, ConfigError, StageConfig, VaultLockMode
from stage_config.selection import check_shared_concurrency
from stage_config.triggers import PEAK_RATES, UNRESERVED_MINIMUM, sized_from_quotas
from tests.support.app import SynthesizedApp, bucket_ids
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LIVE, in_region, live, sandbox, with_triggers
from tools.review.guard import compare

VAULT = "AWS::Backup::BackupVault"
PLAN = "AWS::Backup::BackupPlan"
SELECTION = "AWS::Backup::BackupSelection"


def only(app: SynthesizedApp, stage: str, kind: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = app.resources(stage, kind).items()
    return logical_id, resource


def test_backup_plan_as_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    config = stage_config.backup
    if config is None:
        for kind in (VAULT, PLAN, SELECTION):
            assert synthesized.resources(stage_name, kind) == {}
        return
    _, plan = only(synthesized, stage_name, PLAN)
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == f"cron(0 {config.start_hour_utc} * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": config.retention_days}
    vault_id, vault = only(synthesized, stage_name, VAULT)
    assert rule["TargetBackupVault"] == {"Fn::GetAtt": [vault_id, "BackupVaultName"]}
    key = vault["Properties"].get("EncryptionKeyArn")
    if stage_config.customer_key:
        assert key == synthesized.key_reference(stage_name)
    else:
        assert key is None
    expected = "Retain" if stage_config.stateful.retain else "Delete"
    assert vault["DeletionPolicy"] == expected


def test_backup_covers_the_table_and_the_bucket(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    if stage_config.backup is None:
        return
    _, selection = only(synthesized, stage_name, SELECTION)
    chosen = selection["Properties"]["BackupSelection"]["Resources"]
    (table_id,) = synthesized.resources(stage_name, "AWS::DynamoDB::GlobalTable")
    photos_id = bucket_ids(synthesized, stage_name)["photos"]
    assert {cfn_text.render(r) for r in chosen} == {f"${{{table_id}.Arn}}", f"${{{photos_id}.Arn}}"}


def test_backup_role_is_aws_backups_own(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    if stage_config.backup is None:
        return
    _, selection = only(synthesized, stage_name, SELECTION)
    role_id = selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]
    auth = synthesized.stack(stage_name)
    role = synthesized.resources(stage_name, "AWS::IAM::Role", auth)[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    policies = sorted(cfn_text.render(p).rsplit("/", 1)[-1] for p in role["ManagedPolicyArns"])
    assert policies == [
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForRestores",
        "AWSBackupServiceRolePolicyForS3Backup",
        "AWSBackupServiceRolePolicyForS3Restore",
    ]
    assert "Policies" not in role


def test_vault_lock_as_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """Production locks its vault (a config rule); COMPLIANCE sets the cooling-off days after
    which nobody can lift the lock, GOVERNANCE none."""
    config = stage_config.backup
    if config is None:
        return
    _, vault = only(synthesized, stage_name, VAULT)
    lock = vault["Properties"].get("LockConfiguration")
    if stage_config.production:
        assert config.vault_lock is not None
    if config.vault_lock is None:
        assert lock is None
        return
    assert lock["MinRetentionDays"] == config.retention_days
    if config.vault_lock is VaultLockMode.COMPLIANCE:
        assert lock["ChangeableForDays"] == config.changeable_days
    else:
        assert "ChangeableForDays" not in lock


def test_each_trigger_reserves_its_concurrency(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    if stage_config.triggers is None:
        return
    reserved = stage_config.triggers.reservations
    functions = {
        f["Properties"]["Handler"].split(".")[0]: f["Properties"]
        for f in synthesized.resources(
            stage_name, "AWS::Lambda::Function", synthesized.stack(stage_name)
        ).values()
        if f["Properties"]["Handler"].endswith(".index.handler")
        and f["Properties"]["Handler"] != EXPORT_HANDLER
    }
    assert set(functions) == set(stage_config.triggers.enabled)
    for name, function in functions.items():
        assert function.get("ReservedConcurrentExecutions") == reserved.get(name), name


def test_default_reservations_follow_the_quotas() -> None:
    """Each trigger holds its peak rate at Cognito's default quotas for a second, overrides
    replace that, and every synchronous trigger together leaves Lambda's unreserved minimum of a
    1000 quota free (the custom senders and user migration on top need a raised quota)."""
    everything = with_triggers(sandbox(), pre_authentication=True, post_authentication=True)
    assert everything.triggers
    sized = everything.triggers.reservations
    assert sized == {name: PEAK_RATES[name] for name in everything.triggers.enabled}
    assert sized["pre_token_generation"] == sized_from_quotas("pre_token_generation") == 265
    assert sum(sized.values()) <= 1000 - UNRESERVED_MINIMUM
    tuned = with_triggers(sandbox(), reserved_concurrency={"custom_message": 10})
    assert tuned.triggers
    assert tuned.triggers.reservations["custom_message"] == 10
    assert set(tuned.triggers.reservations) == set(tuned.triggers.enabled)


def with_backup(config: StageConfig, **changes: Any) -> StageConfig:
    return dataclasses.replace(
        config, backup=dataclasses.replace(config.backup or BackupConfig(), **changes)
    )


BAD: list[BadCase] = [
    (
        "retention beyond 36500 days",
        lambda: with_backup(sandbox(), retention_days=36501),
        "Sandbox.backup.retention_days",
        (
            "36501 is outside the retention range (1-36500 days). Fix: keep recovery points 1 to "
            "36500 days"
        ),
    ),
    (
        "backup at hour 24",
        lambda: with_backup(sandbox(), start_hour_utc=24),
        "Sandbox.backup.start_hour_utc",
        "24 is not an hour of the day. Fix: use 0 to 23 (UTC)",
    ),
    (
        "no retention",
        lambda: with_backup(sandbox(), retention_days=0),
        "Sandbox.backup.retention_days",
        (
            "0 is outside the retention range (1-36500 days). Fix: keep recovery points 1 to "
            "36500 days"
        ),
    ),
    (
        "production vault without a lock",
        lambda: with_backup(live(), vault_lock=None),
        "Live.backup.vault_lock",
        (
            "a production vault without a lock lets an administrator (or a stolen admin role) "
            "delete every recovery point. Fix: set vault_lock=VaultLockMode.COMPLIANCE (or "
            "GOVERNANCE)"
        ),
    ),
    (
        "cooling-off under three days",
        lambda: with_backup(live(), vault_lock=VaultLockMode.COMPLIANCE, changeable_days=2),
        "Live.backup.changeable_days",
        "2 is under AWS Backup's 3-day cooling-off. Fix: use at least 3 days",
    ),
    (
        "a reservation for a trigger that does not exist",
        lambda: with_triggers(sandbox(), reserved_concurrency={"pre_auth": 5}),
        "Sandbox.triggers.reserved_concurrency",
        (
            "names ['pre_auth'], not among this stage's triggers ['pre_sign_up', "
            "'post_confirmation', 'pre_token_generation', 'custom_message']. Fix: name only "
            "triggers the stage runs, or set reserved_concurrency=None"
        ),
    ),
    (
        "a reservation for a trigger the stage does not run",
        lambda: with_triggers(sandbox(), reserved_concurrency={"pre_authentication": 5}),
        "Sandbox.triggers.reserved_concurrency",
        (
            "names ['pre_authentication'], not among this stage's triggers ['pre_sign_up', "
            "'post_confirmation', 'pre_token_generation', 'custom_message']. Fix: name only "
            "triggers the stage runs, or set reserved_concurrency=None"
        ),
    ),
    (
        "a trigger reserved nothing",
        lambda: with_triggers(sandbox(), reserved_concurrency={"custom_message": 0}),
        "Sandbox.triggers.reserved_concurrency['custom_message']",
        (
            "0 would stop the trigger (and every sign-in through it). Fix: reserve at least "
            "1, or set reserved_concurrency=None"
        ),
    ),
    (
        "reservations a new account's quota cannot hold",
        lambda: with_triggers(sandbox(), account_concurrency=10),
        "Sandbox.triggers.reserved_concurrency",
        (
            "525 reserved of an account quota of 10 leaves less than the 100 Lambda keeps "
            "unreserved, and the deploy would fail. Fix: raise the account's Lambda "
            "concurrency in Service Quotas and set account_concurrency, or reserve less"
        ),
    ),
]


@pytest.mark.parametrize(
    ("start_hour_utc", "retention_days"), [(0, 1), (23, 36500)], ids=["first", "last"]
)
def test_a_backup_at_its_limits_is_accepted(start_hour_utc: int, retention_days: int) -> None:
    """The other side of BAD: hours 0 and 23, and 1 and 36500 days of retention, are accepted."""
    config = with_backup(sandbox(), start_hour_utc=start_hour_utc, retention_days=retention_days)
    assert config.backup == BackupConfig(
        start_hour_utc=start_hour_utc, retention_days=retention_days
    )


@bad_config_cases(BAD)
def test_bad_backup_or_concurrency_config_names_key_and_fix(
    make: Any, key: str, message: str
) -> None:
    assert_config_error(make, key, message)


def test_reservations_up_to_the_quota_minus_the_unreserved_minimum_pass() -> None:
    config = sandbox().triggers
    assert config
    total = sum(config.reservations.values())
    with_triggers(sandbox(), account_concurrency=total + UNRESERVED_MINIMUM)
    quota = total + UNRESERVED_MINIMUM - 1
    assert_config_error(
        lambda: with_triggers(sandbox(), account_concurrency=quota),
        "Sandbox.triggers.reserved_concurrency",
        f"{total} reserved of an account quota of {quota} leaves less than the "
        f"{UNRESERVED_MINIMUM} Lambda keeps unreserved, and the deploy would fail. Fix: raise "
        "the account's Lambda concurrency in Service Quotas and set account_concurrency, or "
        "reserve less",
    )


def test_stages_sharing_an_account_and_region_share_its_concurrency() -> None:
    """Two stages in one account and Region, each reserving more than half of what a 1000
    quota leaves, cannot both deploy; at exactly what it leaves they can; in different Regions
    or accounts each has its own quota."""
    production = live()
    assert production.triggers
    each = sum(production.triggers.reservations.values())
    assert each * 2 > 1000 - UNRESERVED_MINIMUM
    account, region = "123456789012", "eu-west-1"

    def placed(name: str, quota: int = 1000, in_account: str = account) -> StageConfig:
        assert production.triggers
        triggers = dataclasses.replace(production.triggers, account_concurrency=quota)
        return dataclasses.replace(
            production, name=name, triggers=triggers, account=in_account, region=region
        )

    idle = dataclasses.replace(
        placed("Idle"),
        triggers=dataclasses.replace(production.triggers, reserved_concurrency=None),
    )
    assert_config_error(
        lambda: check_shared_concurrency([placed("Live"), placed("Twin", quota=2000), idle]),
        "triggers.reserved_concurrency",
        f"Live {each} + Twin {each} reserved in account {account} {region}, whose Lambda quota "
        f"of 1000 keeps {UNRESERVED_MINIMUM} unreserved. Fix: deploy the stages to different "
        "accounts, raise the quota (and account_concurrency), or set reserved_concurrency=None "
        "in a non-production stage",
    )
    exactly = 2 * each + UNRESERVED_MINIMUM
    check_shared_concurrency([placed("Live", quota=exactly), placed("Twin", quota=exactly)])
    with pytest.raises(ConfigError):  # one short of it
        check_shared_concurrency([placed("Live", quota=exactly - 1), placed("Twin", quota=exactly)])
    # Without an account or a Region at synth, nothing says two stages share one.
    unplaced = [dataclasses.replace(placed(n), account="") for n in ("Live", "Twin")]
    check_shared_concurrency(unplaced)
    check_shared_concurrency([dataclasses.replace(placed(n), region="") for n in ("Live", "Twin")])
    elsewhere = in_region(placed("Twin"), "eu-central-1")
    check_shared_concurrency([placed("Live"), elsewhere])
    check_shared_concurrency([placed("Live"), placed("Twin", in_account="210987654321")])
    check_shared_concurrency([placed("Live"), placed("Twin", in_account="")])


def test_a_failed_backup_notifies_the_alarm_topic(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """AWS Backup's job events reach the stage's alarm topic through EventBridge, as a role
    that may publish to that topic and use the key only through SNS for it."""
    rules = synthesized.resources(stage_name, "AWS::Events::Rule")
    alarms = stage_config.user_pool.protection.alarms
    notified = alarms is not None and bool(alarms.notify_topic_arn or alarms.notify_emails)
    if stage_config.backup is None or not notified:
        assert rules == {}
        return
    ((_, rule),) = rules.items()
    vault_id, _ = only(synthesized, stage_name, VAULT)
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.backup"]
    assert pattern["detail"] == {
        "state": ["FAILED", "ABORTED", "EXPIRED"],
        "backupVaultName": [{"Fn::GetAtt": [vault_id, "BackupVaultName"]}],
    }
    (target,) = rule["Properties"]["Targets"]
    topic = target["Arn"]
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    auth = synthesized.stack(stage_name)
    role = synthesized.resources(stage_name, "AWS::IAM::Role", auth)[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    statements = [
        s
        for p in synthesized.resources(stage_name, "AWS::IAM::Policy", auth).values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    publish = [s for s in statements if s["Action"] == "sns:Publish"]
    assert publish == [{"Action": "sns:Publish", "Effect": "Allow", "Resource": topic}]
    for statement in statements:
        if statement is publish[0]:
            continue
        assert statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"] == (
            topic
        )
        assert cfn_text.render(statement["Condition"]["StringEquals"]["kms:ViaService"]) == (
            "sns.${AWS::Region}.amazonaws.com"
        )


def test_the_guard_refuses_a_later_change_of_the_vault_lock(samples: SynthesizedApp) -> None:
    """Once a compliance lock is fixed nobody can change it; the guard says so before a deploy
    fails on it."""
    baseline = samples.template_json(LIVE)
    current = copy.deepcopy(baseline)
    (vault,) = [r for r in current["Resources"].values() if r["Type"] == VAULT]
    vault["Properties"]["LockConfiguration"]["MinRetentionDays"] = 7
    (finding,) = compare(LIVE, baseline, current)
    assert "LockConfiguration changed" in finding.reason
    assert "nobody can change it" in finding.reason
    assert not finding.replaced
