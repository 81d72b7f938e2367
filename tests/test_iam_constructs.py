"""The policies and trust each IAM-writing construct writes, statement by statement, on small
stacks of test-owned configs built afresh (`tests/support/construct_stacks.py`).

The app-level tests (isolation matrix, smoke and trigger access) prove the composed stages; these
pin what each construct writes itself, so a changed action, condition, principal or resource
fails here, and `make mutate` can judge these constructs in seconds per mutant. Logical ids
stand in for the ARNs and names the stack references (`arn:<id>`, `<id>`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from trigger_common import TIMEOUT_SECONDS

from auth_constructs.compliance.accepted_findings import CONTROL_TOWER
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.identity.identity_pool import IdentityPool
from auth_constructs.operations.smoke_access import (
    SmokeAccess,
    smoke_principal,
    smoke_role_name,
    smoke_runner_role_name,
)
from stage_config import GITHUB_OIDC, CustomerKeyConfig, DeliveryConfig, DeliveryMode, StageConfig
from tests.support.app import PIPELINE_CONNECTION, cdk_json_context
from tests.support.configs import (
    DELIVERY,
    WEB_ORIGIN,
    live,
    sandbox,
    with_access,
    with_pool,
    with_triggers,
)
from tests.support.construct_stacks import (
    FIRST_REGION,
    SECOND_REGION,
    Built,
    DataAccessStack,
    TriggersStack,
    acknowledged,
    data_access_stack,
    every_replica_trigger,
    key_replica,
    replica_triggers,
    template_of,
    triggers_stack,
)
from tests.support.iam import ACCOUNT, PARTITION, REGION, Names, follow, resolve

LAMBDA_TRUST = [
    {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
    }
]
ITEM_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
XRAY = {
    "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
    "Effect": "Allow",
    "Resource": "*",
}
OWNER = "${aws:PrincipalTag/sub}"


def concrete(built: Built, node: Any) -> Any:
    """`node` with each reference to a resource of the stack replaced by `arn:<id>` or `<id>`."""
    ids = list(built.template["Resources"])
    return resolve(node, Names(arns={i: f"arn:{i}" for i in ids}, refs={i: i for i in ids}))


def canonical(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`statements` with each list of actions sorted, as CDK renders them."""
    return [
        {**s, "Action": sorted(s["Action"])} if isinstance(s["Action"], list) else s
        for s in statements
    ]


def statements(built: Built, policy: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = concrete(built, policy["Properties"]["PolicyDocument"])[
        "Statement"
    ]
    return found


def trust(built: Built, role: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = concrete(
        built, built.resource(role)["Properties"]["AssumeRolePolicyDocument"]
    )["Statement"]
    return found


def role_statements(built: Built, role: Any) -> list[dict[str, Any]]:
    """The statements of every AWS::IAM::Policy attached to `role`, in template order."""
    role_id = built.logical_id(role)
    return [
        statement
        for resource in built.template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in resource["Properties"]["Roles"]
        for statement in statements(built, resource)
    ]


def via(built: DataAccessStack | TriggersStack, service: str, actions: list[str]) -> Any:
    """The customer key's statement for `actions` in requests `service` makes (grant_through)."""
    assert built.storage.key
    conditions: dict[str, Any] = {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}
    if service == "s3":
        conditions["kms:EncryptionContext:aws:s3:arn"] = (
            f"arn:{built.logical_id(built.storage.bucket)}"
        )
    return {
        "Action": actions,
        "Condition": {"StringEquals": conditions},
        "Effect": "Allow",
        "Resource": f"arn:{built.logical_id(built.storage.key.key)}",
    }


# -- identity pool roles and the grants on the photos and items (photo_storage, identity_access)

CONFIGS = {"without key": sandbox, "with key": live}


@pytest.fixture(scope="module")
def data_stacks() -> dict[str, DataAccessStack]:
    return {name: data_access_stack(make()) for name, make in CONFIGS.items()}


@pytest.fixture(scope="module")
def replicated() -> DataAccessStack:
    """Two identity pools (the stage's and its secondary Region's) sharing the roles."""
    return data_access_stack(live(), replicated=True)


def signed_in(aud: Any) -> dict[str, Any]:
    return {
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": aud},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
        },
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    }


@pytest.mark.parametrize("name", CONFIGS)
def test_both_roles_trust_only_signed_in_identities_of_this_pool_with_tags(
    data_stacks: dict[str, DataAccessStack], name: str
) -> None:
    built = data_stacks[name]
    only_pool = signed_in(built.logical_id(built.identity_pools[0].pool))
    assert trust(built, built.access.user_role) == [only_pool]
    assert trust(built, built.access.elevated_role) == [only_pool]
    assert built.resource(built.access.user_role)["Properties"]["Description"] == (
        "Signed-in users: their own photos and items"
    )
    assert built.resource(built.access.elevated_role)["Properties"]["Description"] == (
        "Elevated groups: own data plus read access to all photos"
    )
    assert built.access.guest_role is None


def test_with_a_second_pool_both_roles_trust_exactly_both_pools(
    replicated: DataAccessStack,
) -> None:
    both = signed_in([replicated.logical_id(p.pool) for p in replicated.identity_pools])
    assert trust(replicated, replicated.access.user_role) == [both]
    assert trust(replicated, replicated.access.elevated_role) == [both]


def test_with_replicas_the_roles_read_the_photos_replica_with_its_key_there_only(
    replicated: DataAccessStack,
) -> None:
    """The evaluator ignores `kms:EncryptionContext:*` keys, so the replica key's statements
    are pinned here: through S3 in the secondary Region for the replica bucket only, through
    DynamoDB there for the table's replica; the photos' replica is read, never written."""
    assert replicated.replica
    assert replicated.keys
    templates = {
        b.stack.stack_name: b.template for b in (replicated, replicated.replica, replicated.keys)
    }
    (bucket_id,) = [
        i
        for i, r in replicated.replica.template["Resources"].items()
        if r["Type"] == "AWS::S3::Bucket" and "CorsConfiguration" in r["Properties"]
    ]
    (replica_key_id,) = [
        i
        for i, r in replicated.replica.template["Resources"].items()
        if r["Type"] == "AWS::KMS::ReplicaKey"
    ]
    here = replicated.stack.stack_name
    secondary = replicated.replica.stack.stack_name
    for role in (replicated.access.user_role, replicated.access.elevated_role):
        role_id = replicated.logical_id(role)
        found = [
            statement
            for r in replicated.template["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
            for statement in r["Properties"]["PolicyDocument"]["Statement"]
        ]
        on_replica_key = [
            s
            for s in found
            if follow(s["Resource"], here, templates)
            == (secondary, {"Fn::GetAtt": [replica_key_id, "Arn"]})
        ]
        assert sorted(
            (str(s["Action"]), s["Condition"]["StringEquals"]["kms:ViaService"])
            for s in on_replica_key
        ) == [
            (str(ITEM_KEY_ACTIONS), "dynamodb.eu-central-1.amazonaws.com"),
            ("kms:Decrypt", "s3.eu-central-1.amazonaws.com"),
        ]
        (through_s3,) = [s for s in on_replica_key if s["Action"] == "kms:Decrypt"]
        context = through_s3["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"]
        assert follow(context, here, templates) == (secondary, {"Fn::GetAtt": [bucket_id, "Arn"]})
        replica_reads = {
            s["Sid"]: s["Action"] for s in found if "PhotoReplicas" in s.get("Sid", "")
        }
        everyone = {"ReadOwnPhotoReplicas": "s3:GetObject", "ListOwnPhotoReplicas": "s3:ListBucket"}
        moderators = {
            "ReadAllPhotoReplicas": "s3:GetObject",
            "ListAllPhotoReplicas": "s3:ListBucket",
        }
        elevated = role is replicated.access.elevated_role
        assert replica_reads == (everyone | moderators if elevated else everyone)


def attachments(built: DataAccessStack) -> dict[str, dict[str, Any]]:
    """Each identity pool's role attachment, by the pool's logical id."""
    found = [
        r["Properties"]
        for r in built.template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment"
    ]
    by_pool = {a["IdentityPoolId"]["Ref"]: a for a in found}
    assert len(by_pool) == len(found)
    return by_pool


def principal_tags(built: DataAccessStack) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in built.template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag"
    ]


@pytest.mark.parametrize("name", [*CONFIGS, "replicated"])
def test_each_pool_maps_each_client_by_token_denies_ambiguity_and_tags_the_sub(
    data_stacks: dict[str, DataAccessStack], replicated: DataAccessStack, name: str
) -> None:
    built = replicated if name == "replicated" else data_stacks[name]
    user_role = {"Fn::GetAtt": [built.logical_id(built.access.user_role), "Arn"]}
    assert set(attachments(built)) == {built.logical_id(p.pool) for p in built.identity_pools}
    tags = principal_tags(built)
    assert len(tags) == len(built.identity_pools)
    for identity_pool in built.identity_pools:
        pool_id = built.logical_id(identity_pool.pool)
        pool = built.template["Resources"][pool_id]
        (provider,) = identity_pool.providers.values()
        assert pool["Properties"]["AllowUnauthenticatedIdentities"] is False
        assert pool["Properties"]["AllowClassicFlow"] is False
        assert pool["Properties"]["CognitoIdentityProviders"] == [
            {
                "ClientId": {"Ref": built.logical_id(client)},
                "ProviderName": built.stack.resolve(provider),
                "ServerSideTokenCheck": True,
            }
            for client in built.clients
        ]
        attachment = attachments(built)[pool_id]
        assert attachment["Roles"] == {"authenticated": user_role}
        mappings = attachment["RoleMappings"]
        assert list(mappings) == [client.node.id for client in built.clients]
        for client, mapping in zip(built.clients, mappings.values(), strict=True):
            assert mapping == {
                "Type": "Token",
                "AmbiguousRoleResolution": "Deny",
                "IdentityProvider": built.stack.resolve(f"{provider}:{client.user_pool_client_id}"),
            }
        # Each references the user pool and its clients: no DependsOn to repeat it (cfn-lint W3005).
        assert "DependsOn" not in pool
        (tag,) = [t for t in tags if t["IdentityPoolId"] == {"Ref": pool_id}]
        assert tag == {
            "IdentityPoolId": {"Ref": pool_id},
            "IdentityProviderName": built.stack.resolve(provider),
            "PrincipalTags": {"sub": "sub"},
            "UseDefaults": False,
        }
    first, *second = built.identity_pools
    assert first.providers == {"": built.pool.user_pool_provider_name}
    if second:
        assert built.stack.resolve(second[0].providers[""])["Fn::Join"][1][0] == (
            "cognito-idp.eu-central-1."
        )


def test_a_pool_under_two_provider_names_maps_tags_and_trusts_each() -> None:
    """The secondary Region's pool names the user pool as tokens of either Region may (its
    `iss`): each name gets its own provider entries, role mappings and tag."""
    stack = Stack(App(context=cdk_json_context()), "TwoNames")
    identity_pool = IdentityPool(
        stack,
        "IdentityPool",
        providers={"": "cognito-idp.b.example/p", "PrimaryRegion": "cognito-idp.a.example/p"},
        clients={"Web": "w", "Mobile": "m"},
        config=sandbox().data_access,
        stateful=sandbox().stateful,
    )
    template = template_of(stack)
    (pool,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPool"
    ]
    assert [(p["ProviderName"], p["ClientId"]) for p in pool["CognitoIdentityProviders"]] == [
        ("cognito-idp.b.example/p", "w"),
        ("cognito-idp.b.example/p", "m"),
        ("cognito-idp.a.example/p", "w"),
        ("cognito-idp.a.example/p", "m"),
    ]
    assert {k: v.identity_provider for k, v in identity_pool.role_mappings().items()} == {
        "Web": "cognito-idp.b.example/p:w",
        "Mobile": "cognito-idp.b.example/p:m",
        "WebPrimaryRegion": "cognito-idp.a.example/p:w",
        "MobilePrimaryRegion": "cognito-idp.a.example/p:m",
    }
    tags = sorted(
        (r["Properties"]["IdentityProviderName"], r["Properties"]["PrincipalTags"]["sub"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag"
    )
    assert tags == [("cognito-idp.a.example/p", "sub"), ("cognito-idp.b.example/p", "sub")]


@pytest.mark.parametrize("owner_claim", ["", "data_owner"], ids=["sub", "owner claim"])
def test_the_tag_waits_for_the_trigger_only_when_it_reads_the_triggers_claim(
    owner_claim: str,
) -> None:
    """The principal tag depends on the pre token generation function only when it maps a
    claim that function adds (a restored user's owner claim), never otherwise."""
    stack = Stack(App(context=cdk_json_context()), "Tagging")
    pool = cognito.UserPool(stack, "UserPool")
    trigger = lambda_.Function(
        stack,
        "PreTokenGeneration",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    client = pool.add_client("web")
    identity_pool = IdentityPool(
        stack,
        "IdentityAccess",
        providers={"": pool.user_pool_provider_name},
        clients={"Web": client.user_pool_client_id},
        config=sandbox().data_access,
        stateful=sandbox().stateful,
        owner_claim=owner_claim or None,
        after=trigger,
    )
    template = template_of(stack)
    (tag,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag"
    ]
    function_id = stack.get_logical_id(trigger.node.default_child)  # type: ignore[arg-type]
    assert tag["Properties"]["PrincipalTags"] == {"sub": owner_claim or "sub"}
    assert (function_id in tag.get("DependsOn", [])) is bool(owner_claim)
    # The stage hands the same claim to its secondary Region's pool.
    assert identity_pool.owner_claim == (owner_claim or None)


def cog7_reasons(built: DataAccessStack) -> list[str]:
    return [
        reasons["AwsSolutions-COG7"]
        for identity_pool in built.identity_pools
        if "AwsSolutions-COG7" in (reasons := acknowledged(identity_pool.pool))
    ]


def test_guest_access_only_where_configured_and_acknowledged_with_its_reason(
    data_stacks: dict[str, DataAccessStack],
) -> None:
    """Guests get a role of their own that trusts only this pool's unauthenticated identities
    and holds nothing: a team grants it what guests may see."""
    reason = "A public gallery: guests browse the public/ prefix, which no role here grants."
    guests = data_access_stack(
        with_access(live(), allow_guest_access=True, guest_access_reason=reason)
    )
    (identity_pool,) = guests.identity_pools
    pool_id = guests.logical_id(identity_pool.pool)
    assert guests.resource(identity_pool.pool)["Properties"]["AllowUnauthenticatedIdentities"]
    assert cog7_reasons(guests) == [reason]
    assert cog7_reasons(data_stacks["with key"]) == []
    assert guests.access.guest_role is not None
    assert trust(guests, guests.access.guest_role) == [
        {
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
            },
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        }
    ]
    assert role_statements(guests, guests.access.guest_role) == []
    # Built afresh here (the module's fixtures are not): the roles' ids, which their logical ids
    # (a renamed one is a replaced role) are made from, and what each says it is for.
    roles = {
        "IdentityAccessUserRole": (
            guests.access.user_role,
            "Signed-in users: their own photos and items",
        ),
        "IdentityAccessElevatedRole": (
            guests.access.elevated_role,
            "Elevated groups: own data plus read access to all photos",
        ),
        "IdentityAccessGuestRole": (
            guests.access.guest_role,
            "Guests: nothing unless a team grants it",
        ),
    }
    for prefix, (role, description) in roles.items():
        logical_id = guests.logical_id(role)
        assert logical_id.startswith(prefix), logical_id
        assert logical_id[len(prefix) :].isalnum(), logical_id
        assert guests.resource(role)["Properties"]["Description"] == description
    assert attachments(guests)[pool_id]["Roles"] == {
        "authenticated": {"Fn::GetAtt": [guests.logical_id(guests.access.user_role), "Arn"]},
        "unauthenticated": {"Fn::GetAtt": [guests.logical_id(guests.access.guest_role), "Arn"]},
    }
    assert "unauthenticated" not in attachments(data_stacks["with key"]).popitem()[1]["Roles"]


def own_data(built: DataAccessStack) -> list[dict[str, Any]]:
    """What the user role and the elevated role both hold: their own photos and items."""
    bucket = f"arn:{built.logical_id(built.storage.bucket)}"
    key = bool(built.storage.key)
    return [
        {
            "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": f"{bucket}/users/{OWNER}/*",
            "Sid": "OwnPhotos",
        },
        *([via(built, "s3", ["kms:Decrypt", "kms:GenerateDataKey"])] if key else []),
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": [f"users/{OWNER}/", f"users/{OWNER}/*"]}},
            "Effect": "Allow",
            "Resource": bucket,
            "Sid": "ListOwnPhotos",
        },
        {
            "Action": [
                "dynamodb:BatchGetItem",
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
            ],
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [OWNER]}},
            "Effect": "Allow",
            "Resource": f"arn:{built.logical_id(built.storage.table)}",
            "Sid": "OwnItems",
        },
        *([via(built, "dynamodb", ITEM_KEY_ACTIONS)] if key else []),
    ]


@pytest.mark.parametrize("name", CONFIGS)
def test_user_role_holds_exactly_its_own_data(
    data_stacks: dict[str, DataAccessStack], name: str
) -> None:
    built = data_stacks[name]
    assert role_statements(built, built.access.user_role) == own_data(built)


@pytest.mark.parametrize("name", CONFIGS)
def test_elevated_role_adds_exactly_reading_every_photo(
    data_stacks: dict[str, DataAccessStack], name: str
) -> None:
    """The key's decrypt through S3 for this bucket is the owner grant's statement already (CDK
    merges the two), since the key's statement names the bucket, not the objects."""
    built = data_stacks[name]
    bucket = f"arn:{built.logical_id(built.storage.bucket)}"
    read_all = [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": f"{bucket}/users/*",
            "Sid": "ReadAllPhotos",
        },
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["users/", "users/*"]}},
            "Effect": "Allow",
            "Resource": bucket,
            "Sid": "ListAllPhotos",
        },
    ]
    assert role_statements(built, built.access.elevated_role) == own_data(built) + read_all


OWN_PREFIX = (
    "The wildcard is the object key below the caller's own users/<sub>/ prefix; <sub> is the "
    "session's principal tag, so no user can name another user's objects."
)
OWN_PREFIX_IN_REPLICA = (
    "The wildcard is the object key below the caller's own users/<sub>/ prefix in the photos' "
    "replica (read while the primary Region is out); <sub> is the session's principal tag."
)
EVERY_PHOTO = (
    "Elevated (moderator) groups read every user's photos by design; the grant is GetObject "
    "only, below users/, with no write or delete."
)
EVERY_PHOTO_IN_REPLICA = (
    "Elevated (moderator) groups read every user's photos, in the replica too while the primary "
    "Region is out; GetObject only, below users/."
)


def test_each_object_wildcard_is_acknowledged_on_its_role_with_why_it_is_safe(
    replicated: DataAccessStack,
) -> None:
    """cdk-nag's IAM5 is accepted for exactly the object patterns each role holds, in the
    bucket and in its replica, each with its reviewed reason."""
    bucket = f"<{replicated.logical_id(replicated.storage.bucket)}.Arn>"
    # The replica's bucket, as the ReplicaData stack's output that names it.
    replica_bucket = '{"Fn::GetStackOutput":{"StackName":"ReplicaData",'

    def reasons(role: iam.IRole) -> dict[str, str]:
        """{the pattern, with the bucket shown as `<bucket>` or `<replica>`: reason}."""
        found = {}
        for finding, reason in acknowledged(role).items():
            pattern = finding.removeprefix("AwsSolutions-IAM5[Resource::").removesuffix("]")
            where = "<bucket>" if pattern.startswith(bucket) else "<replica>"
            if where == "<replica>":
                assert pattern.startswith(replica_bucket)
            found[where + pattern.partition("/")[2]] = reason
        return found

    own = {
        "<bucket>users/<aws:PrincipalTag/sub>/*": OWN_PREFIX,
        "<replica>users/<aws:PrincipalTag/sub>/*": OWN_PREFIX_IN_REPLICA,
    }
    assert reasons(replicated.access.user_role) == own
    assert reasons(replicated.access.elevated_role) == {
        **own,
        "<bucket>users/*": EVERY_PHOTO,
        "<replica>users/*": EVERY_PHOTO_IN_REPLICA,
    }


# -- the triggers' roles (triggers) and their grants on the table (photo_storage)


@pytest.fixture(scope="module")
def trigger_stacks() -> dict[str, TriggersStack]:
    return {name: triggers_stack(make()) for name, make in CONFIGS.items()}


def role_of(function: lambda_.Function) -> iam.IRole:
    assert function.role
    return function.role


def folder_of(built: TriggersStack, function: lambda_.Function) -> str:
    """The trigger's folder under lambdas/, as its environment names it."""
    variables = built.resource(function)["Properties"]["Environment"]["Variables"]
    return str(variables["POWERTOOLS_SERVICE_NAME"])


OWN_GRANT_TESTS = frozenset({"CustomEmailSender", "CustomSmsSender", "UserMigration"})
"""Triggers whose further grants (the key, SES/SNS, the dead letters, the legacy secret) are
pinned by tests/test_custom_senders_template.py and tests/test_user_migration_template.py."""


@pytest.mark.parametrize("name", CONFIGS)
def test_each_trigger_role_trusts_lambda_and_writes_only_its_own_logs(
    trigger_stacks: dict[str, TriggersStack], name: str
) -> None:
    built = trigger_stacks[name]
    table = f"arn:{built.logical_id(built.storage.table)}"
    table_access = {
        "PostConfirmation": "dynamodb:PutItem",
        "PreAuthentication": "dynamodb:GetItem",
        "PostAuthentication": "dynamodb:UpdateItem",
    }
    for construct_id, function in built.triggers.functions.items():
        if construct_id in OWN_GRANT_TESTS:
            continue
        role = role_of(function)
        assert trust(built, role) == LAMBDA_TRUST
        assert built.resource(role)["Properties"]["Description"] == (
            f"Cognito {folder_of(built, function)} trigger"
        )
        log_group = built.triggers.node.find_child(f"{construct_id}Logs")
        own_logs = {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": f"arn:{built.logical_id(log_group)}",
        }
        expected = [XRAY, own_logs]
        if construct_id in table_access:
            expected.append(
                {"Action": table_access[construct_id], "Effect": "Allow", "Resource": table}
            )
            if built.storage.key:
                expected.append(via(built, "dynamodb", ITEM_KEY_ACTIONS))
        default_policy = built.resource(role.node.find_child("DefaultPolicy"))
        assert statements(built, default_policy) == expected, construct_id


@pytest.mark.parametrize("name", CONFIGS)
def test_only_pre_sign_up_and_post_confirmation_act_on_the_pool_as_their_own_role(
    trigger_stacks: dict[str, TriggersStack], name: str
) -> None:
    built = trigger_stacks[name]
    pool = f"arn:{built.logical_id(built.pool)}"
    policies = {
        construct_id: (built.resource(found), role_of(function))
        for construct_id, function in built.triggers.functions.items()
        if (found := function.node.try_find_child("PoolAccess"))
    }
    assert {construct_id: statements(built, p) for construct_id, (p, _) in policies.items()} == {
        "PreSignUp": [
            {
                "Action": ["cognito-idp:AdminLinkProviderForUser", "cognito-idp:ListUsers"],
                "Effect": "Allow",
                "Resource": pool,
            }
        ],
        "PostConfirmation": [
            {"Action": "cognito-idp:AdminAddUserToGroup", "Effect": "Allow", "Resource": pool}
        ],
    }
    for resource, role in policies.values():
        assert resource["Properties"]["Roles"] == [{"Ref": built.logical_id(role)}]


def test_the_replicas_sign_in_triggers_run_the_primarys_settings_for_its_replica_only(
    trigger_stacks: dict[str, TriggersStack],
) -> None:
    """In the secondary Region: the primary's functions and settings for pre token generation
    and (where configured) pre and post authentication and custom message, each with a role
    that writes only its own logs plus its one action on the items table's replica there, each
    invocable only by Cognito for this account's replica of the pool there, attached to the
    replica."""
    config = every_replica_trigger()
    assert config.triggers
    assert config.triggers.runs_custom_message
    stack = Stack(App(context=cdk_json_context()), "Secondary")
    replica = replica_triggers(
        stack,
        config,
        elevated_groups=config.data_access.elevated_groups,
        owner_claim="data_owner",
        table_name="photoshare-items",
    )
    built = Built(stack, template_of(stack))
    primary = trigger_stacks["with key"]
    pre_token_settings = json.loads(
        primary.resource(primary.triggers.pre_token_generation)["Properties"]["Environment"][
            "Variables"
        ]["TRIGGER_SETTINGS"]
    ) | {"owner_claim": "data_owner"}
    table = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/photoshare-items"
    functions = {
        "PreTokenGeneration": (replica.pre_token_generation, pre_token_settings, []),
        "PreAuthentication": (
            replica.pre_authentication,
            {"table_name": "photoshare-items"},
            [{"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": table}],
        ),
        "PostAuthentication": (
            replica.post_authentication,
            {"table_name": "photoshare-items"},
            [{"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": table}],
        ),
        "CustomMessage": (
            replica.custom_message,
            {"app_name": "Acme Gallery", "app_url": WEB_ORIGIN},
            [],
        ),
    }
    permissions = [
        concrete(built, r["Properties"])
        for r in built.template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Permission"
    ]
    assert len(permissions) == len(functions)
    for construct_id, (function, settings, grants) in functions.items():
        assert function is not None
        properties = built.resource(function)["Properties"]
        assert json.loads(properties["Environment"]["Variables"]["TRIGGER_SETTINGS"]) == settings
        folder = {
            "PreTokenGeneration": "pre_token_generation",
            "CustomMessage": "custom_message",
        }.get(construct_id, construct_id.replace("Authentication", "_authentication").lower())
        assert properties["Handler"] == f"{folder}.index.handler"
        role = role_of(function)
        assert trust(built, role) == LAMBDA_TRUST
        logs = replica.node.find_child(f"{construct_id}Logs")
        own_logs = {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": f"arn:{built.logical_id(logs)}",
        }
        policy = built.resource(role.node.find_child("DefaultPolicy"))
        assert statements(built, policy) == [XRAY, own_logs, *grants], construct_id
        assert {
            "Action": "lambda:InvokeFunction",
            "FunctionName": f"arn:{built.logical_id(function)}",
            "Principal": "cognito-idp.amazonaws.com",
            "SourceAccount": ACCOUNT,
            "SourceArn": f"arn:{PARTITION}:cognito-idp:{REGION}:{ACCOUNT}:userpool/eu-west-1_Pool",
        } in permissions, construct_id

    def arn(function: Any) -> Any:
        return {"Fn::GetAtt": [built.logical_id(function), "Arn"]}

    assert built.stack.resolve(replica.lambda_config) == {
        "preTokenGenerationConfig": {
            "lambdaArn": arn(replica.pre_token_generation),
            "lambdaVersion": "V3_0",
        },
        "preAuthentication": arn(replica.pre_authentication),
        "postAuthentication": arn(replica.post_authentication),
        "customMessage": arn(replica.custom_message),
    }


def test_the_replica_runs_no_authentication_trigger_the_stage_does_not() -> None:
    config = with_triggers(live(), pre_authentication=False, post_authentication=False)
    assert config.triggers
    replica = replica_triggers(Stack(App(context=cdk_json_context()), "Secondary"), config)
    assert not config.triggers.runs_custom_message, "both senders: no custom message"
    assert (replica.pre_authentication, replica.post_authentication) == (None, None)
    assert replica.custom_message is None
    assert replica.node.try_find_child("PreTokenGeneration") is not None


def test_the_replicas_triggers_use_the_key_replica_there_and_the_powertools_layer() -> None:
    """With the key's replica: each trigger's log group is encrypted with it, the
    authentication triggers use it only through DynamoDB in that Region (the table replica's
    key), each function runs with the Powertools layer, as in the primary, and each invoke
    permission carries its reviewed Control Tower acknowledgment. Cognito invokes each
    synchronously, so each goes without a dead-letter queue, acknowledged as in the primary."""
    config = every_replica_trigger()
    stack = Stack(
        App(context=cdk_json_context()), "Secondary", env=Environment(region=SECOND_REGION)
    )
    key = key_replica(stack, config)
    replica = replica_triggers(stack, config, key=key)
    built = Built(stack, template_of(stack))
    key_arn = f"arn:{built.logical_id(key.key)}"
    through_dynamodb = {
        "Action": ITEM_KEY_ACTIONS,
        "Condition": {
            "StringEquals": {"kms:ViaService": f"dynamodb.{SECOND_REGION}.amazonaws.com"}
        },
        "Effect": "Allow",
        "Resource": key_arn,
    }
    for construct_id, function in {
        "PreTokenGeneration": replica.pre_token_generation,
        "PreAuthentication": replica.pre_authentication,
        "PostAuthentication": replica.post_authentication,
        "CustomMessage": replica.custom_message,
    }.items():
        assert function is not None, construct_id
        logs = built.resource(replica.node.find_child(f"{construct_id}Logs"))
        assert concrete(built, logs["Properties"]["KmsKeyId"]) == key_arn, construct_id
        (layer,) = built.resource(function)["Properties"]["Layers"]
        assert "layer:AWSLambdaPowertoolsPythonV3-python313-arm64:" in json.dumps(layer)
        skips = built.resource(function)["Metadata"]["checkov"]["skip"]
        assert "CKV_AWS_116" in {skip["id"] for skip in skips}, construct_id
        policy = built.resource(role_of(function).node.find_child("DefaultPolicy"))
        uses_items = construct_id.endswith("Authentication")
        assert (through_dynamodb in statements(built, policy)) is uses_items, construct_id
        assert acknowledged(function.node.find_child("CognitoInvoke")) == {
            f"{CONTROL_TOWER}lambda_function_public_access_prohibited_check": (
                "Only Cognito may invoke it, for this account (SourceAccount) and this Region's "
                "replica of the stage's pool (SourceArn); the control cannot read a SourceArn "
                "built from another stack's output (the pool id)."
            )
        }, construct_id


def test_no_default_group_no_group_grant() -> None:
    built = triggers_stack(with_triggers(sandbox(), default_group=None))
    assert built.triggers.post_confirmation.node.try_find_child("PoolAccess") is None
    assert built.triggers.pre_sign_up.node.try_find_child("PoolAccess") is not None


@pytest.mark.parametrize("name", CONFIGS)
def test_only_the_synchronous_triggers_go_without_a_dead_letter_queue(
    trigger_stacks: dict[str, TriggersStack], name: str
) -> None:
    """Cognito invokes every trigger synchronously except the custom senders, which have their
    dead-letter queue: the scanners' DLQ check is acknowledged for the others only."""
    built = trigger_stacks[name]
    senders = {built.triggers.custom_email_sender, built.triggers.custom_sms_sender} - {None}
    assert senders <= set(built.triggers.functions.values())
    assert bool(senders) is (name == "with key")
    for construct_id, function in built.triggers.functions.items():
        metadata = built.resource(function).get("Metadata", {})
        skipped = {skip["id"] for skip in metadata.get("checkov", {}).get("skip", [])}
        assert ("CKV_AWS_116" in skipped) is (function not in senders), construct_id


@pytest.mark.parametrize("name", CONFIGS)
def test_each_trigger_function_runs_as_configured(
    trigger_stacks: dict[str, TriggersStack], name: str
) -> None:
    built = trigger_stacks[name]
    config = CONFIGS[name]().triggers
    assert config is not None
    for construct_id, function in built.triggers.functions.items():
        props = built.resource(function)["Properties"]
        folder = folder_of(built, function)
        assert props["Handler"] == f"{folder}.index.handler"
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.13"
        assert props["MemorySize"] == 256
        assert props["Timeout"] == TIMEOUT_SECONDS
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Environment"]["Variables"]["LOG_LEVEL"] == "INFO"
        assert props["Role"] == {"Fn::GetAtt": [built.logical_id(role_of(function)), "Arn"]}
        assert props.get("ReservedConcurrentExecutions") == config.reservations.get(folder)
        log_group = built.resource(built.triggers.node.find_child(f"{construct_id}Logs"))
        assert ("KmsKeyId" in log_group["Properties"]) is bool(built.storage.key)
        assert props["LoggingConfig"]["LogGroup"] == {
            "Ref": built.logical_id(built.triggers.node.find_child(f"{construct_id}Logs"))
        }
    assert {
        construct_id: built.resource(function)["Properties"]["Environment"]["Variables"][
            "POWERTOOLS_SERVICE_NAME"
        ]
        for construct_id, function in built.triggers.functions.items()
    } == {
        "PreSignUp": "pre_sign_up",
        "PostConfirmation": "post_confirmation",
        "PreTokenGeneration": "pre_token_generation",
        **({"CustomMessage": "custom_message"} if config.runs_custom_message else {}),
        **(
            {"PreAuthentication": "pre_authentication", "PostAuthentication": "post_authentication"}
            if config.pre_authentication
            else {}
        ),
        **({"CustomEmailSender": "custom_email_sender"} if config.custom_email_sender else {}),
        **({"CustomSmsSender": "custom_sms_sender"} if config.custom_sms_sender else {}),
        **({"UserMigration": "user_migration"} if config.user_migration else {}),
    }


# -- the customer key's own policy (customer_key)


def key_stack(
    config: CustomerKeyConfig, *, production: bool, senders: int = 0
) -> tuple[Built, CustomerKey]:
    """The key with log groups, pools and alarm topics allowed, and `senders` custom senders."""
    stack = Stack(App(context=cdk_json_context()), "Key")
    stateful = (live() if production else sandbox()).stateful
    key = CustomerKey(stack, "CustomerKey", config=config, stateful=stateful)
    for name in ("One", "Two"):
        key.encrypt_log_group(logs.LogGroup(stack, name))
    key.allow_user_pools()
    key.allow_alarm_topics(source_arns="arn:alarms:*", topic_arns="arn:topics:*")
    for _ in range(senders):
        key.allow_custom_senders()
    return Built(stack, template_of(stack)), key


@pytest.mark.parametrize("production", [True, False])
def test_the_key_replica_holds_its_primarys_statements_and_the_stages_retention(
    production: bool,
) -> None:
    """Replica keys do not share their primary's policy: the replica's own holds the same
    statements (the account, the deny on grants not for AWS resources, CloudWatch Logs and
    Cognito of its Region), and it is kept as the stage keeps its data."""
    config = CustomerKeyConfig(deletion_window_days=21)
    stateful = (live() if production else sandbox()).stateful
    app = App(context=cdk_json_context())
    primary_stack = Stack(app, "Key", env=Environment(region=FIRST_REGION))
    primary = CustomerKey(primary_stack, "CustomerKey", config=config, stateful=stateful)
    primary.encrypt_log_group(logs.LogGroup(primary_stack, "Logs"))
    primary.allow_user_pools()
    stack = Stack(app, "ReplicaData", env=Environment(region=SECOND_REGION))
    replica = CustomerKeyReplica(
        stack, "KeyReplica", primary=primary, config=config, stateful=stateful
    )
    other = Stack(app, "Other", env=Environment(region=SECOND_REGION))
    here, elsewhere = logs.LogGroup(stack, "Here"), logs.LogGroup(other, "There")
    for group in (here, elsewhere):
        replica.encrypt_log_group(group)
    built, primary_built = (
        Built(stack, template_of(stack)),
        Built(primary_stack, template_of(primary_stack)),
    )
    resource = built.resource(replica.key)
    # Its construct id is its logical id: a renamed replica key is a replaced one.
    assert replica.key.node.id == "Key"
    primary_policy = primary_built.resource(primary.key)["Properties"]["KeyPolicy"]["Statement"]
    as_text = json.dumps(primary_policy).replace(FIRST_REGION, SECOND_REGION)
    assert resource["Properties"]["KeyPolicy"]["Statement"] == json.loads(as_text)
    assert resource["Properties"]["PendingWindowInDays"] == 21
    assert resource["Properties"]["Description"] == {
        "Fn::Join": ["", [{"Ref": "AWS::StackName"}, ": replica of the stage's key"]]
    }
    assert "CustomerKey" in json.dumps(resource["Properties"]["PrimaryKeyArn"])
    kept = "Retain" if production else "Delete"
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (kept, kept)
    arn = {"Fn::GetAtt": [built.logical_id(replica.key), "Arn"]}
    assert built.resource(here)["Properties"]["KmsKeyId"] == arn
    control = f"{CONTROL_TOWER}cloudwatch_log_group_encrypted_check"
    assert acknowledged(here) == {}
    assert acknowledged(elsewhere) == {
        control: "Encrypted with the stage's customer key, which lives in the stage's Key "
        "stack (its replica in the ReplicaData stack): the key id is that key's ARN, imported. "
        "The control resolves only references within one template (the template tests check "
        "the key)."
    }


def test_key_policy_statement_by_statement() -> None:
    built, key = key_stack(CustomerKeyConfig(), production=True)
    this_account = {"aws:SourceAccount": ACCOUNT}
    pools = f"arn:{PARTITION}:cognito-idp:{REGION}:{ACCOUNT}:userpool/*"
    cognito_services = {"Service": ["cognito-idp.amazonaws.com", "identitystore.amazonaws.com"]}
    resource = built.resource(key.key)
    assert concrete(built, resource["Properties"]["KeyPolicy"])["Statement"] == canonical(
        [
            {
                "Action": "kms:*",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{PARTITION}:iam::{ACCOUNT}:root"},
                "Resource": "*",
            },
            {
                "Action": "kms:CreateGrant",
                "Condition": {
                    "BoolIfExists": {
                        "kms:GrantIsForAWSResource": "false",
                        "aws:PrincipalIsAWSService": "false",
                    }
                },
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": "*",
                "Sid": "GrantsOnlyForAwsResources",
            },
            {
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ],
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:*"
                        )
                    }
                },
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                "Resource": "*",
                "Sid": "CloudWatchLogsOfThisAccount",
            },
            {
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKeyWithoutPlaintext",
                ],
                "Condition": {
                    "StringEquals": this_account,
                    "ArnLike": {"aws:SourceArn": pools},
                    "StringLike": {"kms:EncryptionContext:aws:cognito-idp:userpool-arn": pools},
                },
                "Effect": "Allow",
                "Principal": cognito_services,
                "Resource": "*",
                "Sid": "CognitoUserPoolsOfThisAccount",
            },
            {
                "Action": "kms:DescribeKey",
                "Condition": {"StringEquals": this_account, "ArnLike": {"aws:SourceArn": pools}},
                "Effect": "Allow",
                "Principal": cognito_services,
                "Resource": "*",
                "Sid": "CognitoDescribesTheKey",
            },
            {
                "Action": ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"cognito-idp.{REGION}.amazonaws.com",
                        "kms:CallerAccount": ACCOUNT,
                    }
                },
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Resource": "*",
                "Sid": "ThroughCognitoForThisAccount",
            },
            {
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Condition": {
                    "StringEquals": this_account,
                    "ArnLike": {
                        "aws:SourceArn": "arn:alarms:*",
                        "kms:EncryptionContext:aws:sns:topicArn": "arn:topics:*",
                    },
                },
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Resource": "*",
                "Sid": "CloudWatchAlarmsToTopicsOfThisStack",
            },
        ]
    )
    # The one wildcard principal is acknowledged to checkov on the key, with why it is safe.
    assert resource["Metadata"]["checkov"] == {
        "skip": [
            {
                "id": "CKV_AWS_33",
                "comment": "The one wildcard-principal statement only lets Cognito use the key "
                "for callers in this account (kms:ViaService cognito-idp, kms:CallerAccount), as "
                "the Cognito guide's key policy does; whether a caller may call Cognito is IAM's "
                "say.",
            }
        ]
    }
    for group in ("One", "Two"):
        log_group = built.resource(built.stack.node.find_child(group))
        assert log_group["Properties"]["KmsKeyId"] == {
            "Fn::GetAtt": [built.logical_id(key.key), "Arn"]
        }


def test_custom_senders_may_have_cognito_encrypt_their_codes_once() -> None:
    """Cognito encrypts each code for the custom senders with the key (`CreateGrant`,
    `Encrypt`), for this account's pools only; the statement is added once however many
    senders ask."""
    built, key = key_stack(CustomerKeyConfig(), production=True, senders=2)
    statements = concrete(built, built.resource(key.key)["Properties"]["KeyPolicy"])["Statement"]
    senders = [s for s in statements if s.get("Sid") == "CognitoCustomSendersOfThisAccount"]
    assert senders == [
        {
            "Action": ["kms:CreateGrant", "kms:Encrypt"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {
                    "aws:SourceArn": f"arn:{PARTITION}:cognito-idp:{REGION}:{ACCOUNT}:userpool/*"
                },
            },
            "Effect": "Allow",
            "Principal": {"Service": "cognito-idp.amazonaws.com"},
            "Resource": "*",
            "Sid": "CognitoCustomSendersOfThisAccount",
        }
    ]


def test_a_custom_sender_may_decrypt_codes_with_the_key_and_nothing_else() -> None:
    """The sender's role gets `kms:Decrypt` on the stage key alone, called directly (the
    Encryption SDK unwraps each code's data key), as one named statement."""
    stack = Stack(App(context=cdk_json_context()), "Key")
    key = CustomerKey(stack, "CustomerKey", config=CustomerKeyConfig(), stateful=live().stateful)
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    key.grant_code_decryption(role)
    built = Built(stack, template_of(stack))
    (policy,) = [r for r in built.template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert concrete(built, policy["Properties"]["PolicyDocument"]) == {
        "Statement": [
            {
                "Action": "kms:Decrypt",
                "Effect": "Allow",
                "Resource": f"arn:{built.logical_id(key.key)}",
                "Sid": "DecryptCognitoCodes",
            }
        ],
        "Version": "2012-10-17",
    }


def test_a_log_group_of_another_stack_is_acknowledged_to_control_tower() -> None:
    """Control Tower's log-group encryption control reads an imported key ARN as no key: a log
    group encrypted from another stack of the stage carries the acknowledgment, one in the
    key's own stack does not."""
    app = App(context=cdk_json_context())
    key = CustomerKey(
        Stack(app, "Key"), "CustomerKey", config=CustomerKeyConfig(), stateful=live().stateful
    )
    here, elsewhere = logs.LogGroup(key, "Here"), logs.LogGroup(Stack(app, "Auth"), "Elsewhere")
    for group in (here, elsewhere):
        key.encrypt_log_group(group)
    control = f"{CONTROL_TOWER}cloudwatch_log_group_encrypted_check"
    assert list(acknowledged(elsewhere)) == [control]
    assert "the key id is that key's ARN, imported" in acknowledged(elsewhere)[control]
    assert acknowledged(here) == {}


@pytest.mark.parametrize("production", [True, False], ids=["production", "non-production"])
def test_key_rotates_is_multi_region_and_kept_as_its_data(production: bool) -> None:
    config = CustomerKeyConfig(rotation_days=90, deletion_window_days=7)
    built, key = key_stack(config, production=production)
    resource = built.resource(key.key)
    assert resource["Properties"]["EnableKeyRotation"] is True
    assert resource["Properties"]["RotationPeriodInDays"] == 90
    assert resource["Properties"]["PendingWindowInDays"] == 7
    assert resource["Properties"]["MultiRegion"] is True
    assert resource["Properties"]["Description"] == {
        "Fn::Join": ["", [{"Ref": "AWS::StackName"}, ": photos, items and logs"]]
    }
    kept = "Retain" if production else "Delete"
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (kept, kept)


# -- the smoke role (smoke_access)


def smoke_stack(config: StageConfig, delivery: DeliveryConfig) -> tuple[Built, SmokeAccess]:
    stack = Stack(App(context=cdk_json_context()), "Smoke")
    pool = cognito.UserPool(stack, "UserPool")
    smoke = SmokeAccess(
        stack,
        "Smoke",
        user_pool=pool,
        assumed_by=smoke_principal(config, delivery),
        role_name=smoke_role_name(config),
    )
    return Built(stack, template_of(stack)), smoke


def test_smoke_role_from_github_trusts_this_stages_environment_on_the_branch() -> None:
    config = sandbox()
    built, smoke = smoke_stack(config, DELIVERY)
    provider = f"arn:{PARTITION}:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC}"
    subject = (
        f"repo:{DELIVERY.repository}:environment:{config.github_environment}"
        f":ref:refs/heads/{DELIVERY.branch}"
    )
    assert trust(built, smoke.role) == [
        {
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC}:sub": subject,
                }
            },
            "Effect": "Allow",
            "Principal": {"Federated": provider},
        }
    ]
    role = built.resource(smoke.role)["Properties"]
    assert role["RoleName"] == f"smoke-{config.user_pool.domain_prefix}"
    # A named role: a new logical id would replace it under the same name, which CloudFormation
    # refuses, so its construct path must not move.
    assert smoke.role.node.path == "Smoke/Smoke/Role"
    assert role["Description"] == (
        "Post-deploy smoke test: a throwaway user on this stage's pools only"
    )
    assert role_statements(built, smoke.role) == canonical(
        [
            {
                "Action": [
                    "cognito-idp:AdminCreateUser",
                    "cognito-idp:AdminSetUserPassword",
                    "cognito-idp:AdminDeleteUser",
                ],
                "Effect": "Allow",
                "Resource": f"arn:{built.logical_id(built.stack.node.find_child('UserPool'))}",
            }
        ]
    )


def test_smoke_role_in_a_pipeline_trusts_only_the_pipelines_named_smoke_step() -> None:
    config = sandbox()
    pipeline = DeliveryConfig(
        repository=DELIVERY.repository,
        branch=DELIVERY.branch,
        mode=DeliveryMode.CDK_PIPELINES,
        connection_arn=PIPELINE_CONNECTION,
    )
    built, smoke = smoke_stack(config, pipeline)
    runner = f"arn:{PARTITION}:iam::{ACCOUNT}:role/smoke-runner-{config.user_pool.domain_prefix}"
    assert trust(built, smoke.role) == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": runner}}
    ]
    assert isinstance(smoke_principal(config, pipeline), iam.ArnPrincipal)


def test_smoke_role_names_are_cut_to_iams_64_characters() -> None:
    prefix = "a" * 63
    config = with_pool(sandbox(), domain_prefix=prefix)
    assert smoke_role_name(config) == f"smoke-{prefix}"[:64]
    assert len(smoke_role_name(config)) == 64
    assert smoke_runner_role_name(config) == f"smoke-runner-{prefix}"[:64]
    assert len(smoke_runner_role_name(config)) == 64
    assert smoke_runner_role_name(sandbox()) == f"smoke-runner-{sandbox().user_pool.domain_prefix}"
