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
from tools.review.iam_actions import WRITE_LEVELS
from tools.review.iam_diff import Conditions, conditions, loosened, statement_grants, under
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
    sources: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """The policy text each (effect, principal, concrete action) came from (`s3:*`): one
    line per pattern, not per action it expands to."""

    def add(self, statement: dict[str, Any]) -> None:
        effect = statement["Effect"]
        target = self.allows if effect == "Allow" else self.denies
        if "NotPrincipal" in statement:
            principals = {f"everyone but {k}": v for k, v in statement["NotPrincipal"].items()}
        else:
            principals = statement["Principal"]
            if principals == "*":
                principals = {"AWS": "*"}
        for kind, values in principals.items():
            for value in cfn_text.listed(values):
                principal = f"{kind} {readable(value)}"
                for action, level, pattern, resource in statement_grants(statement):
                    self.levels[action] = level
                    self.sources.setdefault((effect, principal, action), pattern)
                    target.setdefault((principal, action, resource), []).append(
                        conditions(statement)
                    )


def anyone(principal: str) -> bool:
    """Whether `principal` stands for any AWS principal (`*`, or everyone but some)."""
    return principal == "AWS *" or principal.startswith("everyone but ")


def permission_statement(permission: dict[str, Any]) -> dict[str, Any]:
    """An `AWS::Lambda::Permission` as the statement Lambda writes into the function's policy
    (Action, FunctionName and Principal are required)."""
    principal = readable(permission["Principal"])
    kind = "Service" if principal.endswith(".amazonaws.com") else "AWS"
    condition: dict[str, dict[str, Any]] = {}
    if "SourceArn" in permission:
        condition["ArnLike"] = {"AWS:SourceArn": permission["SourceArn"]}
    for key, name in (
        ("SourceAccount", "AWS:SourceAccount"),
        ("PrincipalOrgID", "aws:PrincipalOrgID"),
    ):
        if key in permission:
            condition.setdefault("StringEquals", {})[name] = permission[key]
    return {
        "Effect": "Allow",
        "Principal": {kind: permission["Principal"]},
        "Action": permission["Action"],
        "Resource": permission["FunctionName"],
        "Condition": condition,
    }


def resource_policies(template: dict[str, Any]) -> dict[str, PolicyAccess]:
    """{name: its policy}: a policy resource by its logical id, a function's permissions
    under the function they name."""
    found: dict[str, PolicyAccess] = {}
    for kind, prop in POLICY_PROPERTIES.items():
        for logical_id, props in of_type(template, kind).items():
            policy = found.setdefault(logical_id, PolicyAccess())
            # A key without KeyPolicy has KMS's default: the account's, through IAM.
            for statement in props[prop]["Statement"] if prop in props else []:
                policy.add(statement)
    for props in of_type(template, PERMISSION).values():
        function = f"invoke policy of {readable(props['FunctionName'])}"
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
        open_to = sorted({after.sources["Allow", p, a] for p, a, _ in after.allows if anyone(p)})
        if open_to:
            yield Change(
                Severity.HIGH,
                f"resource policy `{name}` allows any principal "
                + ", ".join(f"`{a}`" for a in open_to),
            )
        return
    gained: dict[str, list[tuple[str, str]]] = defaultdict(list)
    loosened_lines: set[tuple[str, str, str, str]] = set()
    for (principal, action, resource), blocks in after.allows.items():
        if (principal, action, resource) not in before.allows:
            gained[principal].append((action, resource))
            continue
        hows = [h for b in blocks if (h := loosened(before.allows[principal, action, resource], b))]
        if hows:
            pattern = after.sources["Allow", principal, action]
            loosened_lines.add((principal, pattern, resource, hows[0]))
    for principal, pattern, resource, how in sorted(loosened_lines):
        yield Change(
            Severity.HIGH,
            f"resource policy `{name}`: {principal} `{pattern}` on `{resource}` {how}",
        )
    for principal, pairs in sorted(gained.items()):
        writes = any(after.levels[a] in WRITE_LEVELS for a, _ in pairs)
        severity = Severity.HIGH if writes or anyone(principal) else Severity.MEDIUM
        blocks = [block for a, r in pairs for block in after.allows[principal, a, r]]
        patterns = sorted({after.sources["Allow", principal, a] for a, _ in pairs})
        yield Change(
            severity,
            f"resource policy `{name}` lets {principal} "
            + ", ".join(f"`{p}`" for p in patterns)
            + " on "
            + ", ".join(f"`{r}`" for r in sorted({r for _, r in pairs}))
            + under(blocks),
        )
    lost, changed = set(), set()
    for (principal, action, resource), blocks in before.denies.items():
        line = (principal, before.sources["Deny", principal, action], resource)
        if (principal, action, resource) not in after.denies:
            lost.add(line)
        elif _as_set(blocks) != _as_set(after.denies[principal, action, resource]):
            changed.add(line)
    for principal, pattern, resource in sorted(lost):
        yield Change(
            Severity.HIGH,
            f"resource policy `{name}` no longer denies {principal} `{pattern}` on `{resource}`",
        )
    for principal, pattern, resource in sorted(changed):
        yield Change(
            Severity.MEDIUM,
            f"resource policy `{name}`: the deny of {principal} `{pattern}` on `{resource}` "
            "changed its conditions",
        )


def resource_policy_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = resource_policies(before), resource_policies(after)
    for name, access in sorted(new.items()):
        yield from policy_changes(name, old.get(name), access)
