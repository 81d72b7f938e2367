"""A developer's personal sandbox: a copy of Dev under their own name, in the same account.

Its own stage name (so its own stacks and every name derived from them), its own domain
prefix (so its own managed login domain and smoke role), and Dev's stateful policy (nothing
retained): nothing is shared with Dev but the account.
"""

from __future__ import annotations

import dataclasses
import re

from stage_config.checks import require
from stage_config.stage import StageConfig
from stage_config.stages import STAGES

SANDBOX_OF = "Dev"
"""The stage each sandbox copies."""
_NAME = re.compile(r"[a-z][a-z0-9]{0,19}")


def sandbox_name(developer: str) -> str:
    """A sandbox name from a developer's name (e.g. git's user.name): lowercase letters and
    digits, at most 20."""
    return re.sub(r"[^a-z0-9]", "", developer.lower())[:20]


def sandbox(name: str) -> StageConfig:
    """The sandbox stage `Sandbox<Name>` for the developer `name`."""
    require(
        bool(_NAME.fullmatch(name)),
        "sandbox",
        f"{name!r} is not a sandbox name",
        "use 1-20 lowercase letters and digits starting with a letter, e.g. NAME=alice",
    )
    base = STAGES[SANDBOX_OF]()
    require(
        not base.production,
        "sandbox",
        f"{SANDBOX_OF} is a production stage, which sandboxes must not copy",
        "point SANDBOX_OF at a non-production stage",
    )
    return dataclasses.replace(
        base,
        name=f"Sandbox{name.capitalize()}",
        user_pool=dataclasses.replace(
            base.user_pool, domain_prefix=f"{base.user_pool.domain_prefix}-{name}"
        ),
        tags={**base.tags, "sandbox": name},
    )
