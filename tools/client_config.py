"""Write the client configuration file a web or mobile app loads, from a stage's outputs.

    cdk deploy 'Prod/*' --outputs-file outputs.json
    python -m tools.client_config outputs.json Prod > client-config.json

The shape follows Amplify's `amplify_outputs.json` (auth, storage), so Amplify JS can load it
directly; what Amplify has no field for (the mobile client, the table) sits under `custom`.
Every value comes from the deployed outputs or the stage config, none is written here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auth_constructs.data_layout import hosted_client_scopes, user_prefix
from stacks.outputs import OPTIONAL_OUTPUTS, StackOutput, deployed_stack_name
from stage_config import ConfigError, StageConfig
from stage_config.selection import select_stages

Outputs = Mapping[StackOutput, str]


class OutputsError(ValueError):
    """The outputs file lacks the stage or one of the outputs the client needs."""


def stage_outputs(all_outputs: Mapping[str, Mapping[str, str]], stage: str) -> Outputs:
    """The outputs of the stage's Auth stack, keyed by StackOutput."""
    stack = deployed_stack_name(stage)
    if stack not in all_outputs:
        raise OutputsError(f"no outputs for stack {stack!r}; the file has {sorted(all_outputs)}")
    found = all_outputs[stack]
    missing = [o.value for o in StackOutput if o not in OPTIONAL_OUTPUTS and o.value not in found]
    if missing:
        raise OutputsError(f"{stack} lacks outputs {missing}: deploy the current code first")
    return {o: found[o.value] for o in StackOutput if o.value in found}


def client_config(outputs: Outputs, config: StageConfig) -> dict[str, Any]:
    region = outputs[StackOutput.REGION]
    return {
        "version": "1.3",
        "auth": {
            "aws_region": region,
            "user_pool_id": outputs[StackOutput.USER_POOL_ID],
            "user_pool_client_id": outputs[StackOutput.WEB_CLIENT_ID],
            "identity_pool_id": outputs[StackOutput.IDENTITY_POOL_ID],
            "unauthenticated_identities_enabled": config.data_access.allow_guest_access,
            "username_attributes": ["email"],
            "oauth": {
                "domain": outputs[StackOutput.DOMAIN_URL].removeprefix("https://"),
                "scopes": hosted_client_scopes(),
                "response_type": "code",
            },
        },
        "storage": {"aws_region": region, "bucket_name": outputs[StackOutput.PHOTOS_BUCKET]},
        "custom": {
            "issuer": outputs[StackOutput.ISSUER_URL],
            "mobile_client_id": outputs[StackOutput.MOBILE_CLIENT_ID],
            "items_table": outputs[StackOutput.ITEMS_TABLE],
            "photos_prefix": user_prefix("<sub>"),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outputs_file", type=Path, help="the file from cdk deploy --outputs-file")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    args = parser.parse_args(argv)
    try:
        (config,) = select_stages([args.stage])
        outputs = stage_outputs(json.loads(args.outputs_file.read_text()), args.stage)
    except (ConfigError, OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(client_config(outputs, config), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
