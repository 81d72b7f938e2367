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
    principal: Any,
    actions: Any,
    condition: dict[str, Any] | None = None,
    effect: str = "Allow",
    on: str = "*",
) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": actions,
        "Resource": on,
        **({"Condition": condition} if condition else {}),
    }


def key(*statements: dict[str, Any], kind: str = "AWS::KMS::Key") -> dict[str, Any]:
    prop = POLICY_PROPERTIES[kind]
    return {
        "Resources": {"Key": {"Type": kind, "Properties": {prop: {"Statement": list(statements)}}}}
    }


def bucket(*statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"PolicyDocument": {"Statement": list(statements)}},
            }
        }
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
ANY_POOL = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/*"
TLS_ONLY = statement(
    {"AWS": "*"},
    "s3:*",
    {"Bool": {"aws:SecureTransport": "false"}},
    effect="Deny",
    on="arn:aws:s3:::photos/*",
)
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
                f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt`, `kms:Encrypt` on `*`",
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
                "on `*` under aws:SourceAccount",
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
                "`kms:GenerateDataKey*` on `*` under aws:SourceAccount",
            )
        ],
    ),
    "a grant loses its condition": (
        key(ROOT, statement(ALARMS, "kms:Decrypt", OWN_ALARMS)),
        key(ROOT, statement(ALARMS, "kms:Decrypt")),
        [
            (
                Severity.HIGH,
                "resource policy `Key`: Service cloudwatch.amazonaws.com `kms:Decrypt` on `*` "
                "loses condition StringEquals aws:SourceAccount",
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
        [(Severity.HIGH, "resource policy `Key` lets AWS * `kms:DescribeKey` on `*`")],
    ),
    "a deny removed": (
        key(ROOT, DENY_GRANTS),
        key(ROOT),
        [(Severity.HIGH, "resource policy `Key` no longer denies AWS * `kms:CreateGrant` on `*`")],
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
                "resource policy `Key`: the deny of AWS * `kms:CreateGrant` on `*` changed its "
                "conditions",
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
                "`lambda:InvokeFunction` on `${Trigger}` loses condition ArnLike AWS:SourceArn; "
                "loses condition StringEquals AWS:SourceAccount",
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
                "`lambda:InvokeFunction` on `${Trigger}`",
            )
        ],
    ),
    "the same principal reads another prefix": (
        bucket(statement({"AWS": OTHER}, "s3:GetObject", on="arn:aws:s3:::photos/a/*")),
        bucket(
            statement({"AWS": OTHER}, "s3:GetObject", on="arn:aws:s3:::photos/a/*"),
            statement({"AWS": OTHER}, "s3:GetObject", on="arn:aws:s3:::photos/b/*"),
        ),
        [
            (
                Severity.MEDIUM,
                f"resource policy `Policy` lets AWS {OTHER} `s3:GetObject` on "
                "`arn:aws:s3:::photos/b/*`",
            )
        ],
    ),
    "another account reads two prefixes": (
        bucket(),
        bucket(
            statement({"AWS": OTHER}, "s3:GetObject", on="arn:aws:s3:::photos/a/*"),
            statement({"AWS": OTHER}, "s3:GetObject", on="arn:aws:s3:::photos/b/*"),
        ),
        [
            (
                Severity.MEDIUM,
                f"resource policy `Policy` lets AWS {OTHER} `s3:GetObject` on "
                "`arn:aws:s3:::photos/a/*`, `arn:aws:s3:::photos/b/*`",
            )
        ],
    ),
    "the TLS-only deny removed: one line, not one per action": (
        bucket(TLS_ONLY),
        bucket(),
        [
            (
                Severity.HIGH,
                "resource policy `Policy` no longer denies AWS * `s3:*` on `arn:aws:s3:::photos/*`",
            )
        ],
    ),
    "a grant of every action loosened: one line": (
        bucket(statement({"AWS": OTHER}, "s3:*", OWN_ALARMS, on="arn:aws:s3:::photos/*")),
        bucket(statement({"AWS": OTHER}, "s3:*", on="arn:aws:s3:::photos/*")),
        [
            (
                Severity.HIGH,
                f"resource policy `Policy`: AWS {OTHER} `s3:*` on `arn:aws:s3:::photos/*` loses "
                "condition StringEquals aws:SourceAccount",
            )
        ],
    ),
    "a loosened grant and a gain, both said": (
        key(ROOT, statement(ALARMS, "kms:Decrypt", OWN_ALARMS)),
        key(ROOT, statement(ALARMS, "kms:Decrypt"), statement({"AWS": OTHER}, "kms:DescribeKey")),
        [
            (
                Severity.HIGH,
                "resource policy `Key`: Service cloudwatch.amazonaws.com `kms:Decrypt` on `*` "
                "loses condition StringEquals aws:SourceAccount",
            ),
            (Severity.MEDIUM, f"resource policy `Key` lets AWS {OTHER} `kms:DescribeKey` on `*`"),
        ],
    ),
    "everyone but one account": (
        key(ROOT),
        key(ROOT, {**statement({}, "kms:DescribeKey"), "NotPrincipal": {"AWS": OTHER}}),
        [
            (
                Severity.HIGH,
                f"resource policy `Key` lets everyone but AWS {OTHER} `kms:DescribeKey` on `*`",
            )
        ],
    ),
    "a key that had KMS's default policy": (
        {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {}}}},
        key(statement({"AWS": OTHER}, "kms:DescribeKey")),
        [(Severity.MEDIUM, f"resource policy `Key` lets AWS {OTHER} `kms:DescribeKey` on `*`")],
    ),
    "a new policy that only denies": (
        {"Resources": {}},
        bucket(TLS_ONLY),
        [(Severity.MEDIUM, "new resource policy `Policy` allows nobody")],
    ),
    "a new topic policy open to anyone, two patterns": (
        {"Resources": {}},
        key(statement("*", ["sns:Publish", "sns:Subscribe"]), kind="AWS::SNS::TopicPolicy"),
        [
            (Severity.MEDIUM, "new resource policy `Key` allows AWS *"),
            (
                Severity.HIGH,
                "resource policy `Key` allows any principal `sns:Publish`, `sns:Subscribe`",
            ),
        ],
    ),
    "an invoke permission's source widened": (
        permission(**COGNITO_INVOKES),
        permission(**{**COGNITO_INVOKES, "SourceArn": ANY_POOL}),
        [
            (
                Severity.HIGH,
                "resource policy `invoke policy of ${Trigger}`: Service cognito-idp.amazonaws.com "
                f"`lambda:InvokeFunction` on `${{Trigger}}` AWS:SourceArn also accepts {ANY_POOL}",
            )
        ],
    ),
    "an invoke permission for another account": (
        permission(**COGNITO_INVOKES),
        permission(**{**COGNITO_INVOKES, "SourceAccount": "444455556666"}),
        [
            (
                Severity.HIGH,
                "resource policy `invoke policy of ${Trigger}`: Service cognito-idp.amazonaws.com "
                "`lambda:InvokeFunction` on `${Trigger}` AWS:SourceAccount also accepts "
                "444455556666",
            )
        ],
    ),
    "an invoke permission no longer bound to the organization": (
        permission(Principal="*", PrincipalOrgID="o-photos"),
        permission(Principal="*"),
        [
            (
                Severity.HIGH,
                "resource policy `invoke policy of ${Trigger}`: AWS * `lambda:InvokeFunction` on "
                "`${Trigger}` loses condition StringEquals aws:PrincipalOrgID",
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
        Change(Severity.HIGH, f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt` on `*`")
    ]


def test_the_review_flags_it_first_and_names_the_resource_once() -> None:
    """In a stage's review the line is flagged, and the resource it names gets no "modified"
    line among the other changes."""
    before = key(ROOT)
    after = key(ROOT, statement({"AWS": OTHER}, "kms:Decrypt"))
    assert [(c.severity, c.text) for c in stage_changes("Stage", before, after)] == [
        (Severity.HIGH, f"resource policy `Key` lets AWS {OTHER} `kms:Decrypt` on `*`")
    ]
