"""Shared shape of the bad-config tests: build a stage, expect a ConfigError naming the key, and
saying what is wrong and how to fix it, word for word as the person running `cdk synth` reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stage_config import ConfigError, StageConfig

BadCase = tuple[str, Callable[[], StageConfig], str, str]
"""(test id, how to build the bad stage, the key the error must name, the message after the key:
the problem, '. Fix: ' and the fix, exactly)."""


def bad_config_cases(cases: list[BadCase]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        ("make", "key", "message"), [case[1:] for case in cases], ids=[case[0] for case in cases]
    )


def assert_config_error(make: Callable[[], object], key: str, message: str) -> None:
    """The whole message, not a fragment: a message is what the user acts on, so a changed word
    (a wrong limit, a lost hint) fails the test."""
    with pytest.raises(ConfigError) as raised:
        make()
    assert raised.value.key == key
    assert str(raised.value) == f"{key}: {message}"
    assert raised.value.fix, "every error says how to fix it"
    assert raised.value.fix[0].islower(), f"the fix continues 'Fix: ' as an instruction: {raised}"
