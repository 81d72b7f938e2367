"""A moto account for one test: fake credentials in the environment, every service mocked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto import mock_aws


@contextmanager
def mocked_account(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[None]:
    """moto for the duration; the credentials are fake so nothing can reach real AWS."""
    for key, value in {
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield
