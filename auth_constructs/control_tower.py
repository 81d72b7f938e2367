"""AWS Control Tower proactive controls, checked offline at synth as a second Validations
plugin beside cdk-nag (PyPI `cdklabs.cdk-validator-cfnguard`, which bundles cfn-guard and the
controls' rules).

Only the rules that concern a resource type the app synthesizes are run: the others have nothing
to check, and evaluating all of them costs several seconds per synth. A rule whose types cannot
be read stays on.
"""

from __future__ import annotations

import re
import tarfile
from functools import cache
from pathlib import Path
from typing import cast

from aws_cdk import (
    App,
    CfnResource,
    IPolicyValidationContextBeta1,
    IPolicyValidationPlugin,
    PolicyValidationPluginReportBeta1,
    PolicyViolationBeta1,
)
from cdklabs import cdk_validator_cfnguard
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

RULES = "package/rules/control-tower/cfn-guard/"
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


@cache
def rule_types() -> dict[str, frozenset[str]]:
    """{rule file name: the resource types it checks}, read from the plugin's own package."""
    package = Path(cdk_validator_cfnguard.__file__).parent / "_jsii"
    (tarball,) = package.glob("*.tgz")
    types = {}
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.name.startswith(RULES) and member.name.endswith(".guard"):
                source = archive.extractfile(member)
                text = source.read().decode() if source else ""
                types[Path(member.name).stem] = frozenset(RESOURCE_TYPE.findall(text))
    return types


def idle_rules(app: App) -> list[str]:
    """The rules that concern no resource type `app` holds."""
    present = {
        node.cfn_resource_type for node in app.node.find_all() if isinstance(node, CfnResource)
    }
    return sorted(name for name, types in rule_types().items() if types and not types & present)


class ControlTowerControls(CfnGuardValidator):
    """The plugin, with each finding marked an error.

    The plugin leaves a finding's severity unset. CDK (2.275) prints an unset severity as an
    error, but when it re-decides a report after acknowledgments it fails only on findings
    marked "error", so with any acknowledgment in the app an unacknowledged control passed
    `cdk synth` silently.
    """

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        report = super().validate(context)
        return PolicyValidationPluginReportBeta1(
            success=report.success,
            violations=[
                PolicyViolationBeta1(
                    description=v.description,
                    rule_name=v.rule_name,
                    violating_resources=v.violating_resources,
                    fix=v.fix,
                    rule_metadata=v.rule_metadata,
                    severity=v.severity or "error",
                )
                for v in report.violations
            ],
            metadata=report.metadata,
            plugin_version=report.plugin_version,
        )


def control_tower_validator(app: App) -> IPolicyValidationPlugin:
    """The Control Tower rules for the resource types `app` holds, as a Validations plugin.

    The plugin's typings implement the Beta1 names of the same interface (`validate` takes the
    Beta1 context); CDK calls it through jsii either way."""
    return cast(IPolicyValidationPlugin, ControlTowerControls(disabled_rules=idle_rules(app)))
