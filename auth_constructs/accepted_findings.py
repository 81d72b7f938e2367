"""Record a security-scanner finding we accept, with its reason, on the narrowest construct.

cdk-nag reads CDK's `Validations` acknowledgments; checkov reads `Metadata.checkov.skip` on the
CloudFormation resource. One call records both, so the two scanners share one reason.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct


def accept_finding(
    construct: IConstruct, *, reason: str, nag: str = "", checkov: tuple[str, ...] = ()
) -> None:
    """Accept cdk-nag rule `nag` and checkov checks `checkov` on `construct` for `reason`."""
    if nag:
        Validations.of(construct).acknowledge(Acknowledgment(id=nag, reason=reason))
    if checkov:
        resource = cast(
            CfnResource,
            construct if isinstance(construct, CfnResource) else construct.node.default_child,
        )
        skips = (resource.get_metadata("checkov") or {}).get("skip", [])
        skips += [{"id": check, "comment": reason} for check in checkov]
        resource.add_metadata("checkov", {"skip": skips})
