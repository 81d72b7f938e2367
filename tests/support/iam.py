"""Turn a synthesized template's role policies into concrete documents an IAM evaluator takes.

Only the intrinsics this project's policies use are resolved (Ref, Fn::GetAtt ... Arn,
Fn::Join); anything else fails loudly rather than being guessed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from tests.support.paths import ROOT

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PARTITION = "aws"


@dataclass(frozen=True)
class Names:
    """Concrete names for the template's resources, keyed by logical id."""

    arns: dict[str, str]
    refs: dict[str, str]


def resolve(node: Any, names: Names) -> Any:
    if isinstance(node, list):
        return [resolve(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION}
        return pseudo.get(node["Ref"]) or names.refs[node["Ref"]]
    if set(node) == {"Fn::GetAtt"}:
        logical_id, attribute = node["Fn::GetAtt"]
        assert attribute == "Arn", f"unsupported attribute {attribute}"
        return names.arns[logical_id]
    if set(node) == {"Fn::Join"}:
        separator, parts = node["Fn::Join"]
        return separator.join(str(resolve(part, names)) for part in parts)
    assert not any(key.startswith("Fn::") for key in node), f"unsupported intrinsic {node}"
    return {key: resolve(value, names) for key, value in node.items()}


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
