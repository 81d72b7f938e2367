"""The codes Cognito sends a custom sender: base64 ciphertext of the AWS Encryption SDK under
the pool's KMS key. The function decrypts them with that key only (a strict provider: a
ciphertext naming any other key is refused), and never logs the plaintext."""

from __future__ import annotations

import base64
import binascii
from functools import cache
from typing import Any, Protocol

from trigger_common import MalformedEventError


class Codes(Protocol):
    """The seam to KMS: the plaintext of a code or temporary password."""

    def decrypt(self, ciphertext: bytes) -> str: ...


def ciphertext_of(code: str) -> bytes:
    """The ciphertext in `event.request.code`, or MalformedEventError."""
    try:
        return base64.b64decode(code, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedEventError("event.request.code is not base64") from None


class EncryptionSdkCodes:
    """Decrypts with the AWS Encryption SDK; `key_provider` is the master key provider (KMS in
    Lambda, a raw key in tests). Codes are at most a temporary password long."""

    MAX_PLAINTEXT_BYTES = 1024

    def __init__(self, key_provider: Any) -> None:
        import aws_encryption_sdk
        from aws_encryption_sdk.identifiers import CommitmentPolicy

        # Cognito encrypts without key commitment; decrypting must allow it.
        self._client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
        )
        self._key_provider = key_provider

    def decrypt(self, ciphertext: bytes) -> str:
        plaintext, _header = self._client.decrypt(
            source=ciphertext, key_provider=self._key_provider
        )
        if len(plaintext) > self.MAX_PLAINTEXT_BYTES:
            raise MalformedEventError("event.request.code decrypts to more than a code")
        return bytes(plaintext).decode("utf-8")


@cache
def kms_codes(key_arn: str) -> EncryptionSdkCodes:
    """Codes under `key_arn`, one per warm container (the provider caches its KMS client)."""
    import aws_encryption_sdk
    import botocore.session

    return EncryptionSdkCodes(
        aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
            key_ids=[key_arn], botocore_session=botocore.session.get_session()
        )
    )
