"""The user's reviewed records: one snapshot per stack, and the guard baselines, which also pin
the logical IDs of stateful resources. `make accept` re-records both after a reviewed change; a
stage added to the config fails here until it is accepted.

Replacing the user pool loses every user; replacing the table or bucket loses their data (or,
with RETAIN, orphans it). If a logical-ID test fails, you renamed or moved a construct: undo that.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from aws_cdk import CfnResource, Stack
from constructs import Construct
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.auth_stack import AuthStack
from stage_config import StageConfig
from tests.support.app import SynthesizedApp, normalized
from tools.review.guard import DEFAULT_BASELINE, compare


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stage_stack_templates(
    synthesized: SynthesizedApp, stage_name: str, snapshot_json: SnapshotAssertion
) -> None:
    """One snapshot per stack of the stage (`Key`, `ReplicaData`, `Auth`, `Secondary`, `Access`,
    `SecondaryAccess`)."""
    for stack in synthesized.stage(stage_name).stacks:
        template = normalized(synthesized.template_json(stage_name, stack))
        assert template == snapshot_json(name=stack.node.id)


def test_ci_access_stack_template(
    synthesized: SynthesizedApp, snapshot_json: SnapshotAssertion
) -> None:
    template = json.loads((synthesized.outdir / "CiAccess.template.json").read_text())
    assert normalized(template) == snapshot_json


def recorded(stack: Stack) -> dict[str, Any]:
    path = DEFAULT_BASELINE / f"{stack.stack_name}.template.json"
    assert path.exists(), f"no guard baseline for {stack.stack_name}: review, then `make accept`"
    baseline: dict[str, Any] = json.loads(path.read_text())
    return baseline


def stateful(synthesized: SynthesizedApp, stage_name: str) -> dict[str, Construct]:
    """Replacing the customer key would leave the data encrypted under the old one."""
    stack = cast(AuthStack, synthesized.stack(stage_name))
    resources: dict[str, Construct] = {
        "user pool": stack.user_pool.user_pool,
        "photos bucket": stack.storage.bucket,
        "access-log bucket": stack.storage.access_logs,
        "items table": stack.storage.table,
        "identity pool": stack.identity_pool.pool,
    }
    if stack.customer_key:
        resources["customer key"] = stack.customer_key.key
    replica_data = synthesized.stage(stage_name).replica_data
    if replica_data:
        resources["key replica"] = replica_data.replica.key
        resources["photos replica bucket"] = replica_data.photos.bucket
        resources["replica access-log bucket"] = replica_data.photos.access_logs
    if stack.pool_replica:
        resources["pool replica"] = stack.pool_replica.replica
    secondary = synthesized.stage(stage_name).secondary
    if secondary:
        resources["secondary identity pool"] = secondary.identity_pool.pool
    return resources


def resource_of(construct: Construct) -> CfnResource:
    if isinstance(construct, CfnResource):
        return construct
    return cast(CfnResource, construct.node.default_child)


def test_stateful_logical_ids_match_the_records(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    """Each stateful resource is recorded in the baseline of the stack that holds it: one that
    moves to another stack is replaced, even under the same logical ID."""
    for name, construct in stateful(synthesized, stage_name).items():
        stack = Stack.of(construct)
        kind = resource_of(construct).cfn_resource_type
        logical_id = stack.get_logical_id(resource_of(construct))
        assert recorded(stack)["Resources"].get(logical_id, {}).get("Type") == kind, (
            f"the {name} is {logical_id} in {stack.stack_name} now; its record has no such {kind}"
        )


def test_the_key_deploys_before_what_it_encrypts(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    stage = synthesized.stage(stage_name)
    if stage.keys is None:
        pytest.skip(f"{stage_name} has no customer key")
    assert stage.keys in stage.auth.dependencies


def test_guard_passes_against_the_records(synthesized: SynthesizedApp, stage_name: str) -> None:
    for stack in synthesized.stage(stage_name).stacks:
        template = synthesized.template_json(stage_name, stack)
        assert compare(stack.stack_name, recorded(stack), template) == []


def test_stateful_resources_follow_the_stage_policy(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    stack = cast(AuthStack, synthesized.stack(stage_name))
    resources = synthesized.template_json(stage_name)["Resources"]
    expected = "Retain" if stage_config.stateful.retain else "Delete"
    for name, construct in stateful(synthesized, stage_name).items():
        owner = Stack.of(construct)
        template = synthesized.template_json(stage_name, owner)
        resource = template["Resources"][owner.get_logical_id(resource_of(construct))]
        assert resource["DeletionPolicy"] == expected, name
        assert resource["UpdateReplacePolicy"] == expected, name
    pool = resources[
        stack.get_logical_id(cast(CfnResource, stack.user_pool.user_pool.node.default_child))
    ]
    table = resources[
        stack.get_logical_id(cast(CfnResource, stack.storage.table.node.default_child))
    ]
    protected = stage_config.stateful.deletion_protection
    assert pool["Properties"]["DeletionProtection"] == ("ACTIVE" if protected else "INACTIVE")
    for replica in table["Properties"]["Replicas"]:
        assert replica["DeletionProtectionEnabled"] is protected, replica["Region"]
