"""Which of cdk-nag's compliance rule packs a stage's synth enforces, beside AwsSolutions and
the AWS Control Tower controls that every stage runs."""

from __future__ import annotations

from enum import StrEnum


class CompliancePack(StrEnum):
    """A cdk-nag rule pack; its value is the pack's own name, the prefix of its rule ids."""

    NIST_800_53_R5 = "NIST.800.53.R5"
    HIPAA_SECURITY = "HIPAA.Security"
    PCI_DSS_321 = "PCI.DSS.321"
    SERVERLESS = "Serverless"
