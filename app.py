#!/usr/bin/env python3
"""CDK entry point: the only place that reads context and environment variables.

Context (all optional):
  -c stages=Dev,Prod                 which stages to synthesize (default: all)
  -c delivery=cdk-pipelines          deliver through a CDK pipeline instead of GitHub Actions
  -c connection_arn=arn:...          the CodeConnections connection the pipeline reads from
Environment (all optional; unset means environment-agnostic):
  <STAGE>_ACCOUNT, <STAGE>_REGION   e.g. PROD_ACCOUNT=123456789012 PROD_REGION=eu-west-1
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from auth_constructs.control_tower import control_tower_validator
from stacks.ci_access_stack import CiAccessStack
from stacks.pipeline_stack import PipelineStack
from stacks.stage import IdentityStage
from stage_config import DeliveryMode
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
    app = App(
        context=dict(context or {}),
        outdir=outdir,
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": True},
    )
    requested = str(app.node.try_get_context("stages") or "")
    names = [name.strip() for name in requested.split(",") if name.strip()]
    targets = {
        "accounts": {
            n: env[f"{n.upper()}_ACCOUNT"] for n in STAGES if f"{n.upper()}_ACCOUNT" in env
        },
        "regions": {n: env[f"{n.upper()}_REGION"] for n in STAGES if f"{n.upper()}_REGION" in env},
    }
    configs = select_stages(names, **targets)
    delivery = select_delivery(
        mode=app.node.try_get_context("delivery"),
        connection_arn=app.node.try_get_context("connection_arn"),
    )
    if delivery.mode is DeliveryMode.CDK_PIPELINES:
        PipelineStack(app, "Pipeline", delivery=delivery, stages=configs)
    else:
        for config in configs:
            IdentityStage(app, config=config, delivery=delivery)
        CiAccessStack(
            app,
            "CiAccess",
            config=delivery,
            # Serves every stage, whichever stages this synth selected.
            stages=select_stages((), **targets),
            description="GitHub Actions OIDC access for CDK deploys",
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), control_tower_validator(app))
    return app


if __name__ == "__main__":
    build_app().synth()
