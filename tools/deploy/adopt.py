"""Adopt an existing user pool into a stage without losing a user: CloudFormation resource import.

    make adopt STAGE=Dev POOL_ID=eu-west-1_AbC [IDENTITY_POOL_ID=eu-west-1:...]
    (python -m tools.deploy.adopt Dev --pool-id eu-west-1_AbC [--identity-pool-id eu-west-1:...])

Reads the live pool, its clients, groups, identity providers and domains (and the identity pool,
if given) with read-only calls and compares them with the stage's synthesized template:

- settings Cognito fixes at creation must match, or adoption is refused naming the setting;
- every other difference is listed as what the first deploy after the import changes (an update
  resets what the template leaves out, so nothing is left out silently);
- the `cdk import` resource mapping (logical id -> primary identifier) is recorded in
  `guard/adopted/<Stage>.json`, the guard baseline of the stage is recorded, and an import-only
  cloud assembly is written (`cdk.out.adopt-<Stage>/`): the imported resources alone, each with
  DeletionPolicy Retain, without the properties that refer to resources the import cannot hold.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from stacks.outputs import deployed_stack_name
from tools.review.guard import DEFAULT_BASELINE, record_baseline, replacement_properties
from tools.review.templates import ROOT, of_type, stage_templates, template_path

POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
GROUP = "AWS::Cognito::UserPoolGroup"
PROVIDER = "AWS::Cognito::UserPoolIdentityProvider"
DOMAIN = "AWS::Cognito::UserPoolDomain"
IDENTITY_POOL = "AWS::Cognito::IdentityPool"
NAMED_BY = {CLIENT: "ClientName", GROUP: "GroupName", PROVIDER: "ProviderName", DOMAIN: "Domain"}
"""The template property that names each pool-owned resource, and so finds its live twin."""
DEFAULT_ADOPTED = ROOT / "guard" / "adopted"

FIXED = {
    "UsernameAttributes": "sign_in_aliases in auth_constructs/identity/user_pool.py",
    "AliasAttributes": "sign_in_aliases in auth_constructs/identity/user_pool.py",
    "UsernameConfiguration.CaseSensitive": (
        "sign_in_case_sensitive in auth_constructs/identity/user_pool.py"
    ),
}
"""Pool settings Cognito fixes at creation, and where the project's pool definition sets each
(the schema is compared attribute by attribute, in `schema_refusals`)."""
SCHEMA_KEY = "standard_attributes (and custom_attributes) in auth_constructs/identity/user_pool.py"

LIVE_ONLY = {
    POOL: {
        "Id", "Name", "Arn", "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers",
        "Domain", "CustomDomain", "SchemaAttributes", "Status", "UsernameAttributes",
        "AliasAttributes", "UsernameConfiguration",
    },
    CLIENT: {"UserPoolId", "ClientId", "ClientName", "ClientSecret", "CreationDate",
             "LastModifiedDate"},
    GROUP: {"UserPoolId", "GroupName", "CreationDate", "LastModifiedDate"},
    PROVIDER: {"UserPoolId", "ProviderName", "CreationDate", "LastModifiedDate"},
    DOMAIN: {"UserPoolId", "Domain", "AWSAccountId", "CloudFrontDistribution", "S3Bucket",
             "Status", "Version"},
    IDENTITY_POOL: {"IdentityPoolId"},
}  # fmt: skip
"""Keys a describe call returns that are identity or status, not settings a deploy would change."""
NOT_SETTINGS = {
    "UserPoolId", "UserPoolName", "Schema", "UsernameAttributes", "AliasAttributes",
    "UsernameConfiguration", *NAMED_BY.values(),
}  # fmt: skip
"""Template properties compared elsewhere (identity, names, fixed settings), not as changes."""
COGNITO_DEFAULTS: dict[str, Any] = {
    "AuthSessionValidity": 3,
    "EnablePropagateAdditionalUserContextData": False,
    "AllowedOAuthFlowsUserPoolClient": False,
    "EnableTokenRevocation": True,
    "Description": "",
    "IdentityPoolTags": {},
}
"""Values a live resource reports for a key the template leaves out that are what an update
leaves anyway: not a change worth a line."""
HIDDEN = ("secret", "private_key")
"""Provider details whose values are never printed."""


@dataclass
class Live:
    """What the account holds, keyed the way the template names it."""

    pool: dict[str, Any]
    named: dict[str, dict[str, dict[str, Any]]]
    identity_pool: dict[str, Any] | None = None


def _pages(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def read_live(session: boto3.Session, pool_id: str, identity_pool_id: str | None) -> Live:
    """Every read adoption needs (Describe/List/Get calls only)."""
    idp = session.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    pool["EnabledMfas"] = [
        name
        for name, on in (
            ("SMS_MFA", "SmsMfaConfiguration" in mfa),
            ("SOFTWARE_TOKEN_MFA", mfa.get("SoftwareTokenMfaConfiguration", {}).get("Enabled")),
            ("EMAIL_OTP", "EmailMfaConfiguration" in mfa),
        )
        if on
    ]
    clients = {}
    for summary in _pages(
        idp.list_user_pool_clients, "UserPoolClients", UserPoolId=pool_id, MaxResults=60
    ):
        client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=summary["ClientId"])[
            "UserPoolClient"
        ]
        client["GenerateSecret"] = "ClientSecret" in client
        clients[client["ClientName"]] = client
    groups = {g["GroupName"]: g for g in _pages(idp.list_groups, "Groups", UserPoolId=pool_id)}
    providers = {
        p["ProviderName"]: idp.describe_identity_provider(
            UserPoolId=pool_id, ProviderName=p["ProviderName"]
        )["IdentityProvider"]
        for p in _pages(idp.list_identity_providers, "Providers", UserPoolId=pool_id, MaxResults=60)
    }
    domains = {
        name: idp.describe_user_pool_domain(Domain=name)["DomainDescription"]
        for name in (pool.get("Domain"), pool.get("CustomDomain"))
        if name
    }
    identity_pool = None
    if identity_pool_id:
        identity_pool = session.client("cognito-identity").describe_identity_pool(
            IdentityPoolId=identity_pool_id
        )
        identity_pool.pop("ResponseMetadata", None)
    return Live(
        pool=pool,
        named={CLIENT: clients, GROUP: groups, PROVIDER: providers, DOMAIN: domains},
        identity_pool=identity_pool,
    )


@dataclass
class Resolver:
    """Renders a template value the way the live API reports it: references to the adopted
    resources become their live ids, anything the first deploy creates stays a named reference."""

    template: dict[str, Any]
    mapping: dict[str, dict[str, str]]
    pool_arn: str
    """The live pool's ARN, which names the partition, Region and account."""

    def ref(self, logical_id: str) -> str:
        _, partition, _, region, account, _ = self.pool_arn.split(":")
        pseudo = {
            "AWS::Partition": partition,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        resource = self.template["Resources"].get(logical_id, {})
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Cognito::UserPoolResourceServer":
            return str(props["Identifier"])
        if logical_id not in self.mapping:
            return f"<{logical_id}>"
        ids = self.mapping[logical_id]
        named = props.get(NAMED_BY.get(resource.get("Type", ""), ""))
        return ids.get("ClientId") or ids.get("Id") or named or ids["UserPoolId"]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return f"<{target[0]}.{target[1]}>" if isinstance(target, list) else f"<{target}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self(p)) for p in parts)
        if "Fn::GetStackOutput" in value:  # the stage's Key stack: deployed before this one
            output = value["Fn::GetStackOutput"]
            return f"<{output['StackName']}.{output['OutputName']}>"
        return {k: self(v) for k, v in value.items()}


def references(value: Any) -> set[str]:
    """Logical ids (and pseudo parameters) a template value refers to."""
    if isinstance(value, list):
        return set().union(*map(references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = set()
    if isinstance(value.get("Ref"), str):
        found.add(value["Ref"])
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        found.add(target[0] if isinstance(target, list) else target.split(".")[0])
    return found.union(*map(references, value.values()))


def outside(value: Any, kept: Iterable[str]) -> set[str]:
    """What `value` refers to beyond the resources `kept` and the pseudo parameters (`AWS::...`):
    an import template cannot hold it."""
    return {r for r in references(value) - set(kept) if not r.startswith("AWS::")}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{dotted path: leaf}, so a difference reads as one setting, not a whole structure."""
    if isinstance(value, dict) and (value or not prefix):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flat(inner, f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(value, list):
        return {prefix: sorted(value, key=lambda v: json.dumps(v, sort_keys=True))}
    return {prefix: value}


def api_value(key: str, value: Any) -> Any:
    """A template property in the form the Cognito API takes and returns it: tags as a map,
    provider details as strings."""
    if isinstance(value, list) and all(isinstance(t, dict) and "Key" in t for t in value):
        return {t["Key"]: t["Value"] for t in value}
    if key == "ProviderDetails" and isinstance(value, dict):
        return {k: json.dumps(v) if isinstance(v, bool) else v for k, v in value.items()}
    return value


def _shown(path: str, value: Any) -> str:
    if value is None:
        return "(not set)"
    if path.startswith("ProviderDetails.") and any(word in path.lower() for word in HIDDEN):
        return "(hidden)"
    return json.dumps(value, default=str)


def differences(
    label: str, kind: str, wanted: dict[str, Any], live: dict[str, Any], resolve: Resolver
) -> list[str]:
    """'the first deploy changes ...' lines for one resource; a change of a property whose change
    forces replacement says so (a client replaced gets a new id)."""
    create_only = {p.removeprefix("/properties/") for p in replacement_properties(kind)}
    want = _flat({k: api_value(k, resolve(v)) for k, v in wanted.items() if k not in NOT_SETTINGS})
    have = _flat({k: v for k, v in live.items() if k not in LIVE_ONLY.get(kind, set())})
    lines = []
    for path in sorted(want.keys() | have.keys()):
        old, new = have.get(path), want.get(path)
        if old == new or (new is None and COGNITO_DEFAULTS.get(path, object()) == old):
            continue
        new_text = "reset (the template leaves it out)" if new is None else _shown(path, new)
        replaced = " (REPLACES it: a new resource, a new id)" if path in create_only else ""
        lines.append(f"{label} {path}: {_shown(path, old)} -> {new_text}{replaced}")
    return lines


def schema_refusals(template_schema: list[dict[str, Any]], live: list[dict[str, Any]]) -> list[str]:
    """Attributes whose required/mutable flags or existence differ (fixed at creation)."""
    wanted = {
        (a["Name"] if "AttributeDataType" not in a else f"custom:{a['Name']}"): a
        for a in template_schema
    }
    have = {a["Name"]: a for a in live}
    refusals = []
    for name in sorted(wanted.keys() | have.keys()):
        want, got = wanted.get(name), have.get(name)
        if name.startswith(("custom:", "dev:")) and (want is None or got is None):
            where = "only the pool has it" if want is None else "only the template has it"
            refusals.append(f"Schema: custom attribute {name}: {where}")
            continue
        for flag, default in (("Required", False), ("Mutable", True)):
            wanted_flag = (want or {}).get(flag, default)
            live_flag = (got or {}).get(flag, default)
            if wanted_flag != live_flag:
                refusals.append(
                    f"Schema: {name} {flag} is {json.dumps(live_flag)} in the pool, "
                    f"{json.dumps(wanted_flag)} in the template"
                )
    return refusals


def _at(value: dict[str, Any], dotted: str) -> Any:
    node: Any = value
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def fixed_refusals(pool: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Why the live pool cannot become the stage's pool; empty when it can."""
    refusals = []
    for path, where in FIXED.items():
        want, have = _at(pool, path), _at(live, path)
        if path == "UsernameConfiguration.CaseSensitive":
            have = True if have is None else have  # Cognito's default for a pool without it
        if (want or None) != (have or None):
            refusals.append(
                f"{path}: the project's pool has {json.dumps(want)} ({where}), the live pool "
                f"{json.dumps(have)}"
            )
    schema = schema_refusals(pool.get("Schema", []), live.get("SchemaAttributes", []))
    return refusals + [f"{line} ({SCHEMA_KEY})" for line in schema]


@dataclass
class Plan:
    """The comparison of one stage's template with the live pool."""

    stage: str
    refusals: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(stage: str, template: dict[str, Any], live: Live) -> Plan:
    """Match each template resource to its live twin, and say what adoption does with each."""
    result = Plan(stage)
    missing: set[str] = set()
    resources = template["Resources"]
    ((pool_id, pool),) = of_type(template, POOL).items()
    result.refusals = fixed_refusals(pool, live.pool)
    result.mapping[pool_id] = {"UserPoolId": live.pool["Id"]}
    pairs: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("UserPool", pool_id, pool, live.pool)
    ]
    for kind, name_key in NAMED_BY.items():
        wanted = {props[name_key]: (i, props) for i, props in of_type(template, kind).items()}
        have = live.named[kind]
        for name, (logical_id, props) in sorted(wanted.items()):
            if name in have:
                ids = {"UserPoolId": live.pool["Id"], name_key: name}
                if kind == CLIENT:
                    ids = {"UserPoolId": live.pool["Id"], "ClientId": have[name]["ClientId"]}
                result.mapping[logical_id] = ids
                pairs.append((f"{kind.split('::')[-1]} {name}", logical_id, props, have[name]))
            else:
                result.created.append(f"{kind} {logical_id} ({name_key} {name})")
                missing.add(logical_id)
        for name in sorted(have.keys() - wanted.keys()):
            result.untouched.append(f"{kind} {name}")
            # A pool holds one prefix domain and one custom domain (a custom one has a dot).
            clash = [w for w in wanted if kind == DOMAIN and ("." in w) == ("." in name)]
            if clash:
                key = "user_pool.custom_domain" if "." in name else "user_pool.domain_prefix"
                result.refusals.append(
                    f"{key}: the pool already has the domain {name!r}, and a pool has only one "
                    f"of its kind, so the deploy could not create {clash[0]!r}; set {key} to "
                    f"{name!r}"
                )
    identity_pools = of_type(template, IDENTITY_POOL)
    if live.identity_pool is not None:
        ((ip_id, ip_props),) = identity_pools.items()
        result.mapping[ip_id] = {"Id": live.identity_pool["IdentityPoolId"]}
        pairs.append(("IdentityPool", ip_id, ip_props, live.identity_pool))
    resolve = Resolver(template, result.mapping, live.pool["Arn"])
    for label, logical_id, props, have in pairs:
        kind = resources[logical_id]["Type"]
        result.changes += differences(label, kind, props, have, resolve)
        dropped = [key for key, value in props.items() if outside(value, result.mapping)]
        if dropped:
            result.left_out.append(f"{logical_id}: {', '.join(sorted(dropped))}")
    deleted = sorted(i for i in result.mapping if resources[i].get("DeletionPolicy") != "Retain")
    if deleted:
        result.warnings.append(
            f"{', '.join(deleted)}: the stage's template does not retain them (DeletionPolicy "
            "Delete, or none). The import template retains each, but after the first deploy "
            "deleting the stack deletes them with the users: a stage holding real users "
            "should be production=True (RETAIN and deletion protection)"
        )
    others = Counter(
        r["Type"]
        for i, r in resources.items()
        if i not in result.mapping.keys() | missing and r["Type"] != "AWS::CDK::Metadata"
    )
    result.created.append(
        "every other resource of the stage: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
    )
    return result


def import_template(template: dict[str, Any], mapping: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Only the imported resources, each retained, without properties that refer to resources
    the import does not hold (the first deploy sets those): an import change set must only add
    resources, and every reference in it must resolve."""
    kept = {}
    for logical_id in mapping:
        resource = dict(template["Resources"][logical_id])
        resource["Properties"] = {
            key: value
            for key, value in resource.get("Properties", {}).items()
            if not outside(value, mapping)
        }
        resource["DeletionPolicy"] = resource["UpdateReplacePolicy"] = "Retain"
        resource.pop("DependsOn", None)
        kept[logical_id] = resource
    return {"Resources": kept}


def write_import_assembly(cdk_out: Path, stage: str, template: dict[str, Any], dest: Path) -> None:
    """A copy of the cloud assembly whose stage template is the import template."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(cdk_out, dest)
    path = template_path(dest, deployed_stack_name(stage))
    path.write_text(json.dumps(template, indent=1) + "\n")


def adopted_user_pool_id(adopted_dir: Path, stage: str) -> str | None:
    """The pool a stage adopted (its recorded resource mapping), for preflight."""
    path = adopted_dir / f"{stage}.json"
    if not path.exists():
        return None
    for ids in json.loads(path.read_text()).values():
        if set(ids) == {"UserPoolId"}:
            return str(ids["UserPoolId"])
    return None


def _relative(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def commands(stage: str, mapping_file: Path, assembly: Path) -> list[str]:
    """What to run next, in order (printed, and shown in docs/deploying.md)."""
    stack = deployed_stack_name(stage)
    return [
        f"npx cdk import --app {_relative(assembly)} '{stage}/Auth' "
        f"--resource-mapping {_relative(mapping_file)}",
        f"aws cloudformation detect-stack-drift --stack-name {stack}",
        f"aws cloudformation describe-stack-resource-drifts --stack-name {stack}",
        f"npx cdk deploy '{stage}/*'",
        "make guard",
    ]


def report(result: Plan, next_steps: list[str]) -> list[str]:
    lines = [f"adopt {result.stage}"]
    if result.refusals:
        lines.append("  REFUSED: Cognito fixes these at creation, and they differ:")
        lines += [f"    - {r}" for r in result.refusals]
        lines.append(
            "  Adoption is impossible unless the project's pool definition follows the live "
            "pool (change the setting named, then `make accept`), or the team stays on its pool."
        )
        return lines
    sections = (
        ("The first deploy after the import changes", result.changes),
        (
            "Imported (resource mapping)",
            [f"{i} {json.dumps(ids)}" for i, ids in result.mapping.items()],
        ),
        ("Left out of the import template (set by the first deploy)", result.left_out),
        ("Created by the first deploy", result.created),
        ("Left alone (live, not in the template)", result.untouched),
        ("Warnings", result.warnings),
        ("Next, in order", next_steps),
    )
    for title, items in sections:
        if items:
            lines.append(f"  {title}:")
            lines += [f"    - {item}" for item in items]
    return lines


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    parser = argparse.ArgumentParser(description="Adopt an existing user pool (read-only).")
    parser.add_argument("stage")
    parser.add_argument("--pool-id", required=True)
    parser.add_argument("--identity-pool-id")
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument("--adopted", type=Path, default=DEFAULT_ADOPTED)
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--assembly", type=Path, help="default: <cdk-out>.adopt-<stage>")
    args = parser.parse_args(argv)
    template = stage_templates(args.cdk_out)[args.stage]
    try:
        live = read_live(session or boto3.Session(), args.pool_id, args.identity_pool_id)
    except (ClientError, BotoCoreError) as error:
        print(
            f"error: cannot read the pool: {error}. Are POOL_ID (and IDENTITY_POOL_ID) right, "
            "and the credentials for the pool's account and Region?",
            file=sys.stderr,
        )
        return 2
    result = plan(args.stage, template, live)
    mapping_file = args.adopted / f"{args.stage}.json"
    assembly = args.assembly or args.cdk_out.with_name(f"{args.cdk_out.name}.adopt-{args.stage}")
    if not result.refusals:
        args.adopted.mkdir(parents=True, exist_ok=True)
        mapping_file.write_text(json.dumps(result.mapping, indent=1, sort_keys=True) + "\n")
        write_import_assembly(
            args.cdk_out, args.stage, import_template(template, result.mapping), assembly
        )
        record_baseline(args.baseline, deployed_stack_name(args.stage), template)
    print("\n".join(report(result, commands(args.stage, mapping_file, assembly))))
    return 1 if result.refusals else 0


if __name__ == "__main__":
    sys.exit(main())
