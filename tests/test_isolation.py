"""Isolation proof: the synthesized role policies, evaluated by a real IAM policy evaluator.

Each signed-in session carries the user-pool `sub` as principal tag `sub`. The matrix below asks,
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
from stacks.auth_stack import AuthStack
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp
from tests.support.iam import (
    ACCOUNT,
    ALLOWED,
    DENIED,
    REGION,
    Names,
    request,
    resolve,
    role_policies,
    simulate,
)

BUCKET = "photoshare-photos"
TABLE = "photoshare-items"
OTHER_TABLE = "someone-elses-table"
ALICE, BOB = "alice-sub-1111", "bob-sub-2222"

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
        return f"{who}:{self.action}:{self.resource.split(':')[-1]}[{extra}]->{self.expected}"


def obj(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


def table(name: str = TABLE) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


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
                Ask(role, action, table(), DENIED, (("dynamodb:LeadingKeys", (ALICE, BOB)),))
            )
            asks.append(
                Ask(role, action, table(OTHER_TABLE), DENIED, (("dynamodb:LeadingKeys", (ALICE,)),))
            )
        asks += [
            Ask(role, "dynamodb:Scan", table(), DENIED),
            Ask(role, "dynamodb:DeleteTable", table(), DENIED),
            Ask(role, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", DENIED),
        ]
    asks.append(
        Ask(
            "user",
            "s3:GetObject",
            obj(f"users/{ALICE}/cat.jpg"),
            "ExplicitlyDenied",
            secure_transport=False,
        )
    )
    return asks


@dataclass(frozen=True)
class StageRoles:
    policies: dict[str, list[dict[str, Any]]]
    bucket_policy: dict[str, Any]


def stage_roles(synthesized: SynthesizedApp, stage: str) -> StageRoles:
    """Find the two roles (the user role by following the template's own references, the
    elevated role from the stack), then resolve their policies."""
    template = synthesized.template_json(stage)
    resources = template["Resources"]

    def only(kind: str, where: Any = lambda _: True) -> tuple[str, dict[str, Any]]:
        (found,) = [(i, r) for i, r in resources.items() if r["Type"] == kind and where(r)]
        return found

    bucket_id, _ = only("AWS::S3::Bucket", lambda r: "LoggingConfiguration" in r["Properties"])
    table_id, _ = only("AWS::DynamoDB::Table")
    names = Names(
        arns={bucket_id: f"arn:aws:s3:::{BUCKET}", table_id: table()},
        refs={bucket_id: BUCKET, table_id: TABLE},
    )
    _, attachment = only("AWS::Cognito::IdentityPoolRoleAttachment")
    user_role_id = attachment["Properties"]["Roles"]["authenticated"]["Fn::GetAtt"][0]
    stack = cast(AuthStack, synthesized.stack(stage))
    elevated_role_id = stack.get_logical_id(
        cast(CfnResource, stack.access.elevated_role.node.default_child)
    )
    _, bucket_policy = only(
        "AWS::S3::BucketPolicy", lambda r: r["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    return StageRoles(
        policies={
            "user": role_policies(template, user_role_id, names),
            "elevated": role_policies(template, elevated_role_id, names),
        },
        bucket_policy=resolve(bucket_policy["Properties"]["PolicyDocument"], names),
    )


def simulation(ask: Ask, roles: StageRoles) -> dict[str, Any]:
    context: dict[str, Any] = {
        key: list(v) if isinstance(v, tuple) else v for key, v in ask.context
    }
    context["aws:SecureTransport"] = "true" if ask.secure_transport else "false"
    if ask.sub:
        context["aws:PrincipalTag/sub"] = ask.sub
    s3_bucket_request = ask.resource.startswith(f"arn:aws:s3:::{BUCKET}")
    return request(
        role=ask.role,
        session="cognito-session",
        action=ask.action,
        resource=ask.resource,
        policies=roles.policies[ask.role],
        context=context,
        resource_policy=roles.bucket_policy if s3_bucket_request else None,
    )


MATRIX = matrix()


@pytest.fixture(scope="module", params=list(STAGES))
def decisions(request: pytest.FixtureRequest, synthesized: SynthesizedApp) -> dict[str, str]:
    roles = stage_roles(synthesized, str(request.param))
    results = simulate([simulation(ask, roles) for ask in MATRIX])
    return {ask.label: result for ask, result in zip(MATRIX, results, strict=True)}


@pytest.mark.parametrize("ask", MATRIX, ids=[a.label for a in MATRIX])
def test_isolation_matrix(decisions: dict[str, str], ask: Ask) -> None:
    assert decisions[ask.label] == ask.expected


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
    allowed = {a.action for a in MATRIX if a.expected == ALLOWED}
    denied = {a.action for a in MATRIX if a.expected != ALLOWED}
    assert granted == allowed
    assert granted <= denied
