"""Isolation proof: the synthesized role policies, evaluated by a real IAM policy evaluator.

Each signed-in session carries the user's owner id (their user-pool `sub`, or after a directory
restore the `sub` they had before) as principal tag `sub`. The matrix below asks,
for every granted action, whether user A reaches their own data (allowed), user B's (denied), and
things never granted (denied), for the user role and the elevated role, with the photos bucket's
own policy (TLS-only) evaluated as the resource policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest
from aws_cdk import CfnResource

from auth_constructs import cfn_text
from auth_constructs.identity.identity_pool import SUB_TAG
from stage_config import StageConfig
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp
from tests.support.configs import live, sandbox
from tests.support.construct_stacks import data_access_stack
from tests.support.iam import (
    ACCOUNT,
    ALLOWED,
    DENIED,
    REGION,
    Names,
    Templates,
    follow,
    request,
    resolve,
    role_policies,
    simulate,
    stack_outputs,
)
from tools.review.templates import of_type

BUCKET = "photoshare-photos"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
OTHER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/99999999-8888-7777-6666-555555555555"
TABLE = "photoshare-items"
SECONDARY = "{secondary}"
"""Stands for the stage's secondary Region in an ask, until the stage's own is known."""
REPLICA_BUCKET = "photoshare-photos-replica"
REPLICA_KEY = f"arn:aws:kms:{SECONDARY}:{ACCOUNT}:key/mrk-1111aaaa2222bbbb3333cccc4444dddd"
OTHER_TABLE = "someone-elses-table"
EXPLICITLY_DENIED = "ExplicitlyDenied"
TABLE_KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")
ALICE, BOB = "alice-sub-1111", "bob-sub-2222"
ALICE_RESTORED = "alice-new-sub-3333"
"""The `sub` Alice got when a directory restore recreated her. Her session's tag is still
ALICE: the identity pool tags it with the owner claim, which holds her old id
(tests/triggers/test_owner_id.py, tests/test_directory_backup.py)."""

OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
ITEM_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
)


@dataclass(frozen=True)
class Ask:
    """One request by `role` for `sub`, and the decision the design requires."""

    role: str
    action: str
    resource: str
    expected: str
    context: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    sub: str | None = ALICE
    secure_transport: bool = True

    @property
    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.context)
        who = f"{self.role}({self.sub or 'no-tag'}{'' if self.secure_transport else ',http'})"
        where = self.resource.split(":")[-1] + ("@secondary" if SECONDARY in self.resource else "")
        return f"{who}:{self.action}:{where}[{extra}]->{self.expected}"


def obj(key: str, bucket: str = BUCKET) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def table(name: str = TABLE, region: str = REGION) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"


def via(service: str, region: str = REGION) -> tuple[tuple[str, str], ...]:
    """A KMS request that `service` makes for the caller."""
    return (("kms:ViaService", f"{service}.{region}.amazonaws.com"),)


def in_secondary(ask: Ask) -> bool:
    """An ask about the secondary Region's data (the photos' replica, the table's replica)."""
    return SECONDARY in ask.resource or REPLICA_BUCKET in ask.resource


def key_asks(role: str) -> list[Ask]:
    """The stage's customer key (evaluated with its key policy): usable only through S3 and
    DynamoDB, for what those services ask on the caller's behalf; never directly, never for
    grants (the key policy denies those explicitly).

    The evaluator ignores `kms:EncryptionContext:<key>` context keys (it only matches variable
    keys of the `prefix/<name>` form), so it cannot grant the S3 path, which also requires the
    photos bucket's encryption context; `test_data_access` pins that statement instead.
    """
    dynamodb = via("dynamodb")
    return [
        Ask(role, "kms:Decrypt", KEY, DENIED, via("s3")),
        Ask(role, "kms:GenerateDataKey", KEY, DENIED, via("s3")),
        Ask(role, "kms:Decrypt", KEY, DENIED),
        Ask(role, "kms:GenerateDataKey", KEY, DENIED),
        Ask(role, "kms:Decrypt", OTHER_KEY, DENIED, dynamodb),
        *(Ask(role, action, KEY, ALLOWED, dynamodb) for action in TABLE_KEY_ACTIONS),
        *(Ask(role, action, KEY, DENIED, via("secretsmanager")) for action in TABLE_KEY_ACTIONS),
        Ask(role, "kms:CreateGrant", KEY, EXPLICITLY_DENIED, dynamodb),
        Ask(role, "kms:ScheduleKeyDeletion", KEY, DENIED),
    ]


def expected(ask: Ask, has_key: bool, has_replica: bool) -> str:
    """Without a customer key (customer_key=None) nothing may use any key; without a replica,
    nothing in a secondary Region."""
    if in_secondary(ask) and not has_replica:
        return DENIED
    return ask.expected if has_key or not ask.action.startswith("kms:") else DENIED


def secondary_asks(role: str) -> list[Ask]:
    """While the primary Region is out: the user's own photos in the replica, read only (the
    replication runs one way), and their own items in the table's replica, read and written
    (a global table replicates both ways); nobody else's; the replica key only through those
    services there."""
    elevated = role == "elevated"
    replica = f"arn:aws:s3:::{REPLICA_BUCKET}"
    asks = [
        Ask(role, "s3:GetObject", obj(f"users/{ALICE}/cat.jpg", REPLICA_BUCKET), ALLOWED),
        Ask(role, "s3:PutObject", obj(f"users/{ALICE}/cat.jpg", REPLICA_BUCKET), DENIED),
        Ask(role, "s3:DeleteObject", obj(f"users/{ALICE}/cat.jpg", REPLICA_BUCKET), DENIED),
        Ask(
            role,
            "s3:GetObject",
            obj(f"users/{BOB}/cat.jpg", REPLICA_BUCKET),
            ALLOWED if elevated else DENIED,
        ),
        Ask(role, "s3:ListBucket", replica, ALLOWED, (("s3:prefix", f"users/{ALICE}/"),)),
        Ask(
            role,
            "s3:ListBucket",
            replica,
            ALLOWED if elevated else DENIED,
            (("s3:prefix", f"users/{BOB}/"),),
        ),
        Ask(role, "kms:Decrypt", REPLICA_KEY, DENIED, via("s3", SECONDARY)),
        Ask(role, "kms:Decrypt", REPLICA_KEY, DENIED),
        *(
            Ask(role, action, REPLICA_KEY, ALLOWED, via("dynamodb", SECONDARY))
            for action in TABLE_KEY_ACTIONS
        ),
    ]
    for action in ITEM_ACTIONS:
        replica_table = table(region=SECONDARY)
        asks.append(
            Ask(role, action, replica_table, ALLOWED, (("dynamodb:LeadingKeys", (ALICE,)),))
        )
        asks.append(Ask(role, action, replica_table, DENIED, (("dynamodb:LeadingKeys", (BOB,)),)))
    return asks


def matrix() -> list[Ask]:
    asks: list[Ask] = []
    for role in ("user", "elevated"):
        for action in OBJECT_ACTIONS:
            asks.append(Ask(role, action, obj(f"users/{ALICE}/cat.jpg"), ALLOWED))
            can_read_all = role == "elevated" and action == "s3:GetObject"
            asks.append(
                Ask(role, action, obj(f"users/{BOB}/cat.jpg"), ALLOWED if can_read_all else DENIED)
            )
            asks.append(Ask(role, action, obj("public/cat.jpg"), DENIED))
            # Restored, Alice keeps her old prefix (above) and gains no second one.
            asks.append(
                Ask(
                    role,
                    action,
                    obj(f"users/{ALICE_RESTORED}/cat.jpg"),
                    ALLOWED if can_read_all else DENIED,
                )
            )
            asks.append(
                Ask(role, action, f"arn:aws:s3:::another-bucket/users/{ALICE}/cat.jpg", DENIED)
            )
            # Without the principal tag the owner variable matches nothing.
            asks.append(
                Ask(
                    role,
                    action,
                    obj(f"users/{ALICE}/cat.jpg"),
                    ALLOWED if can_read_all else DENIED,
                    sub=None,
                )
            )
        bucket = f"arn:aws:s3:::{BUCKET}"
        asks += [
            Ask(role, "s3:ListBucket", bucket, ALLOWED, (("s3:prefix", f"users/{ALICE}/"),)),
            Ask(role, "s3:ListBucket", bucket, ALLOWED, (("s3:prefix", f"users/{ALICE}/2026/"),)),
            Ask(
                role,
                "s3:ListBucket",
                bucket,
                ALLOWED if role == "elevated" else DENIED,
                (("s3:prefix", f"users/{BOB}/"),),
            ),
            Ask(
                role,
                "s3:ListBucket",
                bucket,
                ALLOWED if role == "elevated" else DENIED,
                (("s3:prefix", "users/"),),
            ),
            Ask(role, "s3:ListBucket", bucket, DENIED, (("s3:prefix", ""),)),
            Ask(role, "s3:PutObjectAcl", obj(f"users/{ALICE}/cat.jpg"), DENIED),
            Ask(role, "s3:DeleteBucket", bucket, DENIED),
        ]
        for action in ITEM_ACTIONS:
            asks.append(Ask(role, action, table(), ALLOWED, (("dynamodb:LeadingKeys", (ALICE,)),)))
            asks.append(Ask(role, action, table(), DENIED, (("dynamodb:LeadingKeys", (BOB,)),)))
            asks.append(
                Ask(role, action, table(), DENIED, (("dynamodb:LeadingKeys", (ALICE_RESTORED,)),))
            )
            asks.append(
                Ask(role, action, table(), DENIED, (("dynamodb:LeadingKeys", (ALICE, BOB)),))
            )
            asks.append(
                Ask(role, action, table(OTHER_TABLE), DENIED, (("dynamodb:LeadingKeys", (ALICE,)),))
            )
        asks += [
            Ask(role, "dynamodb:Scan", table(), DENIED),
            Ask(role, "dynamodb:DeleteTable", table(), DENIED),
            Ask(role, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", DENIED),
            *key_asks(role),
            *secondary_asks(role),
        ]
    asks.append(
        Ask(
            "user",
            "s3:GetObject",
            obj(f"users/{ALICE}/cat.jpg"),
            EXPLICITLY_DENIED,
            secure_transport=False,
        )
    )
    return asks


@dataclass(frozen=True)
class StageRoles:
    policies: dict[str, list[dict[str, Any]]]
    bucket_policy: dict[str, Any]
    key_policy: dict[str, Any] | None
    """The customer key's own policy; KMS needs it to allow too (it delegates to IAM)."""
    secondary_region: str | None = None
    replica_bucket_policy: dict[str, Any] | None = None
    replica_key_policy: dict[str, Any] | None = None

    @property
    def has_key(self) -> bool:
        return self.key_policy is not None

    @property
    def has_replica(self) -> bool:
        return self.secondary_region is not None


def identity_pools(templates: Templates) -> list[tuple[str, str]]:
    """(stack name, logical id) of every identity pool of the stage, the primary's first."""
    return [
        (name, logical_id)
        for name, template in templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Cognito::IdentityPool"
    ]


def stage_roles(synthesized: SynthesizedApp, stage: str, pool: int = 0) -> StageRoles:
    """The roles a user arriving through the stage's `pool`-th identity pool gets."""
    access = synthesized.stage(stage).access
    elevated_role = cast(CfnResource, access.access.elevated_role.node.default_child)
    key_template = synthesized.key_template(stage) if synthesized.stage(stage).keys else {}
    replica_data = synthesized.stage(stage).replica_data
    return roles_in(
        synthesized.templates(stage),
        synthesized.stack(stage).stack_name,
        (access.stack_name, access.get_logical_id(elevated_role)),
        key_template,
        pool,
        (replica_data.stack_name, replica_data.region) if replica_data else None,
    )


def construct_roles(config: StageConfig, pool: int = 0) -> StageRoles:
    """The roles of the small data-access stack of a test-owned config, built afresh (so
    `make mutate` judges the IAM-writing constructs by this matrix too)."""
    built = data_access_stack(config, replicated=pool > 0)
    name = built.stack.stack_name
    templates = {name: built.template}
    for other in (built.keys, built.replica):
        if other:
            templates[other.stack.stack_name] = other.template
    return roles_in(
        templates,
        name,
        (name, built.logical_id(built.access.elevated_role)),
        built.keys.template if built.keys else built.template,
        pool,
        (built.replica.stack.stack_name, built.replica.stack.region) if built.replica else None,
    )


def roles_in(
    templates: Templates,
    data_stack: str,
    elevated_role: tuple[str, str],
    key_template: dict[str, Any],
    pool: int,
    replica: tuple[str, str] | None = None,
) -> StageRoles:
    """Follow the `pool`-th identity pool's own references to the role it hands signed-in users,
    check that both roles trust that pool and that it tags sessions with the owner id, then
    resolve both roles' policies. The photos and items are in `data_stack`'s template, the
    stage's key in `key_template` (its Key stack's, or the same one), and with a `replica`
    (stack name, Region) the photos' replica bucket and the key's replica in that stack."""
    data = templates[data_stack]
    resources = data["Resources"]

    def only(kind: str, where: Any = lambda _: True) -> tuple[str, dict[str, Any]]:
        (found,) = [(i, r) for i, r in resources.items() if r["Type"] == kind and where(r)]
        return found

    bucket_id, _ = only("AWS::S3::Bucket", lambda r: "CorsConfiguration" in r["Properties"])
    table_id, _ = only("AWS::DynamoDB::GlobalTable")
    keys = of_type(key_template, "AWS::KMS::Key")
    key_arns = dict.fromkeys(keys, KEY)
    replica_template: dict[str, Any] = templates[replica[0]] if replica else {}
    replica_buckets = {
        i: f"arn:aws:s3:::{REPLICA_BUCKET}"
        for i, r in of_type(replica_template, "AWS::S3::Bucket").items()
        if "CorsConfiguration" in r
    }
    replica_keys = of_type(replica_template, "AWS::KMS::ReplicaKey")
    secondary_key = REPLICA_KEY.replace(SECONDARY, replica[1]) if replica else ""
    local = Names(
        arns={
            bucket_id: f"arn:aws:s3:::{BUCKET}",
            table_id: table(),
            **key_arns,
            **replica_buckets,
            **dict.fromkeys(replica_keys, secondary_key),
        },
        refs={bucket_id: BUCKET, table_id: TABLE},
    )
    names = Names(
        arns=local.arns,
        refs=local.refs,
        outputs=stack_outputs(key_template, local)
        | stack_outputs(data, local)
        | stack_outputs(replica_template, local),
    )
    pools = identity_pools(templates)

    def of_pool(kind: str, index: int = pool) -> list[tuple[str, dict[str, Any]]]:
        return [
            (name, r["Properties"])
            for name, template in templates.items()
            for r in template["Resources"].values()
            if r["Type"] == kind
            and follow(r["Properties"]["IdentityPoolId"], name, templates)
            == (pools[index][0], {"Ref": pools[index][1]})
        ]

    pool_stack, pool_id = pools[pool]
    ((attachment_stack, attachment),) = of_pool("AWS::Cognito::IdentityPoolRoleAttachment")
    role_stack, user_role = follow(
        attachment["Roles"]["authenticated"], attachment_stack, templates
    )
    assert role_stack == elevated_role[0], "both roles live in one stack"
    user_role_id = user_role["Fn::GetAtt"][0]

    def claims(index: int) -> list[str]:
        tags = of_pool("AWS::Cognito::IdentityPoolPrincipalTag", index)
        assert tags, f"identity pool {index} tags no session"
        assert all(set(tag["PrincipalTags"]) == {SUB_TAG} for _, tag in tags)
        return sorted({tag["PrincipalTags"][SUB_TAG] for _, tag in tags})

    # The owner id comes from the same claim whichever pool the user arrives through.
    assert len(claims(pool)) == 1
    assert claims(pool) == claims(0)
    roles = templates[role_stack]["Resources"]
    for role_id in (user_role_id, elevated_role[1]):
        (statement,) = roles[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        aud = statement["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"]
        trusted = [follow(a, role_stack, templates) for a in cfn_text.listed(aud)]
        assert (pool_stack, {"Ref": pool_id}) in trusted, f"{role_id} does not trust {pool_id}"
    role_template = templates[role_stack]
    _, bucket_policy = only(
        "AWS::S3::BucketPolicy", lambda r: r["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    return StageRoles(
        policies={
            "user": role_policies(role_template, user_role_id, names),
            "elevated": role_policies(role_template, elevated_role[1], names),
        },
        bucket_policy=resolve(bucket_policy["Properties"]["PolicyDocument"], names),
        key_policy=next((resolve(k["KeyPolicy"], names) for k in keys.values()), None),
        secondary_region=replica[1] if replica else None,
        replica_bucket_policy=next(
            (
                resolve(p["PolicyDocument"], names)
                for p in of_type(replica_template, "AWS::S3::BucketPolicy").values()
                if p["Bucket"]["Ref"] in replica_buckets
            ),
            None,
        ),
        replica_key_policy=next(
            (resolve(k["KeyPolicy"], names) for k in replica_keys.values()), None
        ),
    )


def simulation(ask: Ask, roles: StageRoles) -> dict[str, Any]:
    """The evaluator's request for `ask`, in the stage's own secondary Region (or, for a stage
    without one, a Region nothing names)."""
    region = roles.secondary_region or "nowhere-1"

    def placed(value: str) -> str:
        return value.replace(SECONDARY, region)

    context: dict[str, Any] = {
        key: [placed(x) for x in v] if isinstance(v, tuple) else placed(v) for key, v in ask.context
    }
    context["aws:SecureTransport"] = "true" if ask.secure_transport else "false"
    if ask.sub:
        context["aws:PrincipalTag/sub"] = ask.sub
    resource = placed(ask.resource)
    resource_policies = {
        f"arn:aws:s3:::{BUCKET}": roles.bucket_policy,
        KEY: roles.key_policy,
        f"arn:aws:s3:::{REPLICA_BUCKET}": roles.replica_bucket_policy,
        placed(REPLICA_KEY): roles.replica_key_policy,
    }
    return request(
        role=ask.role,
        session="cognito-session",
        action=ask.action,
        resource=resource,
        policies=roles.policies[ask.role],
        context=context,
        resource_policy=next(
            (p for prefix, p in resource_policies.items() if _names(resource, prefix)), None
        ),
    )


def _names(resource: str, prefix: str) -> bool:
    """`resource` is the bucket or key `prefix` names, or an object in that bucket."""
    return resource == prefix or resource.startswith(f"{prefix}/")


MATRIX = matrix()


@dataclass(frozen=True)
class Decisions:
    results: dict[str, str]
    has_key: bool
    has_replica: bool


CONSTRUCT_STACKS = {
    "constructs-without-key": (sandbox, 0),
    "constructs-with-key": (live, 0),
    "constructs-second-pool": (live, 1),
}
"""Test-owned configs whose small data-access stacks the matrix also judges (one with a customer
key, one without, and users arriving through a second identity pool)."""
THROUGH = {
    f"{name}-{'secondary' if pool else 'primary'}-pool": (name, pool)
    for name, make in STAGES.items()
    for pool in range(2 if make().replica else 1)
}
"""Each stage of the user's app, for users arriving through each of its identity pools."""


@pytest.fixture(scope="module", params=[*THROUGH, *CONSTRUCT_STACKS])
def decisions(request: pytest.FixtureRequest, synthesized: SynthesizedApp) -> Decisions:
    """Each stage of the user's app through each identity pool, then each test-owned stack."""
    name = str(request.param)
    if name in CONSTRUCT_STACKS:
        make, pool = CONSTRUCT_STACKS[name]
        roles = construct_roles(make(), pool)
    else:
        roles = stage_roles(synthesized, *THROUGH[name])
    results = simulate([simulation(ask, roles) for ask in MATRIX])
    return Decisions(
        {ask.label: result for ask, result in zip(MATRIX, results, strict=True)},
        roles.has_key,
        roles.has_replica,
    )


@pytest.mark.parametrize("ask", MATRIX, ids=[a.label for a in MATRIX])
def test_isolation_matrix(decisions: Decisions, ask: Ask) -> None:
    assert decisions.results[ask.label] == expected(ask, decisions.has_key, decisions.has_replica)


def test_matrix_covers_every_granted_action(synthesized: SynthesizedApp, stage_name: str) -> None:
    """Every action any role is granted appears in the matrix as allowed and as denied."""
    roles = stage_roles(synthesized, stage_name)
    statements = [
        statement
        for docs in roles.policies.values()
        for doc in docs
        for statement in doc["Statement"]
    ]
    assert all(statement["Effect"] == "Allow" for statement in statements)
    granted = {
        action for statement in statements for action in cfn_text.listed(statement["Action"])
    }
    allowed = {a.action for a in MATRIX if expected(a, roles.has_key, roles.has_replica) == ALLOWED}
    denied = {a.action for a in MATRIX if expected(a, roles.has_key, roles.has_replica) != ALLOWED}
    assert granted == allowed
    assert granted <= denied
