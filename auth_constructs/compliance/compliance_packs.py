"""cdk-nag's compliance rule packs as Validations plugins, per stage (`StageConfig.compliance`).

Every finding of every pack is fixed or acknowledged on the narrowest construct
(`accepted_findings.accept_finding(nag_packs=...)`), whichever packs a stage turns on, so turning
one on never breaks a synth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cdk_nag
from aws_cdk import IPolicyValidationPlugin, Stage, Validations

from stage_config.compliance import CompliancePack

PLUGINS: dict[CompliancePack, Callable[[Stage], cdk_nag.NagPack]] = {
    CompliancePack.NIST_800_53_R5: cdk_nag.NIST80053R5Checks,
    CompliancePack.HIPAA_SECURITY: cdk_nag.HIPAASecurityChecks,
    CompliancePack.PCI_DSS_321: cdk_nag.PCIDSS321Checks,
    CompliancePack.SERVERLESS: cdk_nag.ServerlessChecks,
}


def enforce(stage: Stage, packs: Iterable[CompliancePack]) -> None:
    """Validate `stage`'s templates with each pack in `packs`; a finding fails its synth."""
    plugins: list[IPolicyValidationPlugin] = [PLUGINS[pack](stage) for pack in packs]
    if plugins:
        Validations.of(stage).add_plugins(*plugins)
