"""Back up a deployed stage's user directory now: the scheduled export, started on demand.

    make backup STAGE=Prod OUTPUTS=outputs.json

Starts the stage's backup state machine (the same export, budget and bucket as the daily
schedule) and waits for it, or follows the run already under way; prints the manifest's location
and counts. Needs AWS credentials allowed `states:ListExecutions`, `states:StartExecution` and
`states:DescribeExecution` on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from stacks.outputs import StackOutput
from tools.deploy.client_config import Outputs, OutputsError, stage_outputs

POLL_SECONDS = 20.0


def start_and_wait(
    states: Any,
    machine_arn: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the export (or follow the one already running: two at once would spend the request
    budget twice); its final cursor (with the manifest key) or RuntimeError."""
    running = states.list_executions(
        stateMachineArn=machine_arn, statusFilter="RUNNING", maxResults=1
    )["executions"]
    if running:
        execution = running[0]["executionArn"]
        say(f"a backup is already running, following it: {execution}")
    else:
        execution = states.start_execution(stateMachineArn=machine_arn, input="{}")["executionArn"]
        say(f"started {execution}")
    while True:
        described = states.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        sleep(POLL_SECONDS)
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(
            f"the backup ended {described['status']}: {described.get('error', '')} "
            f"{described.get('cause', '')}".strip()
        )
    result: dict[str, Any] = json.loads(described["output"])
    return result


def backup_outputs(outputs: Outputs) -> tuple[str, str, str]:
    """(region, bucket, state machine ARN), or OutputsError for a stage without the backup."""
    try:
        return (
            outputs[StackOutput.REGION],
            outputs[StackOutput.DIRECTORY_BACKUP_BUCKET],
            outputs[StackOutput.DIRECTORY_BACKUP_RUN],
        )
    except KeyError:
        raise OutputsError(
            "the stage has no directory backup outputs: turn directory_backup on and deploy"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Back up a stage's user directory now.")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    parser.add_argument("--outputs", type=Path, required=True, help="cdk deploy --outputs-file")
    args = parser.parse_args(argv)
    try:
        outputs = stage_outputs(json.loads(args.outputs.read_text()), args.stage)
        region, bucket, machine = backup_outputs(outputs)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        cursor = start_and_wait(boto3.client("stepfunctions", region_name=region), machine)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in cursor["counts"].items())
    print(f"backed up: s3://{bucket}/{cursor['manifest']} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
