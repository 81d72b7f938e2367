"""The generated diagrams (`make docs`): read through the cloud assembly, a stage of several
stacks in several Regions is one diagram whose arrows cross the stacks; on the user's own stages,
every role, trigger and key shows where it acts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack, Stage
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from tests.support.app import cdk_json_context
from tools.docs import architecture, trust
from tools.docs.assembly import StackTemplate, groups
from tools.docs.diagrams import INDEX, pages
from tools.docs.mermaid import node_id

ACCOUNT = "111111111111"
CROSS_STACK_FLAG = "@aws-cdk/core:defaultCrossStackReferences"


def encrypted_elsewhere(outdir: Path, references: str) -> Path:
    """A stage whose key lives in a stack of its own, used by a bucket in a stack of the same
    Region and one in another Region (CDK's cross-Region references)."""
    app = App(outdir=str(outdir), context={**cdk_json_context(), CROSS_STACK_FLAG: references})
    stage = Stage(app, "Demo")
    home = Environment(account=ACCOUNT, region="us-east-1")
    keys = Stack(stage, "Key", env=home, cross_region_references=True)
    key = kms.Key(keys, "Key")
    for name, region in [("Same", "us-east-1"), ("Other", "eu-west-1")]:
        stack = Stack(
            stage,
            name,
            env=Environment(account=ACCOUNT, region=region),
            cross_region_references=True,
        )
        rule = s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
            sse_algorithm="aws:kms", kms_master_key_id=key.key_arn
        )
        s3.CfnBucket(
            stack,
            "Photos",
            bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=[
                    s3.CfnBucket.ServerSideEncryptionRuleProperty(
                        server_side_encryption_by_default=rule
                    )
                ]
            ),
        )
    app.synth()
    return outdir


def logical_id(stack: StackTemplate, kind: str) -> str:
    (found,) = (i for i, r in stack.resources.items() if r["Type"] == kind)
    return found


@pytest.mark.parametrize(
    ("references", "intrinsics"),
    [
        ("weak", ["Fn::GetStackOutput"]),
        ("strong", ["Fn::ImportValue", "Custom::CrossRegionExportReader"]),
    ],
)
def test_a_key_in_its_own_stack_encrypts_across_stacks_and_regions(
    tmp_path: Path, references: str, intrinsics: list[str]
) -> None:
    """Both ways CDK refers across stacks: weak (Fn::GetStackOutput, any Region) and strong
    (exports in the Region, CDK's SSM export reader and writer across Regions)."""
    found = groups(encrypted_elsewhere(tmp_path, references))
    stacks = found["Demo"]
    assert [(s.name, s.region) for s in stacks] == [
        ("Demo-Key", "us-east-1"),
        ("Demo-Same", "us-east-1"),
        ("Demo-Other", "eu-west-1"),
    ]
    text = json.dumps([s.template for s in stacks])
    assert all(intrinsic in text for intrinsic in intrinsics)
    key_stack, *consumers = stacks
    key = node_id(key_stack.name, logical_id(key_stack, "AWS::KMS::Key"))
    drawn = architecture.diagram(stacks)
    for stack in consumers:
        bucket = node_id(stack.name, logical_id(stack, "AWS::S3::Bucket"))
        assert f'{key} -->|"encrypts"| {bucket}' in drawn
    assert f'subgraph {node_id("Demo-Other")}["Demo-Other (eu-west-1)"]' in drawn


def test_a_reference_the_diagram_cannot_resolve_draws_no_arrow(tmp_path: Path) -> None:
    stacks = groups(encrypted_elsewhere(tmp_path, "weak"))["Demo"]
    key_stack = stacks[0]
    outputs = key_stack.template["Outputs"]
    for output in outputs.values():
        output["Value"] = "not a reference"
    for resource in key_stack.resources.values():
        if resource["Type"] == "Custom::CrossRegionExportWriter":
            resource["Properties"]["WriterProps"]["exports"] = {}
    assert "encrypts" not in architecture.diagram(stacks)


def test_every_stage_page_is_indexed(outdir: Path) -> None:
    written = pages(outdir)
    index = written.pop(INDEX)
    assert written, "one page per stage"
    for name in written:
        assert f"]({name})" in index


def test_every_role_shows_who_may_assume_it(outdir: Path) -> None:
    for stacks in groups(outdir).values():
        drawn = trust.diagram(stacks)
        for stack in stacks:
            for role, resource in stack.resources.items():
                if resource["Type"] != "AWS::IAM::Role":
                    continue
                assert re.search(rf'-->\|"[^"]*"\| {node_id(stack.name, role)}$', drawn, re.M), (
                    f"{stack.name} {role} has no principal in the trust diagram"
                )


def test_the_identity_pool_roles_trust_shows_their_conditions(outdir: Path) -> None:
    """The per-user roles: trusted only for the stage's identity pool and signed-in users."""
    for stacks in groups(outdir).values():
        drawn = trust.diagram(stacks)
        web_identity = [
            line for line in drawn.splitlines() if "cognito-identity.amazonaws.com:aud" in line
        ]
        for line in web_identity:
            assert "StringEquals cognito-identity.amazonaws.com:aud = #lt;" in line
            assert "cognito-identity.amazonaws.com:amr = " in line


def test_every_trigger_and_key_shows_where_it_acts(outdir: Path) -> None:
    for stacks in groups(outdir).values():
        drawn = architecture.diagram(stacks)
        for stack in stacks:
            pools = [i for i, r in stack.resources.items() if r["Type"] == "AWS::Cognito::UserPool"]
            for pool in pools:
                config = stack.resources[pool]["Properties"].get("LambdaConfig", {})
                triggers = set(re.findall(r"\"Fn::GetAtt\": \[\"(\w+)\"", json.dumps(config)))
                for function in triggers:
                    source, target = node_id(stack.name, function), node_id(stack.name, pool)
                    assert f'{source} -->|"trigger"| {target}' in drawn
            for key, resource in stack.resources.items():
                if resource["Type"] == "AWS::KMS::Key":
                    assert f'{node_id(stack.name, key)} -->|"encrypts"|' in drawn
