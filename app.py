#!/usr/bin/env python3
"""CDK entry point: the only place that reads context and environment variables.

Context (all optional):
  -c stages=Dev,Prod                 which stages to synthesize (default: all)
  -c delivery=cdk-pipelines          deliver through a CDK pipeline instead of GitHub Actions
  -c connection_arn=arn:...          the CodeConnections connection the pipeline reads from
  -c sandbox=alice                   add alice's personal sandbox stage, SandboxAlice (make sandbox)
  -c local=true                      add the Local stage, for the local emulator (make local)
  -c compliance=all                  enforce every cdk-nag compliance pack on every stage (what
                                     turning any pack on would find; the test suite synthesizes so)
Environment (all optional; unset means environment-agnostic):
  <STAGE>_ACCOUNT, <STAGE>_REGION   e.g. PROD_ACCOUNT=123456789012 PROD_REGION=eu-west-1
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Validations, cx_api
from cdk_nag import AwsSolutionsChecks

from auth_constructs.compliance.control_tower import control_tower_validator
from stacks.ci_access_stack import CiAccessStack
from stacks.pipeline_stack import PipelineStack
from stacks.stage import IdentityStage
from stage_config import CompliancePack, ConfigError, DeliveryMode
from stage_config.selection import select_delivery, select_stages
from stage_config.stages import STAGES


def build_app(
    context: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    outdir: str | None = None,
) -> App:
    """The whole app with cdk-nag attached; tests call this with their own context/env."""
    env = os.environ if environ is None else environ
    # The CDK CLI passes failSynthOnValidationErrors=false (it only reports findings); this app
    # wants a cdk-nag finding to fail `cdk synth`, so the setting is pinned after the CLI's.
    # CDK's built-in CloudFormation schema check only warns and costs about 4 s per synth;
    # cfn-lint checks the same schemas (and more) in `make test` and fails on any finding.
    app = App(
        context=dict(context or {}),
        outdir=outdir,
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": True},
        builtin_cloud_formation_validation=False,
    )
    requested = str(app.node.try_get_context("stages") or "")
    names = [name.strip() for name in requested.split(",") if name.strip()]
    targets = {
        "accounts": {
            n: env[f"{n.upper()}_ACCOUNT"] for n in STAGES if f"{n.upper()}_ACCOUNT" in env
        },
        "regions": {n: env[f"{n.upper()}_REGION"] for n in STAGES if f"{n.upper()}_REGION" in env},
    }
    sandbox_of = str(app.node.try_get_context("sandbox") or "")
    with_local = app.node.try_get_context("local")
    if with_local not in (None, "true", True):
        raise ConfigError("local", f"{with_local!r} is not 'true'", "pass -c local=true")
    configs = select_stages(
        names,
        accounts=targets["accounts"],
        regions=targets["regions"],
        sandbox_of=sandbox_of,
        with_local=bool(with_local),
    )
    every_pack = app.node.try_get_context("compliance")
    if every_pack not in (None, "all"):
        raise ConfigError("compliance", f"{every_pack!r} is not 'all'", "pass -c compliance=all")
    if every_pack:
        configs = [dataclasses.replace(c, compliance=tuple(CompliancePack)) for c in configs]
    delivery = select_delivery(
        mode=app.node.try_get_context("delivery"),
        connection_arn=app.node.try_get_context("connection_arn"),
    )
    if delivery.mode is DeliveryMode.CDK_PIPELINES:
        if sandbox_of:
            raise ConfigError(
                "sandbox",
                "a sandbox is deployed from a developer's machine, never by the pipeline",
                "drop -c sandbox, or -c delivery=cdk-pipelines",
            )
        if with_local:
            raise ConfigError(
                "local",
                "the Local stage is deployed into the local emulator, never by the pipeline",
                "drop -c local, or -c delivery=cdk-pipelines",
            )
        account, region = delivery.pipeline_account_region
        PipelineStack(
            app,
            "Pipeline",
            delivery=delivery,
            stages=configs,
            env=Environment(account=account, region=region),
        )
    else:
        for config in configs:
            IdentityStage(app, config=config, delivery=delivery)
        CiAccessStack(
            app,
            "CiAccess",
            config=delivery,
            # Serves every stage, whichever stages this synth selected.
            stages=select_stages((), accounts=targets["accounts"], regions=targets["regions"]),
            description="GitHub Actions OIDC access for CDK deploys",
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), control_tower_validator())
    return app


class UnacknowledgedFindingsError(RuntimeError):
    """A Validations plugin reported a finding nobody acknowledged."""


def unacknowledged_findings(assembly_dir: str | Path) -> list[str]:
    """'<rule> on <construct path>' for every finding left in the validation report CDK wrote
    into `assembly_dir` (it lists both plugins' findings alike)."""
    report = json.loads((Path(assembly_dir) / "validation-report.json").read_text())
    return [
        f"{violation['ruleName']} on {construct['constructPath'] or '(no resource named)'}"
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def synthesize(app: App) -> cx_api.CloudAssembly:
    """`app.synth()`, failing on every finding a Validations plugin left unacknowledged.

    CDK (2.275) fails synth itself only on findings marked "error" once the app acknowledges
    any finding; the Control Tower plugin leaves severity unset, so CDK would print its findings
    and pass.
    """
    assembly = app.synth()
    if findings := unacknowledged_findings(assembly.directory):
        raise UnacknowledgedFindingsError(
            "ValidationFailed: unacknowledged findings (fix them, or acknowledge each with its "
            "reason through auth_constructs.compliance.accepted_findings):"
            "\n  " + "\n  ".join(findings)
        )
    return assembly


if __name__ == "__main__":
    try:
        synthesize(build_app())
    except UnacknowledgedFindingsError as error:
        sys.exit(str(error))
