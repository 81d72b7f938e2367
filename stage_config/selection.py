"""Selection of the stages and delivery mode to synthesize, from what app.py read."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from stage_config.delivery import DeliveryConfig, DeliveryMode
from stage_config.errors import ConfigError
from stage_config.local import LOCAL_STAGE, local
from stage_config.sandbox import sandbox
from stage_config.stage import StageConfig
from stage_config.stages import STAGES, delivery
from stage_config.triggers import UNRESERVED_MINIMUM


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
    sandbox_of: str = "",
    with_local: bool = False,
) -> list[StageConfig]:
    """The configs of the named stages (all when `names` is empty), with account/region set;
    with `sandbox_of` (a developer's name), that developer's sandbox stage too; with
    `with_local`, the Local stage (for the local emulator) too.

    Unknown names fail here, so `-c stages=Prd` is a clear error rather than an empty cdk.out.
    """
    registry = dict(STAGES)
    if sandbox_of:
        own = sandbox(sandbox_of)
        registry[own.name] = lambda: own
    if with_local:
        registry[LOCAL_STAGE] = local
    chosen = list(names) or list(registry)
    for name in chosen:
        if name not in registry:
            raise ConfigError(
                "stages",
                f"{name!r} is not a stage",
                f"use one or more of {', '.join(registry)}, comma-separated",
            )
    configs = []
    for name in chosen:
        config = registry[name]()
        configs.append(
            dataclasses.replace(
                config,
                account=(accounts or {}).get(name, config.account),
                region=(regions or {}).get(name, config.region),
            )
        )
    check_shared_concurrency(configs)
    return configs


def check_shared_concurrency(configs: Sequence[StageConfig]) -> None:
    """Stages deployed to one account and Region share its Lambda concurrency: together their
    reservations must leave Lambda's unreserved minimum, or the later deploy fails (a stage
    alone is held to it by its own check)."""
    sharing: dict[tuple[str, str], list[StageConfig]] = {}
    for config in configs:
        if config.account and config.region and config.triggers:
            sharing.setdefault((config.account, config.region), []).append(config)
    for (account, region), stages in sharing.items():
        reserved = {
            s.name: sum(s.triggers.reservations.values())
            for s in stages
            if s.triggers and s.triggers.reservations
        }
        quota = min(s.triggers.account_concurrency for s in stages if s.triggers)
        if sum(reserved.values()) > quota - UNRESERVED_MINIMUM:
            raise ConfigError(
                "triggers.reserved_concurrency",
                f"{' + '.join(f'{n} {c}' for n, c in reserved.items())} reserved in account "
                f"{account} {region}, whose Lambda quota of {quota} keeps "
                f"{UNRESERVED_MINIMUM} unreserved",
                "deploy the stages to different accounts, raise the quota (and "
                "account_concurrency), or set reserved_concurrency=None in a non-production stage",
            )
