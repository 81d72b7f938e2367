"""AWS calls from a trigger: one client per warm container, and throttling retried with
full-jitter exponential backoff inside the trigger's time budget.

Cognito waits 5 seconds for a trigger (the functions time out at 3). botocore's own retries
back off for seconds, so the clients here make one attempt each and `Backoff` decides: a
throttled call is retried a few times within a fraction of a second; any other error, or
throttling that outlasts the retries, fails the trigger (Cognito then fails the operation and
the user can retry). Every call retried here is idempotent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",  # Cognito over a request-rate quota
        "ThrottlingException",
        "ProvisionedThroughputExceededException",  # DynamoDB
        "RequestLimitExceeded",
    }
)
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0
Result = TypeVar("Result")


def throttled(error: BaseException) -> bool:
    """Whether `error` is an AWS API's answer that a request-rate limit was hit."""
    response = getattr(error, "response", None)
    return isinstance(response, Mapping) and response.get("Error", {}).get("Code") in (
        THROTTLING_CODES
    )


@dataclass
class Backoff:
    """Full-jitter exponential backoff. `sleep` and `jitter` are seams: the burst simulation in
    `make bench` runs the triggers on a virtual clock through them."""

    attempts: int = 4
    base_seconds: float = 0.05
    cap_seconds: float = 0.4
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number `retry` (0-based)."""
        return min(self.cap_seconds, self.base_seconds * 2.0**retry)

    @property
    def worst_case_wait(self) -> float:
        return sum(self.ceiling(retry) for retry in range(self.attempts - 1))

    def call(self, operation: Callable[[], Result]) -> Result:
        """`operation()`, retried while AWS throttles it, at most `attempts` times in all."""
        for retry in range(self.attempts):
            try:
                return operation()
            except Exception as error:
                if not throttled(error) or retry == self.attempts - 1:
                    raise
                self.sleep(self.jitter() * self.ceiling(retry))
        raise AssertionError("unreachable: the last attempt returns or raises")


AWS_CALLS = Backoff()


@cache
def client(service: str, region: str | None = None) -> Any:
    """A boto3 client for `service` (in `region`, default the function's) that makes one attempt
    per call (see module docstring). Created on first use, not at import: tests and events
    rejected early never pay for it."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        config=Config(
            retries={"total_max_attempts": 1},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        ),
    )
