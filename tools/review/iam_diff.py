"""What a change does to each IAM role: permissions gained, conditions lost, trust widened.

Policies are compared as normalized grants, not as text: every statement becomes a set of
(concrete action, resource) pairs, wildcard actions expanded with the IAM dataset
(`tools.review.iam_actions`), each pair with the conditions it is granted under. Moving an action to
another statement, reordering, or writing `s3:GetObject` as `s3:GetObj*` changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from auth_constructs import cfn_text
from tools.review.changes import Change, Severity, readable
from tools.review.iam_actions import WRITE_LEVELS, expand
from tools.review.templates import of_type

Grant = tuple[str, str]
"""(concrete action, resource pattern)."""
Conditions = dict[tuple[str, str], frozenset[str]]
"""{(operator, key): values}."""
SHOWN_ACTIONS = 6


@dataclass
class RoleAccess:
    """A role's normalized permissions and trust."""

    grants: dict[Grant, list[Conditions]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    """The policy text each concrete action came from (`s3:Get*`)."""
    resources: set[str] = field(default_factory=set)
    trust: dict[str, list[Conditions]] = field(default_factory=dict)


def conditions(statement: dict[str, Any]) -> Conditions:
    return {
        (operator, key): frozenset(readable(v) for v in cfn_text.listed(values))
        for operator, block in statement.get("Condition", {}).items()
        for key, values in block.items()
    }


def _attached(template: dict[str, Any], role_id: str) -> Iterator[dict[str, Any]]:
    """The policy documents attached to `role_id`: inline, AWS::IAM::Policy, managed."""
    resources = template.get("Resources", {})
    role = resources[role_id].get("Properties", {})
    yield from (p["PolicyDocument"] for p in role.get("Policies", []))
    managed = {readable(arn) for arn in role.get("ManagedPolicyArns", [])}
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] not in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            continue
        if {"Ref": role_id} in props.get("Roles", []) or f"${{{logical_id}}}" in managed:
            yield props["PolicyDocument"]
    for arn in sorted(a for a in managed if not a.startswith("${")):
        yield {"Statement": [{"Effect": "Allow", "Action": f"managed:{arn}", "Resource": "*"}]}


def statement_grants(statement: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(concrete action, its access level, the pattern it came from, resource) for each pair
    `statement` names; a NotAction or NotResource statement's patterns are marked as such."""
    actions = cfn_text.listed(statement.get("Action", statement.get("NotAction")))
    if "NotAction" in statement:
        actions = [f"NotAction {a}" for a in actions]
    resources = [
        readable(r)
        for r in cfn_text.listed(statement.get("Resource", statement.get("NotResource")))
    ]
    if "NotResource" in statement:
        resources = [f"NotResource {r}" for r in resources]
    for pattern in actions:
        for action, level in expand(pattern).items():
            for resource in resources:
                yield action, level, pattern, resource


def role_access(template: dict[str, Any], role_id: str) -> RoleAccess:
    access = RoleAccess()
    for document in _attached(template, role_id):
        for statement in document.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            for action, level, pattern, resource in statement_grants(statement):
                access.levels[action] = level
                access.sources.setdefault(action, pattern)
                access.grants.setdefault((action, resource), []).append(conditions(statement))
                access.resources.add(resource)
    trust = template["Resources"][role_id].get("Properties", {}).get("AssumeRolePolicyDocument", {})
    for statement in trust.get("Statement", []):
        if statement.get("Effect") == "Allow":
            for kind, values in statement.get("Principal", {}).items():
                for value in cfn_text.listed(values):
                    principal = f"{kind} {readable(value)}"
                    access.trust.setdefault(principal, []).append(conditions(statement))
    return access


def roles(template: dict[str, Any]) -> dict[str, RoleAccess]:
    return {
        role_id: role_access(template, role_id) for role_id in of_type(template, "AWS::IAM::Role")
    }


def loosened(before: list[Conditions], after: Conditions) -> str:
    """How `after` is looser than every condition block in `before`; empty if it is not."""
    if any(not block for block in before):
        return ""  # it was already granted without a condition
    reasons = []
    for block in before:
        missing = [f"{op} {key}" for op, key in block if (op, key) not in after]
        widened = [
            f"{key} also accepts {', '.join(sorted(after[op, key] - values))}"
            for (op, key), values in block.items()
            if (op, key) in after and not after[op, key] <= values
        ]
        if not missing and not widened:
            return ""  # at least as strict as one block it was granted under
        reasons.append("; ".join([f"loses condition {m}" for m in missing] + widened))
    return reasons[0]


def _actions_text(actions: list[str], access: RoleAccess) -> str:
    patterns = sorted({access.sources[a] for a in actions})
    shown = ", ".join(f"`{p}`" for p in patterns[:SHOWN_ACTIONS])
    more = f" and {len(patterns) - SHOWN_ACTIONS} more" if len(patterns) > SHOWN_ACTIONS else ""
    count = f" ({len(actions)} actions)" if len(actions) > len(patterns) else ""
    return f"{shown}{more}{count}"


def under(blocks: list[Conditions]) -> str:
    """' under <condition keys>' when every grant in `blocks` is conditional, else ''."""
    if not blocks or not all(blocks):
        return ""
    return " under " + ", ".join(sorted({key for block in blocks for _, key in block}))


def role_changes(role_id: str, before: RoleAccess | None, after: RoleAccess) -> Iterator[Change]:
    """Flagged lines for one role, from BASE (`before`, None when new) to now (`after`)."""
    old = before or RoleAccess()
    if before is None:
        yield Change(
            Severity.MEDIUM,
            f"new role `{role_id}` trusted by {', '.join(sorted(after.trust)) or 'nobody'}",
        )
    for principal, blocks in sorted(after.trust.items()):
        if before is not None and principal not in old.trust:
            yield Change(Severity.HIGH, f"trust of `{role_id}` widened: now trusts {principal}")
        elif principal in old.trust:
            for block in blocks:
                if how := loosened(old.trust[principal], block):
                    yield Change(
                        Severity.HIGH, f"trust of `{role_id}` loosened for {principal}: {how}"
                    )
    gained: dict[str, list[str]] = defaultdict(list)
    for (action, resource), blocks in sorted(after.grants.items()):
        if (action, resource) not in old.grants:
            gained[resource].append(action)
            continue
        for block in blocks:
            if how := loosened(old.grants[action, resource], block):
                yield Change(Severity.HIGH, f"role `{role_id}`: `{action}` on `{resource}` {how}")
                break
    by_actions: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for resource, actions in gained.items():
        by_actions[tuple(actions)].append(resource)
    for grouped, resources in sorted(by_actions.items()):
        actions = list(grouped)
        writes = [a for a in actions if after.levels[a] in WRITE_LEVELS or a == "*"]
        wildcard = any("*" in after.sources[a] for a in actions) or any(
            "*" in r and r not in old.resources for r in resources
        )
        severity = Severity.HIGH if writes or wildcard else Severity.MEDIUM
        kind = "write access" if writes else "read access"
        blocks = [block for a in actions for r in resources for block in after.grants[a, r]]
        yield Change(
            severity,
            f"role `{role_id}` gains {kind}{' (wildcard)' if wildcard else ''}: "
            f"{_actions_text(actions, after)} on "
            + ", ".join(f"`{r}`" for r in sorted(resources))
            + under(blocks),
        )


def iam_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = roles(before), roles(after)
    for role_id, access in sorted(new.items()):
        yield from role_changes(role_id, old.get(role_id), access)
