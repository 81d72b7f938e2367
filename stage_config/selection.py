"""Selection of the stages and delivery mode to synthesize, from what app.py read."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from stage_config.delivery import DeliveryConfig, DeliveryMode
from stage_config.errors import ConfigError
from stage_config.stage import StageConfig
from stage_config.stages import STAGES, delivery


def select_delivery(
    *, mode: str | None = None, connection_arn: str | None = None
) -> DeliveryConfig:
    """delivery(), with the mode and pipeline connection overridden from app context."""
    if mode is not None and mode not in {m.value for m in DeliveryMode}:
        raise ConfigError(
            "delivery",
            f"{mode!r} is not a delivery mode",
            f"use one of {', '.join(m.value for m in DeliveryMode)}",
        )
    config = delivery()
    return dataclasses.replace(
        config,
        mode=DeliveryMode(mode) if mode else config.mode,
        connection_arn=connection_arn or config.connection_arn,
    )


def select_stages(
    names: Sequence[str] = (),
    *,
    accounts: Mapping[str, str] | None = None,
    regions: Mapping[str, str] | None = None,
) -> list[StageConfig]:
    """The configs of the named stages (all when `names` is empty), with account/region set.

    Unknown names fail here, so `-c stages=Prd` is a clear error rather than an empty cdk.out.
    """
    chosen = list(names) or list(STAGES)
    for name in chosen:
        if name not in STAGES:
            raise ConfigError(
                "stages",
                f"{name!r} is not a stage",
                f"use one or more of {', '.join(STAGES)}, comma-separated",
            )
    configs = []
    for name in chosen:
        config = STAGES[name]()
        configs.append(
            dataclasses.replace(
                config,
                account=(accounts or {}).get(name, config.account),
                region=(regions or {}).get(name, config.region),
            )
        )
    return configs
