"""One deployable stage: the typed, validated root of all config."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stage_config.checks import check_region, require
from stage_config.data_access import DataAccessConfig
from stage_config.errors import ConfigError
from stage_config.federation import ProviderConfig, check_providers
from stage_config.triggers import TriggersConfig
from stage_config.user_pool import FeaturePlan, UserPoolConfig


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """A stage (Dev, Prod, ...). Built in `stage_config.stages`; `app.py` may set account/region.

    `production` turns on the stateful-safety rules: RETAIN and deletion protection on the user
    pool, table and bucket, and https-only redirect URLs and origins.
    """

    name: str
    production: bool
    user_pool: UserPoolConfig
    data_access: DataAccessConfig
    federation: tuple[ProviderConfig, ...] = ()
    triggers: TriggersConfig | None = None
    account: str = ""
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self._validate()
        except ConfigError as error:
            raise error.under(self.name) from None

    @property
    def group_names(self) -> frozenset[str]:
        return frozenset(group.name for group in self.user_pool.groups)

    def _validate(self) -> None:
        require(
            bool(re.fullmatch(r"[A-Z][A-Za-z0-9]{1,30}", self.name)),
            "name",
            f"{self.name!r} is not a stage name",
            "use a capitalised word such as 'Dev'",
        )
        require(
            not self.account or bool(re.fullmatch(r"\d{12}", self.account)),
            "account",
            f"{self.account!r} is not a 12-digit AWS account id",
            "set the account id, or leave it empty for an environment-agnostic synth",
        )
        if self.region:
            check_region(self.region, "region")
        try:
            self.user_pool.validate(production=self.production)
        except ConfigError as error:
            raise error.under("user_pool") from None
        self.data_access.validate(production=self.production, known_groups=self.group_names)
        check_providers(self.federation)
        if self.triggers:
            self.triggers.validate(production=self.production, known_groups=self.group_names)
            require(
                self.user_pool.feature_plan is not FeaturePlan.LITE,
                "user_pool.feature_plan",
                "the pre token generation trigger uses event version V2_0, which LITE lacks",
                "set feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or triggers=None",
            )
