"""The trust graph of a stage: who may assume each role, with which actions, under which
conditions (from each role's AssumeRolePolicyDocument)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.docs import mermaid
from tools.docs.assembly import References, StackTemplate
from tools.docs.names import construct_path


def rendered(stack: StackTemplate, refs: References, value: Any) -> str:
    """A trust value as text: a resource of the stage by its construct path (`<GitHubOidc>`),
    a pseudo parameter as `${AWS::AccountId}`, a join joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(rendered(stack, refs, item) for item in value)
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        target = refs.direct(stack.name, value) or refs.cross_stack(value)
        if target:
            owner = next(s for s in refs.stacks if s.name == target.stack)
            return f"<{'/'.join(construct_path(owner, target.logical_id))}>"
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::Join":
            return str(arg[0]).join(rendered(stack, refs, part) for part in arg[1])
        if key == "Fn::Sub" and isinstance(arg, str):
            return arg
    return "(computed)"


def _statements(stack: StackTemplate, refs: References) -> Iterator[tuple[str, str, str]]:
    """(principal, what it may do and when, role logical id) for each trusted principal."""
    for logical_id, resource in sorted(stack.resources.items()):
        if resource["Type"] != "AWS::IAM::Role":
            continue
        trust = resource.get("Properties", {}).get("AssumeRolePolicyDocument", {})
        for statement in trust.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            terms = [", ".join(sorted(actions if isinstance(actions, list) else [actions]))]
            for operator, block in sorted(statement.get("Condition", {}).items()):
                for key, values in sorted(block.items()):
                    terms.append(f"{operator} {key} = {rendered(stack, refs, values)}")
            for kind, principals in sorted(statement.get("Principal", {}).items()):
                listed = principals if isinstance(principals, list) else [principals]
                for principal in listed:
                    yield f"{kind} {rendered(stack, refs, principal)}", "\n".join(terms), logical_id


def diagram(stacks: list[StackTemplate]) -> str:
    refs = References(stacks)
    lines = ["flowchart LR"]
    principals: dict[str, str] = {}
    edges = []
    for stack in stacks:
        for principal, terms, role in _statements(stack, refs):
            source = principals.setdefault(principal, f"principal{len(principals)}")
            target = mermaid.node_id(stack.name, role)
            edges.append(mermaid.edge(source, target, terms))
        roles = [i for i, r in sorted(stack.resources.items()) if r["Type"] == "AWS::IAM::Role"]
        if roles:
            lines.append(
                f'  subgraph {mermaid.node_id("roles", stack.name)}["{mermaid.text(stack.name)}"]'
            )
            for role in roles:
                path = "/".join(construct_path(stack, role))
                lines.append("    " + mermaid.node(mermaid.node_id(stack.name, role), path))
            lines.append("  end")
    lines.extend("  " + mermaid.node(i, p) for p, i in principals.items())
    lines.extend(f"  {edge}" for edge in edges)
    return mermaid.fenced(lines)
