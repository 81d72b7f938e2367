"""A moto account for one test: fake credentials in the environment, every service mocked; and
one cache of botocore's service models for every session the tests create."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import botocore.loaders
import botocore.session
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


@pytest.fixture(scope="session", autouse=True)
def one_model_cache() -> Iterator[None]:
    """Every botocore session reads the service models through a loader of its own, which parses
    each model's JSON again; moto starts a new default session in every test, and the tools
    under test build theirs. Their loaders share one cache here (botocore's `instance_cache`
    keeps its entries in the loader's `_cache`), so each model is parsed once per process.
    The search paths are the same for every session the tests make, so the entries are too."""
    shared: dict[tuple[Any, ...], Any] = {}
    create = botocore.session.create_loader

    def create_sharing(*args: Any, **kwargs: Any) -> botocore.loaders.Loader:
        loader = create(*args, **kwargs)
        loader._cache = shared
        return loader

    with patch.object(botocore.session, "create_loader", create_sharing):
        yield
