"""A minute-long burst of sign-ups and first federated sign-ins through the real trigger
handlers, on a virtual clock, against stubs that enforce Cognito's request-rate quotas.

Cognito admits sign-ups up to UserCreation (native) and UserFederation (first federated sign-in)
and throttles the rest itself. Each admitted sign-up runs pre sign-up (a federated one calls
ListUsers, and AdminLinkProviderForUser when a native account has the same verified email), then
post confirmation (PutItem; AdminAddUserToGroup only with a default group). Every call goes
through the handlers' own retry policy (`aws_calls.AWS_CALLS`), whose waits advance the event's
virtual clock. Events run in arrival order; a token bucket per quota category (capacity: one
second of its rate) decides each call at the event's virtual time.

Quotas: the developer guide's defaults per account and Region (UserCreation 50/s and
UserFederation 25/s, adjustable; UserList 30/s and UserResourceUpdate 25/s, not adjustable).
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aws_calls
from botocore.exceptions import ClientError
from post_confirmation.index import AwsStore
from post_confirmation.index import handler as post_confirmation
from pre_sign_up.index import CognitoDirectory
from pre_sign_up.index import handler as pre_sign_up
from trigger_common import UserFacingError

from benchmarks.triggers import POST_CONFIRMATION, PRE_SIGN_UP

QUOTAS = {  # requests per second, default per account and Region
    "UserCreation": 50.0,
    "UserFederation": 25.0,
    "UserList": 30.0,
    "UserResourceUpdate": 25.0,
}
CATEGORY = {
    "list_users": "UserList",
    "admin_link_provider_for_user": "UserResourceUpdate",
    "admin_add_user_to_group": "UserResourceUpdate",
}
SECONDS = 60
FEDERATED_SHARE = 0.2
"""Of all sign-up attempts, first federated sign-ins (the rest sign up with email)."""
ALREADY_NATIVE_SHARE = 0.5
"""Of federated newcomers, those whose email already has a verified native account (linked)."""
POOL = "eu-west-1_Burst"


class Bucket:
    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.at = rate, rate, 0.0

    def take(self, now: float) -> bool:
        now = max(now, self.at)
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Clock:
    now: float = 0.0
    retries: int = 0

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.retries += 1


@dataclass
class Cognito:
    """The cognito-idp calls the triggers make, throttled by quota category."""

    clock: Clock
    buckets: dict[str, Bucket]
    natives: set[str] = field(default_factory=set)

    def _admit(self, operation: str) -> None:
        if not self.buckets[CATEGORY[operation]].take(self.clock.now):
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}},
                operation,
            )

    def list_users(self, **request: Any) -> dict[str, Any]:
        self._admit("list_users")
        email = request["Filter"].split('"')[1]
        if email not in self.natives:
            return {"Users": []}
        attributes = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ]
        user = {"Username": email, "UserStatus": "CONFIRMED", "Attributes": attributes}
        return {"Users": [user]}

    def admin_link_provider_for_user(self, **request: Any) -> None:
        self._admit("admin_link_provider_for_user")

    def admin_add_user_to_group(self, **request: Any) -> None:
        self._admit("admin_add_user_to_group")


class DynamoDb:
    """On-demand table: this burst stays far below its write capacity, so nothing throttles."""

    class exceptions:  # noqa: N801 (boto3's client attribute)
        ConditionalCheckFailedException = type("ConditionalCheckFailed", (Exception,), {})

    def put_item(self, **request: Any) -> None:
        return None


@contextmanager
def simulated_runtime(clock: Clock, seed: int) -> Iterator[None]:
    """The handlers' retry policy sleeps on `clock` with seeded jitter; the handlers' error log
    (one traceback per failed event) stays quiet."""
    policy, log = aws_calls.AWS_CALLS, logging.getLogger("trigger")
    saved = policy.sleep, policy.jitter, log.disabled
    policy.sleep, policy.jitter, log.disabled = clock.sleep, random.Random(seed).random, True
    try:
        yield
    finally:
        policy.sleep, policy.jitter, log.disabled = saved


def sign_up_event(index: int, federated: bool) -> dict[str, Any]:
    return {
        "version": "1",
        "region": "eu-west-1",
        "userPoolId": POOL,
        "userName": f"google_{index}" if federated else f"user-{index}",
        "triggerSource": "PreSignUp_ExternalProvider" if federated else "PreSignUp_SignUp",
        "callerContext": {"awsSdkVersion": "1", "clientId": "web"},
        "request": {
            "userAttributes": {
                "email": f"person{index}@example.net",
                "email_verified": "true",
                "sub": f"sub-{index}",
            }
        },
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def confirmation_event(index: int) -> dict[str, Any]:
    event = sign_up_event(index, federated=False)
    event.update(triggerSource="PostConfirmation_ConfirmSignUp", response={})
    return event


@dataclass(frozen=True)
class Outcome:
    attempts: int
    throttled_by_cognito: int
    first_try: int
    after_retry: int
    trigger_failed: int


def simulate(rate: float, *, default_group: str, seed: int = 7) -> Outcome:
    """`rate` sign-up attempts per second for a minute; what became of them."""
    clock = Clock()
    buckets = {category: Bucket(limit) for category, limit in QUOTAS.items()}
    cognito = Cognito(clock, buckets)
    directory = CognitoDirectory(cognito)
    post = dataclasses.replace(POST_CONFIRMATION, default_group=default_group)
    store = AwsStore(DynamoDb(), cognito, post.table_name)
    chooser = random.Random(seed)
    counts: Counter[str] = Counter()
    total = int(rate * SECONDS)
    with simulated_runtime(clock, seed):
        for index in range(total):
            arrival = index / rate
            federated = chooser.random() < FEDERATED_SHARE
            if federated and chooser.random() < ALREADY_NATIVE_SHARE:
                cognito.natives.add(f"person{index}@example.net")
            front_door = buckets["UserFederation" if federated else "UserCreation"]
            if not front_door.take(arrival):
                counts["throttled_by_cognito"] += 1
                continue
            clock.now, retries_before = arrival, clock.retries
            try:
                pre_sign_up(
                    sign_up_event(index, federated), None, directory=directory, settings=PRE_SIGN_UP
                )
                post_confirmation(confirmation_event(index), None, store=store, settings=post)
            except UserFacingError:
                counts["trigger_failed"] += 1
                continue
            counts["after_retry" if clock.retries > retries_before else "first_try"] += 1
    return Outcome(
        attempts=total,
        throttled_by_cognito=counts["throttled_by_cognito"],
        first_try=counts["first_try"],
        after_retry=counts["after_retry"],
        trigger_failed=counts["trigger_failed"],
    )


def main() -> None:
    base = QUOTAS["UserCreation"]
    print(f"burst: {SECONDS} s of sign-ups, {FEDERATED_SHARE:.0%} first federated sign-ins")
    print(
        f"{'scenario':<48}{'attempts':>9}{'cognito 429':>12}{'1st try':>9}{'retried':>9}"
        f"{'failed':>8}"
    )
    for multiple, group in ((1, ""), (4, ""), (1, "members")):
        outcome = simulate(base * multiple, default_group=group)
        name = f"{multiple}x UserCreation ({base * multiple:.0f}/s)" + (
            f", default group '{group}'" if group else ""
        )
        print(
            f"{name:<48}{outcome.attempts:>9}{outcome.throttled_by_cognito:>12}"
            f"{outcome.first_try:>9}{outcome.after_retry:>9}{outcome.trigger_failed:>8}"
        )
