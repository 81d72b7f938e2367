"""The architecture diagram of a stage: its stacks, their resources grouped by construct, and the
references that say how the parts work together (triggers to the pool, clients to providers,
roles to what they may use, keys to what they encrypt)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from tools.docs import mermaid
from tools.docs.assembly import References, StackTemplate, Target
from tools.docs.names import construct_path, short_type

FOLDED = {
    "AWS::CDK::Metadata",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::Permission",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::KMS::Alias",
}
"""Resources drawn through what they connect (a policy as its role's arrows) or not at all."""
POLICIES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
NOT_ENCRYPTED = {"AWS::IAM::Role", "AWS::KMS::Key", *POLICIES}
"""Resources that name a key to grant or administer it, not to encrypt with it."""


@dataclass(frozen=True, order=True)
class Arrow:
    source: Target
    label: str
    target: Target


def _arrow(kind: str, source: Target, target: Target, target_kind: str) -> Arrow | None:
    """The arrow a reference from `source` (of type `kind`) to `target` draws, if it matters."""
    if target_kind == "AWS::KMS::Key" and kind not in NOT_ENCRYPTED:
        return Arrow(target, "encrypts", source)
    pairs = {
        ("AWS::Cognito::UserPool", "AWS::Lambda::Function"): (target, "trigger", source),
        ("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolIdentityProvider"): (
            source,
            "signs in with",
            target,
        ),
        ("AWS::Cognito::IdentityPool", "AWS::Cognito::UserPool"): (target, "tokens", source),
        ("AWS::Cognito::UserPoolGroup", "AWS::IAM::Role"): (source, "carries", target),
        ("AWS::Lambda::Function", "AWS::IAM::Role"): (source, "runs as", target),
        ("AWS::Backup::BackupPlan", "AWS::Backup::BackupVault"): (source, "into", target),
    }
    drawn = pairs.get((kind, target_kind))
    return Arrow(*drawn) if drawn else None


def arrows(stacks: list[StackTemplate], refs: References) -> Iterator[Arrow]:
    for stack in stacks:
        for logical_id, resource in stack.resources.items():
            source = Target(stack.name, logical_id)
            props = resource.get("Properties", {})
            kind = resource["Type"]
            targets = sorted(set(refs.within(stack.name, props)) - {source})
            kinds = {t: refs.resource(t)["Type"] for t in targets}
            if kind in POLICIES:
                roles = [t for t in targets if kinds[t] == "AWS::IAM::Role"]
                for role in roles:
                    for used in targets:
                        if kinds[used] not in {"AWS::IAM::Role", *POLICIES}:
                            yield Arrow(role, "may use", used)
                continue
            if kind == "AWS::IAM::Role":
                for used in sorted(set(refs.within(stack.name, props.get("Policies", [])))):
                    yield Arrow(source, "may use", used)
            for target in targets:
                if arrow := _arrow(kind, source, target, kinds[target]):
                    yield arrow
            yield from _connecting(kind, targets, kinds)


def _connecting(kind: str, targets: list[Target], kinds: dict[Target, str]) -> Iterator[Arrow]:
    """Resources that only join two others: drawn as the arrow between those."""

    def of(*wanted: str) -> list[Target]:
        return [t for t in targets if kinds[t] in wanted]

    if kind == "AWS::Cognito::IdentityPoolRoleAttachment":
        for pool in of("AWS::Cognito::IdentityPool"):
            yield from (Arrow(pool, "credentials of", role) for role in of("AWS::IAM::Role"))
    if kind == "AWS::WAFv2::WebACLAssociation":
        for acl in of("AWS::WAFv2::WebACL"):
            yield from (Arrow(acl, "protects", pool) for pool in of("AWS::Cognito::UserPool"))
    if kind == "AWS::Backup::BackupSelection":
        for plan in of("AWS::Backup::BackupPlan"):
            stored = of("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket")
            yield from (Arrow(plan, "backs up", data) for data in stored)


JOINING = {
    "AWS::Cognito::IdentityPoolRoleAttachment",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::Backup::BackupSelection",
}
"""Resources drawn as the arrow between the two they join."""


def diagram(stacks: list[StackTemplate]) -> str:
    refs = References(stacks)
    drawn = sorted(set(arrows(stacks, refs)))
    drawn = [a for a in drawn if refs.resource(a.source)["Type"] not in JOINING]
    connected = {t for a in drawn for t in (a.source, a.target)}
    lines = ["flowchart LR"]
    for stack in stacks:
        title = f"{stack.name} ({stack.region or 'the deploy Region'})"
        lines.append(f'  subgraph {mermaid.node_id(stack.name)}["{mermaid.text(title)}"]')
        lines.extend(f"    {line}" for line in _groups(stack, connected))
        lines.append("  end")
    lines.extend("  " + mermaid.edge(_id(a.source), _id(a.target), a.label) for a in drawn)
    return mermaid.fenced(lines)


def _id(target: Target) -> str:
    return mermaid.node_id(target.stack, target.logical_id)


def _groups(stack: StackTemplate, connected: set[Target]) -> Iterator[str]:
    """One subgraph per top-level construct; in it a node per connected resource, and one per
    type for the rest (`22 x CloudWatch Alarm`)."""
    by_group: dict[str, list[str]] = defaultdict(list)
    for logical_id, resource in sorted(stack.resources.items()):
        if resource["Type"] in FOLDED or resource["Type"] in JOINING:
            continue
        by_group[construct_path(stack, logical_id)[0]].append(logical_id)
    for group, logical_ids in sorted(by_group.items()):
        yield f'subgraph {mermaid.node_id(stack.name, "group", group)}["{mermaid.text(group)}"]'
        rest: dict[str, int] = defaultdict(int)
        for logical_id in logical_ids:
            kind = stack.resources[logical_id]["Type"]
            if Target(stack.name, logical_id) in connected:
                path = "/".join(construct_path(stack, logical_id)[1:]) or group
                label = f"{path}\n{short_type(kind)}"
                yield "  " + mermaid.node(_id(Target(stack.name, logical_id)), label)
            else:
                rest[kind] += 1
        for kind, count in sorted(rest.items()):
            label = f"{count} x {short_type(kind)}" if count > 1 else short_type(kind)
            yield "  " + mermaid.node(mermaid.node_id(stack.name, group, kind), label)
        yield "end"
