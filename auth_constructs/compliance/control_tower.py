"""AWS Control Tower proactive controls, checked offline at synth as a second Validations
plugin beside cdk-nag (PyPI `cdklabs.cdk-validator-cfnguard`, which bundles cfn-guard and the
controls' rules).

Only the rules that report on a resource type the app synthesizes are run: each rule file
declares the types it reports on ("Reports on:") and skips a template without them, and
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
from functools import cache
from pathlib import Path

from aws_cdk import App, CfnResource, IPolicyValidationPlugin
from cdklabs import cdk_validator_cfnguard
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

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


def idle_rules(app: App) -> list[str]:
    """The rules that report on no resource type `app` holds."""
    present = {
        node.cfn_resource_type for node in app.node.find_all() if isinstance(node, CfnResource)
    }
    return sorted(name for name, types in rule_types().items() if types and not types & present)


def control_tower_validator(app: App) -> IPolicyValidationPlugin:
    """The Control Tower rules for the resource types `app` holds, as a Validations plugin that
    keeps its findings per template in `FINDINGS` (`findings_cache`).

    The cache's key knows the plugin's version and its bundled rules, not the text of rule
    files of your own: give those (`CfnGuardValidator(rules=...)`) a plugin of their own."""
    return FindingsCache(CfnGuardValidator(disabled_rules=idle_rules(app)), FINDINGS)
