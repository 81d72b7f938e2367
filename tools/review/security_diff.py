"""What a change does to one stage's template, most severe first (`make review BASE=<ref>`).

Flagged (a person must accept them): MFA, password policy, plan or threat protection weakened;
the web ACL, risk configuration or log delivery removed, rotation off, the rate limit raised;
guest identities or the classic flow turned on; IAM grants and trust widened
(`tools.review.iam_diff`), and resource policies (`tools.review.resource_policy_diff`);
callback/logout URLs and web origins added (http and localhost
called out); providers added or remapped; token lifetimes lengthened; deletion protection or
RETAIN lost; a stateful resource replaced (the replacement guard's own comparison); a user group
deleted or replaced (its members lose it). Everything else that moved is one line each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.review.changes import Change, Severity, readable
from tools.review.guard import STANDARD_ATTRIBUTES, STATEFUL_TYPES
from tools.review.guard import compare as replacements
from tools.review.iam_diff import iam_changes
from tools.review.resource_policy_diff import resource_policy_changes
from tools.review.templates import of_type

Props = dict[str, Any]
GROUP = "AWS::Cognito::UserPoolGroup"
RANKS = {
    "MfaConfiguration": ("OFF", "OPTIONAL", "ON"),
    "UserPoolTier": ("LITE", "ESSENTIALS", "PLUS"),
    "AdvancedSecurityMode": ("OFF", "AUDIT", "ENFORCED"),
    "WebAuthnUserVerification": ("preferred", "required"),
}
DEFAULTS = {
    "MfaConfiguration": "OFF",
    "UserPoolTier": "ESSENTIALS",
    "AdvancedSecurityMode": "OFF",
    "WebAuthnUserVerification": "preferred",
}
WEAK_MFA = frozenset({"SMS_MFA", "EMAIL_OTP"})
"""Factors an attacker can intercept more easily than an authenticator app."""
PASSWORD_RULES = ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")
MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
TOKEN_DEFAULTS = {  # CloudFormation's defaults: (validity, unit)
    "IdToken": (1, "hours"),
    "AccessToken": (1, "hours"),
    "RefreshToken": (30, "days"),
}


def _matched(
    before: dict[str, Any], after: dict[str, Any], kind: str, name_key: str = ""
) -> Iterator[tuple[str, Props | None, Props]]:
    """(name, BASE properties or None when new, current properties) per resource of `kind`.

    Resources match by the property `name_key` (a client's or provider's own name, which
    survives a construct move) or, without one, by logical ID."""

    def name(logical_id: str, props: Props) -> str:
        return str(props.get(name_key, logical_id)) if name_key else logical_id

    old = {name(i, p): p for i, p in of_type(before, kind).items()}
    for logical_id, props in of_type(after, kind).items():
        key = name(logical_id, props)
        yield key, old.get(key), props


def _differing(old: Props, new: Props) -> list[str]:
    """The keys whose values differ between two mappings, sorted."""
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _texts(props: Props | None, key: str) -> set[str]:
    """A list property's items as text (items may be references)."""
    return {readable(item) for item in (props or {}).get(key, [])}


def _rank(key: str, props: Props) -> int:
    return RANKS[key].index(props.get(key, DEFAULTS[key]))


def _lowered(key: str, old: Props, new: Props) -> str:
    """`'ON -> OPTIONAL'` when `key` went down its ranking; empty otherwise."""
    if _rank(key, new) < _rank(key, old):
        return f"{old.get(key, DEFAULTS[key])} -> {new.get(key, DEFAULTS[key])}"
    return ""


def user_pool_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for logical_id, old, new in _matched(before, after, "AWS::Cognito::UserPool"):
        if old is None:
            continue
        pool = f"user pool `{logical_id}`"
        if how := _lowered("MfaConfiguration", old, new):
            yield Change(Severity.HIGH, f"{pool}: MFA weakened: {how}")
        weak = (_texts(new, "EnabledMfas") - _texts(old, "EnabledMfas")) & WEAK_MFA
        if weak:
            yield Change(
                Severity.HIGH, f"{pool}: MFA factors weakened: + {', '.join(sorted(weak))}"
            )
        if how := _lowered("WebAuthnUserVerification", old, new):
            yield Change(Severity.HIGH, f"{pool}: passkey user verification weakened: {how}")
        yield from _password_changes(pool, old, new)
        if how := _lowered("UserPoolTier", old, new):
            yield Change(Severity.HIGH, f"{pool}: feature plan lowered: {how}")
        add_ons = old.get("UserPoolAddOns", {}), new.get("UserPoolAddOns", {})
        if how := _lowered("AdvancedSecurityMode", *add_ons):
            yield Change(Severity.HIGH, f"{pool}: threat protection lowered: {how}")
        factors = [
            set(p.get("Policies", {}).get("SignInPolicy", {}).get("AllowedFirstAuthFactors", []))
            for p in (old, new)
        ]
        if added := factors[1] - factors[0]:
            yield Change(
                Severity.MEDIUM, f"{pool}: sign-in gains first factors {', '.join(sorted(added))}"
            )
        admin_only = [
            p.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False)
            for p in (old, new)
        ]
        if admin_only == [True, False]:
            yield Change(Severity.MEDIUM, f"{pool}: self sign-up turned on")
        known = {a["Name"] for a in old.get("Schema", [])}
        for attribute in new.get("Schema", []):
            if attribute["Name"] not in known | STANDARD_ATTRIBUTES:
                yield Change(
                    Severity.MEDIUM,
                    f"{pool}: custom attribute `{attribute['Name']}` added (Cognito can never "
                    "remove or change it)",
                )


def _password_changes(pool: str, old: Props, new: Props) -> Iterator[Change]:
    was = old.get("Policies", {}).get("PasswordPolicy", {})
    now = new.get("Policies", {}).get("PasswordPolicy", {})
    weakened = [
        f"{rule} True -> False" for rule in PASSWORD_RULES if was.get(rule) and not now.get(rule)
    ]
    for key in ("MinimumLength", "PasswordHistorySize"):
        if now.get(key, 0) < was.get(key, 0):
            weakened.append(f"{key} {was.get(key)} -> {now.get(key)}")
    if now.get("TemporaryPasswordValidityDays", 7) > was.get("TemporaryPasswordValidityDays", 7):
        weakened.append(
            f"TemporaryPasswordValidityDays {was.get('TemporaryPasswordValidityDays', 7)} -> "
            f"{now.get('TemporaryPasswordValidityDays')}"
        )
    if weakened:
        yield Change(Severity.HIGH, f"{pool}: password policy weakened: {'; '.join(weakened)}")


def identity_pool_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for logical_id, old, new in _matched(before, after, "AWS::Cognito::IdentityPool"):
        for key, what in (
            ("AllowUnauthenticatedIdentities", "guest (unauthenticated) identities turned on"),
            ("AllowClassicFlow", "the classic (basic) authflow turned on"),
        ):
            if new.get(key) and not (old or {}).get(key):
                yield Change(Severity.HIGH, f"identity pool `{logical_id}`: {what}")
    for logical_id, old, new in _matched(before, after, "AWS::Cognito::IdentityPoolPrincipalTag"):
        # Session tags are what per-user policies key on: a tag read from another claim
        # changes whose data every session reaches.
        was, now = (old or {}).get("PrincipalTags", {}), new.get("PrincipalTags", {})
        for tag in sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k)):
            yield Change(
                Severity.HIGH,
                f"identity pool principal tags `{logical_id}`: {_tag_change(tag, was, now)}",
            )


def _tag_change(tag: str, was: dict[str, str], now: dict[str, str]) -> str:
    if tag not in now:
        return f"tag `{tag}` dropped (it read claim `{was[tag]}`)"
    if tag not in was:
        return f"tag `{tag}` added, read from claim `{now[tag]}`"
    return f"tag `{tag}` now reads claim `{now[tag]}` (was `{was[tag]}`)"


def _url_change(subject: str, what: str, url: str) -> Change:
    """An added redirect URL or origin: http and localhost are called out, and flagged higher."""
    checks = (("http", url.startswith("http:")), ("localhost", "localhost" in url))
    notes = [name for name, found in checks if found]
    note = f" ({', '.join(notes)})" if notes else ""
    return Change(Severity.HIGH if note else Severity.MEDIUM, f"{subject} gains {what} {url}{note}")


def _lifetime_minutes(props: Props, token: str) -> float:
    validity, unit = TOKEN_DEFAULTS[token]
    validity = props.get(f"{token}Validity", validity)
    return float(validity) * MINUTES[props.get("TokenValidityUnits", {}).get(token, unit)]


def _duration(minutes: float) -> str:
    for unit, size in (("days", 1440), ("hours", 60)):
        if minutes >= size and minutes % size == 0:
            return f"{minutes / size:g} {unit}"
    return f"{minutes:g} minutes"


def client_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for name, was, new in _matched(before, after, "AWS::Cognito::UserPoolClient", "ClientName"):
        client = f"client `{name}`"
        old = was or {}
        if was is None:
            yield Change(Severity.MEDIUM, f"new {client}")
        for key, what in (("CallbackURLs", "callback URL"), ("LogoutURLs", "logout URL")):
            for url in sorted(_texts(new, key) - _texts(old, key)):
                yield _url_change(client, what, url)
        for key, what in (
            ("AllowedOAuthFlows", "OAuth flows"),
            ("ExplicitAuthFlows", "auth flows"),
            ("AllowedOAuthScopes", "scopes"),
            ("SupportedIdentityProviders", "identity providers"),
        ):
            if was is not None and (added := _texts(new, key) - _texts(old, key)):
                severity = Severity.HIGH if "implicit" in added else Severity.MEDIUM
                yield Change(severity, f"{client} gains {what} {', '.join(sorted(added))}")
        if was is None:
            continue
        for token in TOKEN_DEFAULTS:
            longer, shorter = _lifetime_minutes(new, token), _lifetime_minutes(old, token)
            if longer > shorter:
                yield Change(
                    Severity.MEDIUM,
                    f"{client}: {token} lifetime lengthened {_duration(shorter)} -> "
                    f"{_duration(longer)}",
                )
        if old.get("EnableTokenRevocation", True) and not new.get("EnableTokenRevocation", True):
            yield Change(Severity.HIGH, f"{client}: token revocation turned off")
        rotation = [p.get("RefreshTokenRotation", {}).get("Feature") for p in (old, new)]
        if rotation[0] == "ENABLED" and rotation[1] != "ENABLED":
            yield Change(Severity.HIGH, f"{client}: refresh-token rotation turned off")
        if (
            old.get("PreventUserExistenceErrors")
            == "ENABLED"
            != new.get("PreventUserExistenceErrors")
        ):
            yield Change(Severity.MEDIUM, f"{client}: user existence errors revealed again")


def origin_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for logical_id, old, new in _matched(before, after, "AWS::S3::Bucket"):
        origins = [
            {
                readable(origin)
                for rule in (p or {}).get("CorsConfiguration", {}).get("CorsRules", [])
                for origin in rule.get("AllowedOrigins", [])
            }
            for p in (old, new)
        ]
        for origin in sorted(origins[1] - origins[0]):
            yield _url_change(f"bucket `{logical_id}` CORS", "web origin", origin)


def provider_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    providers = _matched(before, after, "AWS::Cognito::UserPoolIdentityProvider", "ProviderName")
    for name, old, new in providers:
        provider = f"identity provider `{name}`"
        if old is None:
            yield Change(Severity.MEDIUM, f"{provider} ({new.get('ProviderType')}) added")
            continue
        mapping = old.get("AttributeMapping", {}), new.get("AttributeMapping", {})
        if moved := _differing(*mapping):
            yield Change(
                Severity.MEDIUM,
                f"{provider}: attribute mapping changed: "
                + ", ".join(f"{k} {mapping[0].get(k)} -> {mapping[1].get(k)}" for k in moved),
            )
        details = old.get("ProviderDetails", {}), new.get("ProviderDetails", {})
        if changed := _differing(*details):
            yield Change(Severity.MEDIUM, f"{provider}: {', '.join(changed)} changed")


PROTECTIONS = {
    "AWS::WAFv2::WebACLAssociation": "web ACL association",
    "AWS::Cognito::UserPoolRiskConfigurationAttachment": "risk configuration",
    "AWS::Cognito::LogDeliveryConfiguration": "log delivery",
}


def protection_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    """A protection removed (managed login's failover routing included), or the WAF rate limit
    raised."""
    for kind, what in PROTECTIONS.items():
        if of_type(before, kind) and not of_type(after, kind):
            yield Change(Severity.HIGH, f"protection removed: the {what} is gone")
    for domain, old, new in _matched(before, after, "AWS::Cognito::UserPoolDomain", "Domain"):
        if old and "Routing" in old and "Routing" not in new:
            yield Change(
                Severity.HIGH,
                f"protection removed: domain `{domain}` no longer fails over to the replica",
            )
    for logical_id, old, new in _matched(before, after, "AWS::WAFv2::WebACL"):
        limits = [
            {
                rule["Name"]: rule["Statement"]["RateBasedStatement"]["Limit"]
                for rule in (p or {}).get("Rules", [])
                if "RateBasedStatement" in rule.get("Statement", {})
            }
            for p in (old, new)
        ]
        for rule, limit in limits[1].items():
            if rule in limits[0] and limit > limits[0][rule]:
                yield Change(
                    Severity.MEDIUM,
                    f"web ACL `{logical_id}`: rate limit {rule} raised {limits[0][rule]} -> "
                    f"{limit}",
                )


def stateful_changes(stage: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for finding in replacements(stage, before, after):
        yield Change(
            Severity.HIGH,
            f"{finding.resource_type} `{finding.logical_id}` deleted or replaced: {finding.reason}",
        )
    old_resources = before.get("Resources", {})
    for logical_id, resource in after.get("Resources", {}).items():
        old = old_resources.get(logical_id)
        if resource["Type"] not in STATEFUL_TYPES or old is None or old["Type"] != resource["Type"]:
            continue
        subject = f"{resource['Type']} `{logical_id}`"
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if old.get(policy) == "Retain" and resource.get(policy) != "Retain":
                yield Change(Severity.HIGH, f"{subject}: {policy} RETAIN lost")
        props, old_props = resource.get("Properties", {}), old.get("Properties", {})
        if old_props.get("DeletionProtection") == "ACTIVE" != props.get("DeletionProtection"):
            yield Change(Severity.HIGH, f"{subject}: deletion protection lost")
        if _protected(old_props) and not _protected(props):
            yield Change(Severity.HIGH, f"{subject}: deletion protection lost")


def group_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    """A user group deleted or replaced (gone from this stack, or renamed: `GroupName` is fixed
    at creation): Cognito keeps no membership for a new group, so its members lose it and the
    role it carries. A group moved to another stack of the stage is such a case."""
    now = of_type(after, GROUP)
    for logical_id, props in of_type(before, GROUP).items():
        name = props.get("GroupName", logical_id)
        if logical_id not in now or now[logical_id].get("GroupName", logical_id) != name:
            yield Change(
                Severity.MEDIUM,
                f"user group `{logical_id}` ({name}) deleted or replaced: its members lose it "
                "(and its role)",
            )


def _protected(table: dict[str, Any]) -> bool:
    """A table's deletion protection: its own, or (a global table's) that of every replica."""
    replicas = table.get("Replicas", [])
    if replicas:
        return all(r.get("DeletionProtectionEnabled") for r in replicas)
    return bool(table.get("DeletionProtectionEnabled"))


def other_changes(
    before: dict[str, Any], after: dict[str, Any], flagged: list[Change]
) -> Iterator[Change]:
    """One line per other resource or output that moved (not those a flagged line names)."""
    named = " ".join(change.text for change in flagged)
    old, new = _deployed(before), _deployed(after)
    for logical_id in sorted(old.keys() | new.keys()):
        was, now = old.get(logical_id), new.get(logical_id)
        kind = (now or was or {}).get("Type", "?")
        if kind == "AWS::CDK::Metadata" or was == now or f"`{logical_id}`" in named:
            continue
        if was is None or now is None:
            verb = "added" if was is None else "removed"
        else:
            verb = f"modified ({', '.join(_moved(was, now))})"
        yield Change(Severity.OTHER, f"{kind} `{logical_id}` {verb}")
    outputs = before.get("Outputs", {}), after.get("Outputs", {})
    for name in sorted(outputs[0].keys() | outputs[1].keys()):
        if outputs[0].get(name) != outputs[1].get(name):
            verb = (
                "added"
                if name not in outputs[0]
                else "removed"
                if name not in outputs[1]
                else "changed"
            )
            yield Change(Severity.OTHER, f"output `{name}` {verb}")


DEPLOYED_KEYS = ("Type", "Properties", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn")
"""What CloudFormation acts on; Metadata (construct paths, scanner skips) changes nothing."""


def _deployed(template: dict[str, Any]) -> dict[str, Props]:
    return {
        logical_id: {key: resource[key] for key in DEPLOYED_KEYS if key in resource}
        for logical_id, resource in template.get("Resources", {}).items()
    }


def _moved(was: Props, now: Props) -> list[str]:
    """The properties (or resource attributes) that differ."""
    moved = _differing(was.get("Properties", {}), now.get("Properties", {}))
    return moved + [k for k in DEPLOYED_KEYS[2:] if was.get(k) != now.get(k)]


def stage_changes(stage: str, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every change from BASE's template to the current one, most severe first."""
    flagged = [
        *stateful_changes(stage, before, after),
        *group_changes(before, after),
        *user_pool_changes(before, after),
        *identity_pool_changes(before, after),
        *protection_changes(before, after),
        *iam_changes(before, after),
        *resource_policy_changes(before, after),
        *client_changes(before, after),
        *origin_changes(before, after),
        *provider_changes(before, after),
    ]
    flagged.sort(key=lambda change: change.severity)
    return [*flagged, *other_changes(before, after, flagged)]


def markdown(stage: str, changes: list[Change], *, new_stage: bool = False) -> list[str]:
    lines = [f"## {stage}", ""]
    if new_stage:
        lines += ["New stage: not in BASE, so everything below is new.", ""]
    if not changes:
        return [*lines, "no change", ""]
    flagged = [c for c in changes if c.severity.flagged]
    other = [c for c in changes if not c.severity.flagged]
    if flagged:
        lines += ["**Security-relevant changes** (a person must accept these)", ""]
        lines += [*map(str, flagged), ""]
    if other:
        lines += ["**Other changes**", "", *map(str, other), ""]
    return lines
