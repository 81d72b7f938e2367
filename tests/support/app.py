"""Synthesize the real app the way the CDK CLI does (with cdk.json's context), or an app of
test-owned stage configs, for tests."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Token
from aws_cdk.assertions import Template

from app import build_app
from app import synthesize as synthesize_app
from stacks.key_stack import KeyStack
from stacks.stage import IdentityStage
from stage_config import StageConfig
from tests.support.configs import DELIVERY
from tests.support.paths import ROOT


def cdk_json_context() -> dict[str, Any]:
    """The feature flags from cdk.json: the CLI passes them, so tests must too."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


KMS_KEY = "AWS::KMS::Key"


@dataclass
class SynthesizedApp:
    app: App
    outdir: Path

    def stage(self, name: str) -> IdentityStage:
        stage = self.app.node.find_child(name)
        assert isinstance(stage, IdentityStage)
        return stage

    def stack(self, stage: str) -> Stack:
        return self.stage(stage).auth

    def key_stack(self, stage: str) -> KeyStack:
        """The stage's Key stack; the stage must have a customer key."""
        keys = self.stage(stage).keys
        assert keys is not None, f"{stage} has no customer key"
        return keys

    def template_path(self, stage: str, stack: Stack | None = None) -> Path:
        """The template of `stack` (the stage's Auth stack by default)."""
        return self.outdir / f"assembly-{stage}" / (stack or self.stack(stage)).template_file

    def template_json(self, stage: str, stack: Stack | None = None) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.template_path(stage, stack).read_text())
        return parsed

    def templates(self, stage: str) -> dict[str, dict[str, Any]]:
        """The stage's templates by stack name, in deploy order."""
        return {
            stack.stack_name: self.template_json(stage, stack) for stack in self.stage(stage).stacks
        }

    def key_template(self, stage: str) -> dict[str, Any]:
        return self.template_json(stage, self.key_stack(stage))

    def template(self, stage: str) -> Template:
        return Template.from_json(self.template_json(stage))

    def resources(
        self, stage: str, kind: str, stack: Stack | None = None
    ) -> dict[str, dict[str, Any]]:
        """{logical id: resource} of the resources of type `kind` in `stack`, or in all the
        stage's stacks, whose logical ids must then differ (the primary's and the secondary
        Region's stacks build some constructs under the same ids: name the stack)."""
        found: dict[str, dict[str, Any]] = {}
        for each in (stack,) if stack else self.stage(stage).stacks:
            for logical_id, resource in self.template_json(stage, each)["Resources"].items():
                if resource["Type"] == kind:
                    assert logical_id not in found, f"{kind} {logical_id} in two stacks"
                    found[logical_id] = resource
        return found

    def key_reference(self, stage: str) -> dict[str, Any]:
        """The stage key's ARN as the Auth stack reads it: the Key stack's output (a weak
        cross-stack reference, `@aws-cdk/core:defaultCrossStackReferences` in cdk.json)."""
        keys = self.key_stack(stage)
        (key_id,) = (
            i for i, r in self.key_template(stage)["Resources"].items() if r["Type"] == KMS_KEY
        )
        (output,) = (
            name
            for name, o in self.key_template(stage)["Outputs"].items()
            if o["Value"] == {"Fn::GetAtt": [key_id, "Arn"]}
        )
        return {
            "Fn::GetStackOutput": {
                "StackName": keys.stack_name,
                "Region": {"Ref": "AWS::Region"}
                if Token.is_unresolved(keys.region)
                else keys.region,
                "OutputName": output,
            }
        }


EVERY_PACK = {"compliance": "all"}
"""The app as `cdk synth` builds it, with every cdk-nag compliance pack on every stage: the
templates are the same, and a pack a stage might turn on later finds nothing unacknowledged."""


def synthesize(
    outdir: Path, context: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> SynthesizedApp:
    app = build_app(
        context={**cdk_json_context(), **EVERY_PACK, **(context or {})},
        environ=environ or {},
        outdir=str(outdir),
    )
    synthesize_app(app)
    return SynthesizedApp(app=app, outdir=outdir)


PIPELINE_CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:123456789012:connection/12345678-1234-1234-1234-123456789012"
)


def synthesize_pipeline(outdir: Path) -> None:
    """The app in the CDK Pipelines delivery mode. As `cdk synth` does, with version reporting on
    (the CLI's default): cfn-lint's E3703 heuristic flags CodePipeline's Fn::Join role ARNs only
    in a template without Conditions."""
    synthesize(
        outdir,
        context={
            "delivery": "cdk-pipelines",
            "connection_arn": PIPELINE_CONNECTION,
            "aws:cdk:version-reporting": True,
        },
    )


def configs_app(outdir: Path, configs: Sequence[StageConfig]) -> App:
    """An app of just these stages (no CI stack, no cdk-nag), not yet synthesized."""
    app = App(context=cdk_json_context(), outdir=str(outdir))
    for config in configs:
        IdentityStage(app, config=config, delivery=DELIVERY)
    return app


def synthesize_configs(outdir: Path, configs: Sequence[StageConfig]) -> SynthesizedApp:
    app = configs_app(outdir, configs)
    app.synth()
    return SynthesizedApp(app=app, outdir=outdir)


_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def normalized(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes replaced, so snapshots change only when code does."""
    normal: dict[str, Any] = json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    return normal


def bucket_ids(app: SynthesizedApp, stage: str) -> dict[str, str]:
    """{'photos' | 'access logs' | 'directory backup': the bucket's logical id}; the photos
    bucket is the one browsers upload to (CORS), the access-log bucket the one that logs
    nowhere."""
    return {
        (
            "photos"
            if "CorsConfiguration" in r["Properties"]
            else "directory backup"
            if "LoggingConfiguration" in r["Properties"]
            else "access logs"
        ): logical_id
        for logical_id, r in app.resources(stage, "AWS::S3::Bucket").items()
    }
