"""A developer's personal sandbox in the shared account: a copy of Dev under their name.

    python -m tools.deploy.sandbox deploy [--name NAME]     make sandbox [NAME=alice]
    python -m tools.deploy.sandbox destroy [--name NAME]    make sandbox-destroy [NAME=alice]

The name defaults to git's user.name, reduced to lowercase letters and digits. `deploy` runs
`cdk deploy 'Sandbox<Name>/*'` and writes the outputs and both Amplify client files into
`sandbox/<name>/`; `destroy` empties the sandbox's buckets (every object version and delete
marker: CloudFormation cannot delete a bucket that holds any) and runs `cdk destroy`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3

from stacks.outputs import deployed_stack_name
from stage_config import ConfigError, StageConfig
from stage_config.sandbox import sandbox, sandbox_name
from tools.deploy.client_config import FILE_NAME, Client, client_config, stage_outputs

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[[Sequence[str]], int]


def run_command(command: Sequence[str]) -> int:
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603


def git_user_name() -> str:
    found = subprocess.run(
        ["git", "config", "user.name"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip()


def developer(name: str | None, git_name: Callable[[], str] = git_user_name) -> str:
    """The sandbox name: NAME if given, else git's user.name reduced to a valid name."""
    return name if name else sandbox_name(git_name())


def folder(name: str) -> Path:
    return ROOT / "sandbox" / name


def cdk(action: str, config: StageConfig, name: str, *extra: str) -> list[str]:
    return ["cdk", action, f"{config.name}/*", "-c", f"sandbox={name}", *extra]


def deploy(name: str, run: Run = run_command) -> int:
    config = sandbox(name)
    outputs = folder(name) / "outputs.json"
    outputs.parent.mkdir(parents=True, exist_ok=True)
    code = run(
        cdk("deploy", config, name, "--require-approval", "never", "--outputs-file", str(outputs))
    )
    if code:
        return code
    deployed = stage_outputs(json.loads(outputs.read_text()), config.name)
    for client in Client:
        target = outputs.parent / FILE_NAME[client]
        target.write_text(json.dumps(client_config(deployed, config, client), indent=2) + "\n")
        print(f"wrote {target} ({client.value} client)")
    return 0


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker in `bucket`; the number deleted."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if keys:  # a page holds at most 1000, DeleteObjects' limit
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def stack_buckets(cloudformation: Any, stack: str) -> list[str]:
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::S3::Bucket"]


def destroy(name: str, session: boto3.Session, run: Run = run_command) -> int:
    config = sandbox(name)
    s3 = session.client("s3")
    for bucket in stack_buckets(session.client("cloudformation"), deployed_stack_name(config.name)):
        print(f"emptied s3://{bucket} ({empty_bucket(s3, bucket)} versions)")
    return run(cdk("destroy", config, name, "--force"))


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy or destroy a personal sandbox.")
    parser.add_argument("action", choices=("deploy", "destroy"))
    parser.add_argument("--name", help="the sandbox's name (default: from git's user.name)")
    args = parser.parse_args(argv)
    try:
        name = developer(args.name)
        sandbox(name)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.action == "deploy":
        return deploy(name)
    return destroy(name, session or boto3.Session())


if __name__ == "__main__":
    sys.exit(main())
