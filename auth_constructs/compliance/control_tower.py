"""AWS Control Tower proactive controls, checked offline at synth as a second Validations
plugin beside cdk-nag (PyPI `cdklabs.cdk-validator-cfnguard`, which bundles cfn-guard and the
controls' rules).

Only the rules that report on a resource type of the templates being judged are run: each rule
file declares the types it reports on ("Reports on:") and skips a template without them, and
evaluating all of them costs several seconds per synth. A rule whose types cannot be read stays
on. A template judged before is not judged again (`findings_cache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tarfile
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContextBeta1,
    IPolicyValidationPlugin,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReportBeta1,
)
from cdklabs import cdk_validator_cfnguard
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

from auth_constructs.compliance.accepted_findings import CONTROL_TOWER
from auth_constructs.compliance.findings_cache import FindingsCache

RULES = "package/rules/control-tower/cfn-guard/"
FINDINGS = Path(__file__).resolve().parents[2] / ".build" / "control-tower-findings"
"""Where synth keeps the controls' findings per template (`make clean` removes it)."""
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
REPORTS_ON = re.compile(r"^# Reports on:\n((?:#\s+AWS::.*\n)+)", re.MULTILINE)


@cache
def rule_types() -> dict[str, frozenset[str]]:
    """{rule file name: the resource types it reports on}, read from the plugin's own package.

    Reading them means decompressing the plugin's 12 MB package (its cfn-guard binaries come
    first), so the result is kept beside that package, named after it and after this file: an
    upgrade or a reinstall of the plugin, or a change to how this file reads it, starts afresh.
    """
    package = Path(cdk_validator_cfnguard.__file__).parent / "_jsii"
    (tarball,) = package.glob("*.tgz")
    reader = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    cached = tarball.with_name(f"{tarball.name}.rule-types-{reader}.json")
    with contextlib.suppress(OSError, ValueError):
        return {rule: frozenset(t) for rule, t in json.loads(cached.read_text()).items()}
    types = {}
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.name.startswith(RULES) and member.name.endswith(".guard"):
                source = archive.extractfile(member)
                reports_on = REPORTS_ON.search(source.read().decode() if source else "")
                types[Path(member.name).stem] = frozenset(
                    RESOURCE_TYPE.findall(reports_on.group(1)) if reports_on else ()
                )
    with contextlib.suppress(OSError):  # a read-only install: read the package every time
        for older in set(package.glob(f"{tarball.name}.rule-types-*.json")) - {cached}:
            older.unlink()
        partial = cached.with_name(f"{cached.name}.{os.getpid()}")
        partial.write_text(json.dumps({rule: sorted(t) for rule, t in types.items()}))
        partial.replace(cached)
    return types


def idle_rules(present: set[str]) -> list[str]:
    """The rules that report on none of the resource types `present`."""
    return sorted(name for name, types in rule_types().items() if types and not types & present)


def resource_types(template_paths: Iterable[str]) -> set[str]:
    """The resource types the templates at `template_paths` hold."""
    return {
        resource["Type"]
        for path in template_paths
        for resource in json.loads(Path(path).read_text()).get("Resources", {}).values()
    }


@jsii.implements(IPolicyValidationPluginBeta1)
class RulesForTheTemplates:
    """The Control Tower plugin, built for each validation with only the rules that report on a
    type its templates hold, and only when there are templates to judge: a synth whose templates
    were all judged before (`findings_cache`) never builds it. The types are read from the
    templates, not the construct tree: walking the tree costs a call into CDK's Node process
    per resource (about 0.15 s per synth)."""

    @property
    def name(self) -> str:
        return CONTROL_TOWER.removesuffix("::")

    @property
    def version(self) -> str | None:
        return metadata.version("cdklabs.cdk-validator-cfnguard")

    @property
    def rule_ids(self) -> list[str] | None:
        return sorted(rule_types())

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        present = resource_types(context.template_paths)
        return CfnGuardValidator(disabled_rules=idle_rules(present)).validate(context)


def control_tower_validator() -> IPolicyValidationPlugin:
    """The Control Tower rules for the resource types of the templates they judge, as a
    Validations plugin that keeps its findings per template in `FINDINGS` (`findings_cache`).

    The cache's key knows the plugin's version and its bundled rules, not the text of rule
    files of your own: give those (`CfnGuardValidator(rules=...)`) a plugin of their own."""
    return FindingsCache(RulesForTheTemplates(), FINDINGS)
