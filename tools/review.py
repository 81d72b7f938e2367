"""Synth review: a readable, Markdown summary of what each stage would deploy.

    python -m tools.review [--cdk-out DIR]        (make review; CI posts it on pull requests)

Reviewers of a pull request read this instead of thousands of template lines: sign-in options,
MFA, password policy, token lifetimes, clients, providers, triggers, and every IAM role's
actions and resource patterns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auth_constructs import cfn_text
from tools.templates import ROOT, stage_templates


def render(value: Any) -> str:
    """Readable text for a template value; conditions and other objects as sorted JSON."""
    try:
        return cfn_text.render(value)
    except ValueError:
        return json.dumps(value, sort_keys=True)


def _of_type(template: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] == kind:
            yield logical_id, resource.get("Properties", {})


def user_pool_lines(template: dict[str, Any]) -> Iterator[str]:
    for logical_id, props in _of_type(template, "AWS::Cognito::UserPool"):
        policies = props.get("Policies", {})
        password = policies.get("PasswordPolicy", {})
        factors = policies.get("SignInPolicy", {}).get("AllowedFirstAuthFactors", ["PASSWORD"])
        admin_only = props.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False)
        resource = template["Resources"][logical_id]
        yield (
            f"**User pool** `{logical_id}` ({resource.get('DeletionPolicy', 'Delete')}, "
            f"deletion protection {props.get('DeletionProtection', 'INACTIVE')})"
        )
        yield (
            f"- Sign-in: {', '.join(props.get('UsernameAttributes', ['username']))}; case "
            f"sensitive: {props.get('UsernameConfiguration', {}).get('CaseSensitive', True)}; "
            f"self sign-up: {not admin_only}; "
            f"first factors: {', '.join(factors)}"
        )
        yield (
            f"- MFA: {props.get('MfaConfiguration', 'OFF')} "
            f"({', '.join(props.get('EnabledMfas', [])) or 'no factor'})"
        )
        yield (
            f"- Password: min {password.get('MinimumLength')}, upper "
            f"{password.get('RequireUppercase')}, lower {password.get('RequireLowercase')}, "
            f"digits {password.get('RequireNumbers')}, symbols {password.get('RequireSymbols')}"
        )
        yield (
            f"- Plan: {props.get('UserPoolTier', 'ESSENTIALS')}; threat protection: "
            f"{props.get('UserPoolAddOns', {}).get('AdvancedSecurityMode', 'OFF')}; email: "
            f"{props.get('EmailConfiguration', {}).get('EmailSendingAccount', 'COGNITO_DEFAULT')}"
        )
        for trigger, target in sorted(props.get("LambdaConfig", {}).items()):
            if isinstance(target, dict) and "LambdaArn" in target:
                yield (
                    f"- Trigger {trigger}: {render(target['LambdaArn'])} "
                    f"(event {target.get('LambdaVersion', 'V1_0')})"
                )
            else:
                yield f"- Trigger {trigger}: {render(target)}"


def client_lines(template: dict[str, Any]) -> Iterator[str]:
    yield "**App clients**"
    for _, props in _of_type(template, "AWS::Cognito::UserPoolClient"):
        units = props.get("TokenValidityUnits", {})
        lifetimes = ", ".join(
            f"{name} {props[key]} {units.get(unit, 'default unit')}"
            for name, key, unit in (
                ("id", "IdTokenValidity", "IdToken"),
                ("access", "AccessTokenValidity", "AccessToken"),
                ("refresh", "RefreshTokenValidity", "RefreshToken"),
            )
            if key in props
        )
        yield (
            f"- `{props.get('ClientName')}`: secret {props.get('GenerateSecret', False)}; "
            f"flows {', '.join(props.get('AllowedOAuthFlows', [])) or '-'} + "
            f"{', '.join(props.get('ExplicitAuthFlows', [])) or '-'}; scopes "
            f"{render(props.get('AllowedOAuthScopes', [])) or '-'}; tokens: {lifetimes}"
        )
        yield (
            f"  - callbacks: {render(props.get('CallbackURLs', [])) or '-'}; logout: "
            f"{render(props.get('LogoutURLs', [])) or '-'}; providers: "
            f"{render(props.get('SupportedIdentityProviders', [])) or '-'}"
        )


def provider_lines(template: dict[str, Any]) -> Iterator[str]:
    providers = list(_of_type(template, "AWS::Cognito::UserPoolIdentityProvider"))
    yield f"**Identity providers**: {len(providers) or 'none'}"
    for _, props in providers:
        details = props.get("ProviderDetails", {})
        yield (
            f"- {props['ProviderName']} ({props['ProviderType']}): scopes "
            f"{details.get('authorize_scopes', '-')}; maps "
            f"{', '.join(sorted(props.get('AttributeMapping', {})))}"
        )


def role_lines(template: dict[str, Any]) -> Iterator[str]:
    yield "**IAM roles** (actions on resources)"
    policies = list(_of_type(template, "AWS::IAM::Policy"))
    for role_id, role in _of_type(template, "AWS::IAM::Role"):
        trust = role.get("AssumeRolePolicyDocument", {}).get("Statement", [])
        principals = sorted({render(v) for s in trust for v in s.get("Principal", {}).values()})
        yield f"- `{role_id}` trusted by {', '.join(principals)}"
        documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
        documents += [
            props["PolicyDocument"]
            for _, props in policies
            if {"Ref": role_id} in props.get("Roles", [])
        ]
        statements = [s for doc in documents for s in doc.get("Statement", [])]
        if not statements:
            yield "  - no permissions"
        for statement in statements:
            condition = " if " + render(statement["Condition"]) if "Condition" in statement else ""
            yield (
                f"  - {statement['Effect']} {', '.join(cfn_text.listed(statement['Action']))} on "
                f"{render(cfn_text.listed(statement['Resource']))}{condition}"
            )


def review(cdk_out: Path) -> str:
    lines = []
    for stage, template in stage_templates(cdk_out).items():
        lines += [f"## {stage}", ""]
        for section in (user_pool_lines, client_lines, provider_lines, role_lines):
            lines += [*section(template), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarize what each stage would deploy.")
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    args = parser.parse_args(argv)
    try:
        print(review(args.cdk_out))
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
