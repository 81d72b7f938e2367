"""The settings contract between a trigger's construct and its handler.

Each trigger declares one frozen dataclass of settings (`<trigger>/settings.py`). The construct
builds it and puts `to_environment()` into the function's environment; the handler parses it once
per cold start with `of_this_function()`. A missing, unknown or mistyped key fails the cold start
with its name: nothing silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any, TypeVar, cast, get_args, get_origin, get_type_hints

ENVIRONMENT_VARIABLE = "TRIGGER_SETTINGS"

Settings = TypeVar("Settings", bound="TriggerSettings")


_LOADED: dict[type[TriggerSettings], TriggerSettings] = {}


class SettingsError(ValueError):
    """The function's environment does not hold the settings its handler expects."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TriggerSettings:
    """Base of every trigger's settings: fields are str, bool, float, tuple[str, ...] or
    dict[str, str], so that JSON carries them without loss."""

    @classmethod
    def of_this_function(cls: type[Settings]) -> Settings:
        """The settings in this function's environment, parsed on first use: once per cold
        start, not on every invocation."""
        if cls not in _LOADED:
            _LOADED[cls] = cls.from_environment(os.environ)
        return cast(Settings, _LOADED[cls])

    def to_environment(self) -> dict[str, str]:
        return {ENVIRONMENT_VARIABLE: json.dumps(dataclasses.asdict(self), sort_keys=True)}

    @classmethod
    def from_environment(cls: type[Settings], environ: Mapping[str, str]) -> Settings:
        raw = environ.get(ENVIRONMENT_VARIABLE)
        if raw is None:
            raise SettingsError(f"{ENVIRONMENT_VARIABLE} is not set")
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise SettingsError(f"{ENVIRONMENT_VARIABLE} is not a JSON object")
        names = {field.name for field in dataclasses.fields(cls)}
        if data.keys() != names:
            raise SettingsError(
                f"{cls.__name__}: missing {sorted(names - data.keys())}, "
                f"unknown {sorted(data.keys() - names)}"
            )
        hints = get_type_hints(cls)
        return cls(**{name: _typed(data[name], hints[name], name) for name in names})


def _typed(value: Any, hint: Any, name: str) -> Any:
    """`value` as the field type `hint`, or SettingsError naming the field."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in (str, bool) and type(value) is hint:
        return value
    if hint is float and type(value) in (int, float):
        return float(value)
    if origin is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if (
        origin is dict
        and args == (str, str)
        and isinstance(value, dict)
        and all(isinstance(v, str) for v in value.values())
    ):
        return dict(value)
    raise SettingsError(f"setting {name!r} is {value!r}, not {hint}")


def forget_loaded_settings() -> None:
    """Parse the environment again on next use, as a new cold start would (tests, benchmarks)."""
    _LOADED.clear()
