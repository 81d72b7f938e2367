"""Record a security-scanner finding we accept, with its reason, on the narrowest construct.

cdk-nag and the Control Tower controls (cfn-guard) read CDK's `Validations` acknowledgments;
checkov reads `Metadata.checkov.skip` on the CloudFormation resource. One call records them
all, so the scanners share one reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import jsii
from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct, IValidation

from auth_constructs import cfn_text
from stage_config.compliance import CompliancePack

CONTROL_TOWER = "cdk-validator-cfnguard::"
"""The prefix of a Control Tower rule's finding id (`auth_constructs.compliance.control_tower`)."""


@dataclass(frozen=True)
class Acceptance:
    """Findings accepted for one reason: cdk-nag rule `nag`, the rules `nag_packs` (e.g.
    'LambdaDLQ') of every compliance pack, checkov checks `checkov` and Control Tower rules
    `control_tower`."""

    reason: str
    nag: str = ""
    nag_packs: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    control_tower: tuple[str, ...] = ()

    def validation_ids(self) -> list[str]:
        """The ids CDK's `Validations` acknowledges for it."""
        return (
            ([self.nag] if self.nag else [])
            # The packs' rules share names (`<pack>-LambdaDLQ`): one name is acknowledged for
            # every pack, on or not, so turning a pack on later never breaks a synth.
            + [f"{pack}-{rule}" for rule in self.nag_packs for pack in CompliancePack]
            + [CONTROL_TOWER + rule for rule in self.control_tower]
        )


def accept_findings(construct: IConstruct, *acceptances: Acceptance) -> None:
    """Accept each of `acceptances` on `construct`: one call into CDK's Node process for all
    their acknowledgments and one checkov metadata write (each call costs about 0.5 ms, and a
    synth makes hundreds)."""
    acknowledgments = [
        Acknowledgment(id=finding, reason=acceptance.reason)
        for acceptance in acceptances
        for finding in acceptance.validation_ids()
    ]
    if acknowledgments:
        Validations.of(construct).acknowledge(*acknowledgments)
    skips = [
        {"id": check, "comment": acceptance.reason}
        for acceptance in acceptances
        for check in acceptance.checkov
    ]
    if skips:
        resource = cast(
            CfnResource,
            construct if isinstance(construct, CfnResource) else construct.node.default_child,
        )
        kept = (resource.get_metadata("checkov") or {}).get("skip", [])
        resource.add_metadata("checkov", {"skip": kept + skips})


def accept_finding(
    construct: IConstruct,
    *,
    reason: str,
    nag: str = "",
    nag_packs: tuple[str, ...] = (),
    checkov: tuple[str, ...] = (),
    control_tower: tuple[str, ...] = (),
) -> None:
    """Accept cdk-nag rule `nag`, the rules `nag_packs` of every compliance pack, checkov checks
    `checkov` and Control Tower rules `control_tower` on `construct` for `reason`."""
    accept_findings(construct, Acceptance(reason, nag, nag_packs, checkov, control_tower))


def accept_wildcards(policy: IConstruct, document: Any, reasons: Sequence[tuple[str, str]]) -> None:
    """Accept cdk-nag's IAM5 finding for each wildcard in `document` (the policy's resolved
    document), with the reason of the first (marker, reason) whose marker the finding holds.

    A wildcard no marker explains fails synth: every wildcard gets a reviewed reason.
    """
    accepted = []
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
            accepted.append(Acceptance(nag=f"AwsSolutions-IAM5[{finding}]", reason=reason))
    accept_findings(policy, *accepted)


def accept_resource_wildcard(construct: IConstruct, resource: str, reason: str) -> None:
    """Accept cdk-nag's IAM5 finding for the wildcard resource `resource` (e.g. an object
    pattern of a bucket) in `construct`'s policy, once references are resolved: a value of
    another stack of the stage is named (`Fn::GetStackOutput`) only then, and construct
    validation runs after that, before the scanners."""
    construct.node.add_validation(_ResourceWildcard(construct, resource, reason))


@jsii.implements(IValidation)
class _ResourceWildcard:
    def __init__(self, construct: IConstruct, resource: str, reason: str) -> None:
        self.construct, self.resource, self.reason = construct, resource, reason

    def validate(self) -> list[str]:
        rendered = cfn_text.render(Stack.of(self.construct).resolve(self.resource), cfn_text.ANGLE)
        shown = re.sub(r"\$\{([^}]+)\}", r"<\1>", rendered)  # cdk-nag's form of a variable
        accept_finding(
            self.construct, nag=f"AwsSolutions-IAM5[Resource::{shown}]", reason=self.reason
        )
        return []


INLINE_POLICY = (
    "An inline policy belongs to exactly one role and is deleted with it, so no grant outlives "
    "its role or spreads to another; CDK's grants write them, make review diffs every statement "
    "and the isolation matrix proves the result least privilege."
)


def accept_inline_policies(scope: IConstruct) -> None:
    """Accept the compliance packs' IAMNoInlinePolicy on each inline policy in `scope` (CDK's
    `DefaultPolicy`, our own `iam.Policy`s, and roles CDK gives an inline policy)."""
    for node in scope.node.find_all():
        if isinstance(node, iam.CfnPolicy) or (isinstance(node, iam.CfnRole) and node.policies):
            accept_finding(node, nag_packs=("IAMNoInlinePolicy",), reason=INLINE_POLICY)
