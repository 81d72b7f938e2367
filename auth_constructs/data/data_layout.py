"""Where each user's data lives and which OAuth scopes guard it: the contract between the
constructs, the client config, the smoke test and the tests. (No CDK here: tools import it.)

  s3://<photos bucket>/users/<sub>/...      a user's photos
  table: pk = <sub>, sk = free for the app  ("PROFILE" is written by post confirmation)
"""

from __future__ import annotations

USER_PREFIX = "users/"
PARTITION_KEY = "pk"
SORT_KEY = "sk"

RESOURCE_SERVER = "photos"
PHOTO_SCOPES = {"read": "Read your photos", "write": "Upload and delete your photos"}
"""Scopes of the photos resource server: `photos/read`, `photos/write`."""
OPENID_SCOPES = ("openid", "email", "profile")
"""Standard scopes every hosted client asks for, besides the photo scopes."""


def user_prefix(sub: str) -> str:
    """The key prefix of one user's photos."""
    return f"{USER_PREFIX}{sub}/"


def resource_server_scopes() -> tuple[str, ...]:
    """The photos resource server's scopes as tokens carry them: `photos/read`, ..."""
    return tuple(f"{RESOURCE_SERVER}/{name}" for name in PHOTO_SCOPES)


def hosted_client_scopes() -> list[str]:
    """Every scope a hosted (web, mobile) client may request."""
    return [*OPENID_SCOPES, *resource_server_scopes()]
