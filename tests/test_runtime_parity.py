"""The trigger code that runs in Lambda is the code under test, whichever Powertools 3.x the
public layer carries: the trigger tests pass on the oldest supported release too."""

from __future__ import annotations

from tests.support.scanners import Scan, oldest_supported_powertools


def test_trigger_tests_pass_on_the_oldest_supported_powertools(
    trigger_tests_on_oldest_powertools: Scan,
) -> None:
    outcome = trigger_tests_on_oldest_powertools.outcome
    assert outcome.returncode == 0, outcome.stdout[-4000:] + outcome.stderr[-2000:]
    assert " passed" in outcome.stdout
    assert oldest_supported_powertools().startswith("3.")
