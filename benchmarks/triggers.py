"""Per trigger: import time (fresh interpreter), warm invoke median/p99, zipped asset size.

AWS calls are stubbed with the same in-memory seams the tests use; settings come from the
TRIGGER_CONFIG environment variable exactly as in Lambda. Goals: import <= 150 ms, warm median
<= 1 ms, asset <= 100 KB.
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
from pathlib import Path
from typing import Any

from benchmarks.timing import ROOT

LAMBDAS = ROOT / "lambdas"
IMPORT_RUNS = 7
WARM_CALLS = 3000

SETTINGS: dict[str, dict[str, Any]] = {
    "pre_sign_up": {"denied_email_domains": ["mailinator.com"], "link_federated": True},
    "post_confirmation": {"table_name": "items", "default_group": "members"},
    "pre_token_generation": {
        "elevated_groups": ["admins"],
        "extra_claims": {"app:stage": "dev"},
        "access_token_scopes": ["photos/read"],
    },
    "custom_message": {"app_name": "PhotoShare", "app_url": "https://photos.example.com"},
}
EVENTS = {
    "pre_sign_up": "PreSignUp_ExternalProvider",
    "post_confirmation": "PostConfirmation_ConfirmSignUp",
    "pre_token_generation": "TokenGeneration_RefreshTokens",
    "custom_message": "CustomMessage_SignUp",
}


def import_ms(trigger: str) -> float:
    """Median wall time of `import <trigger>.index` in a fresh interpreter."""
    code = (
        f"import time; t = time.perf_counter(); import {trigger}.index; "
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
    from tests.triggers.fakes import EmptyDirectory, RecordingStore

    os.environ["TRIGGER_CONFIG"] = json.dumps(SETTINGS[trigger])
    handler: Callable[..., Any] = import_module(f"{trigger}.index").handler
    all_seams: dict[str, dict[str, Any]] = {
        "pre_sign_up": {"directory": EmptyDirectory()},
        "post_confirmation": {"store": RecordingStore()},
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


def asset_kb(trigger: str) -> float:
    """Size of the deployment zip: the trigger folder with its symlink followed, as CDK does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((LAMBDAS / trigger).iterdir()):
            if path.suffix == ".py":
                archive.writestr(path.name, Path(path).resolve().read_bytes())
    return len(buffer.getvalue()) / 1024


def main() -> None:
    sys.path.insert(0, str(LAMBDAS))
    print(
        f"{'trigger':<22}{'import ms':>10}{'warm median ms':>16}{'warm p99 ms':>13}{'asset KB':>10}"
    )
    for trigger in SETTINGS:
        median, p99 = warm_ms(trigger)
        print(
            f"{trigger:<22}{import_ms(trigger):>10.1f}{median:>16.4f}{p99:>13.4f}"
            f"{asset_kb(trigger):>10.1f}"
        )
    print("goals: import <= 150 ms, warm median <= 1 ms, asset <= 100 KB")
