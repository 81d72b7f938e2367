"""Identity pool, roles, principal tags, role mapping, photos bucket and items table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Match
from directory_backup.records import OWNER_CLAIM

from auth_constructs import cfn_text
from auth_constructs.identity.identity_pool import IdentityPool
from stage_config import DataAccessConfig, StageConfig
from tests.support.app import SynthesizedApp
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import MODERATORS, live, sandbox, with_access
from tests.support.harness import template_of
from tests.support.iam import follow
from tools.review.templates import of_type


def identity_pools(synthesized: SynthesizedApp, stage: str) -> list[tuple[str, Any]]:
    """(stack name, Ref) of each of the stage's identity pools: its own and, with a replica,
    the secondary Region's."""
    return [
        (name, {"Ref": logical_id})
        for name, template in synthesized.templates(stage).items()
        for logical_id in of_type(template, "AWS::Cognito::IdentityPool")
    ]


def test_identity_pools_guests_as_configured_and_classic_flow_off(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    pools = synthesized.resources(stage_name, "AWS::Cognito::IdentityPool")
    assert len(pools) == (2 if stage_config.replica else 1)
    for pool in pools.values():
        properties = pool["Properties"]
        assert properties["AllowUnauthenticatedIdentities"] is (
            stage_config.data_access.allow_guest_access
        )
        assert properties["AllowClassicFlow"] is False
        providers = properties["CognitoIdentityProviders"]
        assert len(providers) in (2, 4), "web and mobile, under one provider name or two"
        assert all(provider["ServerSideTokenCheck"] is True for provider in providers)


def test_roles_trust_the_stages_pools_signed_in_only_with_tag_session(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    """The user and elevated roles (the Access stack's) trust every identity pool of the stage
    and nothing else."""
    templates = synthesized.templates(stage_name)
    access = synthesized.stage(stage_name).access.stack_name
    federated = {
        logical_id: role
        for logical_id, role in of_type(templates[access], "AWS::IAM::Role").items()
        if "Federated" in str(role["AssumeRolePolicyDocument"])
    }
    assert len(federated) == 2, "the user role and the elevated role"
    for role in federated.values():
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert sorted(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
        assert statement["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
        condition = statement["Condition"]
        assert set(condition) == {"StringEquals", "ForAnyValue:StringLike"}
        assert condition["ForAnyValue:StringLike"] == {
            "cognito-identity.amazonaws.com:amr": "authenticated"
        }
        (aud,) = condition["StringEquals"].values()
        trusted = [follow(a, access, templates) for a in cfn_text.listed(aud)]
        assert len(trusted) == len(set(map(str, trusted)))
        assert sorted(map(str, trusted)) == sorted(
            map(str, identity_pools(synthesized, stage_name))
        )


def test_sub_claim_is_the_principal_tag_of_every_pool(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """The `sub` claim, or with the directory backup the owner claim (the `sub` unless a restore
    recreated the user: tests/test_directory_backup.py), for each provider name of each pool."""
    owner = stage_config.directory_backup is not None and stage_config.triggers is not None
    tags = synthesized.resources(stage_name, "AWS::Cognito::IdentityPoolPrincipalTag")
    assert len(tags) == (3 if stage_config.replica else 1)
    for tag in tags.values():
        assert tag["Properties"]["PrincipalTags"] == {"sub": OWNER_CLAIM if owner else "sub"}
        assert tag["Properties"]["UseDefaults"] is False
    synthesized.template(stage_name).has_resource_properties(
        "AWS::Cognito::IdentityPoolPrincipalTag",
        {
            "IdentityProviderName": {
                "Fn::GetAtt": [Match.string_like_regexp("UserPool"), "ProviderName"]
            }
        },
    )


def test_every_pool_maps_roles_by_token_denying_ambiguity(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    """Each pool's attachment gives signed-in users the Access stack's user role (guests
    nothing) and maps each client's tokens to their group's role, denying an ambiguous one."""
    templates = synthesized.templates(stage_name)
    stage = synthesized.stage(stage_name)
    user_role = stage.access.get_logical_id(
        cast(CfnResource, stage.access.access.user_role.node.default_child)
    )
    attached = []
    for name, template in templates.items():
        for properties in of_type(template, "AWS::Cognito::IdentityPoolRoleAttachment").values():
            attached.append(follow(properties["IdentityPoolId"], name, templates))
            assert set(properties["Roles"]) == {"authenticated"}
            assert follow(properties["Roles"]["authenticated"], name, templates) == (
                stage.access.stack_name,
                {"Fn::GetAtt": [user_role, "Arn"]},
            )
            mappings = properties["RoleMappings"]
            assert {key.removesuffix("PrimaryRegion") for key in mappings} == {"Web", "Mobile"}
            for mapping in mappings.values():
                assert mapping["Type"] == "Token"
                assert mapping["AmbiguousRoleResolution"] == "Deny"
    assert sorted(map(str, attached)) == sorted(map(str, identity_pools(synthesized, stage_name)))


def test_photos_bucket_baseline(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    access = stage_config.data_access
    synthesized.template(stage_name).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": Match.string_like_regexp("StorageAccessLogs")},
                "LogFilePrefix": "photos/",
            },
            "CorsConfiguration": {
                "CorsRules": [
                    Match.object_like(
                        {
                            "AllowedOrigins": list(access.web_origins),
                            "AllowedMethods": ["GET", "PUT", "HEAD", "DELETE"],
                        }
                    )
                ]
            },
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {
                            "AbortIncompleteMultipartUpload": {
                                "DaysAfterInitiation": access.abort_multipart_after_days
                            },
                            "NoncurrentVersionExpiration": {
                                "NoncurrentDays": access.noncurrent_versions_expire_after_days
                            },
                        }
                    )
                ]
            },
        },
    )


def test_buckets_deny_plain_http(synthesized: SynthesizedApp, stage_name: str) -> None:
    """Every bucket of the stage, in either Region (the photos' replica included)."""
    policies = synthesized.resources(stage_name, "AWS::S3::BucketPolicy")
    buckets = synthesized.resources(stage_name, "AWS::S3::Bucket")
    assert sorted(p["Properties"]["Bucket"]["Ref"] for p in policies.values()) == sorted(buckets)
    for policy in policies.values():
        deny = [
            statement
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Deny"
        ]
        assert len(deny) == 1
        assert deny[0]["Action"] == "s3:*"
        assert deny[0]["Principal"] == {"AWS": "*"}
        assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_items_table(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """A global table in every stage (a replica Region is then an update, never a new table),
    with one replica in the stage's own Region, and one in the secondary with a replica."""
    synthesized.template(stage_name).has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "Replicas": [
                Match.object_like(
                    {
                        "Region": region,
                        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                        "DeletionProtectionEnabled": stage_config.stateful.deletion_protection,
                    }
                )
                # The secondary Region's replica first (CDK's order), then the stage's own.
                for region in (
                    *([stage_config.replica.region] if stage_config.replica else []),
                    stage_config.region or {"Ref": "AWS::Region"},
                )
            ],
        },
    )
    assert synthesized.resources(stage_name, "AWS::DynamoDB::Table") == {}


def test_guest_access_override_needs_and_records_a_reason() -> None:
    config = DataAccessConfig(
        web_origins=("https://a.example.com",),
        allow_guest_access=True,
        guest_access_reason="Visitors browse the public gallery anonymously, without an account.",
    )

    def build(stack: Stack) -> None:
        pool = cognito.UserPool(stack, "Pool")
        IdentityPool(
            stack,
            "IdentityPool",
            providers={"": pool.user_pool_provider_name},
            clients={"C": pool.add_client("C").user_pool_client_id},
            config=config,
            stateful=sandbox().stateful,
        )

    template_of(build).has_resource_properties(
        "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": True}
    )


BAD: list[BadCase] = [
    (
        "an origin twice",
        lambda: with_access(
            sandbox(), web_origins=("http://localhost:3000", "http://localhost:3000")
        ),
        "Sandbox.data_access.web_origins",
        "'http://localhost:3000' appears twice. Fix: give each entry a unique name",
    ),
    (
        "origin with a trailing slash",
        lambda: with_access(live(), web_origins=("https://gallery.example.net/",)),
        "Live.data_access.web_origins[0]",
        (
            "'https://gallery.example.net/' is not a web origin. Fix: use scheme://host[:port], "
            "e.g. https://photos.example.com, without a path"
        ),
    ),
    (
        "no web origin",
        lambda: with_access(sandbox(), web_origins=()),
        "Sandbox.data_access.web_origins",
        "no web origin is set. Fix: list the origins (scheme://host) of the web app that "
        "uploads to the bucket",
    ),
    (
        "origin with a path",
        lambda: with_access(sandbox(), web_origins=("http://localhost:3000/app",)),
        "Sandbox.data_access.web_origins[0]",
        (
            "'http://localhost:3000/app' is not a web origin. Fix: use scheme://host[:port], "
            "e.g. https://photos.example.com, without a path"
        ),
    ),
    (
        "origin not a URL",
        lambda: with_access(sandbox(), web_origins=("gallery.example.net",)),
        "Sandbox.data_access.web_origins[0]",
        (
            "'gallery.example.net' is not a web origin. Fix: use scheme://host[:port], e.g. "
            "https://photos.example.com, without a path"
        ),
    ),
    (
        "plain http origin in prod",
        lambda: with_access(live(), web_origins=("http://gallery.example.net",)),
        "Live.data_access.web_origins[0]",
        (
            "'http://gallery.example.net' is plain http or localhost, which production must "
            "not trust. Fix: use the https:// origin of the deployed web app"
        ),
    ),
    (
        "guest access without a reason",
        lambda: with_access(sandbox(), allow_guest_access=True),
        "Sandbox.data_access.guest_access_reason",
        (
            "guest (unauthenticated) access is on without a stated reason. Fix: explain in a "
            "sentence (60+ characters) why anonymous visitors need AWS credentials, or set "
            "allow_guest_access=False"
        ),
    ),
    (
        "guest access with a one-word reason",
        lambda: with_access(sandbox(), allow_guest_access=True, guest_access_reason="marketing"),
        "Sandbox.data_access.guest_access_reason",
        (
            "guest (unauthenticated) access is on without a stated reason. Fix: explain in a "
            "sentence (60+ characters) why anonymous visitors need AWS credentials, or set "
            "allow_guest_access=False"
        ),
    ),
    (
        "unknown group in role mapping",
        lambda: with_access(live(), elevated_groups=(MODERATORS, "auditors")),
        "Live.data_access.elevated_groups[1]",
        (
            "'auditors' is not one of the user pool groups ['everyone', 'moderators']. Fix: "
            "add the group to user_pool.groups or remove it from elevated_groups"
        ),
    ),
]


@bad_config_cases(BAD)
def test_bad_data_access_config(make: Callable[[], StageConfig], key: str, message: str) -> None:
    assert_config_error(make, key, message)
