"""User migration: the legacy store (a local HTTP server speaking the documented contract, its
token in moto Secrets Manager) verifies the password; the user comes over CONFIRMED, without a
welcome message, with the attributes the pool keeps; the password is never logged."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from secret_values import secret_value
from trigger_common import GENERIC_FAILURE, MalformedEventError, UserFacingError
from user_migration.index import NOT_MIGRATED, handler
from user_migration.legacy_store import REQUEST_TIMEOUT_SECONDS, HttpsLegacyStore
from user_migration.settings import UserMigrationSettings

from tests.support.triggers import REGION, FakeLambdaContext, event_names, load_event

PASSWORD = "Legacy-Pa55word!"
TOKEN = "legacy-token-0123456789"
SECRET = "acme/live/legacy"
LEGACY_USER = {
    "email": "alice@example.com",
    "email_verified": True,
    "name": "Alice Example",
    "password_hash": "$2b$12$neverCopied",
    "role": "admin",
}


class Legacy(BaseHTTPRequestHandler):
    """The old system: /authenticate checks the password, /lookup finds the user."""

    seen: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    status: ClassVar[int | None] = None  # force an answer (an outage)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Legacy.seen.append((self.path, self.headers["Authorization"], body))
        known = body.get("username") == LEGACY_USER["email"]
        if self.path == "/cognito/authenticate":
            known = known and body.get("password") == PASSWORD
        status = Legacy.status or (200 if known else 401)
        payload = json.dumps({"attributes": LEGACY_USER} if status == 200 else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def legacy_url() -> Iterator[str]:
    Legacy.seen, Legacy.status = [], None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Legacy)
    # A short poll: `shutdown` waits for the loop's next look, half a second by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cognito"
    server.shutdown()


@pytest.fixture
def settings(aws: None, legacy_url: str) -> UserMigrationSettings:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET, SecretString=json.dumps({"token": TOKEN})
    )
    secret_value.cache_clear()
    return UserMigrationSettings(
        endpoint_url=legacy_url, api_key_secret=SECRET, api_key_field="token"
    )


def migrate(event: dict[str, Any], settings: UserMigrationSettings) -> dict[str, Any]:
    result: dict[str, Any] = handler(event, FakeLambdaContext(), settings=settings)
    return result


def test_fixtures_cover_both_sources() -> None:
    assert event_names("UserMigration_") == [
        "UserMigration_Authentication",
        "UserMigration_ForgotPassword",
    ]


@pytest.mark.parametrize("source", event_names("UserMigration_"))
def test_a_legacy_user_comes_over_confirmed_and_unannounced(
    settings: UserMigrationSettings, source: str
) -> None:
    out = migrate(load_event(source), settings)["response"]
    assert out["finalUserStatus"] == "CONFIRMED"
    assert out["messageAction"] == "SUPPRESS"
    assert out["userAttributes"] == {
        "email": "alice@example.com",
        "email_verified": "true",
        "name": "Alice Example",
    }, "only the attributes the pool keeps: no hash, no legacy role"


def test_the_password_goes_to_the_legacy_store_with_the_token(
    settings: UserMigrationSettings,
) -> None:
    migrate(load_event("UserMigration_Authentication"), settings)
    migrate(load_event("UserMigration_ForgotPassword"), settings)
    assert Legacy.seen == [
        (
            "/cognito/authenticate",
            f"Bearer {TOKEN}",
            {"username": "alice@example.com", "password": PASSWORD},
        ),
        ("/cognito/lookup", f"Bearer {TOKEN}", {"username": "alice@example.com"}),
    ]


@pytest.mark.parametrize(
    "change",
    [{"request": {"password": "wrong-password"}}, {"userName": "mallory@example.com"}],
    ids=["wrong password", "unknown user"],
)
def test_anyone_else_is_refused_in_cognitos_words(
    settings: UserMigrationSettings, change: dict[str, Any]
) -> None:
    event = load_event("UserMigration_Authentication")
    for key, value in change.items():
        event[key] = {**event[key], **value} if isinstance(value, dict) else value
    with pytest.raises(UserFacingError, match=f"^{NOT_MIGRATED}$"):
        migrate(event, settings)
    assert event["response"]["finalUserStatus"] is None, "nothing half-written"


def test_an_outage_fails_with_the_generic_message(settings: UserMigrationSettings) -> None:
    Legacy.status = 500
    event = load_event("UserMigration_Authentication")
    with pytest.raises(UserFacingError, match=GENERIC_FAILURE):
        migrate(event, settings)
    assert event["response"]["userAttributes"] is None


def test_a_silent_legacy_system_fails_within_cognitos_wait() -> None:
    """A server that accepts and never answers: the call gives up after its timeout, well inside
    the function's 3 s and Cognito's 5 s."""
    import socket
    import time

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        store = HttpsLegacyStore(f"http://127.0.0.1:{listener.getsockname()[1]}", TOKEN)
        start = time.monotonic()
        with pytest.raises(Exception, match="failed: TimeoutError"):
            store.lookup("alice@example.com")
    assert time.monotonic() - start < REQUEST_TIMEOUT_SECONDS + 0.5


def test_the_password_and_token_are_never_logged(
    settings: UserMigrationSettings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    migrate(load_event("UserMigration_Authentication"), settings)
    wrong = load_event("UserMigration_Authentication")
    wrong["request"]["password"] = "Other-Secret-42"
    with pytest.raises(UserFacingError):
        migrate(wrong, settings)
    Legacy.status = 500
    with pytest.raises(UserFacingError):
        migrate(load_event("UserMigration_Authentication"), settings)
    logged = caplog.text + "".join(capsys.readouterr())
    assert "UserMigration_Authentication: migrated" in logged
    assert "HTTP 500" in logged, "the capture sees the failure"
    for secret in (PASSWORD, "Other-Secret-42", TOKEN):
        assert secret not in logged


class Unasked:
    def authenticate(self, username: str, password: str) -> None:
        raise AssertionError("no call for a malformed event")

    def lookup(self, username: str) -> None:
        raise AssertionError("no call for a malformed event")


@pytest.mark.parametrize("password", [None, "", 42], ids=["missing", "empty", "not a string"])
def test_a_password_sign_in_without_a_password_is_malformed(password: object) -> None:
    event = load_event("UserMigration_Authentication")
    event["request"]["password"] = password
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), store=Unasked(), settings=None)
    assert str(refused.value) == "event.request.password is missing or not a string"


def test_another_source_is_named() -> None:
    event = load_event("UserMigration_Authentication")
    event["triggerSource"] = "UserMigration_SomethingNew"
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), store=Unasked(), settings=None)
    assert str(refused.value) == "'UserMigration_SomethingNew' is not a user migration source"


class Recorded:
    """A legacy store that knows everyone, noting which call it answered."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.calls: list[str] = []

    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        self.calls.append("authenticate")
        return self.record

    def lookup(self, username: str) -> dict[str, Any]:
        self.calls.append("lookup")
        return self.record


def test_a_password_reset_looks_the_user_up_whatever_the_event_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = load_event("UserMigration_ForgotPassword")
    event["request"]["password"] = PASSWORD  # Cognito sends none for this source
    store = Recorded(LEGACY_USER)
    with caplog.at_level("INFO", logger="trigger"):
        handler(event, FakeLambdaContext(), store=store, settings=None)
    assert store.calls == ["lookup"]
    assert [r.getMessage() for r in caplog.records] == ["UserMigration_ForgotPassword: migrated"]


@pytest.mark.parametrize(
    ("legacy", "attributes"),
    [
        (
            {"email": "a@example.com", "email_verified": "true", "name": 42, "locale": ""},
            {"email": "a@example.com", "email_verified": "true"},
        ),
        (
            {"email": "a@example.com", "email_verified": False, "given_name": "A"},
            {"email": "a@example.com", "email_verified": "false", "given_name": "A"},
        ),
        (
            {"email": "a@example.com", "email_verified": "TRUE"},
            {"email": "a@example.com", "email_verified": "false"},
        ),
    ],
    ids=["only non-empty strings kept", "not verified", "only true or 'true' verifies"],
)
def test_the_attributes_a_migrated_user_gets(
    legacy: dict[str, Any], attributes: dict[str, str]
) -> None:
    event = load_event("UserMigration_ForgotPassword")
    handler(event, FakeLambdaContext(), store=Recorded(legacy), settings=None)
    assert event["response"]["userAttributes"] == attributes


def test_a_user_the_legacy_store_refuses_is_logged_by_source(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Refusing:
        def authenticate(self, username: str, password: str) -> None:
            return None

        def lookup(self, username: str) -> None:
            return None

    event = load_event("UserMigration_ForgotPassword")
    with caplog.at_level("INFO", logger="trigger"), pytest.raises(UserFacingError):
        handler(event, FakeLambdaContext(), store=Refusing(), settings=None)
    assert [r.getMessage() for r in caplog.records] == [
        "UserMigration_ForgotPassword: not migrated (unknown to the legacy store, or refused)"
    ]


def test_a_legacy_record_without_an_email_is_not_migrated() -> None:
    class NoEmail:
        def authenticate(self, username: str, password: str) -> dict[str, Any]:
            return {"name": "Alice"}

        def lookup(self, username: str) -> dict[str, Any]:
            return {"name": "Alice"}

    event = load_event("UserMigration_ForgotPassword")
    with pytest.raises(MalformedEventError) as refused:
        handler(event, FakeLambdaContext(), store=NoEmail(), settings=None)
    assert str(refused.value) == "the legacy record has no email address"
    assert event["response"]["userAttributes"] is None
