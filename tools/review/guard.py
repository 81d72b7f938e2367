"""Replacement guard: fail when a deploy would delete or replace a stateful resource.

    python -m tools.review.guard [--baseline DIR] [--cdk-out DIR]   compare (make guard)
    python -m tools.review.guard --accept [--baseline DIR]          print what changed per stack,
                                                                    then record the baselines
                                                                    (make accept)

A stateful resource (user pool, identity pool, table, bucket, backup vault, KMS key) in the
baseline must keep its logical ID and type in the fresh template, and keep every property whose
change forces replacement. Those properties come from the CloudFormation registry schemas that
cfn-lint ships (`createOnlyProperties`), plus the settings that Cognito, DynamoDB and KMS fix at
creation but the registry schemas do not list, and the in-place updates that break every
consumer (the pool's issuer).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import cfnlint.data.schemas

from tools.review.templates import ROOT, stack_templates

STATEFUL_TYPES = (
    "AWS::Cognito::UserPool",
    "AWS::Cognito::IdentityPool",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::Backup::BackupVault",
)
# Fixed at creation, though the registry schemas do not mark them create-only: changing them
# means a new resource (Cognito refuses the update; a new pool loses every user).
FIXED_AT_CREATION = {
    "AWS::Cognito::UserPool": (
        "/properties/UsernameAttributes",
        "/properties/AliasAttributes",
        "/properties/UsernameConfiguration",
    ),
    "AWS::DynamoDB::Table": ("/properties/KeySchema", "/properties/LocalSecondaryIndexes"),
    "AWS::DynamoDB::GlobalTable": ("/properties/KeySchema", "/properties/LocalSecondaryIndexes"),
    # KMS creates a key single- or multi-Region for good; the registry schema does not say so.
    "AWS::KMS::Key": ("/properties/MultiRegion",),
}
BREAKING_UPDATES = {
    "AWS::Cognito::UserPool": {
        "/properties/IssuerConfiguration": "changes the iss of every token: signed-in sessions, "
        "the identity pool's provider and every API that checks the issuer stop accepting them",
    },
    "AWS::Backup::BackupVault": {
        "/properties/LockConfiguration": "fails once a compliance lock is fixed (after its "
        "cooling-off days nobody can change it), and a retention below the lock's minimum "
        "makes every backup job fail",
    },
}
"""Updates CloudFormation makes in place, but which break what depends on the resource."""
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
"""OpenID Connect's standard claims, which a pool's schema may list (and fixes at creation)."""
DEFAULT_BASELINE = ROOT / "guard" / "baselines"


@dataclass(frozen=True)
class Finding:
    stack: str
    logical_id: str
    resource_type: str
    reason: str
    replaced: bool = True
    """False for an in-place update that breaks consumers (`BREAKING_UPDATES`)."""

    def __str__(self) -> str:
        return f"{self.stack}: {self.resource_type} {self.logical_id}: {self.reason}"


@cache
def replacement_properties(resource_type: str) -> tuple[str, ...]:
    """JSON pointers of properties whose change replaces `resource_type`."""
    schemas = resources.files(cfnlint.data.schemas)
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    schema = json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_text())
    create_only = tuple(schema.get("createOnlyProperties", ()))
    return create_only + tuple(
        p for p in FIXED_AT_CREATION.get(resource_type, ()) if p not in create_only
    )


def _at(resource: dict[str, Any], pointer: str) -> Any:
    node: Any = resource
    for part in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def compare(stack: str, baseline: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """Findings for every stateful resource of `baseline` that `current` deletes or replaces."""
    findings = []
    now = current.get("Resources", {})
    for logical_id, before in baseline.get("Resources", {}).items():
        kind = before["Type"]
        if kind not in STATEFUL_TYPES:
            continue
        after = now.get(logical_id)
        if after is None:
            renamed = [
                i for i, r in now.items() if r["Type"] == kind and i not in baseline["Resources"]
            ]
            hint = (
                f" (a new {kind} appears as {', '.join(renamed)}: a renamed or moved construct?)"
                if renamed
                else ""
            )
            findings.append(
                Finding(
                    stack,
                    logical_id,
                    kind,
                    f"its logical ID vanished, so CloudFormation would delete it{hint}",
                )
            )
            continue
        if after["Type"] != kind:
            findings.append(
                Finding(
                    stack, logical_id, kind, f"its type changed to {after['Type']} (replacement)"
                )
            )
            continue
        old = {"properties": before.get("Properties", {})}
        new = {"properties": after.get("Properties", {})}
        consequences = {
            **dict.fromkeys(replacement_properties(kind), "forces replacement"),
            **BREAKING_UPDATES.get(kind, {}),
        }
        if kind == "AWS::Cognito::UserPool":
            findings += [
                Finding(stack, logical_id, kind, f"Schema: {problem}, which forces replacement")
                for problem in schema_changes(
                    before.get("Properties", {}).get("Schema", []),
                    after.get("Properties", {}).get("Schema", []),
                )
            ]
        for pointer, consequence in consequences.items():
            if _at(old, pointer) != _at(new, pointer):
                findings.append(
                    Finding(
                        stack,
                        logical_id,
                        kind,
                        f"{pointer.removeprefix('/properties/')} changed from "
                        f"{json.dumps(_at(old, pointer))} to {json.dumps(_at(new, pointer))}, "
                        f"which {consequence}",
                        replaced=pointer not in BREAKING_UPDATES.get(kind, {}),
                    )
                )
    return findings


def schema_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """Why the user pool's new schema cannot replace the old: Cognito adds a custom attribute
    in place but refuses to remove or change any attribute, or to add a standard one ("Existing
    schema attributes cannot be modified or deleted"). Empty when it can."""
    old = {a["Name"]: a for a in before}
    new = {a["Name"]: a for a in after}
    problems = [f"attribute {n} removed" for n in old if n not in new]
    problems += [
        f"attribute {n} changed from {json.dumps(old[n])} to {json.dumps(new[n])}"
        for n in old
        if n in new and new[n] != old[n]
    ]
    problems += [
        f"standard attribute {n} added" for n in new if n not in old and n in STANDARD_ATTRIBUTES
    ]
    return problems


def check(baseline_dir: Path, cdk_out: Path) -> list[Finding]:
    current = stack_templates(cdk_out)
    findings: list[Finding] = []
    for path in sorted(baseline_dir.glob("*.template.json")):
        stack = path.name.removesuffix(".template.json")
        if stack not in current:
            findings.append(Finding(stack, "-", "stack", "the stack is gone from cdk.out"))
            continue
        findings += compare(stack, json.loads(path.read_text()), current[stack])
    for stack in sorted(current):
        if not (baseline_dir / f"{stack}.template.json").exists():
            findings.append(Finding(stack, "-", "stack", "no baseline is recorded for it"))
    return findings


def changes(stack: str, baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What a deploy of `current` over `baseline` does, resource by resource, for a reviewer."""
    before, after = baseline.get("Resources", {}), current.get("Resources", {})
    findings = compare(stack, baseline, current)
    replaced = {f.logical_id for f in findings if f.replaced}
    broken = {f.logical_id for f in findings if not f.replaced}
    lines = []
    for logical_id in sorted(before.keys() | after.keys()):
        old, new = before.get(logical_id), after.get(logical_id)
        kind = (new or old or {}).get("Type", "?")
        if logical_id in replaced:
            verb = "replaced" if new is not None else "removed (stateful!)"
        elif logical_id in broken:
            verb = "breaking update"
        elif old is None:
            verb = "added"
        elif new is None:
            verb = "removed"
        elif old != new:
            verb = "modified"
        else:
            continue
        lines.append(f"  {verb:<20} {kind} {logical_id}")
    return lines


def record_baseline(baseline_dir: Path, stack: str, template: dict[str, Any]) -> None:
    """Record `template` as the stack's baseline (by `make accept`, and by `make adopt`, whose
    adopted pool the guard then protects like any other)."""
    baseline_dir.mkdir(parents=True, exist_ok=True)
    (baseline_dir / f"{stack}.template.json").write_text(
        json.dumps(template, indent=1, sort_keys=True) + "\n"
    )


def accept(baseline_dir: Path, cdk_out: Path) -> list[str]:
    """Print per stack what changed since the recorded baseline, then record the new one."""
    current = stack_templates(cdk_out)
    report = []
    for stack, template in current.items():
        target = baseline_dir / f"{stack}.template.json"
        recorded = json.loads(target.read_text()) if target.exists() else {"Resources": {}}
        lines = changes(stack, recorded, template)
        status = "new stack" if not target.exists() else f"{len(lines)} change(s)"
        report += [f"{stack}: {status}", *(lines or ["  no change"])]
        record_baseline(baseline_dir, stack, template)
    for gone in sorted(baseline_dir.glob("*.template.json")):
        stack = gone.name.removesuffix(".template.json")
        if stack not in current:
            report.append(f"{stack}: stack removed from the config; its baseline is deleted")
            gone.unlink()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fail on deletion or replacement of stateful resources."
    )
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument(
        "--accept", action="store_true", help="print the changes, then record the baselines"
    )
    args = parser.parse_args(argv)
    if args.accept:
        print("\n".join(accept(args.baseline, args.cdk_out)))
        return 0
    if not any(args.baseline.glob("*.template.json")):
        print(f"error: no baseline templates in {args.baseline}", file=sys.stderr)
        return 2
    findings = check(args.baseline, args.cdk_out)
    for finding in findings:
        print(f"REPLACEMENT GUARD: {finding}", file=sys.stderr)
    if findings:
        print(
            "If this is intended, review it, run `make accept` and commit the new records.",
            file=sys.stderr,
        )
        return 1
    print(f"guard: no stateful resource would be deleted or replaced ({args.baseline})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
