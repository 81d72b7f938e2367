"""Identity pool, roles, principal tags, role mapping, photos bucket and items table."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Capture, Match
from directory_backup.records import OWNER_CLAIM

from auth_constructs import cfn_text
from auth_constructs.identity.identity_access import IdentityAccess
from stage_config import DataAccessConfig, StageConfig
from tests.support.app import SynthesizedApp
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import MODERATORS, live, sandbox, with_access
from tests.support.harness import template_of

TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Condition": {
        "StringEquals": {
            "cognito-identity.amazonaws.com:aud": {
                "Ref": Match.string_like_regexp("IdentityAccessPool")
            }
        },
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
    },
}


def test_identity_pool_guests_as_configured_and_classic_flow_off(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    template = synthesized.template(stage_name)
    clients = Capture()
    template.has_resource_properties(
        "AWS::Cognito::IdentityPool",
        {
            "AllowUnauthenticatedIdentities": stage_config.data_access.allow_guest_access,
            "AllowClassicFlow": False,
            "CognitoIdentityProviders": clients,
        },
    )
    assert len(clients.as_array()) == 2
    for provider in clients.as_array():
        assert provider["ServerSideTokenCheck"] is True


def test_roles_trust_this_pool_signed_in_only_with_tag_session(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    roles = synthesized.template(stage_name).find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({**TRUST, "Action": Match.any_value()})]
                    )
                }
            }
        },
    )
    assert len(roles) == 2, "the user role and the elevated role"
    for role in roles.values():
        statements = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        actions = {a for s in statements for a in cfn_text.listed(s["Action"])}
        assert actions == {"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}
        pool_id = next(
            iter(synthesized.template(stage_name).find_resources("AWS::Cognito::IdentityPool"))
        )
        for statement in statements:
            assert statement["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
            assert statement["Condition"] == {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": pool_id}},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            }


def test_sub_claim_is_the_principal_tag(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """The `sub` claim, or with the directory backup the owner claim (the `sub` unless a restore
    recreated the user: tests/test_directory_backup.py)."""
    owner = stage_config.directory_backup is not None and stage_config.triggers is not None
    synthesized.template(stage_name).has_resource_properties(
        "AWS::Cognito::IdentityPoolPrincipalTag",
        {
            "PrincipalTags": {"sub": OWNER_CLAIM if owner else "sub"},
            "UseDefaults": False,
            "IdentityProviderName": {
                "Fn::GetAtt": [Match.string_like_regexp("UserPool"), "ProviderName"]
            },
        },
    )


def test_token_role_mapping_denies_ambiguity(synthesized: SynthesizedApp, stage_name: str) -> None:
    mappings = Capture()
    authenticated = Capture()
    synthesized.template(stage_name).has_resource_properties(
        "AWS::Cognito::IdentityPoolRoleAttachment",
        {
            "Roles": {"authenticated": {"Fn::GetAtt": [authenticated, "Arn"]}},
            "RoleMappings": mappings,
        },
    )
    assert set(mappings.as_object()) == {"Web", "Mobile"}
    for mapping in mappings.as_object().values():
        assert mapping["Type"] == "Token"
        assert mapping["AmbiguousRoleResolution"] == "Deny"
    assert "IdentityAccessPoolAuthenticatedRole" in authenticated.as_string()


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
        IdentityAccess(
            stack, "Access", user_pool=pool, clients=[pool.add_client("C")], config=config
        )

    template_of(build).has_resource_properties(
        "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": True}
    )


BAD: list[BadCase] = [
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
