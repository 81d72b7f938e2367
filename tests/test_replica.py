"""The stage's replica in a second Region (`StageConfig.replica`): its stacks deploy in one
`cdk deploy '<Stage>/*'`, turning it on replaces nothing, and Cognito's rules for it fail at
synth. Your stages are checked for the order; a test-owned stage pins the details."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from auth_constructs.identity.pool_replica import RegionalSettings
from stacks.outputs import StackOutput
from stage_config import (
    AlarmsConfig,
    CustomerKeyConfig,
    FeaturePlan,
    MfaConfig,
    MfaMode,
    PasswordlessConfig,
    ReplicaConfig,
    StageConfig,
    TriggersConfig,
    UserPoolConfig,
)
from tests.support.app import SynthesizedApp, cdk_json_context, synthesize_configs
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import (
    LIVE,
    LOGIN_DOMAIN,
    ON_CALL_TOPIC,
    PRIMARY,
    REASON,
    SANDBOX,
    SECONDARY,
    SECONDARY_ON_CALL_TOPIC,
    live,
    replicated,
    sandbox,
    with_pool,
)
from tests.support.construct_stacks import Built, acknowledged, template_of
from tests.support.iam import (
    ALLOWED,
    DENIED,
    Case,
    Names,
    answers,
    resolve,
    role_policies,
    stack_outputs,
)
from tools.review.guard import compare
from tools.review.review import review
from tools.review.templates import artifacts, of_type


def without_senders() -> TriggersConfig | None:
    """The sample's triggers without the custom senders, which need the customer key too."""
    triggers = live().triggers
    if triggers is None:
        return None
    senders = ("custom_email_sender", "custom_sms_sender")
    reserved = triggers.reserved_concurrency
    return dataclasses.replace(
        triggers,
        custom_email_sender=None,
        custom_sms_sender=None,
        reserved_concurrency=(
            None
            if reserved is None
            else {name: n for name, n in reserved.items() if name not in senders}
        ),
    )


def without_alarms() -> UserPoolConfig:
    pool = live().user_pool
    return dataclasses.replace(pool, protection=dataclasses.replace(pool.protection, alarms=None))


# --- your stages: one deploy, in order ----------------------------------------------------------


def stack_outputs_read(node: Any) -> Iterator[dict[str, Any]]:
    """Every `Fn::GetStackOutput` in a template: the values it reads from other stacks."""
    if isinstance(node, dict):
        if "Fn::GetStackOutput" in node:
            yield node["Fn::GetStackOutput"]
        for value in node.values():
            yield from stack_outputs_read(value)
    elif isinstance(node, list):
        for value in node:
            yield from stack_outputs_read(value)


def assembly_order_problems(outdir: Path, stage: str) -> list[str]:
    """Each value a stage stack reads from another must come from a stack that deploys before it
    (a dependency in the cloud assembly, directly or not), hold that output, and be read from
    the Region that stack deploys to."""
    assembly = outdir / f"assembly-{stage}"
    stacks = {
        i: a for i, a in artifacts(assembly).items() if a["type"] == "aws:cloudformation:stack"
    }
    by_name = {a["properties"]["stackName"]: i for i, a in stacks.items()}

    def before(artifact: str) -> set[str]:
        direct = {d for d in stacks[artifact].get("dependencies", []) if d in stacks}
        return direct.union(*(before(d) for d in direct)) if direct else set()

    problems = []
    for artifact, stack in stacks.items():
        template = json.loads((assembly / stack["properties"]["templateFile"]).read_text())
        region = stack["environment"].rsplit("/", 1)[1]
        for read in stack_outputs_read(template):
            producer = by_name.get(read["StackName"])
            where = f"{stack['properties']['stackName']} reads {read['StackName']}"
            if producer is None:
                problems.append(f"{where}, which is not in the stage")
                continue
            if producer not in before(artifact):
                problems.append(f"{where}, which does not deploy before it")
            produced = json.loads(
                (assembly / stacks[producer]["properties"]["templateFile"]).read_text()
            )
            if read["OutputName"] not in produced.get("Outputs", {}):
                problems.append(f"{where}.{read['OutputName']}, which it does not output")
            producer_region = stacks[producer]["environment"].rsplit("/", 1)[1]
            expected = (
                {"Ref": "AWS::Region"} if producer_region in {region, "unknown-region"} else None
            )
            if read["Region"] not in (producer_region, expected):
                problems.append(f"{where} in {read['Region']}, not in {producer_region}")
    return sorted(set(problems))  # once per pair of stacks, however many values it reads


def test_every_stage_deploys_in_one_pass(synthesized: SynthesizedApp, stage_name: str) -> None:
    assert assembly_order_problems(synthesized.outdir, stage_name) == []


# --- a replicated test-owned stage pins the details ---------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthesizedApp, SynthesizedApp]:
    """The same stage synthesized without, then with, its replica."""
    alone = dataclasses.replace(live(), region=PRIMARY)
    return (
        synthesize_configs(tmp_path_factory.mktemp("alone"), [alone]),
        synthesize_configs(tmp_path_factory.mktemp("replicated"), [replicated()]),
    )


def test_the_replicated_stage_deploys_in_one_pass(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    _, app = pair
    names = [stack.stack_name for stack in app.stage(LIVE).stacks]
    assert names == [
        f"{LIVE}-Key",
        f"{LIVE}-ReplicaData",
        f"{LIVE}-Auth",
        f"{LIVE}-Secondary",
        f"{LIVE}-Access",
        f"{LIVE}-SecondaryAccess",
    ]
    assert [stack.region for stack in app.stage(LIVE).stacks] == [
        PRIMARY,
        SECONDARY,
        PRIMARY,
        SECONDARY,
        PRIMARY,
        SECONDARY,
    ]
    assert assembly_order_problems(app.outdir, LIVE) == []


def test_the_summary_lists_both_identity_pools(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    """`make summary`: the secondary Region's pool, under both of the user pool's names."""
    _, app = pair
    lines = review(app.outdir).splitlines()
    pools = [line for line in lines if "classic flow" in line]
    assert pools == [
        f"- `IdentityAccessPoolC6B30B21` ({LIVE}-Auth): guests False; classic flow False; "
        "providers ${UserPoolDAD9161D.ProviderName}",
        f"- `IdentityPoolAA95ECA5` ({LIVE}-Secondary): guests False; classic flow False; "
        f"providers cognito-idp.{SECONDARY}.${{AWS::URLSuffix}}/${{UserPoolDAD9161D}}, "
        f"cognito-idp.{PRIMARY}.${{AWS::URLSuffix}}/${{UserPoolDAD9161D}}",
    ]


def test_a_stack_read_before_it_deploys_is_caught(
    pair: tuple[SynthesizedApp, SynthesizedApp], tmp_path: Path
) -> None:
    """The ordering check itself: drop Auth's dependency on the replica key from the manifest."""
    _, app = pair
    out = tmp_path / "cdk.out"
    assembly = out / f"assembly-{LIVE}"
    assembly.mkdir(parents=True)
    source = app.outdir / f"assembly-{LIVE}"
    for path in source.glob("*.json"):
        (assembly / path.name).write_text(path.read_text())
    manifest = json.loads((source / "manifest.json").read_text())
    auth = app.stage(LIVE).auth.artifact_id
    primary_key = app.key_stack(LIVE)  # the primary key stays a dependency
    manifest["artifacts"][auth]["dependencies"] = [primary_key.artifact_id]
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    assert assembly_order_problems(out, LIVE) == [
        f"{LIVE}-Auth reads {LIVE}-ReplicaData, which does not deploy before it"
    ]


def test_turning_the_replica_on_replaces_nothing(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    """The replacement guard's own comparison, stack by stack: the replica only adds."""
    alone, replicated_app = pair
    for stack in alone.stage(LIVE).stacks:
        after = replicated_app.stage(LIVE).node.find_child(stack.node.id)
        before_template = alone.template_json(LIVE, stack)
        after_template = replicated_app.template_json(LIVE, after)  # type: ignore[arg-type]
        assert compare(stack.stack_name, before_template, after_template) == []
        kept = set(before_template["Resources"])
        assert kept <= set(after_template["Resources"]), stack.stack_name


def test_the_table_replica_uses_the_key_replica_of_its_region(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    _, app = pair
    (table,) = of_type(app.template_json(LIVE), "AWS::DynamoDB::GlobalTable").values()
    keys = {r["Region"]: r["SSESpecification"]["KMSMasterKeyId"] for r in table["Replicas"]}
    replica_data = app.stage(LIVE).replica_data
    assert replica_data is not None
    assert keys == {
        PRIMARY: {
            "Fn::GetStackOutput": {
                **app.key_reference(LIVE)["Fn::GetStackOutput"],
                "Region": PRIMARY,
            }
        },
        SECONDARY: keys[SECONDARY],
    }
    assert keys[SECONDARY]["Fn::GetStackOutput"]["StackName"] == replica_data.stack_name
    assert keys[SECONDARY]["Fn::GetStackOutput"]["Region"] == SECONDARY
    secondary = next(r for r in table["Replicas"] if r["Region"] == SECONDARY)
    assert secondary["DeletionProtectionEnabled"] is True
    assert secondary["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_pool_replica_and_its_regional_settings(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    _, app = pair
    (replica,) = of_type(app.template_json(LIVE), "AWS::Cognito::UserPoolReplica").values()
    (pool_id,) = of_type(app.template_json(LIVE), "AWS::Cognito::UserPool")
    assert replica["RegionName"] == SECONDARY
    assert replica["UserPoolId"] == {"Ref": pool_id}
    secondary = app.stage(LIVE).secondary
    assert secondary is not None
    (settings,) = of_type(
        app.template_json(LIVE, secondary), "AWS::Cognito::UserPoolRegionalConfigurationAttachment"
    ).values()
    assert "Status" not in settings, "a deploy must never undo a failover"
    email = settings["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    source = email["SourceArn"]["Fn::Join"][1]
    assert f":ses:{SECONDARY}:" in source
    assert source[-1] == f":identity/{live().user_pool.email.from_address}"  # type: ignore[union-attr]


def test_the_key_replica_has_its_own_policy_for_its_regions_pools(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    _, app = pair
    replica_data = app.stage(LIVE).replica_data
    assert replica_data is not None
    (key,) = of_type(app.template_json(LIVE, replica_data), "AWS::KMS::ReplicaKey").values()
    statements = {s.get("Sid", "account"): s for s in key["KeyPolicy"]["Statement"]}
    assert set(statements) == {
        "account",
        "GrantsOnlyForAwsResources",
        "CloudWatchLogsOfThisAccount",
        "CognitoUserPoolsOfThisAccount",
        "CognitoDescribesTheKey",
        "ThroughCognitoForThisAccount",
    }
    assert statements["GrantsOnlyForAwsResources"]["Effect"] == "Deny"
    # The replica trigger's log group there is encrypted with it: CloudWatch Logs of that
    # Region (the stack's own), for this account's log groups only.
    assert replica_data.region == SECONDARY
    logs = statements["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":logs:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":log-group:*",
                    ],
                ]
            }
        }
    }
    assert key["PrimaryKeyArn"]["Fn::GetStackOutput"]["StackName"] == f"{LIVE}-Key"
    assert key["PendingWindowInDays"] == live().customer_key.deletion_window_days  # type: ignore[union-attr]
    resource = app.template_json(LIVE, replica_data)["Resources"]
    (kept,) = [r for r in resource.values() if r["Type"] == "AWS::KMS::ReplicaKey"]
    assert (kept["DeletionPolicy"], kept["UpdateReplacePolicy"]) == ("Retain", "Retain")


# --- Cognito's rules, at synth ------------------------------------------------------------------

CASES: list[BadCase] = [
    (
        "lite-plan",
        lambda: dataclasses.replace(
            sandbox(),
            user_pool=dataclasses.replace(
                sandbox().user_pool,
                feature_plan=FeaturePlan.LITE,
                passwordless=PasswordlessConfig(email_otp=False, passkeys=False),
            ),
            triggers=None,
            region=PRIMARY,
            replica=ReplicaConfig(region=SECONDARY),
        ),
        f"{SANDBOX}.replica",
        (
            "multi-Region replication needs the ESSENTIALS or PLUS feature plan. Fix: set "
            "user_pool.feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or replica=None"
        ),
    ),
    (
        "primary-region-unknown",
        lambda: dataclasses.replace(replicated(), region=""),
        f"{LIVE}.region",
        (
            "a replica needs the stage's own (primary) Region at synth: the secondary Region's "
            "stacks read values across Regions. Fix: set region='eu-west-1' (your primary) in "
            "stages.py, or LIVE_REGION in the environment"
        ),
    ),
    (
        "primary-outside-replication",
        lambda: replicated(region="af-south-1", user_pool=without_alarms()),
        f"{LIVE}.region",
        (
            "Cognito does not replicate user pools from af-south-1. Fix: use one of "
            "ap-northeast-1, ap-northeast-2, ap-south-1, ap-southeast-1, ap-southeast-2, "
            "ca-central-1, eu-central-1, eu-north-1, eu-west-1, eu-west-2, eu-west-3, sa-east-1, "
            "us-east-1, us-east-2, us-west-1, us-west-2 as the primary, or replica=None"
        ),
    ),
    (
        "secondary-outside-replication",
        lambda: dataclasses.replace(replicated(), replica=ReplicaConfig(region="me-south-1")),
        f"{LIVE}.replica.region",
        (
            "Cognito does not replicate user pools to me-south-1. Fix: use one of ap-northeast-1, "
            "ap-northeast-2, ap-south-1, ap-southeast-1, ap-southeast-2, ca-central-1, "
            "eu-central-1, eu-north-1, eu-west-1, eu-west-2, eu-west-3, sa-east-1, us-east-1, "
            "us-east-2, us-west-1, us-west-2"
        ),
    ),
    (
        "secondary-is-primary",
        lambda: dataclasses.replace(
            replicated(),
            replica=ReplicaConfig(region=PRIMARY, ses_region=PRIMARY, totp_only_reason=REASON),
        ),
        f"{LIVE}.replica.region",
        (
            "the secondary Region is the stage's own Region (eu-west-1). Fix: choose a second "
            "Region for the replica"
        ),
    ),
    (
        "no-customer-key",
        lambda: replicated(customer_key=None, triggers=without_senders()),
        f"{LIVE}.customer_key",
        (
            "replication needs the pool encrypted with a multi-Region customer managed key, and "
            "this stage has none. Fix: set customer_key=CustomerKeyConfig() (before the first "
            "deploy: the key is multi-Region from creation), or replica=None"
        ),
    ),
    (
        "totp-only-without-reason",
        lambda: dataclasses.replace(
            replicated(), replica=ReplicaConfig(region=SECONDARY, ses_region=SECONDARY)
        ),
        f"{LIVE}.replica.totp_only_reason",
        (
            "MFA is REQUIRED and TOTP is its only factor, which secondary replicas do not "
            "support: during a failover nobody could sign in there. Fix: state why that is "
            "acceptable in replica.totp_only_reason (a sentence), or offer mfa.sms as a second "
            "factor"
        ),
    ),
    (
        "ses-without-secondary-settings",
        lambda: dataclasses.replace(
            replicated(), replica=ReplicaConfig(region=SECONDARY, totp_only_reason=REASON)
        ),
        f"{LIVE}.replica.ses_region",
        (
            "the replica sends its own email (settings per Region), through SES. Fix: set "
            "replica.ses_region to a Region where the sender identity is verified"
        ),
    ),
    (
        "ses-region-cognito-cannot-use",
        lambda: dataclasses.replace(
            replicated(), replica=ReplicaConfig(region=SECONDARY, ses_region="ap-south-1")
        ),
        f"{LIVE}.replica.ses_region",
        (
            "Cognito in eu-central-1 cannot send through SES in ap-south-1. Fix: use SES in "
            "eu-central-1 or in one of eu-west-1, us-east-1, us-west-2"
        ),
    ),
]


CASES.append(
    (
        "secondary-not-a-region-name",
        lambda: replicated(replica=ReplicaConfig(region="Frankfurt", totp_only_reason=REASON)),
        f"{LIVE}.replica.region",
        "'Frankfurt' is not an AWS region name. Fix: use e.g. 'eu-west-1'",
    )
)
CASES.append(
    (
        "ses-region-not-a-region-name",
        lambda: replicated(
            replica=ReplicaConfig(
                region=SECONDARY, ses_region="eu_central_1", totp_only_reason=REASON
            )
        ),
        f"{LIVE}.replica.ses_region",
        "'eu_central_1' is not an AWS region name. Fix: use e.g. 'eu-west-1'",
    )
)
CASES.append(
    (
        "failover-on-a-prefix-domain",
        lambda: replicated(user_pool=live().user_pool),
        f"{LIVE}.replica.managed_login_failover",
        (
            "managed login fails over a custom domain only, and this stage has its prefix "
            "domain alone. Fix: set user_pool.custom_domain=CustomDomainConfig(...) (a "
            "certificate in us-east-1), or managed_login_failover=False"
        ),
    )
)
CASES.append(
    (
        "alarm-topic-in-another-region",
        lambda: dataclasses.replace(live(), region="us-east-1"),
        f"{LIVE}.user_pool.protection.alarms.notify_topic_arn",
        (
            "the topic is in eu-west-1, and CloudWatch alarms and EventBridge rules in us-east-1 "
            "notify topics of their own Region only. Fix: use a topic in us-east-1"
        ),
    )
)


ON_CALL_EMAILS = AlarmsConfig(notify_emails=("oncall@gallery.example.net",))


def with_alarms(config: StageConfig, alarms: AlarmsConfig | None) -> StageConfig:
    protection = dataclasses.replace(config.user_pool.protection, alarms=alarms)
    return with_pool(config, protection=protection)


def without_triggers() -> StageConfig:
    """The replicated stage without triggers (nor the migration window they would serve)."""
    pool = replicated().user_pool
    web = dataclasses.replace(pool.web_client, password_auth=False)
    return replicated(triggers=None, user_pool=dataclasses.replace(pool, web_client=web))


def replica_topic(arn: str) -> ReplicaConfig:
    return ReplicaConfig(
        region=SECONDARY, ses_region=SECONDARY, totp_only_reason=REASON, notify_topic_arn=arn
    )


CASES += [
    (
        "secondary-alarms-without-a-topic",
        lambda: dataclasses.replace(replicated(), replica=replica_topic("")),
        f"{LIVE}.replica.notify_topic_arn",
        (
            "the secondary Region's trigger alarms need a topic of yours in eu-central-1: "
            "alarms notify topics of their own Region only. Fix: set replica.notify_topic_arn "
            "to a topic of yours in eu-central-1"
        ),
    ),
    (
        "secondary-topic-nothing-notifies",
        lambda: with_alarms(replicated(), ON_CALL_EMAILS),
        f"{LIVE}.replica.notify_topic_arn",
        (
            "nothing in the secondary Region would notify it: its alarms notify a topic of "
            "yours only when the stage has triggers and protection.alarms.notify_topic_arn. "
            "Fix: leave replica.notify_topic_arn empty"
        ),
    ),
    (
        "secondary-topic-without-triggers",
        lambda: dataclasses.replace(
            without_triggers(), replica=replica_topic(SECONDARY_ON_CALL_TOPIC)
        ),
        f"{LIVE}.replica.notify_topic_arn",
        (
            "nothing in the secondary Region would notify it: its alarms notify a topic of "
            "yours only when the stage has triggers and protection.alarms.notify_topic_arn. "
            "Fix: leave replica.notify_topic_arn empty"
        ),
    ),
    (
        "secondary-topic-in-the-primary",
        lambda: dataclasses.replace(replicated(), replica=replica_topic(ON_CALL_TOPIC)),
        f"{LIVE}.replica.notify_topic_arn",
        (
            "the topic is in eu-west-1, and alarms in eu-central-1 notify topics of their own "
            "Region only. Fix: use a topic in eu-central-1"
        ),
    ),
    (
        "secondary-topic-not-an-arn",
        lambda: dataclasses.replace(replicated(), replica=replica_topic("acme-on-call")),
        f"{LIVE}.replica.notify_topic_arn",
        (
            "'acme-on-call' is not an SNS topic ARN. Fix: paste the ARN of a topic in "
            "eu-central-1 (arn:aws:sns:eu-central-1:<account>:<name>), or leave it empty"
        ),
    ),
]


@bad_config_cases(CASES)
def test_bad_replica_config_names_key_and_fix(make: Any, key: str, message: str) -> None:
    assert_config_error(make, key, message)


def test_what_the_rules_allow() -> None:
    """The other side of each rule: SMS beside TOTP needs no reason; MFA not required neither;
    SES in a Region Cognito may use from anywhere; a customer key from the first deploy."""
    sms = MfaConfig(mode=MfaMode.REQUIRED, totp=True, sms=True)
    optional = MfaConfig(mode=MfaMode.OPTIONAL, totp=True, not_required_reason=REASON)
    for mfa in (sms, optional):
        config = dataclasses.replace(
            replicated(),
            user_pool=with_pool(live(), mfa=mfa).user_pool,
            replica=ReplicaConfig(
                region=SECONDARY, ses_region="us-west-2", notify_topic_arn=SECONDARY_ON_CALL_TOPIC
            ),
        )
        assert config.replica is not None
    assert replicated(customer_key=CustomerKeyConfig()).replica is not None
    # The secondary's own topic for notify_emails, and no alarms without triggers.
    emails = with_pool(with_alarms(live(), ON_CALL_EMAILS), custom_domain=LOGIN_DOMAIN)
    for config in (replicated(user_pool=emails.user_pool), without_triggers()):
        assert config.replica is not None
        assert config.replica.notify_topic_arn == ""


def test_the_summary_shows_the_replica(pair: tuple[SynthesizedApp, SynthesizedApp]) -> None:
    alone, replicated_app = pair
    issuer = live().user_pool.issuer.value
    assert f"- Issuer: {issuer}; replica: {SECONDARY}\n" in review(replicated_app.outdir)
    assert f"- Issuer: {issuer}; replica: none (one Region)\n" in review(alone.outdir)


# --- the photos' replica ----------------------------------------------------------------------


def replication_names(app: SynthesizedApp) -> tuple[Names, dict[str, str]]:
    """Concrete ARNs for the Auth template's resources and the stacks it reads, and the
    buckets' and keys' ARNs by role."""
    replica_data = app.stage(LIVE).replica_data
    assert replica_data is not None
    auth = app.template_json(LIVE)
    arn = {
        "photos": "arn:aws:s3:::live-photos",
        "replica": "arn:aws:s3:::live-photos-replica",
        "key": f"arn:aws:kms:{PRIMARY}:123456789012:key/mrk-1",
        "replica key": f"arn:aws:kms:{SECONDARY}:123456789012:key/mrk-1",
    }
    (photos_id,) = (i for i in of_type(auth, "AWS::S3::Bucket") if i.startswith("StoragePhotos"))
    replica_template = app.template_json(LIVE, replica_data)
    (replica_id,) = (
        i for i in of_type(replica_template, "AWS::S3::Bucket") if i.startswith("Photos4")
    )
    (replica_key_id,) = of_type(replica_template, "AWS::KMS::ReplicaKey")
    (key_id,) = of_type(app.key_template(LIVE), "AWS::KMS::Key")
    outputs = {
        **stack_outputs(app.key_template(LIVE), Names(arns={key_id: arn["key"]}, refs={})),
        **stack_outputs(
            replica_template,
            Names(arns={replica_id: arn["replica"], replica_key_id: arn["replica key"]}, refs={}),
        ),
    }
    arns = {i: f"arn:aws:iam::123456789012:role/{i}" for i in of_type(auth, "AWS::IAM::Role")}
    return Names(arns={**arns, photos_id: arn["photos"]}, refs={}, outputs=outputs), arn


def test_photos_replicate_into_the_secondary_under_the_key_replica(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    alone, app = pair
    names, arn = replication_names(app)
    buckets = of_type(app.template_json(LIVE), "AWS::S3::Bucket")
    replicating = {i: b for i, b in buckets.items() if "ReplicationConfiguration" in b}
    ((photos_id, photos),) = replicating.items()
    assert photos_id.startswith("StoragePhotos")
    configuration = resolve(photos["ReplicationConfiguration"], names)
    (role_id,) = (i for i, a in names.arns.items() if a == configuration["Role"])
    assert role_id.startswith("StorageReplicationRole")
    assert configuration["Rules"] == [
        {
            "Id": "PhotosToSecondaryRegion",
            "Status": "Enabled",
            "Priority": 0,
            "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
            "Destination": {
                "Bucket": arn["replica"],
                "EncryptionConfiguration": {"ReplicaKmsKeyID": arn["replica key"]},
            },
        }
    ]
    replica_data = app.stage(LIVE).replica_data
    assert replica_data is not None
    (replica,) = (
        b
        for i, b in of_type(app.template_json(LIVE, replica_data), "AWS::S3::Bucket").items()
        if i.startswith("Photos4")
    )
    # The destination as the source: versioned (replication needs it), the same expiry of
    # noncurrent versions (an erased photo's versions go in both Regions), the key's replica.
    assert replica["VersioningConfiguration"] == {"Status": "Enabled"}
    assert replica["LifecycleConfiguration"] == photos["LifecycleConfiguration"]
    (encryption,) = replica["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["BucketKeyEnabled"] is True
    default = encryption["ServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert default["KMSMasterKeyID"] == {
        "Fn::GetAtt": [
            *of_type(app.template_json(LIVE, replica_data), "AWS::KMS::ReplicaKey"),
            "Arn",
        ]
    }
    assert all(
        "ReplicationConfiguration" not in b
        for b in of_type(alone.template_json(LIVE), "AWS::S3::Bucket").values()
    ), "a stage without a replica replicates nothing"


def test_the_replication_role_is_s3s_and_moves_only_the_photos_between_the_two_buckets(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    _, app = pair
    names, arn = replication_names(app)
    auth = app.template_json(LIVE)
    (role_id,) = (i for i in of_type(auth, "AWS::IAM::Role") if i.startswith("StorageReplication"))
    role = of_type(auth, "AWS::IAM::Role")[role_id]
    assert role["Description"] == "S3 replication of the photos to the secondary Region"
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
        }
    ]
    policies = role_policies(auth, role_id, names)

    def via(region: str, bucket: str) -> dict[str, str]:
        return {
            "kms:ViaService": f"s3.{region}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": bucket,
        }

    photo, replica = f"{arn['photos']}/users/a/1.jpg", f"{arn['replica']}/users/a/1.jpg"
    other = "arn:aws:s3:::someone-elses/users/a/1.jpg"
    cases: list[Case] = [
        ("s3:GetReplicationConfiguration", arn["photos"], {}, ALLOWED),
        ("s3:ListBucket", arn["photos"], {}, ALLOWED),
        ("s3:ListBucket", arn["replica"], {}, DENIED),
        ("s3:GetObjectVersionForReplication", photo, {}, ALLOWED),
        ("s3:GetObjectVersionForReplication", other, {}, DENIED),
        ("s3:GetObject", photo, {}, DENIED),
        ("s3:ReplicateObject", replica, {}, ALLOWED),
        ("s3:ReplicateDelete", replica, {}, ALLOWED),
        ("s3:ReplicateObject", photo, {}, DENIED),
        ("s3:ReplicateObject", other, {}, DENIED),
        ("s3:DeleteObjectVersion", replica, {}, DENIED),
        # The key through S3 in another Region, or for what the role never does: denied.
        ("kms:Decrypt", arn["key"], via(SECONDARY, arn["photos"]), DENIED),
        ("kms:Encrypt", arn["key"], via(PRIMARY, arn["photos"]), DENIED),
        ("kms:Encrypt", arn["replica key"], via(PRIMARY, arn["replica"]), DENIED),
        ("kms:GenerateDataKey", arn["replica key"], via(SECONDARY, arn["replica"]), DENIED),
        ("kms:CreateGrant", arn["replica key"], via(SECONDARY, arn["replica"]), DENIED),
    ]
    decisions = answers(role_id, policies, cases)
    assert [
        (action, resource, decision)
        for (action, resource, _, _), decision in zip(cases, decisions, strict=True)
    ] == [(action, resource, expected) for action, resource, _, expected in cases]
    # What the evaluator cannot judge (it ignores `kms:EncryptionContext:*`, see
    # tests/test_isolation.py key_asks), pinned: each key through S3 in its own Region, for its
    # own bucket (with a Bucket Key, S3's encryption context is the bucket ARN); Decrypt on the
    # replica key because S3 checks the replica's Bucket Key with it.
    # Pinned, as IAM reads them (the evaluator matches actions in any case).
    statements = [s for p in policies for s in p["Statement"]]
    assert [s for s in statements if "Condition" not in s] == [
        {
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Effect": "Allow",
            "Resource": arn["photos"],
        },
        {
            "Action": [
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            "Effect": "Allow",
            "Resource": f"{arn['photos']}/*",
        },
        {
            "Action": ["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
            "Effect": "Allow",
            "Resource": f"{arn['replica']}/*",
        },
    ]
    kms = [s for s in statements if "Condition" in s]
    assert kms == [
        {
            "Action": "kms:Decrypt",
            "Condition": {"StringEquals": via(PRIMARY, arn["photos"])},
            "Effect": "Allow",
            "Resource": arn["key"],
        },
        {
            "Action": ["kms:Decrypt", "kms:Encrypt"],
            "Condition": {"StringEquals": via(SECONDARY, arn["replica"])},
            "Effect": "Allow",
            "Resource": arn["replica key"],
        },
    ]


# --- managed login failover -------------------------------------------------------------------


def test_the_custom_domain_fails_over_on_the_primarys_health_check(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    """The check asks the primary Region's user-pool service for this pool's discovery document
    (the pool id in the body); the domain routes to the secondary while it fails, and is created
    only after the replica it routes to."""
    alone, app = pair
    auth = app.template_json(LIVE)
    checks = of_type(auth, "AWS::Route53::HealthCheck")
    ((probe_id, probe),) = (
        (i, c) for i, c in checks.items() if c["HealthCheckConfig"]["Type"] != "CALCULATED"
    )
    ((check_id, check),) = (
        (i, c) for i, c in checks.items() if c["HealthCheckConfig"]["Type"] == "CALCULATED"
    )
    # The domain routes on a calculated check over the probe: healthy while the probe is, and
    # the operators' override (a threshold above its one child is always unhealthy).
    assert check["HealthCheckConfig"] == {
        "Type": "CALCULATED",
        "ChildHealthChecks": [{"Fn::GetAtt": [probe_id, "HealthCheckId"]}],
        "HealthThreshold": 1,
    }
    pool_id = next(iter(of_type(auth, "AWS::Cognito::UserPool")))
    assert probe["HealthCheckConfig"] == {
        "Type": "HTTPS_STR_MATCH",
        "FullyQualifiedDomainName": f"cognito-idp.{PRIMARY}.amazonaws.com",
        "ResourcePath": {
            "Fn::Join": ["", ["/", {"Ref": pool_id}, "/.well-known/openid-configuration"]]
        },
        "SearchString": {"Ref": pool_id},
        "Port": 443,
        "EnableSNI": True,
        "RequestInterval": 30,
        "FailureThreshold": 3,
    }
    domains = auth["Resources"]
    (custom,) = (
        d
        for d in of_type(auth, "AWS::Cognito::UserPoolDomain").values()
        if d.get("CustomDomainConfig")
    )
    assert custom["Domain"] == LOGIN_DOMAIN.domain_name
    assert custom["Routing"] == {
        "Failover": {
            "SecondaryRegion": SECONDARY,
            "PrimaryRoute53HealthCheckId": {"Fn::GetAtt": [check_id, "HealthCheckId"]},
        }
    }
    ((replica_id, _),) = of_type(auth, "AWS::Cognito::UserPoolReplica").items()
    (custom_id,) = (
        i
        for i, d in domains.items()
        if d["Type"] == "AWS::Cognito::UserPoolDomain" and "CustomDomainConfig" in d["Properties"]
    )
    assert replica_id in domains[custom_id]["DependsOn"]
    assert auth["Outputs"][StackOutput.FAILOVER_HEALTH_CHECK]["Value"] == {
        "Fn::GetAtt": [check_id, "HealthCheckId"]
    }
    assert of_type(alone.template_json(LIVE), "AWS::Route53::HealthCheck") == {}


def test_the_secondary_alarms_on_each_of_its_triggers_notify_the_topic_there(
    pair: tuple[SynthesizedApp, SynthesizedApp],
) -> None:
    """Errors, throttles and a p99 near the timeout of every trigger the replica runs, and the
    blocks of its web ACL (under that Region), each notifying the on-call topic of the
    secondary Region (alarms notify their own Region's)."""
    _, app = pair
    secondary = app.stage(LIVE).secondary
    assert secondary is not None
    assert secondary.triggers is not None
    template = app.template_json(LIVE, secondary)
    functions = {
        secondary.get_logical_id(function.node.default_child)  # type: ignore[arg-type]
        for function in secondary.triggers.functions.values()
    }
    assert secondary.triggers.pre_token_generation in secondary.triggers.functions.values()
    alarms = of_type(template, "AWS::CloudWatch::Alarm").values()
    assert all(alarm["AlarmActions"] == [SECONDARY_ON_CALL_TOPIC] for alarm in alarms)
    alarmed = {
        (alarm["Dimensions"][0]["Value"]["Ref"], alarm["MetricName"])
        for alarm in alarms
        if alarm["Namespace"] == "AWS/Lambda"
    }
    assert alarmed == {
        (function, metric)
        for function in functions
        for metric in ("Errors", "Throttles", "Duration")
    }
    (blocks,) = [alarm for alarm in alarms if alarm["Namespace"] == "AWS/WAFV2"]
    assert {d["Name"]: d["Value"] for d in blocks["Dimensions"]} == {
        "WebACL": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-user-pool"]]},
        "Rule": "ALL",
        "Region": SECONDARY,
    }
    assert len(alarms) == len(alarmed) + 1
    assert of_type(template, "AWS::SNS::Topic") == {}


def test_every_replica_sends_the_stages_sms_codes_in_its_own_region(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """SMS is a per-Region setting of a replica: a stage with SMS codes gives its replica SNS in
    the secondary Region, else none."""
    secondary = synthesized.stage(stage_name).secondary
    if secondary is None:
        return
    (attachment,) = of_type(
        synthesized.template_json(stage_name, secondary),
        "AWS::Cognito::UserPoolRegionalConfigurationAttachment",
    ).values()
    assert ("SmsConfiguration" in attachment) is stage_config.user_pool.mfa.sms
    if stage_config.replica and stage_config.user_pool.mfa.sms:
        assert attachment["SmsConfiguration"]["SnsRegion"] == stage_config.replica.region


def test_the_replica_sends_sms_through_sns_in_its_region_with_a_role_of_its_own() -> None:
    """As CDK's role for the primary pool: Cognito may assume it only with the external id the
    settings name; it may publish SMS, nothing else."""
    stack = Stack(App(context=cdk_json_context()), "Secondary", env=Environment(region=SECONDARY))
    settings = RegionalSettings(
        stack,
        "RegionalSettings",
        user_pool_id="eu-west-1_Pool",
        email=None,
        ses_region="",
        sms=True,
    )
    quiet = RegionalSettings(
        stack, "WithoutSms", user_pool_id="eu-west-1_Other", email=None, ses_region="", sms=False
    )
    assert settings.sms_role is not None
    assert quiet.sms_role is None
    built = Built(stack, template_of(stack))
    assert "SmsConfiguration" not in built.resource(quiet.attachment)["Properties"]
    sms = built.resource(settings.attachment)["Properties"]["SmsConfiguration"]
    role_id = built.logical_id(settings.sms_role)
    external_id = sms["ExternalId"]
    assert external_id == "SecondaryRegionalSettingsE22B12A4"  # the settings path, hashed
    assert sms == {
        "ExternalId": external_id,
        "SnsCallerArn": {"Fn::GetAtt": [role_id, "Arn"]},
        "SnsRegion": SECONDARY,
    }
    role = built.resource(settings.sms_role)["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            "Effect": "Allow",
            "Principal": {"Service": "cognito-idp.amazonaws.com"},
        }
    ]
    assert role["Policies"] == [
        {
            "PolicyDocument": {
                "Statement": [{"Action": "sns:Publish", "Effect": "Allow", "Resource": "*"}],
                "Version": "2012-10-17",
            },
            "PolicyName": "sns-publish",
        }
    ]
    assert role["Description"] == "Cognito sends the replica's SMS codes through SNS in this Region"
    # Its construct id is its logical id: a renamed role is a replaced one.
    assert settings.sms_role.node.id == "SmsRole"
    reason = (
        "Cognito's SMS role publishes to phone numbers, which have no ARN; sns:Publish on * is "
        "the documented policy and the trust is bound to the replica's settings by an external id."
    )
    assert acknowledged(settings.sms_role) == {"AwsSolutions-IAM5[Resource::*]": reason}
    assert built.resource(settings.sms_role)["Metadata"]["checkov"] == {
        "skip": [{"id": "CKV_AWS_111", "comment": reason}]
    }
