"""Stateful resources keep their logical ids: a change here would replace them.

Replacing the user pool loses every user; replacing the table or bucket loses their data (or,
with RETAIN, orphans it). If this test fails, you renamed or moved a construct: undo that.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, Stack
from constructs import Construct

from stacks.auth_stack import AuthStack
from tests.cdk_app import SynthesizedApp

PINNED = {
    "user pool": "UserPoolDAD9161D",
    "photos bucket": "StoragePhotos333B189A",
    "access-log bucket": "StorageAccessLogs96FB524C",
    "items table": "StorageItems5ACFBC81",
    "identity pool": "IdentityAccessPoolC6B30B21",
}


def stateful(stack: AuthStack) -> dict[str, Construct]:
    return {
        "user pool": stack.user_pool.user_pool,
        "photos bucket": stack.storage.bucket,
        "access-log bucket": stack.storage.access_logs,
        "items table": stack.storage.table,
        "identity pool": stack.access.identity_pool,
    }


def logical_id(stack: Stack, construct: Construct) -> str:
    return stack.get_logical_id(cast(CfnResource, construct.node.default_child))


def test_stateful_logical_ids_are_pinned(synthesized: SynthesizedApp, stage_name: str) -> None:
    stack = synthesized.stage(stage_name).auth
    assert {name: logical_id(stack, c) for name, c in stateful(stack).items()} == PINNED


def test_pinned_ids_exist_in_template(synthesized: SynthesizedApp, stage_name: str) -> None:
    resources = synthesized.template_json(stage_name)["Resources"]
    assert set(PINNED.values()) <= set(resources)


def test_stateful_resources_retained_only_in_production(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    resources = synthesized.template_json(stage_name)["Resources"]
    expected = "Retain" if stage_name == "Prod" else "Delete"
    for name in ("user pool", "photos bucket", "items table"):
        resource = resources[PINNED[name]]
        assert resource["DeletionPolicy"] == expected, name
        assert resource["UpdateReplacePolicy"] == expected, name
    protection = resources[PINNED["items table"]]["Properties"]["DeletionProtectionEnabled"]
    assert protection is (stage_name == "Prod")
