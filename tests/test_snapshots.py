"""One reviewed snapshot per stack per stage (asset hashes normalized).

A diff here is a diff in what CloudFormation will deploy: review it like code, then run
`.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import json

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.cdk_app import SynthesizedApp, normalized


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_auth_stack_template(
    synthesized: SynthesizedApp, stage_name: str, snapshot_json: SnapshotAssertion
) -> None:
    assert normalized(synthesized.template_json(stage_name)) == snapshot_json


def test_ci_access_stack_template(
    synthesized: SynthesizedApp, snapshot_json: SnapshotAssertion
) -> None:
    template = json.loads((synthesized.outdir / "CiAccess.template.json").read_text())
    assert normalized(template) == snapshot_json
