"""Record a security-scanner finding we accept, with its reason, on the narrowest construct.

cdk-nag and the Control Tower controls (cfn-guard) read CDK's `Validations` acknowledgments;
checkov reads `Metadata.checkov.skip` on the CloudFormation resource. One call records them
all, so the scanners share one reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

from auth_constructs import cfn_text

CONTROL_TOWER = "cdk-validator-cfnguard::"
"""The prefix of a Control Tower rule's finding id (`auth_constructs.control_tower`)."""
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321", "Serverless")
"""cdk-nag's compliance packs a stage may turn on (`stage_config.compliance`); their rules
share names (`<pack>-LambdaDLQ`), so one rule name is acknowledged for every pack, turned on
or not, and turning a pack on later never breaks a synth."""


def accept_finding(
    construct: IConstruct,
    *,
    reason: str,
    nag: str = "",
    nag_packs: tuple[str, ...] = (),
    checkov: tuple[str, ...] = (),
    control_tower: tuple[str, ...] = (),
) -> None:
    """Accept cdk-nag rule `nag`, the rules `nag_packs` (e.g. 'LambdaDLQ') of every compliance
    pack, checkov checks `checkov` and Control Tower rules `control_tower` on `construct` for
    `reason`."""
    findings = (
        ([nag] if nag else [])
        + [f"{pack}-{rule}" for rule in nag_packs for pack in COMPLIANCE_PACKS]
        + [CONTROL_TOWER + rule for rule in control_tower]
    )
    if findings:
        validations = Validations.of(construct)
        for finding in findings:
            validations.acknowledge(Acknowledgment(id=finding, reason=reason))
    if checkov:
        resource = cast(
            CfnResource,
            construct if isinstance(construct, CfnResource) else construct.node.default_child,
        )
        skips = (resource.get_metadata("checkov") or {}).get("skip", [])
        skips += [{"id": check, "comment": reason} for check in checkov]
        resource.add_metadata("checkov", {"skip": skips})


def accept_wildcards(policy: IConstruct, document: Any, reasons: Sequence[tuple[str, str]]) -> None:
    """Accept cdk-nag's IAM5 finding for each wildcard in `document` (the policy's resolved
    document), with the reason of the first (marker, reason) whose marker the finding holds.

    A wildcard no marker explains fails synth: every wildcard gets a reviewed reason.
    """
    for statement in document["Statement"]:
        found = [f"Action::{a}" for a in cfn_text.listed(statement["Action"]) if "*" in a]
        found += [
            f"Resource::{text}"
            for r in cfn_text.listed(statement["Resource"])
            if "*" in (text := cfn_text.render(r, cfn_text.ANGLE))
        ]
        for finding in found:
            reason = next((why for marker, why in reasons if marker in finding), None)
            if reason is None:
                raise ValueError(f"unreviewed wildcard in {policy.node.path}: {finding}")
            accept_finding(policy, nag=f"AwsSolutions-IAM5[{finding}]", reason=reason)
