"""A request-rate budget for Cognito calls that share an account-wide quota with sign-ups.

`Pacer` spaces calls evenly (never above its rate, so never a burst); `Paced` sends each call
through a pacer and retries throttling with full-jitter backoff, each retry paced too. Clock and
sleep are seams: `make bench` runs a million-user export on a virtual clock through them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aws_calls import Backoff

Result = TypeVar("Result")


def throttle_retries() -> Backoff:
    """An export has minutes, not a trigger's milliseconds: back off up to half a minute."""
    return Backoff(attempts=8, base_seconds=1.0, cap_seconds=30.0)


@dataclass
class Pacer:
    rate: float
    """Calls per second, at most."""
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next_at: float = field(default=float("-inf"), init=False)

    def wait(self) -> None:
        """Return when the next call keeps to the rate."""
        now = self.clock()
        if now < self._next_at:
            self.sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + 1.0 / self.rate


@dataclass
class Paced:
    pacer: Pacer
    backoff: Backoff = field(default_factory=throttle_retries)

    def call(self, operation: Callable[[], Result]) -> Result:
        def attempt() -> Result:
            self.pacer.wait()
            return operation()

        return self.backoff.call(attempt)
