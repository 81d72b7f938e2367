"""Per trigger: import time (fresh interpreter, beyond boto3), warm invoke median/p99, zipped
asset size, and the custom senders' dependency layer.

AWS calls are stubbed with null seams; settings come from the environment exactly as in Lambda
(each trigger's settings, written as the construct writes them). Goals: import <= 150 ms, warm
median <= 1 ms, asset <= 100 KB.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from importlib import import_module
from typing import Any

from custom_message.settings import CustomMessageSettings
from custom_sender.settings import CustomSenderSettings
from post_authentication.settings import PostAuthenticationSettings
from post_confirmation.settings import PostConfirmationSettings
from pre_authentication.settings import PreAuthenticationSettings
from pre_sign_up.settings import PreSignUpSettings
from pre_token_generation.settings import PreTokenGenerationSettings
from trigger_settings import TriggerSettings, forget_loaded_settings
from user_migration.settings import UserMigrationSettings

from benchmarks.timing import ROOT

LAMBDAS = ROOT / "lambdas"
IMPORT_RUNS = 7
WARM_CALLS = 3000

PRE_SIGN_UP = PreSignUpSettings(
    allowed_email_domains=(),
    denied_email_domains=("spam.example",),
    auto_confirm=False,
    auto_verify_email=False,
    link_federated=True,
    custom_providers=(),
)
POST_CONFIRMATION = PostConfirmationSettings(table_name="items", default_group="everyone")
SETTINGS: dict[str, TriggerSettings] = {
    "pre_sign_up": PRE_SIGN_UP,
    "post_confirmation": POST_CONFIRMATION,
    "pre_token_generation": PreTokenGenerationSettings(
        elevated_groups=("moderators",),
        extra_claims={"app:stage": "bench"},
        access_token_scopes=("photos/read",),
        server_claims={},
    ),
    "custom_message": CustomMessageSettings(app_name="Bench", app_url="https://bench.example"),
    "pre_authentication": PreAuthenticationSettings(table_name="items"),
    "post_authentication": PostAuthenticationSettings(table_name="items"),
    **{
        f"custom_{channel}_sender": CustomSenderSettings(
            channel=channel,
            app_name="Bench",
            app_url="https://bench.example",
            key_arn="arn:aws:kms:eu-west-1:123456789012:key/bench",
            provider=provider,
            options={},
            api_key_secret="",
            api_key_field="",
        )
        for channel, provider in (("email", "ses"), ("sms", "sns"))
    },
    "user_migration": UserMigrationSettings(
        endpoint_url="https://legacy.bench.example",
        api_key_secret="bench/legacy",  # noqa: S106 - a secret's name, not its value
        api_key_field="",
    ),
}
COLD_IMPORTS = {
    "custom_email_sender": "import aws_encryption_sdk; ",
    "custom_sms_sender": "import aws_encryption_sdk; ",
}
"""What a trigger imports on its first invocation besides its module: the senders' Encryption
SDK (and `cryptography`), counted in their import time."""
SENDER_LAYER = ROOT / ".build" / "sender-layer"
EVENTS = {
    "pre_sign_up": "PreSignUp_ExternalProvider",
    "post_confirmation": "PostConfirmation_ConfirmSignUp",
    "pre_token_generation": "TokenGeneration_RefreshTokens",
    "custom_message": "CustomMessage_SignUp",
    "pre_authentication": "PreAuthentication_Authentication",
    "post_authentication": "PostAuthentication_Authentication",
    "custom_email_sender": "CustomEmailSender_SignUp",
    "custom_sms_sender": "CustomSMSSender_SignUp",
    "user_migration": "UserMigration_Authentication",
}


def import_ms(trigger: str) -> float:
    """Median wall time of `import <trigger>.index` (and its first invocation's imports) in a
    fresh interpreter, boto3 (in the Lambda runtime already) imported before the clock starts."""
    code = (
        "import boto3, time; t = time.perf_counter(); "
        f"import {trigger}.index; {COLD_IMPORTS.get(trigger, '')}"
        "print((time.perf_counter() - t) * 1000)"
    )
    env = {**os.environ, "PYTHONPATH": str(LAMBDAS)}
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return statistics.median(samples)


def warm_ms(trigger: str) -> tuple[float, float]:
    """Median and p99 of one handler call after a warm-up, seams stubbed."""
    os.environ.update(SETTINGS[trigger].to_environment())
    module = import_module(f"{trigger}.index")
    forget_loaded_settings()
    handler: Callable[..., Any] = module.handler
    all_seams: dict[str, dict[str, Any]] = {
        "pre_sign_up": {"directory": NullDirectory()},
        "post_confirmation": {"store": NullStore()},
        "pre_authentication": {"profiles": NullProfiles()},
        "post_authentication": {"profiles": NullProfiles()},
        "custom_email_sender": {"codes": NullCodes(), "delivery": NullDelivery()},
        "custom_sms_sender": {"codes": NullCodes(), "delivery": NullDelivery()},
        "user_migration": {"store": NullLegacy()},
    }
    seams = all_seams.get(trigger, {})
    event = json.loads((ROOT / "tests" / "events" / f"{EVENTS[trigger]}.json").read_text())
    for _ in range(100):
        handler(json.loads(json.dumps(event)), None, **seams)
    samples = []
    for _ in range(WARM_CALLS):
        fresh = json.loads(json.dumps(event))
        start = time.perf_counter_ns()
        handler(fresh, None, **seams)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def asset_kb() -> float:
    """Size of the one deployment zip all triggers share: the `lambdas/` folder's Python files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(LAMBDAS.rglob("*.py")):
            archive.writestr(str(path.relative_to(LAMBDAS)), path.read_bytes())
    return len(buffer.getvalue()) / 1024


class NullDirectory:
    """No native users: nothing is linked (the common first federated sign-in)."""

    def verified_native_user(self, pool_id: str, email: str) -> str | None:
        return None

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None:
        raise AssertionError("unreachable without a native user")


class NullStore:
    def create_profile(self, profile: object) -> bool:
        return True

    def add_to_group(self, pool_id: str, username: str, group: str) -> None:
        return None


class NullProfiles:
    """Pre and post authentication's profile seam, answering without AWS."""

    def is_suspended(self, sub: str) -> bool:
        return False

    def record_sign_in(self, sub: str, at: str) -> bool:
        return True


class NullLegacy:
    """The legacy store, answering without a network: every user known."""

    def authenticate(self, username: str, password: str) -> dict[str, str]:
        return {"email": username}

    def lookup(self, username: str) -> dict[str, str]:
        return {"email": username}


class NullCodes:
    def decrypt(self, ciphertext: bytes) -> str:
        return "123456"


class NullDelivery:
    def send(self, recipient: str, message: object) -> None:
        return None


def sender_layer() -> tuple[float, float]:
    """The senders' dependency layer: MB on disk and MB zipped (what Lambda stores)."""
    files = sorted(p for p in (SENDER_LAYER / "python").rglob("*") if p.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.writestr(str(path.relative_to(SENDER_LAYER)), path.read_bytes())
    on_disk = sum(p.stat().st_size for p in files)
    return on_disk / 2**20, len(buffer.getvalue()) / 2**20


def main() -> None:
    print(f"{'trigger':<22}{'import ms':>10}{'warm median ms':>16}{'warm p99 ms':>13}")
    for trigger in SETTINGS:
        median, p99 = warm_ms(trigger)
        print(f"{trigger:<22}{import_ms(trigger):>10.1f}{median:>16.4f}{p99:>13.4f}")
    print(f"shared asset of all triggers, zipped: {asset_kb():.1f} KB")
    disk, zipped = sender_layer()
    print(f"custom senders' layer (Encryption SDK): {disk:.1f} MB, zipped {zipped:.1f} MB")
    print("(import times of the senders: the host's build of the same pins; the layer is arm64)")
    print("goals: import <= 150 ms, warm median <= 1 ms, asset <= 100 KB")
