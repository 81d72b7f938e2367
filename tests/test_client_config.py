"""The client config files: every value from the deployed outputs or the stage config, and both
files valid against Amplify's own definition of outputs schema 1.4."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from stacks.outputs import (
    CROSS_STACK_OUTPUT_PREFIX,
    OPTIONAL_OUTPUTS,
    StackOutput,
    deployed_stack_name,
)
from stage_config import StageConfig
from stage_config.stages import STAGES
from tests.support.amplify import type_check
from tests.support.app import SynthesizedApp
from tests.support.configs import (
    APP_SCHEME,
    LIVE,
    LOGIN_DOMAIN,
    MODERATORS,
    PRIMARY,
    SANDBOX,
    SECONDARY,
    WEB_ORIGIN,
    live,
    replicated,
    sandbox,
    with_access,
)
from tests.support.paths import ROOT
from tools.deploy.client_config import (
    FILE_NAME,
    Client,
    OutputsError,
    client_config,
    main,
    secondary_identity_pool,
    stage_outputs,
)

REGION, POOL = "eu-west-1", "eu-west-1_AbC123"


def deployed_outputs(synthesized: SynthesizedApp, stage: str) -> dict[str, dict[str, str]]:
    """What `cdk deploy '<stage>/*' --outputs-file` would write: each stack's output names (not
    the cross-stack wiring), with values."""
    values: dict[str, str] = {
        StackOutput.REGION: REGION,
        StackOutput.DOMAIN_URL: "https://acme.auth.eu-west-1.amazoncognito.com",
        StackOutput.USER_POOL_ID: POOL,
        StackOutput.ISSUER_URL: f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}",
    }
    files = {}
    for stack in synthesized.stage(stage).stacks:
        outputs = synthesized.template_json(stage, stack).get("Outputs", {})
        names = [name for name in outputs if not name.startswith(CROSS_STACK_OUTPUT_PREFIX)]
        if names:
            files[stack.stack_name] = {
                name: values.get(name, f"{stack.node.id.lower()}-{name.lower()}-value")
                for name in names
            }
    return files


def documents(
    app: SynthesizedApp, stage: str, config: StageConfig, client: Client
) -> dict[str, Any]:
    """The client file `make client-config` writes for `client` from the stage's deploy."""
    deployed = deployed_outputs(app, stage)
    secondary = secondary_identity_pool(deployed, stage) if config.replica else None
    return client_config(
        stage_outputs(deployed, stage), config, client, secondary_identity_pool_id=secondary
    )


def test_every_stage_has_every_output_the_client_needs(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    required = {o.value for o in StackOutput if o not in OPTIONAL_OUTPUTS}
    assert required <= set(synthesized.template_json(stage_name)["Outputs"])


@pytest.fixture(scope="module")
def live_web(samples: SynthesizedApp) -> dict[str, Any]:
    return client_config(stage_outputs(deployed_outputs(samples, LIVE), LIVE), live(), Client.WEB)


def test_web_config_from_outputs_and_stage_config(live_web: dict[str, Any]) -> None:
    auth = live_web["auth"]
    assert live_web["version"] == "1.4"
    assert (auth["user_pool_id"], auth["user_pool_client_id"]) == (POOL, "auth-webclientid-value")
    assert auth["identity_pool_id"] == "auth-identitypoolid-value"
    assert auth["oauth"] == {
        "identity_providers": ["GOOGLE", "FACEBOOK", "SIGN_IN_WITH_APPLE", "LOGIN_WITH_AMAZON"],
        "domain": "acme.auth.eu-west-1.amazoncognito.com",
        "scopes": ["openid", "email", "profile", "photos/read", "photos/write"],
        "redirect_sign_in_uri": [f"{WEB_ORIGIN}/auth"],
        "redirect_sign_out_uri": [f"{WEB_ORIGIN}/"],
        "response_type": "code",
    }
    assert auth["password_policy"] == {
        "min_length": 12,
        "require_numbers": True,
        "require_lowercase": True,
        "require_uppercase": True,
        "require_symbols": True,
    }
    assert (auth["mfa_configuration"], auth["mfa_methods"]) == ("REQUIRED", ["TOTP"])
    assert auth["username_attributes"] == auth["user_verification_types"] == ["email"]
    assert auth["unauthenticated_identities_enabled"] is False
    assert {MODERATORS: {"precedence": 1}} in auth["groups"]
    assert live_web["storage"] == {"aws_region": REGION, "bucket_name": "auth-photosbucket-value"}
    assert live_web["custom"]["custom_identity_providers"] == ["Workforce", "Supplier"]
    assert live_web["custom"]["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"


def test_mobile_config_uses_the_mobile_client_and_app_scheme(samples: SynthesizedApp) -> None:
    outputs = stage_outputs(deployed_outputs(samples, LIVE), LIVE)
    mobile = client_config(outputs, live(), Client.MOBILE)
    assert mobile["auth"]["user_pool_client_id"] == "auth-mobileclientid-value"
    assert mobile["auth"]["oauth"]["redirect_sign_in_uri"] == [f"{APP_SCHEME}://auth"]
    assert mobile["auth"]["oauth"]["redirect_sign_out_uri"] == [f"{APP_SCHEME}://bye"]


def test_guest_flag_and_passwordless_follow_the_config(samples: SynthesizedApp) -> None:
    guests: StageConfig = with_access(
        sandbox(),
        allow_guest_access=True,
        guest_access_reason="Anyone may browse the public showcase gallery without an account.",
    )
    outputs = stage_outputs(deployed_outputs(samples, SANDBOX), SANDBOX)
    config = client_config(outputs, guests, Client.WEB)
    assert config["auth"]["unauthenticated_identities_enabled"] is True
    assert config["auth"]["mfa_configuration"] == "OPTIONAL"
    assert config["custom"]["passwordless"] == {"web_authn": True}


@pytest.fixture(scope="module")
def tsc_errors(
    synthesized: SynthesizedApp,
    samples: SynthesizedApp,
    live_web: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """One tsc run against `@aws-amplify/client-config`'s schema 1.4 types, over both clients of
    every stage of the user's config and of the test-owned ones, plus one file that lacks the
    redirect URIs Amplify's signInWithRedirect needs. Returns tsc's errors per file."""
    configs = {}
    for app, stage, config in [
        *((synthesized, name, factory()) for name, factory in STAGES.items()),
        (samples, LIVE, live()),
        (samples, SANDBOX, sandbox()),
    ]:
        for client in Client:
            configs[f"{stage}_{client.value}"] = documents(app, stage, config, client)
    oauth = {k: v for k, v in live_web["auth"]["oauth"].items() if k != "redirect_sign_in_uri"}
    configs["broken"] = {**live_web, "auth": {**live_web["auth"], "oauth": oauth}}
    result = type_check(configs, tmp_path_factory.mktemp("tsc"))
    errors = dict.fromkeys(configs, "")
    for line in result.stdout.splitlines():
        name = line.split(".ts(", 1)[0]
        if name in errors:
            errors[name] += line + "\n"
    assert result.returncode != 0, "the broken file must fail"
    return errors


def test_files_of_every_stage_fit_amplifys_schema(tsc_errors: dict[str, str]) -> None:
    assert {name: e for name, e in tsc_errors.items() if name != "broken"} == {
        name: "" for name in tsc_errors if name != "broken"
    }


def test_the_schema_check_is_real(tsc_errors: dict[str, str]) -> None:
    assert "redirect_sign_in_uri" in tsc_errors["broken"]


def test_cli_writes_both_files_for_a_stage_of_the_config(
    synthesized: SynthesizedApp,
    stage_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(deployed_outputs(synthesized, stage_name)))
    assert main([str(outputs), stage_name, "--out-dir", str(tmp_path)]) == 0
    web = json.loads((tmp_path / "amplify_outputs.json").read_text())
    mobile = json.loads((tmp_path / "amplify_outputs.mobile.json").read_text())
    assert web["auth"]["aws_region"] == mobile["auth"]["aws_region"] == REGION
    assert "amplify_outputs.mobile.json" in capsys.readouterr().out


def test_missing_stage_or_output_is_a_clear_error(samples: SynthesizedApp) -> None:
    outputs = deployed_outputs(samples, LIVE)
    with pytest.raises(OutputsError, match="no outputs for stack 'Other-Auth'"):
        stage_outputs(outputs, "Other")
    del outputs[deployed_stack_name(LIVE)][StackOutput.IDENTITY_POOL_ID]
    with pytest.raises(OutputsError, match=r"lacks outputs \['IdentityPoolId'\]"):
        stage_outputs(outputs, LIVE)


COGNITO_PROVIDER_NAMES = {
    "managed login": "COGNITO",
    "GOOGLE": "Google",
    "FACEBOOK": "Facebook",
    "SIGN_IN_WITH_APPLE": "SignInWithApple",
    "LOGIN_WITH_AMAZON": "LoginWithAmazon",
}


def amplify_js(script: str, config: dict[str, Any], path: Path) -> Any:
    """What `tests/ci/<script>` prints (JSON) once it has loaded `config`, written to `path`,
    into Amplify JS v6."""
    path.write_text(json.dumps(config))
    result = subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "node"),
            str(ROOT / "tests" / "ci" / script),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout)


def amplify_redirects(config: dict[str, Any], path: Path) -> list[dict[str, str]]:
    """Where Amplify JS v6 sends the browser for each sign-in option of this config file."""
    redirects: list[dict[str, str]] = amplify_js("amplify_redirect.mjs", config, path)
    return redirects


@pytest.mark.parametrize("client", list(Client))
def test_amplify_js_signs_in_through_every_provider_to_the_callback(
    synthesized: SynthesizedApp,
    stage_name: str,
    stage_config: StageConfig,
    client: Client,
    tmp_path: Path,
) -> None:
    config = documents(synthesized, stage_name, stage_config, client)
    oauth = config["auth"]["oauth"]
    redirects = amplify_redirects(config, tmp_path / FILE_NAME[client])
    expected = [
        "COGNITO",
        *(COGNITO_PROVIDER_NAMES[name] for name in oauth["identity_providers"]),
        *config["custom"]["custom_identity_providers"],
    ]
    assert [
        parse_qs(urlsplit(r["url"]).query)["identity_provider"][0] for r in redirects
    ] == expected
    for redirect in redirects:
        url = urlsplit(redirect["url"])
        query = parse_qs(url.query)
        assert (url.scheme, url.netloc, url.path) == ("https", oauth["domain"], "/oauth2/authorize")
        assert query["redirect_uri"] == [oauth["redirect_sign_in_uri"][0]], redirect
        assert query["client_id"] == [config["auth"]["user_pool_client_id"]]
        assert query["response_type"] == ["code"]
        assert query["code_challenge_method"] == ["S256"], "PKCE"


def test_a_replicated_stage_names_its_failover_endpoints_and_amplify_js_uses_them(
    tmp_path: Path,
) -> None:
    """The replica Region's user-pool endpoint and its identity pool (id and endpoint) under
    `custom.failover`: Amplify JS v6, pointed at them, sends its sign-in and its credential
    calls there (same user pool and client ids; managed login needs none of it, as its custom
    domain fails over by itself)."""
    config = replicated()
    outputs = stage_outputs({f"{LIVE}-Auth": {o.value: f"x-{o.value}" for o in StackOutput}}, LIVE)
    outputs = {
        **outputs,
        StackOutput.REGION: PRIMARY,
        StackOutput.USER_POOL_ID: f"{PRIMARY}_AbCdEf123",
        StackOutput.DOMAIN_URL: f"https://{LOGIN_DOMAIN.domain_name}",
    }
    secondary_pool = f"{SECONDARY}:11111111-2222-3333-4444-555555555555"
    with pytest.raises(OutputsError, match="secondary identity pool is needed"):
        client_config(outputs, config, Client.WEB)
    document = client_config(outputs, config, Client.WEB, secondary_identity_pool_id=secondary_pool)
    assert document["custom"]["failover"] == {
        "aws_region": SECONDARY,
        "identity_pool_id": secondary_pool,
        "endpoints": {
            "user_pool": f"https://cognito-idp.{SECONDARY}.amazonaws.com",
            "identity_pool": f"https://cognito-identity.{SECONDARY}.amazonaws.com",
        },
    }
    requests = amplify_js("amplify_endpoint.mjs", document, tmp_path / "amplify_outputs.json")
    assert [(urlsplit(r["url"]).netloc, r["target"]) for r in requests] == [
        (
            f"cognito-idp.{SECONDARY}.amazonaws.com",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        ),
        (f"cognito-identity.{SECONDARY}.amazonaws.com", "AWSCognitoIdentityService.GetId"),
        (
            f"cognito-identity.{SECONDARY}.amazonaws.com",
            "AWSCognitoIdentityService.GetCredentialsForIdentity",
        ),
    ]
    assert requests[1]["body"]["IdentityPoolId"] == secondary_pool
    without = client_config(outputs, live(), Client.WEB)
    assert "failover" not in without["custom"], "a stage without a replica has none"


def test_a_replicated_stage_needs_its_secondary_outputs(samples: SynthesizedApp) -> None:
    outputs = deployed_outputs(samples, LIVE)
    with pytest.raises(OutputsError, match=f"no IdentityPoolId of '{LIVE}-Secondary'"):
        secondary_identity_pool(outputs, LIVE)
    outputs[f"{LIVE}-Secondary"] = {"IdentityPoolId": "eu-central-1:abc"}
    assert secondary_identity_pool(outputs, LIVE) == "eu-central-1:abc"
