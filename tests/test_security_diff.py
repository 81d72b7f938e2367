"""`make review BASE=<ref>`: each security-relevant kind of change is flagged with its severity,
on pairs of small apps (before, after); a change that moves nothing prints "no change".

All pairs live in one CDK app as stacks `<kind>Before` / `<kind>After`, synthesized once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from aws_cdk import App, CfnDeletionPolicy, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from auth_constructs.protection.edge_protection import EdgeProtection
from stage_config import StatefulPolicy, WafConfig
from tools.review.changes import Change, Severity
from tools.review.iam_diff import iam_changes
from tools.review.security_diff import GROUP, markdown, stage_changes

PHOTOS = "arn:aws:s3:::photos/*"
Build = Callable[[Stack, bool], None]
"""Adds the resources of one side of a pair (`after` False: BASE, True: the change)."""


def pool(stack: Stack, **overrides: Any) -> cognito.UserPool:
    settings: dict[str, Any] = {
        "sign_in_aliases": cognito.SignInAliases(email=True),
        "mfa": cognito.Mfa.REQUIRED,
        "mfa_second_factor": cognito.MfaSecondFactor(otp=True, sms=False),
        "password_policy": cognito.PasswordPolicy(min_length=12, require_symbols=True),
        "feature_plan": cognito.FeaturePlan.PLUS,
        "standard_threat_protection_mode": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        "deletion_protection": True,
        "removal_policy": RemovalPolicy.RETAIN,
    }
    return cognito.UserPool(stack, "Pool", **(settings | overrides))


def override_pair(path: str, before: Any, after: Any) -> Build:
    """The pool with one template property set (a setting CDK spreads over several options)."""

    def build(stack: Stack, changed: bool) -> None:
        cfn = pool(stack).node.default_child
        assert isinstance(cfn, cognito.CfnUserPool)
        cfn.add_property_override(path, after if changed else before)

    return build


def pool_pair(**after: Any) -> Build:
    def build(stack: Stack, changed: bool) -> None:
        pool(stack, **(after if changed else {}))

    return build


APP_CALLBACK, APP_HOME = "https://app.example.net/cb", "https://app.example.net/"


def oauth(
    callbacks: tuple[str, ...] = (APP_CALLBACK,), logouts: tuple[str, ...] = (APP_HOME,)
) -> cognito.OAuthSettings:
    """The web client's code-flow settings, with these redirect URLs."""
    return cognito.OAuthSettings(
        flows=cognito.OAuthFlows(authorization_code_grant=True),
        callback_urls=list(callbacks),
        logout_urls=list(logouts),
    )


def client(stack: Stack, **overrides: Any) -> None:
    settings: dict[str, Any] = {
        "user_pool_client_name": "web",
        "o_auth": oauth(),
        "refresh_token_validity": Duration.days(7),
    }
    pool(stack).add_client("Web", **(settings | overrides))


def client_pair(**after: Any) -> Build:
    return lambda stack, changed: client(stack, **(after if changed else {}))


def identity_pool_pair(**after: bool) -> Build:
    def build(stack: Stack, changed: bool) -> None:
        settings: dict[str, Any] = {
            "allow_unauthenticated_identities": False,
            "allow_classic_flow": False,
        }
        cognito.CfnIdentityPool(stack, "Ids", **(settings | (after if changed else {})))

    return build


def principal_tags(stack: Stack, claim: str) -> None:
    cognito.CfnIdentityPoolPrincipalTag(
        stack,
        "Tags",
        identity_pool_id="ids",
        identity_provider_name="provider",
        principal_tags={"sub": claim},
    )


def role(
    stack: Stack,
    statements: list[iam.PolicyStatement],
    principal: iam.IPrincipal | None = None,
) -> None:
    created = iam.Role(
        stack, "Photos", assumed_by=principal or iam.ServicePrincipal("lambda.amazonaws.com")
    )
    for statement in statements:
        created.add_to_policy(statement)


def grant(actions: list[str], resources: list[str], **kwargs: Any) -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=actions, resources=resources, **kwargs)


def role_pair(before: list[iam.PolicyStatement], after: list[iam.PolicyStatement]) -> Build:
    return lambda stack, changed: role(stack, after if changed else before)


TAGGED = {"StringEquals": {"aws:PrincipalTag/team": "photos"}}
KEY = "arn:aws:kms:eu-west-1:111111111111:key/1111"
VIA_S3 = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}


def trust_pair(before: iam.IPrincipal, after: iam.IPrincipal) -> Build:
    read = [grant(["s3:GetObject"], [PHOTOS])]
    return lambda stack, changed: role(stack, read, after if changed else before)


def github(*subjects: str) -> iam.IPrincipal:
    return iam.WebIdentityPrincipal(
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        conditions={"StringEquals": {"token.actions.githubusercontent.com:sub": list(subjects)}},
    )


def bucket_pair(*origins: str) -> Build:
    def build(stack: Stack, changed: bool) -> None:
        allowed = ["https://app.example.net", *(origins if changed else ())]
        s3.CfnBucket(
            stack,
            "Photos",
            cors_configuration=s3.CfnBucket.CorsConfigurationProperty(
                cors_rules=[
                    s3.CfnBucket.CorsRuleProperty(allowed_methods=["GET"], allowed_origins=allowed)
                ]
            ),
        )

    return build


def provider(
    stack: Stack, name: str, mapping: dict[str, str], issuer: str = "https://login.example.net"
) -> None:
    cognito.CfnUserPoolIdentityProvider(
        stack,
        f"Idp{name}",
        user_pool_id="eu-west-1_Pool",
        provider_name=name,
        provider_type="OIDC",
        provider_details={"oidc_issuer": issuer, "client_id": "app"},
        attribute_mapping=mapping,
    )


def providers_pair(after: dict[str, dict[str, str]]) -> Build:
    before = {"Corp": {"email": "email"}}

    def build(stack: Stack, changed: bool) -> None:
        for name, mapping in (after if changed else before).items():
            provider(stack, name, mapping)

    return build


def web_acl(stack: Stack, limit: int) -> None:
    """The project's own web ACL construct on a pool, at `limit` requests per IP."""
    EdgeProtection(
        stack,
        "Edge",
        user_pool=pool(stack),
        config=WafConfig(rate_limit=limit),
        log_retention_days=7,
        stateful=StatefulPolicy(retain=False, deletion_protection=False),
    )


def waf_pair(limit: int | None) -> Build:
    def build(stack: Stack, changed: bool) -> None:
        if not changed:
            web_acl(stack, 1000)
        elif limit is None:
            pool(stack)
        else:
            web_acl(stack, limit)

    return build


def table(stack: Stack, **overrides: Any) -> None:
    """The items table as production keeps it: deletion-protected, retained on delete and on
    replacement; `overrides` set `deletion_protection_enabled` or a policy to `None`."""
    settings: dict[str, Any] = {
        "deletion_protection_enabled": True,
        "deletion_policy": CfnDeletionPolicy.RETAIN,
        "update_replace_policy": CfnDeletionPolicy.RETAIN,
    } | overrides
    items = dynamodb.CfnTable(
        stack,
        "Items",
        key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name="pk", key_type="HASH")],
        attribute_definitions=[
            dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name="pk", attribute_type="S")
        ],
        billing_mode="PAY_PER_REQUEST",
        deletion_protection_enabled=settings["deletion_protection_enabled"],
    )
    items.cfn_options.deletion_policy = settings["deletion_policy"]
    items.cfn_options.update_replace_policy = settings["update_replace_policy"]


def table_pair(**after: Any) -> Build:
    return lambda stack, changed: table(stack, **(after if changed else {}))


def risk_configuration(stack: Stack) -> CfnResource:
    return cognito.CfnUserPoolRiskConfigurationAttachment(
        stack, "Risk", user_pool_id="eu-west-1_Pool", client_id="ALL"
    )


def log_delivery(stack: Stack) -> CfnResource:
    return cognito.CfnLogDeliveryConfiguration(stack, "Logs", user_pool_id="eu-west-1_Pool")


def failover_domain(stack: Stack, changed: bool) -> None:
    """A custom domain that fails over to the replica's Region (BASE), then no longer does."""
    routing = cognito.CfnUserPoolDomain.RoutingTypeProperty(
        failover=cognito.CfnUserPoolDomain.FailoverTypeProperty(
            secondary_region="eu-central-1", primary_route53_health_check_id="hc-1"
        )
    )
    cognito.CfnUserPoolDomain(
        stack,
        "Domain",
        domain="login.example.com",
        user_pool_id="eu-west-1_Pool",
        custom_domain_config=cognito.CfnUserPoolDomain.CustomDomainConfigTypeProperty(
            certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/c"
        ),
        routing=None if changed else routing,
    )


def removed_pair(protection: Callable[[Stack], CfnResource]) -> Build:
    """BASE has the pool and the protection; the change keeps only the pool."""

    def build(stack: Stack, changed: bool) -> None:
        pool(stack)
        if not changed:
            protection(stack)

    return build


def attached(how: str) -> Build:
    """A role reading photos, which gains `s3:DeleteObject` (or AWS's ReadOnlyAccess) through an
    inline policy, a customer managed policy or an AWS managed one."""

    def build(stack: Stack, changed: bool) -> None:
        actions = ["s3:GetObject", "s3:DeleteObject"] if changed else ["s3:GetObject"]
        document = iam.PolicyDocument(statements=[grant(actions, [PHOTOS])])
        created = iam.Role(
            stack,
            "Photos",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            inline_policies={"photos": document} if how == "inline" else None,
        )
        if how == "customer":
            iam.ManagedPolicy(stack, "Extra", document=document, roles=[created])
        if how == "aws" and changed:
            created.add_managed_policy(
                iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")
            )

    return build


WRITES = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:PutObjectAcl",
    "s3:PutObjectTagging",
    "s3:DeleteObjectTagging",
    "s3:RestoreObject",
    "s3:PutObjectRetention",
]
TWO_KEYS = {"StringEquals": {"aws:PrincipalTag/team": "photos", "aws:SourceAccount": "1"}}


@dataclass(frozen=True)
class Pair:
    kind: str
    build: Build
    severity: Severity
    line: str
    """The review's whole line for it, word for word."""


PAIRS = (
    Pair(
        "MfaWeakened",
        pool_pair(mfa=cognito.Mfa.OPTIONAL),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: MFA weakened: ON -> OPTIONAL",
    ),
    Pair(
        "MfaFactorWeakened",
        pool_pair(mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=True)),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: MFA factors weakened: + SMS_MFA",
    ),
    Pair(
        "PasswordWeakened",
        pool_pair(password_policy=cognito.PasswordPolicy(min_length=8, require_symbols=False)),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: password policy weakened: RequireSymbols True -> False; "
        "MinimumLength 12 -> 8",
    ),
    Pair(
        "PasswordHistoryAndTemporaryValidity",
        override_pair(
            "Policies.PasswordPolicy",
            {"MinimumLength": 12, "PasswordHistorySize": 5, "TemporaryPasswordValidityDays": 3},
            {"MinimumLength": 12, "PasswordHistorySize": 2, "TemporaryPasswordValidityDays": 9},
        ),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: password policy weakened: PasswordHistorySize 5 -> 2; "
        "TemporaryPasswordValidityDays 3 -> 9",
    ),
    Pair(
        "PasskeyVerificationWeakened",
        override_pair("WebAuthnUserVerification", "required", "preferred"),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: passkey user verification weakened: required -> preferred",
    ),
    Pair(
        "FirstFactorAdded",
        override_pair(
            "Policies.SignInPolicy.AllowedFirstAuthFactors",
            ["PASSWORD"],
            ["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"],
        ),
        Severity.MEDIUM,
        "user pool `PoolD3F588B8`: sign-in gains first factors EMAIL_OTP, WEB_AUTHN",
    ),
    Pair(
        "PlanLowered",
        pool_pair(
            feature_plan=cognito.FeaturePlan.ESSENTIALS, standard_threat_protection_mode=None
        ),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: feature plan lowered: PLUS -> ESSENTIALS",
    ),
    Pair(
        "ThreatProtectionLowered",
        pool_pair(standard_threat_protection_mode=cognito.StandardThreatProtectionMode.AUDIT_ONLY),
        Severity.HIGH,
        "user pool `PoolD3F588B8`: threat protection lowered: ENFORCED -> AUDIT",
    ),
    Pair(
        "GuestIdentities",
        identity_pool_pair(allow_unauthenticated_identities=True),
        Severity.HIGH,
        "identity pool `Ids`: guest (unauthenticated) identities turned on",
    ),
    Pair(
        "PrincipalTagClaim",
        lambda stack, changed: principal_tags(stack, "data_owner" if changed else "sub"),
        Severity.HIGH,
        "identity pool principal tags `Tags`: tag `sub` now reads claim `data_owner` (was `sub`)",
    ),
    Pair(
        "ClassicFlow",
        identity_pool_pair(allow_classic_flow=True),
        Severity.HIGH,
        "identity pool `Ids`: the classic (basic) authflow turned on",
    ),
    Pair(
        "GainsWriteAction",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [grant(["s3:GetObject", "s3:DeleteObject"], [PHOTOS])],
        ),
        Severity.HIGH,
        f"role `PhotosB9552D0D` gains write access: `s3:DeleteObject` on `{PHOTOS}`",
    ),
    Pair(
        "GainsAfterADeny",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [
                grant(["s3:PutObjectAcl"], [PHOTOS], effect=iam.Effect.DENY),
                grant(["s3:GetObject", "s3:DeleteObject"], [PHOTOS]),
            ],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `s3:DeleteObject` on `arn:aws:s3:::photos/*`",
    ),
    Pair(
        "NewRole",
        lambda stack, changed: (
            role(
                stack,
                [grant(["s3:GetObject"], [PHOTOS])],
                iam.CompositePrincipal(
                    iam.ServicePrincipal("lambda.amazonaws.com"),
                    iam.ServicePrincipal("ec2.amazonaws.com"),
                ),
            )
            if changed
            else None
        ),
        Severity.MEDIUM,
        "new role `PhotosB9552D0D` trusted by Service ec2.amazonaws.com, Service "
        "lambda.amazonaws.com",
    ),
    Pair(
        "GainsResource",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [grant(["s3:GetObject"], [PHOTOS, "arn:aws:s3:::backups/latest"])],
        ),
        Severity.MEDIUM,
        "role `PhotosB9552D0D` gains read access: `s3:GetObject` on `arn:aws:s3:::backups/latest`",
    ),
    Pair(
        "GainsWildcardAction",
        role_pair([grant(["s3:GetObject"], [PHOTOS])], [grant(["s3:Get*"], [PHOTOS])]),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains read access (wildcard): `s3:Get*` (62 actions) on "
        "`arn:aws:s3:::photos/*`",
    ),
    Pair(
        "GainsWildcardResource",
        role_pair(
            [grant(["dynamodb:GetItem"], ["arn:aws:dynamodb:eu-west-1:1:table/items"])],
            [grant(["dynamodb:GetItem"], ["arn:aws:dynamodb:eu-west-1:1:table/*"])],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains read access (wildcard): `dynamodb:GetItem` on "
        "`arn:aws:dynamodb:eu-west-1:1:table/*`",
    ),
    Pair(
        "GainsConditionalGrant",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [
                grant(["s3:GetObject"], [PHOTOS]),
                grant(["kms:Decrypt"], [KEY], conditions=VIA_S3),
            ],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `kms:Decrypt` on "
        "`arn:aws:kms:eu-west-1:111111111111:key/1111` under kms:ViaService",
    ),
    Pair(
        "LosesCondition",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS], conditions=TAGGED)],
            [grant(["s3:GetObject"], [PHOTOS])],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D`: `s3:GetObject` on `arn:aws:s3:::photos/*` loses condition "
        "StringEquals aws:PrincipalTag/team",
    ),
    Pair(
        "GainsThroughInlinePolicy",
        attached("inline"),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `s3:DeleteObject` on `arn:aws:s3:::photos/*`",
    ),
    Pair(
        "GainsThroughCustomerManagedPolicy",
        attached("customer"),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `s3:DeleteObject` on `arn:aws:s3:::photos/*`",
    ),
    Pair(
        "GainsAwsManagedPolicy",
        attached("aws"),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains read access (wildcard): "
        "`managed:arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess` on `*`",
    ),
    Pair(
        "GainsNotAction",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [
                grant(["s3:GetObject"], [PHOTOS]),
                iam.PolicyStatement(not_actions=["s3:DeleteObject"], not_resources=[PHOTOS]),
            ],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains read access (wildcard): `NotAction s3:DeleteObject` on "
        "`NotResource arn:aws:s3:::photos/*`",
    ),
    Pair(
        "GainsManyActions",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS])],
            [grant(["s3:GetObject"], [PHOTOS]), grant(WRITES, [PHOTOS])],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `s3:DeleteObject`, `s3:DeleteObjectTagging`, "
        "`s3:PutObject`, `s3:PutObjectAcl`, `s3:PutObjectRetention`, `s3:PutObjectTagging` and 1 "
        "more on `arn:aws:s3:::photos/*`",
    ),
    Pair(
        "GainsUnderTwoConditions",
        role_pair(
            [grant(["s3:GetObject"], [PHOTOS], conditions=TWO_KEYS)],
            [
                grant(["s3:GetObject"], [PHOTOS], conditions=TWO_KEYS),
                grant(["kms:Decrypt"], [KEY], conditions=TWO_KEYS),
            ],
        ),
        Severity.HIGH,
        "role `PhotosB9552D0D` gains write access: `kms:Decrypt` on "
        "`arn:aws:kms:eu-west-1:111111111111:key/1111` under aws:PrincipalTag/team, "
        "aws:SourceAccount",
    ),
    Pair(
        "TrustNewPrincipal",
        trust_pair(
            iam.ServicePrincipal("lambda.amazonaws.com"),
            iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"),
                iam.ServicePrincipal("ec2.amazonaws.com"),
            ),
        ),
        Severity.HIGH,
        "trust of `PhotosB9552D0D` widened: now trusts Service ec2.amazonaws.com",
    ),
    Pair(
        "TrustMoreSubjects",
        trust_pair(github("repo:acme/app:ref:refs/heads/main"), github("repo:acme/app:*")),
        Severity.HIGH,
        "trust of `PhotosB9552D0D` loosened for Federated "
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com: "
        "token.actions.githubusercontent.com:sub also accepts repo:acme/app:*",
    ),
    Pair(
        "TrustTwoMoreSubjects",
        trust_pair(
            github("repo:acme/app:ref:refs/heads/main"),
            github(
                "repo:acme/app:ref:refs/heads/main",
                "repo:acme/app:ref:refs/heads/dev",
                "repo:acme/app:ref:refs/heads/exp",
            ),
        ),
        Severity.HIGH,
        "trust of `PhotosB9552D0D` loosened for Federated "
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com: "
        "token.actions.githubusercontent.com:sub also accepts repo:acme/app:ref:refs/heads/dev, "
        "repo:acme/app:ref:refs/heads/exp",
    ),
    Pair(
        "TrustConditionRemoved",
        trust_pair(
            github("repo:acme/app:ref:refs/heads/main"),
            iam.WebIdentityPrincipal(
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
            ),
        ),
        Severity.HIGH,
        "trust of `PhotosB9552D0D` loosened for Federated "
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com: loses "
        "condition StringEquals token.actions.githubusercontent.com:sub",
    ),
    Pair(
        "CallbackAdded",
        client_pair(o_auth=oauth(callbacks=(APP_CALLBACK, "https://beta.example.net/cb"))),
        Severity.MEDIUM,
        "client `web` gains callback URL https://beta.example.net/cb",
    ),
    Pair(
        "LocalhostLogoutAdded",
        client_pair(o_auth=oauth(logouts=(APP_HOME, "http://localhost:3000/"))),
        Severity.HIGH,
        "client `web` gains logout URL http://localhost:3000/ (http, localhost)",
    ),
    Pair(
        "WebOriginAdded",
        bucket_pair("http://localhost:5173"),
        Severity.HIGH,
        "bucket `Photos` CORS gains web origin http://localhost:5173 (http, localhost)",
    ),
    Pair(
        "ProviderAdded",
        providers_pair({"Corp": {"email": "email"}, "Partner": {"email": "mail"}}),
        Severity.MEDIUM,
        "identity provider `Partner` (OIDC) added",
    ),
    Pair(
        "MappingChanged",
        providers_pair({"Corp": {"email": "upn"}}),
        Severity.MEDIUM,
        "identity provider `Corp`: attribute mapping changed: email email -> upn",
    ),
    Pair(
        "NewClient",
        lambda stack, changed: client(
            stack, **({"user_pool_client_name": "mobile"} if changed else {})
        ),
        Severity.MEDIUM,
        "new client `mobile`",
    ),
    Pair(
        "AuthFlowAdded",
        client_pair(auth_flows=cognito.AuthFlow(user_password=True)),
        Severity.MEDIUM,
        "client `web` gains auth flows ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_PASSWORD_AUTH",
    ),
    Pair(
        "ScopesAdded",
        lambda stack, changed: client(
            stack,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                callback_urls=[APP_CALLBACK],
                logout_urls=[APP_HOME],
                scopes=[cognito.OAuthScope.OPENID]
                + ([cognito.OAuthScope.COGNITO_ADMIN] if changed else []),
            ),
        ),
        Severity.MEDIUM,
        "client `web` gains scopes aws.cognito.signin.user.admin",
    ),
    Pair(
        "ProvidersAdded",
        client_pair(
            supported_identity_providers=[
                cognito.UserPoolClientIdentityProvider.COGNITO,
                cognito.UserPoolClientIdentityProvider.custom("Corp"),
                cognito.UserPoolClientIdentityProvider.custom("Partner"),
            ]
        ),
        Severity.MEDIUM,
        "client `web` gains identity providers Corp, Partner",
    ),
    Pair(
        "AccessTokenLengthened",
        client_pair(access_token_validity=Duration.hours(3)),
        Severity.MEDIUM,
        "client `web`: AccessToken lifetime lengthened 1 hours -> 3 hours",
    ),
    Pair(
        "IdTokenLengthened",
        client_pair(id_token_validity=Duration.minutes(90)),
        Severity.MEDIUM,
        "client `web`: IdToken lifetime lengthened 1 hours -> 90 minutes",
    ),
    Pair(
        "TokenLengthened",
        client_pair(refresh_token_validity=Duration.days(90)),
        Severity.MEDIUM,
        "client `web`: RefreshToken lifetime lengthened 7 days -> 90 days",
    ),
    Pair(
        "DeletionProtectionLost",
        pool_pair(deletion_protection=False),
        Severity.HIGH,
        "AWS::Cognito::UserPool `PoolD3F588B8`: deletion protection lost",
    ),
    Pair(
        "RetainLost",
        pool_pair(removal_policy=RemovalPolicy.DESTROY),
        Severity.HIGH,
        "AWS::Cognito::UserPool `PoolD3F588B8`: DeletionPolicy RETAIN lost",
    ),
    Pair(
        "ItemsDeletionProtectionLost",
        table_pair(deletion_protection_enabled=False),
        Severity.HIGH,
        "AWS::DynamoDB::Table `Items`: deletion protection lost",
    ),
    Pair(
        "DeletionRetainLost",
        table_pair(deletion_policy=CfnDeletionPolicy.DELETE),
        Severity.HIGH,
        "AWS::DynamoDB::Table `Items`: DeletionPolicy RETAIN lost",
    ),
    Pair(
        "ReplaceRetainLost",
        table_pair(update_replace_policy=CfnDeletionPolicy.DELETE),
        Severity.HIGH,
        "AWS::DynamoDB::Table `Items`: UpdateReplacePolicy RETAIN lost",
    ),
    Pair(
        "StatefulDeleted",
        lambda stack, changed: None if changed else table(stack),
        Severity.HIGH,
        "AWS::DynamoDB::Table `Items` deleted or replaced: its logical ID vanished, so "
        "CloudFormation would delete it",
    ),
    Pair(
        "RiskConfigurationRemoved",
        removed_pair(risk_configuration),
        Severity.HIGH,
        "protection removed: the risk configuration is gone",
    ),
    Pair(
        "LogDeliveryRemoved",
        removed_pair(log_delivery),
        Severity.HIGH,
        "protection removed: the log delivery is gone",
    ),
    Pair(
        "FailoverRoutingRemoved",
        failover_domain,
        Severity.HIGH,
        "protection removed: domain `login.example.com` no longer fails over to the replica",
    ),
    Pair(
        "ProviderDetailsChanged",
        lambda stack, changed: provider(
            stack,
            "Corp",
            {"email": "email"},
            "https://login.example.org" if changed else "https://login.example.net",
        ),
        Severity.MEDIUM,
        "identity provider `Corp`: oidc_issuer changed",
    ),
    Pair(
        "RevocationOff",
        client_pair(enable_token_revocation=False),
        Severity.HIGH,
        "client `web`: token revocation turned off",
    ),
    Pair(
        "SelfSignUpOn",
        pool_pair(self_sign_up_enabled=True),
        Severity.MEDIUM,
        "user pool `PoolD3F588B8`: self sign-up turned on",
    ),
    Pair(
        "ImplicitFlowAdded",
        client_pair(
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=True),
                callback_urls=[APP_CALLBACK],
                logout_urls=[APP_HOME],
            )
        ),
        Severity.HIGH,
        "client `web` gains OAuth flows implicit",
    ),
    Pair(
        "UserExistenceRevealed",
        lambda stack, changed: client(stack, prevent_user_existence_errors=not changed),
        Severity.MEDIUM,
        "client `web`: user existence errors revealed again",
    ),
    Pair(
        "WebAclRemoved",
        waf_pair(None),
        Severity.HIGH,
        "protection removed: the web ACL association is gone",
    ),
    Pair(
        "RateLimitRaised",
        waf_pair(5000),
        Severity.MEDIUM,
        "web ACL `EdgeWebAcl8DEA6539`: rate limit RateLimitPerIp raised 1000 -> 5000",
    ),
    Pair(
        "RotationOff",
        lambda stack, changed: client(
            stack, refresh_token_rotation_grace_period=None if changed else Duration.seconds(10)
        ),
        Severity.HIGH,
        "client `web`: refresh-token rotation turned off",
    ),
    Pair(
        "StatefulReplaced",
        pool_pair(sign_in_aliases=cognito.SignInAliases(username=True, email=True)),
        Severity.HIGH,
        "AWS::Cognito::UserPool `PoolD3F588B8` deleted or replaced: UsernameAttributes changed "
        'from ["email"] to null, which forces replacement',
    ),
)


def unchanged(stack: Stack, changed: bool) -> None:
    client(stack)
    role(stack, [grant(["s3:GetObject", "s3:PutObject"], [PHOTOS])])


def regrouped(stack: Stack, changed: bool) -> None:
    """The same grants written another way: split statements, other order, a narrowing."""
    if changed:
        statements = [grant(["s3:PutObject"], [PHOTOS]), grant(["s3:GetObject"], [PHOTOS])]
    else:
        statements = [grant(["s3:Get*", "s3:PutObject"], [PHOTOS])]
    role(stack, statements)


def other_only(stack: Stack, changed: bool) -> None:
    user_pool = pool(stack)
    if changed:
        cognito.CfnUserPoolGroup(stack, "Editors", user_pool_id=user_pool.user_pool_id)
        CfnOutput(stack, "PoolId", value=user_pool.user_pool_id)


@cache
def pair_templates() -> dict[str, dict[str, Any]]:
    """Once per process, as the session's apps (`tests/conftest.py`): they are the review's
    input, which the review's own code does not build, so `make mutate`'s sessions reuse them."""
    app = App()
    builds: dict[str, Build] = {pair.kind: pair.build for pair in PAIRS} | {
        "Unchanged": unchanged,
        "Regrouped": regrouped,
        "OtherOnly": other_only,
    }
    stacks = {}
    for kind, build in builds.items():
        for side, changed in (("Before", False), ("After", True)):
            stack = Stack(app, f"{kind}{side}")
            build(stack, changed)
            stacks[f"{kind}{side}"] = stack
    return {name: dict(Template.from_stack(stack).to_json()) for name, stack in stacks.items()}


def stack(name: str, build: Build, changed: bool) -> Stack:
    """One side of a pair, in an app of its own."""
    built = Stack(App(), name)
    build(built, changed)
    return built


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return pair_templates()


def changes_of(templates: dict[str, dict[str, Any]], kind: str) -> list[Change]:
    return stage_changes(kind, templates[f"{kind}Before"], templates[f"{kind}After"])


@pytest.mark.parametrize("pair", PAIRS, ids=[p.kind for p in PAIRS])
def test_each_kind_is_flagged_with_its_severity(
    templates: dict[str, dict[str, Any]], pair: Pair
) -> None:
    changes = changes_of(templates, pair.kind)
    matching = [c for c in changes if c.text == pair.line]
    assert matching, "\n".join(map(str, changes))
    assert matching[0].severity is pair.severity
    assert changes == sorted(changes, key=lambda c: c.severity), "most severe first"


def test_markdown_puts_flagged_changes_first_and_says_a_stage_is_new() -> None:
    changes = [
        Change(Severity.HIGH, "a"),
        Change(Severity.MEDIUM, "b"),
        Change(Severity.OTHER, "c"),
    ]
    assert markdown("Dev", changes, new_stage=True) == [
        "## Dev",
        "",
        "New stage: not in BASE, so everything below is new.",
        "",
        "**Security-relevant changes** (a person must accept these)",
        "",
        "- **HIGH** a",
        "- **MEDIUM** b",
        "",
        "**Other changes**",
        "",
        "- c",
        "",
    ]


def test_a_change_that_moves_nothing_prints_no_change(
    templates: dict[str, dict[str, Any]],
) -> None:
    assert changes_of(templates, "Unchanged") == []
    assert markdown("Unchanged", []) == ["## Unchanged", "", "no change", ""]


def modified(stack: Stack, changed: bool) -> None:
    """A group modified, another removed, and outputs changed, removed and added."""
    group = cognito.CfnUserPoolGroup(
        stack,
        "Editors",
        user_pool_id="eu-west-1_Pool",
        description="may edit" if changed else "edits",
        precedence=2 if changed else 1,
    )
    if changed:
        group.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
        CfnOutput(stack, "Added", value="new")
    else:
        cognito.CfnUserPoolGroup(stack, "Viewers", user_pool_id="eu-west-1_Pool")
        CfnOutput(stack, "Removed", value="old")
    CfnOutput(stack, "Changed", value="b" if changed else "a")


def test_other_changes_name_what_moved() -> None:
    before, after = (
        dict(Template.from_stack(stack(f"Modified{c}", modified, c)).to_json())
        for c in (False, True)
    )
    assert [str(c) for c in stage_changes("Modified", before, after)] == [
        "- **MEDIUM** user group `Viewers` (Viewers) deleted or replaced: its members lose it "
        "(and its role)",
        "- AWS::Cognito::UserPoolGroup `Editors` modified "
        "(Description, Precedence, DeletionPolicy)",
        "- output `Added` added",
        "- output `Changed` changed",
        "- output `Removed` removed",
    ]


def test_iam_is_compared_on_normalized_grants_not_text(
    templates: dict[str, dict[str, Any]],
) -> None:
    """Split statements, reordering and narrowing `s3:Get*` to `s3:GetObject` widen nothing."""
    assert list(iam_changes(templates["RegroupedBefore"], templates["RegroupedAfter"])) == []
    assert all(not c.severity.flagged for c in changes_of(templates, "Regrouped"))


def test_other_changes_are_one_line_each_and_not_flagged(
    templates: dict[str, dict[str, Any]],
) -> None:
    changes = changes_of(templates, "OtherOnly")
    assert [str(c) for c in changes] == [
        "- AWS::Cognito::UserPoolGroup `Editors` added",
        "- output `PoolId` added",
    ]
    lines = markdown("OtherOnly", changes)
    assert "**Other changes**" in lines
    assert not any("Security-relevant" in line for line in lines)


def resources(**by_id: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": by_id}


def resource(kind: str, properties: dict[str, Any] | None = None, **attributes: Any) -> Any:
    """A template resource; without `properties`, one without the (optional) section."""
    return {"Type": kind, **attributes} | ({} if properties is None else {"Properties": properties})


def replicas(*protected: bool) -> dict[str, Any]:
    """A global table's replicas, each with deletion protection on or off."""
    return {
        "Replicas": [
            {"Region": f"region-{i}", "DeletionProtectionEnabled": on}
            for i, on in enumerate(protected)
        ]
    }


def password(**policy: int) -> dict[str, Any]:
    return {"Policies": {"PasswordPolicy": policy}}


GLOBAL_TABLE, POOL, CLIENT = (
    "AWS::DynamoDB::GlobalTable",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
)
HANDLE, TOPIC = "AWS::CloudFormation::WaitConditionHandle", "AWS::SNS::Topic"
IDENTITY_POOL, BUCKET, PROVIDER = (
    "AWS::Cognito::IdentityPool",
    "AWS::S3::Bucket",
    "AWS::Cognito::UserPoolIdentityProvider",
)
WEB_ACL, RISK, CDK_METADATA = (
    "AWS::WAFv2::WebACL",
    "AWS::Cognito::UserPoolRiskConfigurationAttachment",
    "AWS::CDK::Metadata",
)
PRINCIPAL_TAG = "AWS::Cognito::IdentityPoolPrincipalTag"
CALLBACK_A, CALLBACK_B = "https://a.example.net/cb", "https://b.example.net/cb"


def rate(name: str, limit: int) -> dict[str, Any]:
    return {"Name": name, "Statement": {"RateBasedStatement": {"Limit": limit}}}


def google(**properties: Any) -> Any:
    return resource(PROVIDER, {"ProviderName": "Google", "ProviderType": "Google", **properties})


def kept_client(grace: int) -> dict[str, Any]:
    """A client with revocation off, rotation on and user existence errors hidden."""
    return {
        "ClientName": "web",
        "EnableTokenRevocation": False,
        "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": grace},
        "PreventUserExistenceErrors": "ENABLED",
    }


def tag_mapping(tags: dict[str, str] | None) -> dict[str, Any]:
    """An identity pool's principal-tag mapping; without `tags`, one on Cognito's defaults."""
    properties = {"IdentityPoolId": "ids", "IdentityProviderName": "provider"}
    return resources(
        Tags=resource(PRINCIPAL_TAG, properties | ({} if tags is None else {"PrincipalTags": tags}))
    )


def tag_line(change: str) -> tuple[Severity, str]:
    return (Severity.HIGH, f"identity pool principal tags `Tags`: {change}")


TEAM = "custom:team"
FAILOVER = {"Failover": {"HealthCheckId": "primary-health"}}


def managed_login(**properties: Any) -> dict[str, Any]:
    """A stage's managed login domain `Domain`, with `properties` beside its name and pool."""
    return resources(
        Domain=resource(
            "AWS::Cognito::UserPoolDomain",
            {"Domain": "auth.example.com", "UserPoolId": "pool", **properties},
        )
    )


DOMAIN_MODIFIED = (
    Severity.OTHER,
    "AWS::Cognito::UserPoolDomain `Domain` modified (ManagedLoginVersion)",
)


TEMPLATE_PAIRS = {
    "failover routing kept while the domain changes": (
        managed_login(Routing=FAILOVER, ManagedLoginVersion=1),
        managed_login(Routing=FAILOVER, ManagedLoginVersion=2),
        [DOMAIN_MODIFIED],
    ),
    "a domain that never failed over changes": (
        managed_login(ManagedLoginVersion=1),
        managed_login(ManagedLoginVersion=2),
        [DOMAIN_MODIFIED],
    ),
    "another resource removed": (
        resources(Zzz=resource(TOPIC, {})),
        resources(),
        [(Severity.OTHER, "AWS::SNS::Topic `Zzz` removed")],
    ),
    "a principal-tag mapping added": (
        resources(),
        tag_mapping({"sub": "sub"}),
        [tag_line("tag `sub` added, read from claim `sub`")],
    ),
    "a session tag added to the mapping": (
        tag_mapping({"sub": "sub"}),
        tag_mapping({"sub": "sub", "team": TEAM}),
        [tag_line("tag `team` added, read from claim `custom:team`")],
    ),
    "a session tag dropped from the mapping": (
        tag_mapping({"sub": "sub", "team": TEAM}),
        tag_mapping({"sub": "sub"}),
        [tag_line("tag `team` dropped (it read claim `custom:team`)")],
    ),
    "the mapping's tags dropped for Cognito's defaults": (
        tag_mapping({"sub": "sub"}),
        tag_mapping(None),
        [tag_line("tag `sub` dropped (it read claim `sub`)")],
    ),
    "a user group gone from the stack (moved, or removed from config)": (
        resources(Admins=resource(GROUP, {"GroupName": "admins"})),
        resources(),
        [
            (
                Severity.MEDIUM,
                "user group `Admins` (admins) deleted or replaced: its members lose it (and its "
                "role)",
            )
        ],
    ),
    "a user group renamed in place (GroupName is fixed at creation)": (
        resources(Admins=resource(GROUP, {"GroupName": "admins"})),
        resources(Admins=resource(GROUP, {"GroupName": "moderators"})),
        [
            (
                Severity.MEDIUM,
                "user group `Admins` (admins) deleted or replaced: its members lose it (and its "
                "role)",
            )
        ],
    ),
    "a user group's precedence changed: kept": (
        resources(Admins=resource(GROUP, {"GroupName": "admins", "Precedence": 0})),
        resources(Admins=resource(GROUP, {"GroupName": "admins", "Precedence": 1})),
        [(Severity.OTHER, "AWS::Cognito::UserPoolGroup `Admins` modified (Precedence)")],
    ),
    "global table: one replica loses deletion protection": (
        resources(Items=resource(GLOBAL_TABLE, replicas(True, True))),
        resources(Items=resource(GLOBAL_TABLE, replicas(True, False))),
        [(Severity.HIGH, "AWS::DynamoDB::GlobalTable `Items`: deletion protection lost")],
    ),
    "global table: a new replica, every one protected": (
        resources(Items=resource(GLOBAL_TABLE, replicas(True, True))),
        resources(Items=resource(GLOBAL_TABLE, replicas(True, True, True))),
        [(Severity.OTHER, "AWS::DynamoDB::GlobalTable `Items` modified (Replicas)")],
    ),
    "temporary passwords live longer than the default 7 days": (
        resources(Pool=resource(POOL, {})),
        resources(Pool=resource(POOL, password(TemporaryPasswordValidityDays=8))),
        [
            (
                Severity.HIGH,
                "user pool `Pool`: password policy weakened: TemporaryPasswordValidityDays 7 -> 8",
            )
        ],
    ),
    "temporary passwords shortened, under the default": (
        resources(Pool=resource(POOL, password(TemporaryPasswordValidityDays=6))),
        resources(Pool=resource(POOL, password(TemporaryPasswordValidityDays=5))),
        [(Severity.OTHER, "AWS::Cognito::UserPool `Pool` modified (Policies)")],
    ),
    "temporary passwords shortened, over the default": (
        resources(Pool=resource(POOL, password(TemporaryPasswordValidityDays=10))),
        resources(Pool=resource(POOL, password(TemporaryPasswordValidityDays=9))),
        [(Severity.OTHER, "AWS::Cognito::UserPool `Pool` modified (Policies)")],
    ),
    "password history removed": (
        resources(Pool=resource(POOL, password(PasswordHistorySize=1))),
        resources(Pool=resource(POOL, password())),
        [
            (
                Severity.HIGH,
                "user pool `Pool`: password policy weakened: PasswordHistorySize 1 -> None",
            )
        ],
    ),
    "plan lowered from the default": (
        resources(Pool=resource(POOL, {})),
        resources(Pool=resource(POOL, {"UserPoolTier": "LITE"})),
        [(Severity.HIGH, "user pool `Pool`: feature plan lowered: ESSENTIALS -> LITE")],
    ),
    "plan lowered to the default": (
        resources(Pool=resource(POOL, {"UserPoolTier": "PLUS"})),
        resources(Pool=resource(POOL, {})),
        [(Severity.HIGH, "user pool `Pool`: feature plan lowered: PLUS -> ESSENTIALS")],
    ),
    "refresh token lengthened, in the default unit (days)": (
        resources(Web=resource(CLIENT, {"ClientName": "web", "RefreshTokenValidity": 30})),
        resources(Web=resource(CLIENT, {"ClientName": "web", "RefreshTokenValidity": 60})),
        [
            (Severity.MEDIUM, "client `web`: RefreshToken lifetime lengthened 30 days -> 60 days"),
            (Severity.OTHER, "AWS::Cognito::UserPoolClient `Web` modified (RefreshTokenValidity)"),
        ],
    ),
    "a resource without properties gains a dependency": (
        resources(Handle=resource(HANDLE)),
        resources(Handle=resource(HANDLE, DependsOn=["Other"])),
        [
            (
                Severity.OTHER,
                "AWS::CloudFormation::WaitConditionHandle `Handle` modified (DependsOn)",
            )
        ],
    ),
    "MFA keeps SMS and gains an authenticator app": (
        resources(Pool=resource(POOL, {"EnabledMfas": ["SMS_MFA"]})),
        resources(Pool=resource(POOL, {"EnabledMfas": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]})),
        [(Severity.OTHER, "AWS::Cognito::UserPool `Pool` modified (EnabledMfas)")],
    ),
    "MFA gains two weak factors": (
        resources(Pool=resource(POOL, {"EnabledMfas": ["SOFTWARE_TOKEN_MFA"]})),
        resources(
            Pool=resource(POOL, {"EnabledMfas": ["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"]})
        ),
        [(Severity.HIGH, "user pool `Pool`: MFA factors weakened: + EMAIL_OTP, SMS_MFA")],
    ),
    "a new pool listed before an existing one that is weakened": (
        resources(Old=resource(POOL, {"MfaConfiguration": "ON"})),
        resources(New=resource(POOL, {}), Old=resource(POOL, {"MfaConfiguration": "OPTIONAL"})),
        [
            (Severity.HIGH, "user pool `Old`: MFA weakened: ON -> OPTIONAL"),
            (Severity.OTHER, "AWS::Cognito::UserPool `New` added"),
        ],
    ),
    "threat protection turned on": (
        resources(Pool=resource(POOL, {})),
        resources(Pool=resource(POOL, {"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}})),
        [(Severity.OTHER, "AWS::Cognito::UserPool `Pool` modified (UserPoolAddOns)")],
    ),
    "threat protection's add-ons removed": (
        resources(Pool=resource(POOL, {"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}})),
        resources(Pool=resource(POOL, {})),
        [(Severity.HIGH, "user pool `Pool`: threat protection lowered: ENFORCED -> OFF")],
    ),
    "a client without a name, matched by its logical id": (
        resources(Web=resource(CLIENT, {"CallbackURLs": ["https://a.example.net/cb"]})),
        resources(
            Web=resource(
                CLIENT, {"CallbackURLs": ["https://a.example.net/cb", "https://b.example.net/cb"]}
            )
        ),
        [(Severity.MEDIUM, "client `Web` gains callback URL https://b.example.net/cb")],
    ),
    "a retained resource gains a property": (
        resources(Topic=resource(TOPIC, {}, DeletionPolicy="Retain")),
        resources(Topic=resource(TOPIC, {"DisplayName": "alarms"}, DeletionPolicy="Retain")),
        [(Severity.OTHER, "AWS::SNS::Topic `Topic` modified (DisplayName)")],
    ),
    "a resource loses its properties": (
        resources(Topic=resource(TOPIC, {"DisplayName": "alarms"})),
        resources(Topic=resource(TOPIC)),
        [(Severity.OTHER, "AWS::SNS::Topic `Topic` modified (DisplayName)")],
    ),
    "a custom attribute added beside a kept one and a standard one": (
        resources(Pool=resource(POOL, {"Schema": [{"Name": "email"}, {"Name": "tier"}]})),
        resources(
            Pool=resource(
                POOL,
                {
                    "Schema": [
                        {"Name": "email"},
                        {"Name": "tier"},
                        {"Name": "theme"},
                        {"Name": "phone_number"},
                    ]
                },
            )
        ),
        [
            (
                Severity.HIGH,
                "AWS::Cognito::UserPool `Pool` deleted or replaced: Schema: standard attribute "
                "phone_number added, which forces replacement",
            ),
            (
                Severity.MEDIUM,
                "user pool `Pool`: custom attribute `theme` added (Cognito can never remove or "
                "change it)",
            ),
        ],
    ),
    "self sign-up left on, now written out": (
        resources(Pool=resource(POOL, {})),
        resources(
            Pool=resource(POOL, {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False}})
        ),
        [(Severity.OTHER, "AWS::Cognito::UserPool `Pool` modified (AdminCreateUserConfig)")],
    ),
    "self sign-up turned on by leaving the setting out": (
        resources(
            Pool=resource(POOL, {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}})
        ),
        resources(Pool=resource(POOL, {})),
        [(Severity.MEDIUM, "user pool `Pool`: self sign-up turned on")],
    ),
    "guests already on stay on": (
        resources(Ids=resource(IDENTITY_POOL, {"AllowUnauthenticatedIdentities": True})),
        resources(
            Ids=resource(
                IDENTITY_POOL, {"AllowUnauthenticatedIdentities": True, "IdentityPoolName": "x"}
            )
        ),
        [(Severity.OTHER, "AWS::Cognito::IdentityPool `Ids` modified (IdentityPoolName)")],
    ),
    "two flagged lines of one severity keep the order they are found in": (
        resources(Pool=resource(POOL, {"MfaConfiguration": "ON"}), Ids=resource(IDENTITY_POOL, {})),
        resources(
            Pool=resource(POOL, {"MfaConfiguration": "OPTIONAL"}),
            Ids=resource(IDENTITY_POOL, {"AllowUnauthenticatedIdentities": True}),
        ),
        [
            (Severity.HIGH, "user pool `Pool`: MFA weakened: ON -> OPTIONAL"),
            (Severity.HIGH, "identity pool `Ids`: guest (unauthenticated) identities turned on"),
        ],
    ),
    "a new client listed before an existing one that gains a callback": (
        resources(Web=resource(CLIENT, {"ClientName": "web", "CallbackURLs": [CALLBACK_A]})),
        resources(
            Admin=resource(CLIENT, {"ClientName": "admin"}),
            Web=resource(CLIENT, {"ClientName": "web", "CallbackURLs": [CALLBACK_A, CALLBACK_B]}),
        ),
        [
            (Severity.MEDIUM, "new client `admin`"),
            (Severity.MEDIUM, f"client `web` gains callback URL {CALLBACK_B}"),
            (Severity.OTHER, "AWS::Cognito::UserPoolClient `Admin` added"),
            (Severity.OTHER, "AWS::Cognito::UserPoolClient `Web` modified (CallbackURLs)"),
        ],
    ),
    "a client's revocation off, rotation and hidden user errors kept": (
        resources(Web=resource(CLIENT, kept_client(grace=10))),
        resources(Web=resource(CLIENT, kept_client(grace=20))),
        [(Severity.OTHER, "AWS::Cognito::UserPoolClient `Web` modified (RefreshTokenRotation)")],
    ),
    "a bucket without CORS gains an origin": (
        resources(Photos=resource(BUCKET, {})),
        resources(
            Photos=resource(
                BUCKET,
                {
                    "CorsConfiguration": {
                        "CorsRules": [
                            {"AllowedOrigins": ["https://a.example.net"], "AllowedMethods": ["GET"]}
                        ]
                    }
                },
            )
        ),
        [(Severity.MEDIUM, "bucket `Photos` CORS gains web origin https://a.example.net")],
    ),
    "a new provider listed before an existing one that changes": (
        resources(Google=google(ProviderDetails={"client_id": "1"})),
        resources(
            Apple=resource(
                PROVIDER,
                {
                    "ProviderName": "SignInWithApple",
                    "ProviderType": "SignInWithApple",
                    "ProviderDetails": {},
                },
            ),
            Google=google(
                ProviderDetails={"client_id": "2", "authorize_scopes": "email"},
                AttributeMapping={"email": "email", "name": "name"},
            ),
        ),
        [
            (Severity.MEDIUM, "identity provider `SignInWithApple` (SignInWithApple) added"),
            (
                Severity.MEDIUM,
                "identity provider `Google`: attribute mapping changed: email None -> email, "
                "name None -> name",
            ),
            (Severity.MEDIUM, "identity provider `Google`: authorize_scopes, client_id changed"),
            (Severity.OTHER, "AWS::Cognito::UserPoolIdentityProvider `Apple` added"),
        ],
    ),
    "a provider loses its attribute mapping": (
        resources(Google=google(ProviderDetails={}, AttributeMapping={"email": "email"})),
        resources(Google=google(ProviderDetails={})),
        [
            (
                Severity.MEDIUM,
                "identity provider `Google`: attribute mapping changed: email email -> None",
            )
        ],
    ),
    "a provider without details gains them": (
        resources(Google=google()),
        resources(Google=google(ProviderDetails={"client_id": "1"})),
        [(Severity.MEDIUM, "identity provider `Google`: client_id changed")],
    ),
    "a provider loses its details": (
        resources(Google=google(ProviderDetails={"client_id": "1"})),
        resources(Google=google()),
        [(Severity.MEDIUM, "identity provider `Google`: client_id changed")],
    ),
    "risk configuration kept, a web ACL without rules gains a rate rule": (
        resources(Risk=resource(RISK, {}), Acl=resource(WEB_ACL, {})),
        resources(Risk=resource(RISK, {}), Acl=resource(WEB_ACL, {"Rules": [rate("PerIp", 500)]})),
        [(Severity.OTHER, "AWS::WAFv2::WebACL `Acl` modified (Rules)")],
    ),
    "a rate limit kept while a rule is added": (
        resources(Acl=resource(WEB_ACL, {"Rules": [rate("PerIp", 500)]})),
        resources(Acl=resource(WEB_ACL, {"Rules": [rate("PerIp", 500), rate("Burst", 100)]})),
        [(Severity.OTHER, "AWS::WAFv2::WebACL `Acl` modified (Rules)")],
    ),
    "buckets without properties lose RETAIN, a new one beside them": (
        resources(
            Logs=resource(BUCKET, DeletionPolicy="Retain"),
            Zed=resource(POOL, {}, DeletionPolicy="Retain"),
        ),
        resources(
            Logs=resource(BUCKET, DeletionPolicy="Delete"),
            New=resource(BUCKET),
            Zed=resource(POOL, {}, DeletionPolicy="Delete"),
        ),
        [
            (Severity.HIGH, "AWS::S3::Bucket `Logs`: DeletionPolicy RETAIN lost"),
            (Severity.HIGH, "AWS::Cognito::UserPool `Zed`: DeletionPolicy RETAIN lost"),
            (Severity.OTHER, "AWS::S3::Bucket `New` added"),
        ],
    ),
    "a pool left without properties loses its deletion protection": (
        resources(Pool=resource(POOL, {"DeletionProtection": "ACTIVE"})),
        resources(Pool=resource(POOL)),
        [(Severity.HIGH, "AWS::Cognito::UserPool `Pool`: deletion protection lost")],
    ),
    "CDK's metadata and an unchanged resource are left out": (
        resources(
            Aaa=resource(TOPIC, {}),
            CDKMetadata=resource(CDK_METADATA, {"Analytics": "v1"}),
            Zzz=resource(TOPIC, {}),
        ),
        resources(
            Aaa=resource(TOPIC, {}),
            CDKMetadata=resource(CDK_METADATA, {"Analytics": "v2"}),
            Zzz=resource(TOPIC, {"DisplayName": "x"}),
        ),
        [(Severity.OTHER, "AWS::SNS::Topic `Zzz` modified (DisplayName)")],
    ),
}
"""Hand-written templates for what CDK's pairs do not produce: optional properties left out
(CloudFormation's defaults apply), and a global table's replicas."""


@pytest.mark.parametrize(("before", "after", "lines"), TEMPLATE_PAIRS.values(), ids=TEMPLATE_PAIRS)
def test_template_pairs_give_exactly_these_lines(
    before: dict[str, Any], after: dict[str, Any], lines: list[tuple[Severity, str]]
) -> None:
    assert [(c.severity, c.text) for c in stage_changes("Stage", before, after)] == lines


ROLE, MANAGED_POLICY = "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"
LAMBDA_TRUST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
}


def allow(actions: list[str], on: list[str], condition: dict[str, Any] | None = None) -> Any:
    """An Allow statement, as CDK writes one (a condition only when there is one)."""
    return {"Effect": "Allow", "Action": actions, "Resource": on} | (
        {} if condition is None else {"Condition": condition}
    )


def iam_role(*statements: Any, trust: Any = LAMBDA_TRUST, **properties: Any) -> Any:
    """A role with its statements inline (none: no Policies section)."""
    inline = [{"PolicyName": "photos", "PolicyDocument": {"Statement": list(statements)}}]
    return resource(
        ROLE,
        {"AssumeRolePolicyDocument": trust, **({"Policies": inline} if statements else {})}
        | properties,
    )


READS = allow(["s3:GetObject"], [PHOTOS])
IAM_PAIRS = {
    "a role gains exactly as many actions as are shown, with no 'and 0 more'": (
        resources(Photos=iam_role(READS)),
        resources(
            Photos=iam_role(
                READS,
                allow(
                    [
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:PutObjectAcl",
                        "s3:PutObjectTagging",
                        "s3:DeleteObjectTagging",
                        "s3:PutObjectRetention",
                    ],
                    [PHOTOS],
                ),
            )
        ),
        [
            (
                Severity.HIGH,
                "role `Photos` gains write access: `s3:DeleteObject`, `s3:DeleteObjectTagging`, "
                "`s3:PutObject`, `s3:PutObjectAcl`, `s3:PutObjectRetention`, "
                "`s3:PutObjectTagging` on `arn:aws:s3:::photos/*`",
            )
        ],
    ),
    "a customer managed policy attached through the role's ManagedPolicyArns": (
        resources(Photos=iam_role(READS)),
        resources(
            Photos=iam_role(READS, ManagedPolicyArns=[{"Ref": "Extra"}]),
            Extra=resource(
                MANAGED_POLICY,
                {"PolicyDocument": {"Statement": [allow(["s3:DeleteObject"], [PHOTOS])]}},
            ),
        ),
        [
            (
                Severity.HIGH,
                "role `Photos` gains write access: `s3:DeleteObject` on `arn:aws:s3:::photos/*`",
            )
        ],
    ),
    "a grant kept under its condition is not loosened": (
        resources(Photos=iam_role(allow(["s3:GetObject"], [PHOTOS], TAGGED))),
        resources(Photos=iam_role(allow(["s3:GetObject", "s3:DeleteObject"], [PHOTOS], TAGGED))),
        [
            (
                Severity.HIGH,
                "role `Photos` gains write access: `s3:DeleteObject` on "
                "`arn:aws:s3:::photos/*` under aws:PrincipalTag/team",
            )
        ],
    ),
    "a grant loses both its conditions, and the role gains a write": (
        resources(Photos=iam_role(allow(["s3:GetObject"], [PHOTOS], TWO_KEYS))),
        resources(Photos=iam_role(allow(["s3:GetObject", "s3:DeleteObject"], [PHOTOS]))),
        [
            (
                Severity.HIGH,
                "role `Photos`: `s3:GetObject` on `arn:aws:s3:::photos/*` loses condition "
                "StringEquals aws:PrincipalTag/team; loses condition StringEquals "
                "aws:SourceAccount",
            ),
            (
                Severity.HIGH,
                "role `Photos` gains write access: `s3:DeleteObject` on `arn:aws:s3:::photos/*`",
            ),
        ],
    ),
    "a new role nobody may assume": (
        resources(),
        resources(
            Locked=iam_role(
                trust={
                    "Statement": [
                        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                    ]
                }
            )
        ),
        [(Severity.MEDIUM, "new role `Locked` trusted by nobody")],
    ),
    "a role gains every action": (
        resources(Photos=iam_role(READS)),
        resources(Photos=iam_role(READS, allow(["*"], [PHOTOS]))),
        [
            (
                Severity.HIGH,
                "role `Photos` gains write access (wildcard): `*` on `arn:aws:s3:::photos/*`",
            )
        ],
    ),
    "a role gains one action on two resources: one line": (
        resources(Photos=iam_role(READS)),
        resources(
            Photos=iam_role(
                allow(
                    ["s3:GetObject"],
                    [PHOTOS, "arn:aws:s3:::backups/a", "arn:aws:s3:::backups/b"],
                )
            )
        ),
        [
            (
                Severity.MEDIUM,
                "role `Photos` gains read access: `s3:GetObject` on `arn:aws:s3:::backups/a`, "
                "`arn:aws:s3:::backups/b`",
            )
        ],
    ),
}
"""Hand-written role templates: what iam_changes says of each, line for line."""


@pytest.mark.parametrize(("before", "after", "lines"), IAM_PAIRS.values(), ids=IAM_PAIRS)
def test_iam_pairs_give_exactly_these_lines(
    before: dict[str, Any], after: dict[str, Any], lines: list[tuple[Severity, str]]
) -> None:
    assert list(iam_changes(before, after)) == [Change(s, text) for s, text in lines]
