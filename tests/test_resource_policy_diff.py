"""`make review` reads resource policies (key, topic, queue and bucket policies, a function's
invoke permissions) as it reads roles: hand-written template pairs, line for line."""

from __future__ import annotations

from typing import Any

import pytest

from tools.review.changes import Change, Severity
from tools.review.resource_policy_diff import POLICY_PROPERTIES, resource_policy_changes
from tools.review.security_diff import stage_changes

ACCOUNT = "arn:aws:iam::111122223333:root"
OTHER = "arn:aws:iam::444455556666:root"
LOGS = {"Service": "logs.eu-west-1.amazonaws.com"}
ALARMS = {"Service": "cloudwatch.amazonaws.com"}
OWN_ALARMS = {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def statement(
    principal: Any, actions: Any, condition: dict[str, Any] | None = None, effect: str = "Allow"
) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
        **({"Condition": condition} if condition else {}),
    }


def key(*statements: dict[str, Any], kind: str = "AWS::KMS::Key") -> dict[str, Any]:
    prop = POLICY_PROPERTIES[kind]
    return {
        "Resources": {"Key": {"Type": kind, "Properties": {prop: {"Statement": list(statements)}}}}
    }


def permission(**props: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Invoke": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "Trigger"},
                    **props,
                },
            }
        }
    }


ROOT = statement({"AWS": ACCOUNT}, "kms:*")
COGNITO_INVOKES = {
    "Principal": "cognito-idp.amazonaws.com",
    "SourceArn": {"Fn::GetAtt": ["Pool", "Arn"]},
    "SourceAccount": {"Ref": "AWS::AccountId"},
}
DENY_GRANTS = statement(
    {"AWS": "*"},
    "kms:CreateGrant",
    {"Bool": {"kms:GrantIsForAWSResource": "false"}},
    effect="Deny",
)

PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any], list[tuple[Severity, str]]]] = {
    "another account may decrypt": (
        key(ROOT),
        key(ROOT, statement({"AWS": OTHER}, ["kms:Decrypt", "kms:Encrypt"])),
        [
            (
                Severity.HIGH,
                f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt`, `kms:Encrypt`",
            )
        ],
    ),
    "a service may read, under a condition": (
        key(ROOT),
        key(ROOT, statement(ALARMS, "kms:DescribeKey", OWN_ALARMS)),
        [
            (
                Severity.MEDIUM,
                "resource policy `Key` lets Service cloudwatch.amazonaws.com `kms:DescribeKey` "
                "under aws:SourceAccount",
            )
        ],
    ),
    "the pattern as written is shown": (
        key(ROOT),
        key(ROOT, statement(ALARMS, "kms:GenerateDataKey*", OWN_ALARMS)),
        [
            (
                Severity.HIGH,
                "resource policy `Key` lets Service cloudwatch.amazonaws.com "
                "`kms:GenerateDataKey*` under aws:SourceAccount",
            )
        ],
    ),
    "a grant loses its condition": (
        key(ROOT, statement(ALARMS, "kms:Decrypt", OWN_ALARMS)),
        key(ROOT, statement(ALARMS, "kms:Decrypt")),
        [
            (
                Severity.HIGH,
                "resource policy `Key`: Service cloudwatch.amazonaws.com `kms:Decrypt` loses "
                "condition StringEquals aws:SourceAccount",
            )
        ],
    ),
    "statements split and reordered": (
        key(ROOT, statement(LOGS, ["kms:Encrypt", "kms:Decrypt"])),
        key(statement(LOGS, "kms:Decrypt"), statement(LOGS, "kms:Encrypt"), ROOT),
        [],
    ),
    "anyone, written as a bare star": (
        key(ROOT),
        key(ROOT, statement("*", "kms:DescribeKey")),
        [(Severity.HIGH, "resource policy `Key` lets AWS * `kms:DescribeKey`")],
    ),
    "a deny removed": (
        key(ROOT, DENY_GRANTS),
        key(ROOT),
        [(Severity.HIGH, "resource policy `Key` no longer denies AWS * `kms:CreateGrant`")],
    ),
    "a deny's conditions changed": (
        key(ROOT, DENY_GRANTS),
        key(
            ROOT,
            statement(
                {"AWS": "*"},
                "kms:CreateGrant",
                {
                    "Bool": {
                        "kms:GrantIsForAWSResource": "false",
                        "aws:PrincipalIsAWSService": "false",
                    }
                },
                effect="Deny",
            ),
        ),
        [
            (
                Severity.MEDIUM,
                "resource policy `Key`: the deny of AWS * `kms:CreateGrant` changed its conditions",
            )
        ],
    ),
    "a new policy": (
        {"Resources": {}},
        key(ROOT, statement(LOGS, "kms:Decrypt"), kind="AWS::KMS::ReplicaKey"),
        [
            (
                Severity.MEDIUM,
                f"new resource policy `Key` allows AWS {ACCOUNT}, Service "
                "logs.eu-west-1.amazonaws.com",
            )
        ],
    ),
    "a new policy open to anyone": (
        {"Resources": {}},
        key(statement({"AWS": "*"}, "sns:Publish"), kind="AWS::SNS::TopicPolicy"),
        [
            (Severity.MEDIUM, "new resource policy `Key` allows AWS *"),
            (Severity.HIGH, "resource policy `Key` allows any principal `sns:Publish`"),
        ],
    ),
    "a new function permission": (
        {"Resources": {}},
        permission(**COGNITO_INVOKES),
        [
            (
                Severity.MEDIUM,
                "new resource policy `invoke policy of ${Trigger}` allows Service "
                "cognito-idp.amazonaws.com",
            )
        ],
    ),
    "an invoke permission loses its source": (
        permission(**COGNITO_INVOKES),
        permission(Principal="cognito-idp.amazonaws.com"),
        [
            (
                Severity.HIGH,
                "resource policy `invoke policy of ${Trigger}`: Service cognito-idp.amazonaws.com "
                "`lambda:InvokeFunction` loses condition ArnLike AWS:SourceArn; loses condition "
                "StringEquals AWS:SourceAccount",
            )
        ],
    ),
    "a function another account may invoke": (
        permission(**COGNITO_INVOKES),
        {
            "Resources": {
                **permission(**COGNITO_INVOKES)["Resources"],
                "Open": permission(Principal="444455556666")["Resources"]["Invoke"],
            }
        },
        [
            (
                Severity.HIGH,
                "resource policy `invoke policy of ${Trigger}` lets AWS 444455556666 "
                "`lambda:InvokeFunction`",
            )
        ],
    ),
}


@pytest.mark.parametrize(("before", "after", "lines"), PAIRS.values(), ids=PAIRS)
def test_resource_policy_pairs_give_exactly_these_lines(
    before: dict[str, Any], after: dict[str, Any], lines: list[tuple[Severity, str]]
) -> None:
    assert list(resource_policy_changes(before, after)) == [Change(s, t) for s, t in lines]


@pytest.mark.parametrize("kind", POLICY_PROPERTIES)
def test_every_policy_type_is_read_from_its_property(kind: str) -> None:
    before = key(ROOT, kind=kind)
    after = key(ROOT, statement({"AWS": OTHER}, "kms:Decrypt"), kind=kind)
    assert list(resource_policy_changes(before, after)) == [
        Change(Severity.HIGH, f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt`")
    ]


def test_the_review_flags_it_first_and_names_the_resource_once() -> None:
    """In a stage's review the line is flagged, and the resource it names gets no "modified"
    line among the other changes."""
    before = key(ROOT)
    after = key(ROOT, statement({"AWS": OTHER}, "kms:Decrypt"))
    assert [(c.severity, c.text) for c in stage_changes("Stage", before, after)] == [
        (Severity.HIGH, f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt`")
    ]
