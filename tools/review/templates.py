"""Read the synthesized templates of every stage from a cloud assembly (cdk.out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stacks.outputs import AUTH_STACK_ID

ROOT = Path(__file__).resolve().parents[2]


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """{logical id: properties} of the template's resources of type `kind`."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == kind
    }


def stack_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """{deployed stack name (`Prod-Auth`, `Prod-Key`): its template} of every stage stack, from
    `cdk.out/assembly-<Stage>/`: only the stages the last synth wrote (its manifest lists them).
    `cdk synth` leaves the folder of a stage an earlier synth had (a sandbox, a removed stage)
    in place. Keyed by stack, not stage: a resource that moves between stacks is replaced."""
    return {
        name: template
        for stacks in stage_stack_templates(cdk_out).values()
        for name, template in stacks.items()
    }


def stage_stack_templates(cdk_out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """{stage name: {deployed stack name: its template}}, each stage's stacks in deploy order."""
    stages: dict[str, dict[str, dict[str, Any]]] = {}
    for name in sorted(_nested_assemblies(cdk_out)):
        assembly = cdk_out / name
        stages[name.removeprefix("assembly-")] = {
            stack["properties"]["stackName"]: json.loads(
                (assembly / stack["properties"]["templateFile"]).read_text()
            )
            for stack in _stacks(assembly)
        }
    if not stages:
        raise FileNotFoundError(f"no stage templates in {cdk_out}: run `make synth` first")
    return stages


def with_outputs_inlined(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`templates` (one stage's, by stack name) with each read of another of them's output
    (`Fn::GetStackOutput`) replaced by what that output holds, so a review names the resource
    (`${Bucket.Arn}`), not the output CDK named after it."""

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        read = node.get("Fn::GetStackOutput")
        if len(node) == 1 and isinstance(read, dict) and read.get("StackName") in templates:
            return inline(templates[read["StackName"]]["Outputs"][read["OutputName"]]["Value"])
        return {key: inline(value) for key, value in node.items()}

    return {name: inline(template) for name, template in templates.items()}


def template_path(cdk_out: Path, stack_name: str) -> Path:
    """Where the cloud assembly holds the template of the stage stack `stack_name`."""
    return _paths(cdk_out)[stack_name]


def _paths(cdk_out: Path) -> dict[str, Path]:
    """{deployed stack name: its template file} of every stage stack the manifests list."""
    return {
        stack["properties"]["stackName"]: assembly / stack["properties"]["templateFile"]
        for assembly in sorted(cdk_out / name for name in _nested_assemblies(cdk_out))
        for stack in _stacks(assembly)
    }


def stage_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """{stage name: its Auth stack template}: the stack that holds the pool and the data."""
    suffix = f"-{AUTH_STACK_ID}"
    return {
        name.removesuffix(suffix): template
        for name, template in stack_templates(cdk_out).items()
        if name.endswith(suffix)
    }


def reviewed_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """Every stage stack's template, then each top-level stack's (the CI access stack)."""
    templates = stack_templates(cdk_out)
    for path in sorted(cdk_out.glob("*.template.json")):
        templates[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    return templates


def artifacts(directory: Path) -> dict[str, Any]:
    """{artifact id: artifact} of the cloud assembly (or nested assembly) in `directory`."""
    path = directory / "manifest.json"
    artifacts: dict[str, Any] = (
        json.loads(path.read_text()).get("artifacts", {}) if path.exists() else {}
    )
    return artifacts


def _stacks(assembly: Path) -> list[dict[str, Any]]:
    """The stack artifacts of one stage's assembly, in the manifest's order."""
    return [a for a in artifacts(assembly).values() if a.get("type") == "aws:cloudformation:stack"]


def _nested_assemblies(cdk_out: Path) -> list[str]:
    """The directory of each stage in the cloud assembly's manifest."""
    return [
        artifact["properties"]["directoryName"]
        for artifact in artifacts(cdk_out).values()
        if artifact.get("type") == "cdk:cloud-assembly"
    ]
