"""The stacks of a cloud assembly (cdk.out), grouped as they deploy: each stage's stacks, each in
its Region, then each top-level stack (the CI access stack) on its own, with the references
between stacks resolved to the resource they name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.review.templates import artifacts

CROSS_STACK = ("Fn::GetStackOutput", "Fn::ImportValue")
"""The intrinsics a stack reads another stack's output with (same or another Region)."""
EXPORT_READER = "Custom::CrossRegionExportReader"
EXPORT_WRITER = "Custom::CrossRegionExportWriter"
"""CDK's cross-Region references (`crossRegionReferences`): the writer puts each value in an SSM
parameter of the consumer's Region, the reader's attribute named like the parameter reads it."""
SSM_REFERENCE = re.compile(r"\{\{resolve:ssm:([^:}]+)")
SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)[.}]")


@dataclass(frozen=True)
class StackTemplate:
    name: str
    """The deployed stack name (`Prod-Auth`)."""
    path: str
    """The stack's construct path (`Prod/Auth`), which starts each of its resources' paths."""
    region: str
    """The stack's Region, or "" for an environment-agnostic stack (the deploy's Region)."""
    template: dict[str, Any]
    paths: dict[str, str]
    """{logical id: construct path} of the stack's resources, from the manifest's metadata."""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources


@dataclass(frozen=True, order=True)
class Target:
    """A resource a template value refers to, in its own stack or another one."""

    stack: str
    logical_id: str


def _paths(directory: Path, artifact: dict[str, Any]) -> dict[str, str]:
    """{logical id: construct path}: the `aws:cdk:logicalId` entries of the stack's metadata
    (inline in the manifest, or in the file it names), which every synth writes."""
    metadata: dict[str, list[dict[str, Any]]] = artifact.get("metadata", {})
    if "additionalMetadataFile" in artifact:
        metadata = json.loads((directory / artifact["additionalMetadataFile"]).read_text())
    return {
        str(entry["data"]): path.lstrip("/")
        for path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    }


def _stacks(directory: Path) -> list[StackTemplate]:
    stacks = []
    for artifact in artifacts(directory).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        region = artifact.get("environment", "").rsplit("/", 1)[-1]
        properties = artifact["properties"]
        stacks.append(
            StackTemplate(
                name=properties.get("stackName", artifact.get("displayName", "")),
                path=artifact.get("displayName", ""),
                region="" if region == "unknown-region" else region,
                template=json.loads((directory / properties["templateFile"]).read_text()),
                paths=_paths(directory, artifact),
            )
        )
    return stacks


def groups(cdk_out: Path) -> dict[str, list[StackTemplate]]:
    """{stage name: its stacks} for every stage the manifest lists (a folder an earlier synth
    left behind is not one), then {stack name: [it]} for each top-level stack."""
    found: dict[str, list[StackTemplate]] = {}
    for artifact in artifacts(cdk_out).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            directory = artifact["properties"]["directoryName"]
            found[directory.removeprefix("assembly-")] = _stacks(cdk_out / directory)
    for stack in _stacks(cdk_out):
        found[stack.name] = [stack]
    if not found:
        raise FileNotFoundError(f"no stacks in {cdk_out}: run `make synth` first")
    return dict(sorted(found.items()))


class References:
    """Resolves Ref, Fn::GetAtt and the cross-stack intrinsics among a group's stacks."""

    def __init__(self, stacks: list[StackTemplate]) -> None:
        self.stacks = stacks
        self._stacks = {stack.name: stack for stack in stacks}
        self._exports: dict[str, Target] = {}
        """Export name or SSM parameter name: the resource whose value it carries."""
        for stack in stacks:
            for output in stack.template.get("Outputs", {}).values():
                target = self.direct(stack.name, output.get("Value"))
                name = output.get("Export", {}).get("Name")
                if target and isinstance(name, str):
                    self._exports[name] = target
            for resource in stack.resources.values():
                props = resource.get("Properties", {})
                carried: dict[str, Any] = {}
                if resource["Type"] == EXPORT_WRITER:
                    carried = props.get("WriterProps", {}).get("exports", {})
                elif resource["Type"] == "AWS::SSM::Parameter":
                    carried = {str(props.get("Name")): props.get("Value")}
                for name, value in carried.items():
                    if target := self.direct(stack.name, value):
                        self._exports[name] = target

    def direct(self, stack: str, value: Any) -> Target | None:
        """The resource a Ref or Fn::GetAtt in `stack` names (None for a parameter or pseudo)."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((key, arg),) = value.items()
        logical_id = arg if key == "Ref" else arg[0] if key == "Fn::GetAtt" else None
        resources = self._stacks[stack].resources
        if not isinstance(logical_id, str) or logical_id not in resources:
            return None
        if resources[logical_id]["Type"] == EXPORT_READER and key == "Fn::GetAtt":
            return self._exports.get(arg[1])
        return Target(stack, logical_id)

    def cross_stack(self, value: Any) -> Target | None:
        """The resource another stack's output holds, read with Fn::GetStackOutput (by stack
        and output name) or Fn::ImportValue (by export name)."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((key, arg),) = value.items()
        if key == "Fn::ImportValue" and isinstance(arg, str):
            return self._exports.get(arg)
        if key == "Fn::GetStackOutput" and isinstance(arg, dict):
            stack = self._stacks.get(str(arg.get("StackName")))
            output = stack and stack.template.get("Outputs", {}).get(str(arg.get("OutputName")))
            return self.direct(stack.name, output.get("Value")) if stack and output else None
        return None

    def within(self, stack: str, value: Any) -> Iterator[Target]:
        """Every resource `value` (any depth) refers to, in any of the group's stacks: through
        Ref, Fn::GetAtt, `${Id}` in Fn::Sub, the cross-stack intrinsics and SSM references."""
        if isinstance(value, str):
            yield from (t for n in SSM_REFERENCE.findall(value) if (t := self._exports.get(n)))
        elif isinstance(value, dict) and set(value) == {"Fn::Sub"}:
            text, variables = (
                (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            )
            for name in SUB_REFERENCE.findall(text):
                if name in self._stacks[stack].resources:
                    yield Target(stack, name)
            yield from self.within(stack, variables)
        elif isinstance(value, list):
            for item in value:
                yield from self.within(stack, item)
        elif isinstance(value, dict):
            target = self.direct(stack, value) or self.cross_stack(value)
            if target:
                yield target
            elif not (len(value) == 1 and next(iter(value)) in CROSS_STACK):
                for item in value.values():
                    yield from self.within(stack, item)

    def resource(self, target: Target) -> dict[str, Any]:
        return self._stacks[target.stack].resources[target.logical_id]
