"""cdk-nag, cfn-lint and checkov over every synthesized template."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack, Stage, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from cdklabs import cdk_validator_cfnguard

from app import build_app, synthesize, unacknowledged_findings
from auth_constructs.compliance import compliance_packs
from auth_constructs.compliance.accepted_findings import CONTROL_TOWER
from auth_constructs.compliance.control_tower import (
    FINDINGS,
    idle_rules,
    resource_types,
    rule_types,
)
from stacks.stage import IdentityStage
from stage_config import CompliancePack, ConfigError
from stage_config.selection import select_stages
from stage_config.stages import STAGES
from tests.support.app import SynthesizedApp, cdk_json_context
from tests.support.scanners import Scans

ACK_KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
CONTROL_TOWER_PLUGIN = CONTROL_TOWER.removesuffix("::")


def test_cdk_nag_reports_no_unacknowledged_finding(synthesized: SynthesizedApp) -> None:
    assert unacknowledged_findings(synthesized.outdir) == []


def synth_with_intruder(tmp_path: Path, add: Callable[[Stack], object]) -> dict[str, set[str]]:
    """Synthesize the app (one stage) plus a stack holding what `add` builds: synth must fail.
    Returns each plugin's unacknowledged rules, all of which must be the intruder's."""
    # The CDK CLI passes failSynthOnValidationErrors=false; the app must fail anyway.
    cli_context = {"@aws-cdk/core:failSynthOnValidationErrors": False}
    app = build_app(
        context={**cdk_json_context(), **cli_context, "stages": next(iter(STAGES))},
        environ={},
        outdir=str(tmp_path),
    )
    add(Stack(app, "Intruder"))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synthesize(app)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert all(
        c["constructPath"].startswith("Intruder/")
        for p in report["pluginReports"]
        for v in p["violations"]
        for c in v["violatingConstructs"]
    )
    return {
        p["pluginName"]: {v["ruleName"] for v in p["violations"]} for p in report["pluginReports"]
    }


def test_app_fails_synth_on_a_nag_finding(tmp_path: Path) -> None:
    """app.py attaches AwsSolutions and the Control Tower controls as Validations plugins: a
    bare bucket must stop synth, reported by both."""
    rules = synth_with_intruder(tmp_path, lambda stack: s3.Bucket(stack, "Unlogged"))
    assert "AwsSolutions-S1" in rules["AwsSolutions"]
    assert "s3_bucket_object_lock_enabled_check" in rules[CONTROL_TOWER_PLUGIN]


def test_app_fails_synth_on_a_control_tower_finding_alone(tmp_path: Path) -> None:
    """A finding only the Control Tower controls report (a log group without a KMS key; cdk-nag
    has no such rule) stops synth too, although the app acknowledges other findings; and again
    when the findings of its template are kept (`findings_cache`)."""
    for run in ("first", "kept"):
        rules = synth_with_intruder(
            tmp_path / run,
            lambda stack: logs.LogGroup(
                stack, "Unencrypted", retention=logs.RetentionDays.ONE_YEAR
            ),
        )
        assert rules[CONTROL_TOWER_PLUGIN] == {"cloudwatch_log_group_encrypted_check"}
        assert not rules.get("AwsSolutions")
    kept = [entry.read_text() for entry in FINDINGS.glob("*/*.json")]
    assert any('"resource_logical_id": "Unencrypted' in entry for entry in kept)


def stack_metadata(outdir: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{stack path: {construct path: its metadata entries}} of every stack in the cloud
    assembly, from each stack's metadata file."""
    found = {}
    for manifest in outdir.glob("**/manifest.json"):
        for artifact in json.loads(manifest.read_text())["artifacts"].values():
            if artifact["type"] == "aws:cloudformation:stack":
                metadata_file = manifest.parent / artifact["additionalMetadataFile"]
                found[f"/{artifact['displayName']}"] = json.loads(metadata_file.read_text())
    return found


def test_each_acknowledgment_is_narrow_and_reasoned(synthesized: SynthesizedApp) -> None:
    """Read from the cloud assembly, where each stack's metadata file holds its constructs'
    metadata (walking the construct tree costs two calls into Node per construct). A stage or
    the app has no such file, so they are asked directly."""
    stacks = stack_metadata(synthesized.outdir)
    assert len(stacks) == 1 + sum(len(synthesized.stage(name).stacks) for name in STAGES)
    acknowledgments = [
        (path, rule, reason)
        for constructs in stacks.values()
        for path, entries in constructs.items()
        for entry in entries
        if entry["type"] == ACK_KEY
        for rule, reason in entry["data"].items()
    ]
    assert acknowledgments, "the stages acknowledge some findings; none found means no plugin"
    for scope in (synthesized.app, *(synthesized.stage(name) for name in STAGES)):
        assert all(entry.type != ACK_KEY for entry in scope.node.metadata), scope.node.path
    for path, rule, reason in acknowledgments:
        assert path not in stacks, f"{rule} is stack-wide"
        packs = tuple(f"Annotation::{pack}-" for pack in CompliancePack)
        assert rule.startswith(("Annotation::AwsSolutions-", CONTROL_TOWER, *packs)), rule
        assert len(reason) >= 60, f"{rule} on {path}: reason too thin"
        if "IAM5" in rule:
            assert "[" in rule, f"{rule}: IAM5 must name the exact finding"


def test_cfn_lint_is_clean(scans: Scans, synthesized: SynthesizedApp) -> None:
    assert len(scans.templates) == sum(len(synthesized.stage(name).stacks) for name in STAGES)
    result = scans.cfn_lint.outcome
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_checkov_is_clean_and_every_skip_is_reasoned(scans: Scans) -> None:
    report = json.loads(scans.checkov.outcome.stdout)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100, "checkov scanned the templates"
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    for skipped in report["results"]["skipped_checks"]:
        assert len(skipped["check_result"].get("suppress_comment", "")) >= 60, skipped["check_id"]


def test_control_tower_runs_the_rules_of_every_resource_type_the_app_holds(
    synthesized: SynthesizedApp,
) -> None:
    """Rules whose types the app lacks are skipped (they have nothing to check); every rule
    that concerns a type in the app runs. The types are read from the templates: they are the
    construct tree's."""
    present = {
        node.cfn_resource_type
        for node in synthesized.app.node.find_all()
        if isinstance(node, CfnResource)
    }
    templates = [str(path) for path in synthesized.outdir.glob("**/*.template.json")]
    assert resource_types(templates) == present
    disabled = set(idle_rules(present))
    running = set(rule_types()) - disabled
    assert {"ct-s3-pr-9", "ct-lambda-pr-3"} <= running
    assert all(rule_types()[rule] & present for rule in running if rule_types()[rule])
    assert all(not rule_types()[rule] & present for rule in disabled)
    assert len(rule_types()) > 200, "the plugin's Control Tower rules were read"
    assert all(rule_types().values()), "each rule file declares the types it reports on"


def test_rule_types_are_read_once_per_plugin_package() -> None:
    """The types come from the plugin's package, kept beside it under its own name."""
    package = Path(cdk_validator_cfnguard.__file__).parent / "_jsii"
    (tarball,) = package.glob("*.tgz")
    (cached,) = package.glob("*.rule-types-*.json")
    assert cached.name.startswith(f"{tarball.name}.rule-types-")
    assert rule_types.__wrapped__() == rule_types()


def test_each_compliance_pack_fails_a_stage_that_turns_it_on(tmp_path: Path) -> None:
    """A stage's packs judge its templates: a bare function (no reserved concurrency, no VPC,
    no dead-letter queue) is reported by each."""
    app = App(outdir=str(tmp_path), post_cli_context=cdk_json_context())
    stage = Stage(app, "Judged")
    compliance_packs.enforce(stage, CompliancePack)
    lambda_.Function(
        Stack(stage, "Intruder"),
        "Bare",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return event"),
    )
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {
        p["pluginName"]: {v["ruleName"] for v in p["violations"]} for p in report["pluginReports"]
    }
    assert "NIST.800.53.R5-LambdaConcurrency" in rules["NIST.800.53.R5"]
    assert "HIPAA.Security-LambdaConcurrency" in rules["HIPAA.Security"]
    assert "PCI.DSS.321-LambdaInsideVPC" in rules["PCI.DSS.321"]
    assert "Serverless-LambdaDLQ" in rules["Serverless"]


def test_stages_enforce_the_packs_their_config_names(synthesized: SynthesizedApp) -> None:
    """Without `-c compliance=all`, a stage runs its own packs; the session app runs them all."""
    app = build_app(context=cdk_json_context(), environ={})
    for name in STAGES:
        (config,) = select_stages([name])
        stage = app.node.find_child(name)
        assert isinstance(stage, IdentityStage)
        assert stage.config.compliance == config.compliance
        everything = synthesized.stage(name).config.compliance
        assert set(everything) == set(CompliancePack)


def test_only_all_is_a_compliance_context_value() -> None:
    with pytest.raises(ConfigError, match="compliance: 'most' is not 'all'"):
        build_app(context={**cdk_json_context(), "compliance": "most"}, environ={})


def test_a_pack_named_twice_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        dataclasses.replace(
            next(iter(STAGES.values()))(),
            compliance=(CompliancePack.SERVERLESS, CompliancePack.SERVERLESS),
        )
    assert raised.value.key.endswith(".compliance")
