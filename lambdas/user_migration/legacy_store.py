"""The seam to the legacy user store, and the shipped implementation: the old system's HTTPS
endpoint, called with a bearer token from Secrets Manager.

The contract (docs/custom-senders-and-migration.md, "The legacy endpoint"):
POST <url>/authenticate {"username", "password"} and POST <url>/lookup {"username"}, each
answering 200 {"attributes": {"email": ..., "email_verified": true, ...}} for a known user (and,
for /authenticate, the right password), or 401/404 for anyone else. Any other answer, or no
answer within the timeout, is a failure (the user sees the generic message and can retry).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol

REQUEST_TIMEOUT_SECONDS = 1.5
"""Per socket operation (connect, each read): with the secret's first read (at most 1.5 s) it stays
within the function's 3 s, and Cognito's 5 s."""
NOT_FOUND = frozenset({401, 403, 404})


class LegacyStore(Protocol):
    """The user's attributes in the legacy store, or None for an unknown user (or, for
    `authenticate`, a wrong password)."""

    def authenticate(self, username: str, password: str) -> Mapping[str, Any] | None: ...

    def lookup(self, username: str) -> Mapping[str, Any] | None: ...


class LegacyStoreError(Exception):
    """The legacy system answered something other than a user or 'no such user' (the message
    names the status only: never the request)."""


class HttpsLegacyStore:
    def __init__(self, base_url: str, token: str) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._tls = ssl.create_default_context()

    def authenticate(self, username: str, password: str) -> Mapping[str, Any] | None:
        return self._post("authenticate", {"username": username, "password": password})

    def lookup(self, username: str) -> Mapping[str, Any] | None:
        return self._post("lookup", {"username": username})

    def _post(self, path: str, body: Mapping[str, str]) -> Mapping[str, Any] | None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the config's https:// one
            f"{self._base}/{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=REQUEST_TIMEOUT_SECONDS, context=self._tls
            ) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code in NOT_FOUND:
                return None
            raise LegacyStoreError(f"legacy {path} answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise LegacyStoreError(f"legacy {path} failed: {type(error).__name__}") from None
        attributes = answer.get("attributes") if isinstance(answer, dict) else None
        if not isinstance(attributes, dict):
            raise LegacyStoreError(f"legacy {path} answered without an attributes object")
        return attributes
