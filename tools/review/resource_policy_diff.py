"""What a change does to the resource policies: who may use a key, topic, queue, bucket or
function, under which conditions, and which denies still hold.

A role's permissions are `tools.review.iam_diff`'s; these are the policies written on the
resource itself (a key policy, a topic or queue or bucket policy, a function's invoke
permissions), compared the same way: every statement becomes (principal, concrete action,
resource) triples, each with the conditions it is granted under, so reordering or splitting
statements changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from auth_constructs import cfn_text
from tools.review.changes import Change, Severity, readable
from tools.review.iam_actions import WRITE_LEVELS, expand
from tools.review.iam_diff import Conditions, conditions, loosened, under
from tools.review.templates import of_type

POLICY_PROPERTIES = {
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::KMS::ReplicaKey": "KeyPolicy",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
}
"""The resource types whose policy is one document, and the property that holds it."""
PERMISSION = "AWS::Lambda::Permission"
"""One statement per resource, gathered into the policy of the function it names."""
Access = tuple[str, str, str]
"""(principal, concrete action, resource)."""


@dataclass
class PolicyAccess:
    """A resource policy, normalized."""

    allows: dict[Access, list[Conditions]] = field(default_factory=dict)
    denies: dict[Access, list[Conditions]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    """The policy text each (principal, concrete action) came from (`kms:GenerateDataKey*`)."""

    def add(self, statement: dict[str, Any]) -> None:
        target = self.allows if statement.get("Effect") == "Allow" else self.denies
        principals = statement.get("Principal", {})
        if principals == "*":
            principals = {"AWS": "*"}
        for kind, values in principals.items():
            for value in cfn_text.listed(values):
                principal = f"{kind} {readable(value)}"
                for pattern in cfn_text.listed(statement.get("Action", [])):
                    for action, level in expand(pattern).items():
                        self.levels[action] = level
                        self.sources.setdefault((principal, action), pattern)
                        for resource in cfn_text.listed(statement.get("Resource", "*")):
                            target.setdefault((principal, action, readable(resource)), []).append(
                                conditions(statement)
                            )


def permission_statement(permission: dict[str, Any]) -> dict[str, Any]:
    """An `AWS::Lambda::Permission` as the statement Lambda writes into the function's policy."""
    principal = readable(permission.get("Principal", ""))
    kind = "Service" if principal.endswith(".amazonaws.com") else "AWS"
    condition: dict[str, dict[str, Any]] = {}
    if "SourceArn" in permission:
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = permission["SourceArn"]
    for key, name in (
        ("SourceAccount", "AWS:SourceAccount"),
        ("PrincipalOrgID", "aws:PrincipalOrgID"),
    ):
        if key in permission:
            condition.setdefault("StringEquals", {})[name] = permission[key]
    return {
        "Effect": "Allow",
        "Principal": {kind: permission.get("Principal", "")},
        "Action": permission.get("Action", ""),
        "Resource": "the function",
        **({"Condition": condition} if condition else {}),
    }


def resource_policies(template: dict[str, Any]) -> dict[str, PolicyAccess]:
    """{name: its policy}: a policy resource by its logical id, a function's permissions
    under the function they name."""
    found: dict[str, PolicyAccess] = {}
    for kind, prop in POLICY_PROPERTIES.items():
        for logical_id, props in of_type(template, kind).items():
            policy = found.setdefault(logical_id, PolicyAccess())
            for statement in props.get(prop, {}).get("Statement", []):
                policy.add(statement)
    for props in of_type(template, PERMISSION).values():
        function = f"invoke policy of {readable(props.get('FunctionName', ''))}"
        found.setdefault(function, PolicyAccess()).add(permission_statement(props))
    return found


def _as_set(blocks: list[Conditions]) -> set[frozenset[tuple[tuple[str, str], frozenset[str]]]]:
    return {frozenset(block.items()) for block in blocks}


def _principals(accesses: Any) -> str:
    return ", ".join(sorted({principal for principal, _, _ in accesses})) or "nobody"


def policy_changes(name: str, before: PolicyAccess | None, after: PolicyAccess) -> Iterator[Change]:
    """Flagged lines for one resource policy, from BASE (`before`, None when new) to now."""
    if before is None:
        yield Change(
            Severity.MEDIUM, f"new resource policy `{name}` allows {_principals(after.allows)}"
        )
        anyone = sorted({a for p, a, _ in after.allows if p == "AWS *"})
        if anyone:
            yield Change(
                Severity.HIGH,
                f"resource policy `{name}` allows any principal "
                + ", ".join(f"`{a}`" for a in anyone),
            )
        return
    gained: dict[str, list[str]] = defaultdict(list)
    for (principal, action, resource), blocks in sorted(after.allows.items()):
        if (principal, action, resource) not in before.allows:
            gained[principal].append(action)
            continue
        for block in blocks:
            if how := loosened(before.allows[principal, action, resource], block):
                yield Change(
                    Severity.HIGH, f"resource policy `{name}`: {principal} `{action}` {how}"
                )
                break
    for principal, actions in sorted(gained.items()):
        writes = any(after.levels[a] in WRITE_LEVELS for a in actions)
        severity = Severity.HIGH if writes or principal == "AWS *" else Severity.MEDIUM
        blocks = [
            b
            for (p, a, _), bs in after.allows.items()
            if p == principal and a in actions
            for b in bs
        ]
        yield Change(
            severity,
            f"resource policy `{name}` lets {principal} "
            + ", ".join(f"`{p}`" for p in sorted({after.sources[principal, a] for a in actions}))
            + under(blocks),
        )
    for access, blocks in sorted(before.denies.items()):
        principal, action, _ = access
        if access not in after.denies:
            yield Change(
                Severity.HIGH, f"resource policy `{name}` no longer denies {principal} `{action}`"
            )
        elif _as_set(blocks) != _as_set(after.denies[access]):
            yield Change(
                Severity.MEDIUM,
                f"resource policy `{name}`: the deny of {principal} `{action}` changed its "
                "conditions",
            )


def resource_policy_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = resource_policies(before), resource_policies(after)
    for name, access in sorted(new.items()):
        yield from policy_changes(name, old.get(name), access)
