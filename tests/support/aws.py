"""A moto account for one test: fake credentials in the environment, every service mocked; one
cache of botocore's service models for every session the tests create; and moto's keys made
once per process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import botocore.loaders
import botocore.session
import moto.cognitoidp.models
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwk
from moto import mock_aws
from moto.acm.models import CertBundle


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


@pytest.fixture(scope="session", autouse=True)
def moto_keys_made_once() -> Iterator[None]:
    """moto gives every user pool the signing key of one file of its own, and importing that RSA
    key validates it (about 20 ms); it gives every ACM certificate a new 2048-bit key (about
    60 ms) and validates it again (about 50 ms). The tests create pools and certificates by the
    hundred, in fresh accounts: here the pools' key is imported once, every certificate gets one
    key, made on the first request, and each key is validated once. Nothing the tests read
    changes: the pools' key was always the same, a certificate's key never leaves moto."""
    pool_keys: dict[str, jwk.RSAKey] = {}

    def import_once(value: dict[str, Any]) -> jwk.RSAKey:
        text = json.dumps(value, sort_keys=True)
        if text not in pool_keys:
            pool_keys[text] = jwk.RSAKey.import_key(value)
        return pool_keys[text]

    certificate_keys: list[rsa.RSAPrivateKey] = []
    generate_cert = CertBundle.generate_cert.__func__  # type: ignore[attr-defined]
    generate_key = rsa.generate_private_key

    def one_key(**parameters: Any) -> rsa.RSAPrivateKey:
        if not certificate_keys:
            certificate_keys.append(generate_key(**parameters))
        return certificate_keys[0]

    def generate_with_one_key(cls: type[CertBundle], *args: Any, **kwargs: Any) -> CertBundle:
        with patch.object(rsa, "generate_private_key", one_key):
            bundle: CertBundle = generate_cert(cls, *args, **kwargs)
            return bundle

    validate_key = CertBundle.validate_pk
    loaded_keys: dict[bytes, Any] = {}

    def validate_each_key_once(bundle: CertBundle) -> Any:
        if bundle.key not in loaded_keys:
            loaded_keys[bundle.key] = validate_key(bundle)
        return loaded_keys[bundle.key]

    pools_jwk = SimpleNamespace(RSAKey=SimpleNamespace(import_key=import_once))
    with (
        patch.object(moto.cognitoidp.models, "jwk", pools_jwk),
        patch.object(CertBundle, "generate_cert", classmethod(generate_with_one_key)),
        patch.object(CertBundle, "validate_pk", validate_each_key_once),
    ):
        yield
