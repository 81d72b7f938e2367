"""Write the client configuration file a web or mobile app loads, from a stage's outputs.

    cdk deploy 'Prod/*' --outputs-file outputs.json
    python -m tools.client_config outputs.json Prod > client-config.json

The shape follows Amplify's `amplify_outputs.json` (auth, storage), so Amplify JS can load it
directly; what Amplify has no field for (the mobile client, the table) sits under `custom`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REQUIRED = (
    "Region",
    "UserPoolId",
    "WebClientId",
    "MobileClientId",
    "IdentityPoolId",
    "DomainUrl",
    "PhotosBucket",
    "ItemsTable",
)
SCOPES = ["openid", "email", "profile", "photos/read", "photos/write"]


class OutputsError(ValueError):
    """The outputs file lacks the stage or one of the outputs the client needs."""


def stage_outputs(all_outputs: Mapping[str, Mapping[str, str]], stage: str) -> Mapping[str, str]:
    """The outputs of `<stage>/Auth`, which the CLI writes under the stack name `<stage>-Auth`."""
    stack = f"{stage}-Auth"
    if stack not in all_outputs:
        raise OutputsError(f"no outputs for stack {stack!r}; the file has {sorted(all_outputs)}")
    outputs = all_outputs[stack]
    missing = [key for key in REQUIRED if key not in outputs]
    if missing:
        raise OutputsError(f"{stack} lacks outputs {missing}: deploy the current code first")
    return outputs


def client_config(outputs: Mapping[str, str]) -> dict[str, Any]:
    region = outputs["Region"]
    domain = outputs["DomainUrl"].removeprefix("https://")
    return {
        "version": "1.3",
        "auth": {
            "aws_region": region,
            "user_pool_id": outputs["UserPoolId"],
            "user_pool_client_id": outputs["WebClientId"],
            "identity_pool_id": outputs["IdentityPoolId"],
            "unauthenticated_identities_enabled": False,
            "username_attributes": ["email"],
            "oauth": {"domain": domain, "scopes": SCOPES, "response_type": "code"},
        },
        "storage": {"aws_region": region, "bucket_name": outputs["PhotosBucket"]},
        "custom": {
            "issuer": f"https://cognito-idp.{region}.amazonaws.com/{outputs['UserPoolId']}",
            "mobile_client_id": outputs["MobileClientId"],
            "items_table": outputs["ItemsTable"],
            "photos_prefix": "users/<sub>/",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outputs_file", type=Path, help="the file from cdk deploy --outputs-file")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    args = parser.parse_args(argv)
    try:
        outputs = stage_outputs(json.loads(args.outputs_file.read_text()), args.stage)
    except (OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(client_config(outputs), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
