"""Write the files Amplify JS (v6) loads, from a stage's deployed outputs and its config.

    cdk deploy 'Prod/*' --outputs-file outputs.json
    make client-config STAGE=Prod OUTPUTS=outputs.json
        -> amplify_outputs.json (web client), amplify_outputs.mobile.json (mobile client)

Both follow Amplify's outputs schema version 1.4 (`@aws-amplify/client-config`, type
`clientConfigTypesV1_4.AWSAmplifyBackendOutputs`; the tests type-check them against it). What
that schema has no field for sits under `custom`: OIDC and SAML provider names (its
`identity_providers` lists only the four built-in ones; sign in with
`signInWithRedirect({ provider: { custom: name } })`), passwordless factors, the table, the
per-user photo prefix, and for the local backend (`make local`) `endpoints`, the emulator's URL
for the user pool, identity pool and S3 calls. Every value comes from the outputs, the stage
config or the caller.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from auth_constructs.data.data_layout import hosted_client_scopes, user_prefix
from auth_constructs.identity.sign_in import PASSWORD_POLICY, USERNAME_ATTRIBUTE
from stacks.outputs import (
    OPTIONAL_OUTPUTS,
    SECONDARY_STACK_ID,
    SecondaryOutput,
    StackOutput,
    deployed_stack_name,
)
from stage_config import ConfigError, HostedClientConfig, MfaMode, ProviderKind, StageConfig
from stage_config.selection import select_stages

Outputs = Mapping[StackOutput, str]
SCHEMA_VERSION = "1.4"
AMPLIFY_PROVIDER_NAMES = {
    ProviderKind.GOOGLE: "GOOGLE",
    ProviderKind.FACEBOOK: "FACEBOOK",
    ProviderKind.APPLE: "SIGN_IN_WITH_APPLE",
    ProviderKind.AMAZON: "LOGIN_WITH_AMAZON",
}
MFA_CONFIGURATION = {
    MfaMode.OFF: "NONE",
    MfaMode.OPTIONAL: "OPTIONAL",
    MfaMode.REQUIRED: "REQUIRED",
}


class Client(StrEnum):
    WEB = "web"
    MOBILE = "mobile"


CLIENT_ID = {Client.WEB: StackOutput.WEB_CLIENT_ID, Client.MOBILE: StackOutput.MOBILE_CLIENT_ID}
FILE_NAME = {Client.WEB: "amplify_outputs.json", Client.MOBILE: "amplify_outputs.mobile.json"}


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


def secondary_identity_pool(all_outputs: Mapping[str, Mapping[str, str]], stage: str) -> str:
    """The secondary Region's identity pool id, from the stage's Secondary stack outputs."""
    stack = deployed_stack_name(stage, SECONDARY_STACK_ID)
    found = all_outputs.get(stack, {}).get(SecondaryOutput.IDENTITY_POOL_ID.value)
    if found is None:
        raise OutputsError(
            f"{stage} has a replica but the file has no {SecondaryOutput.IDENTITY_POOL_ID.value} "
            f"of {stack!r}: deploy '{stage}/*' with --outputs-file, which writes every stack's"
        )
    return found


def _hosted(config: StageConfig, client: Client) -> HostedClientConfig:
    pool = config.user_pool
    return pool.web_client if client is Client.WEB else pool.mobile_client


def client_config(
    outputs: Outputs,
    config: StageConfig,
    client: Client,
    *,
    endpoint: str | None = None,
    secondary_identity_pool_id: str | None = None,
) -> dict[str, Any]:
    """The Amplify outputs document; with `endpoint` (the local emulator's), `custom.endpoints`
    names where the app sends its Cognito and S3 calls instead of AWS. A stage with a replica
    needs `secondary_identity_pool_id` (its Secondary stack's output)."""
    region = outputs[StackOutput.REGION]
    pool = config.user_pool
    hosted = _hosted(config, client)
    mfa = pool.mfa
    passwordless = {
        factor: True
        for factor, on in (
            ("email_otp", pool.passwordless.email_otp),
            ("web_authn", pool.passwordless.passkeys),
        )
        if on
    }
    custom: dict[str, Any] = {
        "client": client.value,
        "items_table": outputs[StackOutput.ITEMS_TABLE],
        "photos_prefix": user_prefix("<sub>"),
        "custom_identity_providers": list(config.custom_provider_names),
    }
    if StackOutput.ISSUER_URL in outputs:  # absent only where the stage leaves it out
        custom["issuer"] = outputs[StackOutput.ISSUER_URL]
    if passwordless:
        custom["passwordless"] = passwordless
    if endpoint:
        custom["endpoints"] = dict.fromkeys(("user_pool", "identity_pool", "s3"), endpoint)
    if config.replica:
        if secondary_identity_pool_id is None:
            raise OutputsError(
                f"{config.name} has a replica: its secondary identity pool is needed"
            )
        custom["failover"] = failover(config.replica.region, secondary_identity_pool_id)
    return {
        "version": SCHEMA_VERSION,
        "auth": {
            "aws_region": region,
            "user_pool_id": outputs[StackOutput.USER_POOL_ID],
            "user_pool_client_id": outputs[CLIENT_ID[client]],
            "identity_pool_id": outputs[StackOutput.IDENTITY_POOL_ID],
            "password_policy": {
                "min_length": PASSWORD_POLICY.min_length,
                "require_numbers": PASSWORD_POLICY.require_digits,
                "require_lowercase": PASSWORD_POLICY.require_lowercase,
                "require_uppercase": PASSWORD_POLICY.require_uppercase,
                "require_symbols": PASSWORD_POLICY.require_symbols,
            },
            "oauth": {
                "identity_providers": [
                    amplify_name
                    for provider in config.federation
                    for kind, amplify_name in AMPLIFY_PROVIDER_NAMES.items()
                    if provider.name == kind.value
                ],
                "domain": outputs[StackOutput.DOMAIN_URL].removeprefix("https://"),
                "scopes": hosted_client_scopes(),
                "redirect_sign_in_uri": list(hosted.callback_urls),
                "redirect_sign_out_uri": list(hosted.logout_urls),
                "response_type": "code",
            },
            "standard_required_attributes": [USERNAME_ATTRIBUTE],
            "username_attributes": [USERNAME_ATTRIBUTE],
            "user_verification_types": [USERNAME_ATTRIBUTE],
            "unauthenticated_identities_enabled": config.data_access.allow_guest_access,
            "mfa_configuration": MFA_CONFIGURATION[mfa.mode],
            "mfa_methods": [m for m, on in (("SMS", mfa.sms), ("TOTP", mfa.totp)) if on],
            "groups": [{g.name: {"precedence": g.precedence}} for g in pool.groups],
        },
        "storage": {"aws_region": region, "bucket_name": outputs[StackOutput.PHOTOS_BUCKET]},
        "custom": custom,
    }


def failover(secondary: str, identity_pool_id: str) -> dict[str, Any]:
    """Where an app goes while the primary Region is out: the replica's Region, its user-pool
    endpoint for the calls the app makes itself (SRP sign-in, token refresh; Amplify JS v6 takes
    it as `Auth.Cognito.userPoolEndpoint`, and the pool and client ids stay the same), and the
    secondary identity pool with its endpoint (`identityPoolId`, `identityPoolEndpoint`), which
    hands out the same roles. Managed login needs none of it: its custom domain fails over by
    itself."""
    return {
        "aws_region": secondary,
        "identity_pool_id": identity_pool_id,
        "endpoints": {
            "user_pool": f"https://cognito-idp.{secondary}.amazonaws.com",
            "identity_pool": f"https://cognito-identity.{secondary}.amazonaws.com",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outputs_file", type=Path, help="the file from cdk deploy --outputs-file")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    parser.add_argument("--out-dir", type=Path, default=Path("."), help="where to write the files")
    args = parser.parse_args(argv)
    try:
        (config,) = select_stages([args.stage])
        all_outputs = json.loads(args.outputs_file.read_text())
        outputs = stage_outputs(all_outputs, args.stage)
        secondary = secondary_identity_pool(all_outputs, args.stage) if config.replica else None
    except (ConfigError, OutputsError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for client in Client:
        target = args.out_dir / FILE_NAME[client]
        document = client_config(outputs, config, client, secondary_identity_pool_id=secondary)
        target.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {target} ({client.value} client)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
