"""The one validation convention of the config: sections check themselves, keys are rooted once.

Every config class is a frozen `Section`. Its own rules live in its `check(context)` and name keys
relative to the section ("mode", "callback_urls[0]"). When a `StageConfig` (or `DeliveryConfig`)
is constructed, `check_tree` walks the whole tree, children first, and roots each error at the
stage: `Prod.user_pool.web_client.callback_urls[0]`. So every error has the same shape, and a
stage that exists is a valid stage.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from stage_config.errors import ConfigError


@dataclass(frozen=True)
class Context:
    """What a section's rules may depend on beyond its own fields."""

    production: bool = False
    groups: frozenset[str] = frozenset()


class Section:
    """Base of every config class (each is also a frozen, keyword-only dataclass)."""

    def check(self, context: Context) -> None:
        """Raise ConfigError, with a key relative to this section, on a value Cognito (or our
        security baseline) would refuse. Nested sections are checked before this runs."""


def check_tree(section: Section, context: Context, path: str) -> None:
    """Check `section` and every section below it; errors come out rooted at `path`."""
    for field in dataclasses.fields(section):  # type: ignore[arg-type]
        value = getattr(section, field.name)
        key = f"{path}.{field.name}"
        if isinstance(value, Section):
            check_tree(value, context, key)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, Section):
                    check_tree(item, context, f"{key}[{index}]")
    try:
        section.check(context)
    except ConfigError as error:
        raise error.under(path) from None
