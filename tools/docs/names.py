"""How a resource is called in the diagrams: its construct path, and its type in short."""

from __future__ import annotations

from tools.docs.assembly import StackTemplate

HIDDEN_PATH_PARTS = {"Resource", "Default"}
"""The L1 child CDK names under an L2 construct: the L2's path says the same."""


def construct_path(stack: StackTemplate, logical_id: str) -> list[str]:
    """The resource's construct path below its stack, or its logical id when it has none."""
    path = stack.paths.get(logical_id, "")
    below = path.removeprefix(f"{stack.path}/")
    parts = [p for p in below.split("/") if p and p not in HIDDEN_PATH_PARTS]
    return parts or [logical_id]


def short_type(kind: str) -> str:
    """`AWS::Cognito::UserPool` as `Cognito UserPool`."""
    return " ".join(kind.removeprefix("AWS::").split("::"))
