"""Shared by every trigger (all four ship in one asset: the `lambdas/` folder).

Cognito triggers must answer within 5 seconds and only an exception blocks the user's operation;
its message reaches the user. So: check the event's shape before doing anything, raise
user-safe messages, log the details.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

LOGGER = logging.getLogger("trigger")
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
# botocore's DEBUG records carry request and response bodies (a secret's value, a KMS data key),
# so botocore logs at INFO at most, whatever the root logger or LOG_LEVEL says.
logging.getLogger("botocore").setLevel(logging.INFO)


GENERIC_FAILURE = "Something went wrong on our side. Please try again."
TIMEOUT_SECONDS = 3
"""Each trigger function's timeout (the construct sets it): well under Cognito's 5 seconds."""


PROFILE_SORT_KEY = "PROFILE"
"""The sort key of a user's profile item (pk = the user's sub), which post confirmation writes
and the authentication triggers read and update."""


def profile_key(sub: str) -> dict[str, dict[str, str]]:
    """The profile item's key, as a DynamoDB low-level key."""
    return {"pk": {"S": sub}, "sk": {"S": PROFILE_SORT_KEY}}


class MalformedEventError(ValueError):
    """The event lacks a field this trigger needs; nothing has been written."""


class UserFacingError(Exception):
    """Blocks the operation; Cognito shows the message to the user (so it says nothing secret)."""


def check_shape(
    event: object,
    *,
    strings: tuple[str, ...] = (),
    mappings: tuple[str, ...] = (),
    string_maps: tuple[str, ...] = (),
) -> None:
    """Raise MalformedEventError unless each dotted path holds a string / an object / an object of
    strings (as Cognito's userAttributes always is).

    Run first, so a malformed event is rejected before any side effect.
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"event is {type(event).__name__}, not an object")
    for path in strings:
        if not isinstance(value_at(event, path), str):
            raise MalformedEventError(f"event.{path} is missing or not a string")
    for path in mappings + string_maps:
        if not isinstance(value_at(event, path), Mapping):
            raise MalformedEventError(f"event.{path} is missing or not an object")
    for path in string_maps:
        if not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value_at(event, path).items()
        ):
            raise MalformedEventError(f"event.{path} holds a value that is not a string")


def value_at(event: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or None where the path does not lead anywhere."""
    node: Any = event
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


Handler = TypeVar("Handler", bound=Callable[..., dict[str, Any]])


def user_safe(handler: Handler) -> Handler:
    """Let user-facing and malformed-event errors through; log anything else and show the user
    a generic message instead of an AWS error string.

    Triggers apply it by assignment (`handler = user_safe(handle)`), not as a decorator:
    mutation testing (mutmut) skips decorated functions, and `handle` is what it must reach."""

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: object, **seams: Any) -> dict[str, Any]:
        try:
            return handler(event, context, **seams)
        except (UserFacingError, MalformedEventError):
            raise
        except Exception:
            LOGGER.exception("trigger failed")
            raise UserFacingError(GENERIC_FAILURE) from None

    return wrapper  # type: ignore[return-value]
