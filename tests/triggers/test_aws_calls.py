"""Throttled AWS calls from triggers are retried with full-jitter backoff, briefly and only when
AWS throttles; the clients make one attempt each, so this policy is the only one."""

from __future__ import annotations

import pytest
from aws_calls import AWS_CALLS, Backoff, client, throttled
from botocore.exceptions import ClientError
from trigger_common import TIMEOUT_SECONDS

AWS_CALLS_PER_EVENT = 2
"""The most calls one event makes: pre sign-up's ListUsers then AdminLinkProviderForUser;
post confirmation's PutItem then, with a default group, AdminAddUserToGroup."""


def error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "AnyOperation")


class Flaky:
    """Fails with `codes` in turn, then answers."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.codes:
            raise error(self.codes.pop(0))
        return "answer"


def test_throttling_is_retried_with_jittered_waits_under_their_ceilings() -> None:
    waits: list[float] = []
    flaky = Flaky("TooManyRequestsException", "ProvisionedThroughputExceededException")
    policy = Backoff(sleep=waits.append, jitter=lambda: 0.999)
    assert policy.call(flaky) == "answer"
    assert flaky.calls == 3
    assert waits == pytest.approx([0.999 * policy.ceiling(0), 0.999 * policy.ceiling(1)])


def test_full_jitter_can_retry_at_once() -> None:
    waits: list[float] = []
    Backoff(sleep=waits.append, jitter=lambda: 0.0).call(Flaky("ThrottlingException"))
    assert waits == [0.0]


def test_other_errors_are_not_retried() -> None:
    flaky = Flaky("AccessDeniedException")
    waits: list[float] = []
    with pytest.raises(ClientError, match="AccessDeniedException"):
        Backoff(sleep=waits.append).call(flaky)
    assert (flaky.calls, waits) == (1, [])


def test_throttling_that_outlasts_the_attempts_fails_the_call() -> None:
    policy = Backoff(attempts=3, sleep=lambda _: None)
    flaky = Flaky(*["TooManyRequestsException"] * 5)
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        policy.call(flaky)
    assert flaky.calls == 3


def test_the_worst_case_wait_fits_well_inside_the_trigger_timeout() -> None:
    """Every call of an event may wait its worst case and still leave most of the budget."""
    assert AWS_CALLS.worst_case_wait * AWS_CALLS_PER_EVENT <= TIMEOUT_SECONDS / 4
    assert [AWS_CALLS.ceiling(r) for r in range(5)] == [0.05, 0.1, 0.2, 0.4, 0.4]


def test_only_aws_throttling_answers_count_as_throttled() -> None:
    assert throttled(error("TooManyRequestsException"))
    assert not throttled(error("UserNotFoundException"))
    assert not throttled(TimeoutError("read timeout"))


@pytest.mark.usefixtures("aws")
def test_clients_make_one_attempt_with_short_timeouts() -> None:
    client.cache_clear()
    config = client("cognito-idp").meta.config
    assert config.retries["total_max_attempts"] == 1
    assert (config.connect_timeout, config.read_timeout) == (0.5, 1.0)
    assert client("cognito-idp") is client("cognito-idp"), "one client per warm container"
