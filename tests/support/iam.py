"""Turn a synthesized template's role policies into concrete documents an IAM evaluator takes.

Only the intrinsics this project's policies use are resolved (Ref, Fn::GetAtt ... Arn,
Fn::Join); anything else fails loudly rather than being guessed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.paths import ROOT

ALLOWED, DENIED = "Allowed", "ImplicitlyDenied"
"""The evaluator's answers: allowed, or denied because nothing allows it."""
ACCOUNT = "123456789012"
REGION = "eu-west-1"
PARTITION = "aws"
STACK_NAME = "Stage-Auth"


@dataclass(frozen=True)
class Names:
    """Concrete names for the template's resources, keyed by logical id."""

    arns: dict[str, str]
    refs: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    """Other stacks' outputs the template reads (`Fn::GetStackOutput`), by output name."""


def resolve(node: Any, names: Names) -> Any:
    if isinstance(node, list):
        return [resolve(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": STACK_NAME,
        }
        return pseudo.get(node["Ref"]) or names.refs[node["Ref"]]
    if set(node) == {"Fn::GetAtt"}:
        logical_id, attribute = node["Fn::GetAtt"]
        assert attribute == "Arn", f"unsupported attribute {attribute}"
        return names.arns[logical_id]
    if set(node) == {"Fn::GetStackOutput"}:
        return names.outputs[node["Fn::GetStackOutput"]["OutputName"]]
    if set(node) == {"Fn::Join"}:
        separator, parts = node["Fn::Join"]
        return separator.join(str(resolve(part, names)) for part in parts)
    assert not any(key.startswith("Fn::") for key in node), f"unsupported intrinsic {node}"
    return {key: resolve(value, names) for key, value in node.items()}


Templates = dict[str, dict[str, Any]]
"""A stage's templates by stack name (a test-owned stack is one template)."""


def follow(node: Any, stack: str, templates: Templates) -> tuple[str, Any]:
    """(stack name, local reference) of what `node` in `stack` refers to, following other
    stacks' outputs (`Fn::GetStackOutput`) to the stack that holds the resource."""
    if isinstance(node, dict) and set(node) == {"Fn::GetStackOutput"}:
        read = node["Fn::GetStackOutput"]
        producer = read["StackName"]
        value = templates[producer]["Outputs"][read["OutputName"]]["Value"]
        return follow(value, producer, templates)
    return stack, node


def stack_outputs(template: dict[str, Any], names: Names) -> dict[str, str]:
    """{output name: concrete value} of `template`'s outputs that `names` can resolve, for the
    stacks that read them (reading one left out fails: it is not in `Names.outputs`)."""
    found = {}
    for name, output in template.get("Outputs", {}).items():
        try:
            found[name] = resolve(output["Value"], names)
        except (KeyError, AssertionError):  # a reference or attribute not modelled here
            continue
    return found


def role_policies(template: dict[str, Any], role_id: str, names: Names) -> list[dict[str, Any]]:
    """Every identity policy document attached to `role_id`: inline and AWS::IAM::Policy."""
    resources = template["Resources"]
    role = resources[role_id]["Properties"]
    assert not role.get("ManagedPolicyArns"), "managed policies are not modelled here"
    documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
    documents += [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"].get("Roles", [])
    ]
    return [resolve(doc, names) for doc in documents]


def request(
    *,
    role: str,
    session: str,
    action: str,
    resource: str,
    policies: Sequence[dict[str, Any]],
    context: dict[str, Any] | None = None,
    resource_policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One evaluator request: `role`'s `session` calls `action` on `resource` under its identity
    `policies` (and the resource's own policy, if any); no SCPs, no RCPs."""
    return {
        "request": {
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
            "action": action,
            "resource": {"resource": resource, "accountId": ACCOUNT},
            "contextVariables": context or {},
        },
        "identityPolicies": [{"name": f"{role}-{i}", "policy": p} for i, p in enumerate(policies)],
        "resourcePolicy": resource_policy,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }


@dataclass(frozen=True)
class Ask:
    """May the role call `action` on `resource`? `expected` is ALLOWED or DENIED."""

    action: str
    resource: str
    expected: str


def decide(asks: Sequence[Ask], role: str, policies: Sequence[dict[str, Any]]) -> dict[Ask, str]:
    """The evaluator's answer to each ask, for a session of `role` under `policies`."""
    requests = [
        request(role=role, session="test", action=a.action, resource=a.resource, policies=policies)
        for a in asks
    ]
    return dict(zip(asks, simulate(requests), strict=True))


Case = tuple[str, str, dict[str, Any], str]
"""(action, resource, request context, the expected answer): one row of a role's matrix."""


def answers(role: str, policies: Sequence[dict[str, Any]], cases: Sequence[Case]) -> list[str]:
    """The evaluator's answer to each case, for a session of `role` under `policies`."""
    return simulate(
        [
            request(
                role=role,
                session="test",
                action=action,
                resource=resource,
                policies=policies,
                context=context,
            )
            for action, resource, context, _ in cases
        ]
    )


def simulate(simulations: list[dict[str, Any]]) -> list[str]:
    """Run the npm IAM evaluator once for a batch of requests; one decision per request."""
    node = ROOT / "node_modules" / ".bin" / "node"
    assert node.exists(), "the pinned Node is missing: run `make test`, which runs `npm ci`"
    completed = subprocess.run(
        [str(node), str(ROOT / "tests" / "support" / "simulate.mjs")],
        input=json.dumps(simulations),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    for simulation, result in zip(simulations, results, strict=True):
        assert result["errors"] is None, (simulation["request"], result["errors"])
    return [str(result["result"]) for result in results]
