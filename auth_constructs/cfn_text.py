"""Render CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::GetStackOutput, Fn::Join, Fn::Sub) as
plain text."""

from __future__ import annotations

import json
from typing import Any

DOLLAR = "${{{}}}"
"""${Id} and ${Id.Attr}: how people write references (used by `make review`)."""
ANGLE = "<{}>"
"""<Id> and <Id.Attr>: how cdk-nag prints references in its finding ids."""


def listed(value: Any) -> list[Any]:
    """A field CloudFormation accepts as one value or a list (Action, Resource), as a list."""
    return value if isinstance(value, list) else [value]


def render(value: Any, style: str = DOLLAR) -> str:
    """`value` as text: references in `style`, joins joined, anything else as JSON-ish text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(render(item, style) for item in value)
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return style.format(arg)
        if key == "Fn::GetAtt":
            return style.format(f"{arg[0]}.{arg[1]}")
        if key == "Fn::Join":
            return str(arg[0]).join(render(part, style) for part in arg[1])
        if key == "Fn::GetStackOutput":  # another stack's output (e.g. the stage's Key stack)
            if style == ANGLE:  # cdk-nag prints an intrinsic it does not know as its JSON
                return json.dumps(value, separators=(",", ":"))
            return style.format(f"{arg['StackName']}.{arg['OutputName']}")
        if key == "Fn::Sub" and isinstance(arg, str):
            return arg if style == DOLLAR else arg.replace("${", "<").replace("}", ">")
    raise ValueError(f"cannot render {value!r} as text")
