"""One line of a change review, and how severe it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from auth_constructs import cfn_text


class Severity(IntEnum):
    """Most severe first. HIGH and MEDIUM are flagged: a person must accept them."""

    HIGH = 0
    MEDIUM = 1
    OTHER = 2

    @property
    def flagged(self) -> bool:
        return self is not Severity.OTHER


@dataclass(frozen=True, order=True)
class Change:
    severity: Severity
    text: str

    def __str__(self) -> str:
        label = f"**{self.severity.name}** " if self.severity.flagged else ""
        return f"- {label}{self.text}"


def readable(value: Any) -> str:
    """Template values as text: references as ${Id}, anything else as sorted JSON."""
    try:
        return cfn_text.render(value)
    except ValueError:
        return json.dumps(value, sort_keys=True)
