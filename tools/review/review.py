"""Review of a change, and a summary of the whole state, in Markdown.

    python -m tools.review.review [--base REF] [--fail-on-flagged]     (make review BASE=<ref>)
    python -m tools.review.review --state [--cdk-out DIR]              (make summary)

The change review synthesizes the working tree and BASE (by default the merge base with the
deploying branch) side by side (`tools.review.base_synth`) and prints, per stage and stack, what
moved: security-relevant changes first, flagged by severity (`tools.review.security_diff`), then
one line per other change, or "no change". The pull-request workflow posts it and fails on a
flagged change unless the pull request carries the `security-accepted` label.

The state summary lists what each stage deploys: sign-in options, MFA, password policy, token
lifetimes, clients, providers, triggers, identity pools, and every IAM role's actions and
resource patterns, across the stage's stacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auth_constructs import cfn_text
from stacks.outputs import deployed_stack_name
from stage_config.selection import select_delivery
from tools.review.base_synth import BaseError, resolve_base, synthesized
from tools.review.changes import readable as render
from tools.review.security_diff import markdown, stage_changes
from tools.review.templates import (
    ROOT,
    of_type,
    reviewed_templates,
    stage_stack_templates,
    with_outputs_inlined,
)


def user_pool_lines(template: dict[str, Any]) -> Iterator[str]:
    for logical_id, props in of_type(template, "AWS::Cognito::UserPool").items():
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
        issuer = props.get("IssuerConfiguration", {}).get("Type", "ORIGINAL")
        replicas = [
            r["RegionName"] for r in of_type(template, "AWS::Cognito::UserPoolReplica").values()
        ]
        yield f"- Issuer: {issuer}; replica: {', '.join(replicas) or 'none (one Region)'}"


def client_lines(template: dict[str, Any]) -> Iterator[str]:
    yield "**App clients**"
    for props in of_type(template, "AWS::Cognito::UserPoolClient").values():
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
    providers = of_type(template, "AWS::Cognito::UserPoolIdentityProvider").values()
    yield f"**Identity providers**: {len(providers) or 'none'}"
    for props in providers:
        details = props.get("ProviderDetails", {})
        yield (
            f"- {props['ProviderName']} ({props['ProviderType']}): scopes "
            f"{details.get('authorize_scopes', '-')}; maps "
            f"{', '.join(sorted(props.get('AttributeMapping', {})))}"
        )


def role_lines(stacks: dict[str, dict[str, Any]]) -> Iterator[str]:
    """Every role of every stack of the stage (logical ids repeat across stacks: each is named
    with its stack), with its trust and each statement."""
    yield "**IAM roles** (actions on resources)"
    for stack, template in stacks.items():
        yield from _stack_roles(stack, template)


def _stack_roles(stack: str, template: dict[str, Any]) -> Iterator[str]:
    policies = of_type(template, "AWS::IAM::Policy").values()
    for role_id, role in of_type(template, "AWS::IAM::Role").items():
        trust = role.get("AssumeRolePolicyDocument", {}).get("Statement", [])
        principals = sorted({render(v) for s in trust for v in s.get("Principal", {}).values()})
        yield f"- `{role_id}` ({stack}) trusted by {', '.join(principals)}"
        documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
        documents += [
            props["PolicyDocument"]
            for props in policies
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
    """Per stage: the Auth stack's pool, clients and providers, then the roles of every stack
    of the stage (the identity pools' roles are the Access stack's)."""
    lines = []
    for stage, stacks in stage_stack_templates(cdk_out).items():
        stacks = with_outputs_inlined(stacks)
        auth = stacks[deployed_stack_name(stage)]
        lines += [f"## {stage}", ""]
        for section in (user_pool_lines, client_lines, provider_lines):
            lines += [*section(auth), ""]
        lines += [*identity_pool_lines(stacks), ""]
        lines += [*role_lines(stacks), ""]
    return "\n".join(lines)


def identity_pool_lines(stacks: dict[str, dict[str, Any]]) -> Iterator[str]:
    """Each identity pool of the stage (with a replica, the secondary Region's too)."""
    yield "**Identity pools**"
    for stack, template in stacks.items():
        for pool_id, props in of_type(template, "AWS::Cognito::IdentityPool").items():
            providers = dict.fromkeys(
                render(p["ProviderName"]) for p in props.get("CognitoIdentityProviders", [])
            )
            yield (
                f"- `{pool_id}` ({stack}): guests {props.get('AllowUnauthenticatedIdentities')}; "
                f"classic flow {props.get('AllowClassicFlow')}; providers {', '.join(providers)}"
            )


def change_review(base_out: Path, cdk_out: Path, base: str) -> tuple[str, bool]:
    """The Markdown review from BASE's cloud assembly to the current one, and whether any
    change is flagged."""
    before = with_outputs_inlined(reviewed_templates(base_out))
    after = with_outputs_inlined(reviewed_templates(cdk_out))
    empty: dict[str, Any] = {"Resources": {}}
    lines, flagged = [f"# Security review against {base}", ""], False
    for name in [*after, *(n for n in before if n not in after)]:
        changes = stage_changes(name, before.get(name, empty), after.get(name, empty))
        flagged |= any(change.severity.flagged for change in changes)
        lines += markdown(name, changes, new_stage=name not in before)
    return "\n".join(lines), flagged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Review a change, or summarize the state.")
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument("--state", action="store_true", help="summarize the state of cdk.out")
    parser.add_argument("--base", default="", help="git ref to compare with (default: merge base)")
    parser.add_argument(
        "--no-synth",
        action="store_true",
        help="compare with the existing --cdk-out instead of synthesizing the working tree",
    )
    parser.add_argument(
        "--fail-on-flagged", action="store_true", help="exit 1 when a change is flagged"
    )
    args = parser.parse_args(argv)
    try:
        if args.state:
            print(review(args.cdk_out))
            return 0
        commit, described = resolve_base(args.base, select_delivery().branch)
        with synthesized(commit, args.cdk_out, synth_working_tree=not args.no_synth) as base_out:
            text, flagged = change_review(base_out, args.cdk_out, f"{described} ({commit[:12]})")
    except (FileNotFoundError, BaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(text)
    return 1 if flagged and args.fail_on_flagged else 0


if __name__ == "__main__":
    sys.exit(main())
