"""Helpers of the trigger tests: JSON events, a Lambda context, moto tables and pools, and
in-memory seams. Handlers import as `<trigger>.index` with `lambdas/` on the path, as in Lambda
(pytest's `pythonpath`)."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from custom_message.settings import CustomMessageSettings
from custom_sender.settings import CustomSenderSettings
from message_text import Message
from post_authentication.settings import PostAuthenticationSettings
from post_confirmation.index import Profile
from post_confirmation.settings import PostConfirmationSettings
from pre_authentication.settings import PreAuthenticationSettings
from pre_sign_up.settings import PreSignUpSettings
from pre_token_generation.settings import PreTokenGenerationSettings

from tests.support.paths import ROOT

EVENTS = ROOT / "tests" / "events"
REGION = "eu-west-1"
TABLE = "items"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return copy.deepcopy(event)


def event_names(prefix: str) -> list[str]:
    return sorted(p.stem for p in EVENTS.glob(f"{prefix}*.json"))


@dataclass
class FakeLambdaContext:
    """What handlers may read from the Lambda context (they read nothing, but type it)."""

    function_name: str = "trigger"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:trigger"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def create_items_table(client: Any, name: str) -> None:
    """The items table as the stack defines it (pk/sk strings, on demand), on moto."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )


@dataclass
class Pool:
    client: Any
    pool_id: str

    def add_user(self, email: str, *, verified: bool, confirmed: bool = True) -> str:
        """Create a native user; returns the username Cognito assigned (a UUID here)."""
        user = self.client.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": str(verified).lower()},
            ],
        )["User"]
        if confirmed:
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=email, Password="Correct-Horse-9!", Permanent=True
            )
        return str(user["Username"])


@dataclasses.dataclass
class RecordingStore:
    """Post-confirmation store that records writes instead of calling AWS."""

    profiles: list[Profile] = dataclasses.field(default_factory=list)
    memberships: list[str] = dataclasses.field(default_factory=list)

    def create_profile(self, profile: Profile) -> bool:
        self.profiles.append(profile)
        return True

    def add_to_group(self, pool_id: str, username: str, group: str) -> None:
        self.memberships.append(group)


class EmptyDirectory:
    """Pre-sign-up directory with no native users: nothing is ever linked."""

    def verified_native_user(self, pool_id: str, email: str) -> str | None:
        return None

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None:
        raise AssertionError("unreachable: there is no native user to link to")


GROUP = "everyone"
PRE_SIGN_UP = PreSignUpSettings(
    allowed_email_domains=(),
    denied_email_domains=(),
    auto_confirm=False,
    auto_verify_email=False,
    link_federated=True,
    custom_providers=(),
)
POST_CONFIRMATION = PostConfirmationSettings(table_name=TABLE, default_group=GROUP)
PRE_TOKEN_GENERATION = PreTokenGenerationSettings(
    elevated_groups=("moderators",),
    extra_claims={"acme:tier": "live"},
    access_token_scopes=("photos/read", "photos/write"),
    server_claims={"acme:tenant": "gallery"},
)
CUSTOM_MESSAGE = CustomMessageSettings(
    app_name="Acme Gallery", app_url="https://gallery.example.net"
)
PRE_AUTHENTICATION = PreAuthenticationSettings(table_name=TABLE)
POST_AUTHENTICATION = PostAuthenticationSettings(table_name=TABLE)


def custom_sender(channel: str, provider: str) -> CustomSenderSettings:
    return CustomSenderSettings(
        channel=channel,
        app_name=CUSTOM_MESSAGE.app_name,
        app_url=CUSTOM_MESSAGE.app_url,
        key_arn=f"arn:aws:kms:{REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        provider=provider,
        options={"from_address": "no-reply@gallery.example.net", "region": REGION}
        if channel == "email"
        else {},
        api_key_secret="",
        api_key_field="",
    )


CUSTOM_EMAIL_SENDER = custom_sender("email", "ses")
CUSTOM_SMS_SENDER = custom_sender("sms", "sns")


@dataclasses.dataclass
class RecordingDelivery:
    """A custom sender's provider that records what it is asked to send."""

    sent: list[tuple[str, Message]] = dataclasses.field(default_factory=list)

    def send(self, recipient: str, message: Message) -> None:
        self.sent.append((recipient, message))


@contextmanager
def local_zone(zone: str) -> Iterator[None]:
    """The process's local time zone is `zone` inside the block (TZ, then tzset), as a Lambda
    runtime's may be; the previous one after it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", zone)
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()
