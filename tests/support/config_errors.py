"""Shared shape of the bad-config tests: build a stage, expect a ConfigError naming key and fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stage_config import ConfigError, StageConfig

BadCase = tuple[str, Callable[[], StageConfig], str, str]
"""(test id, how to build the bad stage, the key the error must name, part of its problem)."""


def bad_config_cases(cases: list[BadCase]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("make", "key", "problem"), [case[1:] for case in cases], ids=[case[0] for case in cases]
    )


def assert_config_error(make: Callable[[], object], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        make()
    assert raised.value.key == key
    assert problem in raised.value.problem
    assert raised.value.fix, "every error says how to fix it"
    assert raised.value.fix[0].islower(), f"the fix continues 'Fix: ' as an instruction: {raised}"
    assert str(raised.value).startswith(f"{key}: ")
