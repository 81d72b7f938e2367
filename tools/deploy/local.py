"""The local backend: the ministack emulator, with the Local stage deployed into it by the real
CDK CLI (docs/local-backend.md).

    python -m tools.deploy.local up      make local       start, bootstrap, deploy, seed, configure
    python -m tools.deploy.local down    make local-stop  stop what `up` started

`up` starts ministack from its own venv (.venv-local: it pins an older botocore than the project's)
in the background on 127.0.0.1, with its pid and log in `.local/`, waits for its health check,
runs `cdk bootstrap` and `cdk deploy 'Local/*'` against its endpoint, creates a few confirmed
users (passwords generated per run, written to `.local/users.json`), and writes the Amplify
client files for the Local stage into `.local/`, their endpoints pointing at the emulator.
Nothing here reaches AWS: every AWS call, the CLI's included, goes to the emulator's endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from stacks.outputs import StackOutput
from stage_config.local import LOCAL_STAGE, local
from tools.deploy.client_config import FILE_NAME, Client, client_config, stage_outputs

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".local"
EMULATOR_PYTHON = ROOT / ".venv-local" / "bin" / "python"
ACCOUNT = "000000000000"
"""ministack's account id (its MINISTACK_ACCOUNT_ID default)."""
REGION = "us-east-1"
DUMMY_KEYS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
"""What the emulator accepts as keys (it enforces no IAM): not a secret."""
SEEDED_USERS = ("alice@example.com", "bob@example.com")
HEALTH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
Run = Callable[[Sequence[str], Mapping[str, str]], int]


@dataclass(frozen=True)
class Paths:
    """Where one local backend keeps its state (`.local/` unless a test says otherwise)."""

    root: Path

    @property
    def pid(self) -> Path:
        return self.root / "ministack.pid"

    @property
    def log(self) -> Path:
        return self.root / "ministack.log"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs.json"

    @property
    def users(self) -> Path:
        return self.root / "users.json"


def endpoint_url(port: int) -> str:
    return f"http://localhost:{port}"


def emulator_environ(endpoint: str, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with every AWS client (boto3, the CDK CLI) pointed at the emulator: its
    endpoint, Region and dummy keys, and no profile or real credentials left to fall back on."""
    kept = {
        k: v
        for k, v in environ.items()
        if not k.startswith(("AWS_", "CDK_DEFAULT_")) and k != "AWS_PROFILE"
    }
    return {
        **kept,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_KEYS["aws_secret_access_key"],
    }


def emulator_client(service: str, endpoint: str) -> Any:
    """A boto3 client of the emulator's `service`."""
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **DUMMY_KEYS)


def running_pid(paths: Paths) -> int | None:
    """The pid in the pid file if that process still runs and is the emulator (a stale file's
    pid may since belong to someone else's process, which `stop` must never signal)."""
    try:
        pid = int(paths.pid.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if command[:3] == [str(EMULATOR_PYTHON).encode(), b"-m", b"ministack"] else None


def healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(paths: Paths, port: int) -> int:
    """Start ministack in the background (its own session, so `stop` ends it and nothing
    else), unless this backend's is already running; wait until it answers its health check."""
    endpoint = endpoint_url(port)
    if (pid := running_pid(paths)) is not None:
        if not healthy(endpoint):
            raise SystemExit(f"error: ministack (pid {pid}) is not at {endpoint}: make local-stop")
        print(f"ministack already running (pid {pid}) at {endpoint}")
        return pid
    if not EMULATOR_PYTHON.exists():
        raise SystemExit(f"error: {EMULATOR_PYTHON} is missing; run `make local` (it creates it)")
    if healthy(endpoint):
        raise SystemExit(f"error: something else answers at {endpoint}; stop it or pass --port")
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.log.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(EMULATOR_PYTHON), "-m", "ministack"],
            env={
                "PATH": os.environ.get("PATH", ""),
                "GATEWAY_PORT": str(port),
                "BIND_HOST": "127.0.0.1",
                "MINISTACK_REGION": REGION,
                "TMPDIR": str(paths.root),  # its own pid file lands here, not in /tmp
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    paths.pid.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while not healthy(endpoint):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(paths)
            raise SystemExit(f"error: ministack did not become healthy; see {paths.log}")
        time.sleep(0.5)
    print(f"ministack running (pid {process.pid}) at {endpoint}; log {paths.log}")
    return process.pid


def stop(paths: Paths) -> bool:
    """End the emulator `start` started (its whole process group); False if none ran."""
    pid = running_pid(paths)
    paths.pid.unlink(missing_ok=True)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
    return True


def run_command(command: Sequence[str], environ: Mapping[str, str]) -> int:
    try:
        return subprocess.run(command, cwd=ROOT, env=dict(environ), check=False).returncode  # noqa: S603
    except FileNotFoundError:
        print(f"error: {command[0]} is not installed: run `make local`", file=sys.stderr)
        return 127


def cdk_commands(outputs: Path) -> list[list[str]]:
    """The real CDK CLI: bootstrap the emulator's account, then deploy the Local stage alone."""
    context = ["-c", "local=true", "-c", f"stages={LOCAL_STAGE}"]
    return [
        ["cdk", "bootstrap", f"aws://{ACCOUNT}/{REGION}", *context],
        [
            "cdk",
            "deploy",
            f"{LOCAL_STAGE}/*",
            *context,
            "--require-approval",
            "never",
            "--outputs-file",
            str(outputs),
        ],
    ]


def seed_users(idp: Any, user_pool_id: str, names: Sequence[str] = SEEDED_USERS) -> dict[str, str]:
    """Confirmed users with passwords generated on each call (`make local` again, on a running
    emulator, keeps the users and gives them new passwords)."""
    users = {}
    for name in names:
        password = secrets.token_urlsafe(12) + "aA1!"
        with suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=user_pool_id,
                Username=name,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": name},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
        idp.admin_set_user_password(
            UserPoolId=user_pool_id, Username=name, Password=password, Permanent=True
        )
        users[name] = password
    return users


def write_client_files(paths: Paths, endpoint: str) -> list[Path]:
    """The Amplify files of the Local stage, their endpoints pointing at the emulator."""
    outputs = stage_outputs(json.loads(paths.outputs.read_text()), LOCAL_STAGE)
    written = []
    for client in Client:
        target = paths.root / FILE_NAME[client]
        document = client_config(outputs, local(), client, endpoint=endpoint)
        target.write_text(json.dumps(document, indent=2) + "\n")
        written.append(target)
    return written


def up(paths: Paths, port: int, run: Run = run_command) -> int:
    endpoint = endpoint_url(port)
    start(paths, port)
    environ = emulator_environ(endpoint, os.environ)
    # The pinned CDK CLI and Node first, as the Makefile has them.
    environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{environ.get('PATH', '')}"
    for command in cdk_commands(paths.outputs):
        if code := run(command, environ):
            print(f"error: {' '.join(command)} exited {code}", file=sys.stderr)
            return code
    outputs = stage_outputs(json.loads(paths.outputs.read_text()), LOCAL_STAGE)
    idp = emulator_client("cognito-idp", endpoint)
    users = seed_users(idp, outputs[StackOutput.USER_POOL_ID])
    paths.users.touch()
    paths.users.chmod(0o600)  # passwords: readable by their owner only
    paths.users.write_text(json.dumps(users, indent=2) + "\n")
    print(f"seeded {', '.join(users)} (passwords in {paths.users})")
    for target in write_client_files(paths, endpoint):
        print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop the local backend.")
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=int, default=4566, help="the emulator's port")
    args = parser.parse_args(argv)
    paths = Paths(STATE)
    if args.action == "up":
        return up(paths, args.port)
    print("stopped ministack" if stop(paths) else "no local backend was running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
