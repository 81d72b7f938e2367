"""Read the synthesized templates of every stage from a cloud assembly (cdk.out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """{logical id: properties} of the template's resources of type `kind`."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == kind
    }


def stage_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """{stage name: its Auth stack template}, from `cdk.out/assembly-<Stage>/`: only the stages
    the last synth wrote (its manifest lists them). `cdk synth` leaves the folder of a stage an
    earlier synth had (a sandbox, a removed stage) in place."""
    templates = {}
    for assembly in sorted(cdk_out / name for name in _nested_assemblies(cdk_out)):
        (path,) = assembly.glob("*.template.json")
        templates[assembly.name.removeprefix("assembly-")] = json.loads(path.read_text())
    if not templates:
        raise FileNotFoundError(f"no stage templates in {cdk_out}: run `make synth` first")
    return templates


def reviewed_templates(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """Every stage's template, then each top-level stack's (the CI access stack) by its name."""
    templates = stage_templates(cdk_out)
    for path in sorted(cdk_out.glob("*.template.json")):
        templates[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    return templates


def _nested_assemblies(cdk_out: Path) -> list[str]:
    """The directory of each stage in the cloud assembly's manifest."""
    manifest = cdk_out / "manifest.json"
    if not manifest.exists():
        return []
    artifacts: dict[str, Any] = json.loads(manifest.read_text()).get("artifacts", {})
    return [
        artifact["properties"]["directoryName"]
        for artifact in artifacts.values()
        if artifact.get("type") == "cdk:cloud-assembly"
    ]
