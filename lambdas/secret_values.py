"""A Secrets Manager value a trigger needs (a provider's API key, a legacy system's token):
read once per warm container, never logged, never in the template or the environment."""

from __future__ import annotations

import json
from functools import cache

import aws_calls
from aws_calls import AWS_CALLS


class SecretShapeError(ValueError):
    """The secret exists but does not hold the field the config names (message names no value)."""


@cache
def secret_value(name_or_arn: str, json_field: str) -> str:
    """The secret's string, or its `json_field` when set."""
    client = aws_calls.client("secretsmanager")
    raw = AWS_CALLS.call(lambda: client.get_secret_value(SecretId=name_or_arn))["SecretString"]
    if not json_field:
        return str(raw)
    try:
        value = json.loads(raw)[json_field]
    except (ValueError, KeyError, TypeError):
        raise SecretShapeError(
            f"secret {name_or_arn!r} holds no JSON field {json_field!r}"
        ) from None
    if not isinstance(value, str):
        raise SecretShapeError(f"secret {name_or_arn!r} field {json_field!r} is not a string")
    return value
