"""A Validations plugin's findings kept per template, so that a synth runs the plugin only on
the templates it has not judged before.

For a plugin that reads each template on its own, as cfn-guard does, the findings on a template
depend on its rules and on that template's text alone. The Control Tower controls cost about
2.5 s of every synth (`docs/tests-and-benchmarks.md`), most of it spent again on templates that
did not change: a `cdk deploy` after `make synth`, the base of `make review`, the test session.

What is kept is the plugin's own report, before CDK applies the acknowledgments: CDK does that
after every plugin has reported, from the construct tree, so an acknowledgment added or removed
takes effect at once. An entry is named after the SHA-256 of the rules and the template, in a
folder named after the plugin's name and version and after this file. An entry that cannot be
read is judged again; a report that cannot be split by template is passed on and kept nowhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationContextBeta1,
    IPolicyValidationPlugin,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    PolicyViolationBeta1,
)
from constructs import IConstruct

ENTRIES = 500
"""Entries kept, the least recently used dropped first (a few KB each)."""

Finding = dict[str, Any]
"""One violation as JSON; its resources' template path is set anew on reading an entry (it
moves with the output)."""


@jsii.implements(IPolicyValidationContextBeta1)
class _Unjudged:
    """The context the wrapped plugin gets: synth's, with the templates it has not judged."""

    def __init__(self, context: IPolicyValidationContext, paths: Sequence[str]) -> None:
        self._context = context
        self._paths = list(paths)

    @property
    def app_construct(self) -> IConstruct:
        return self._context.app_construct

    @property
    def template_paths(self) -> list[str]:
        return self._paths


def _finding(violation: PolicyViolationBeta1) -> Finding:
    return {
        "rule_name": violation.rule_name,
        "description": violation.description,
        "fix": violation.fix,
        "severity": violation.severity,
        "rule_metadata": dict(violation.rule_metadata) if violation.rule_metadata else None,
        "resources": [
            {
                "resource_logical_id": r.resource_logical_id,
                "locations": list(r.locations),
                "template_path": r.template_path,
            }
            for r in violation.violating_resources
        ],
    }


def _violation(finding: Finding) -> PolicyViolation:
    return PolicyViolation(
        rule_name=finding["rule_name"],
        description=finding["description"],
        fix=finding["fix"],
        severity=finding["severity"],
        rule_metadata=finding["rule_metadata"],
        violating_resources=[PolicyViolatingResource(**r) for r in finding["resources"]],
    )


def by_template(findings: list[Finding], paths: Sequence[str]) -> dict[str, list[Finding]] | None:
    """{template path: its findings} for each of `paths`, or None when a finding names no
    template or one it was not given."""
    split: dict[str, list[Finding]] = {path: [] for path in paths}
    for finding in findings:
        owned: dict[str, list[dict[str, Any]]] = {}
        for resource in finding["resources"]:
            owned.setdefault(resource["template_path"], []).append(resource)
        if not owned or not owned.keys() <= split.keys():
            return None
        for path, resources in owned.items():
            split[path].append({**finding, "resources": resources})
    return split


@jsii.implements(IPolicyValidationPlugin)
class FindingsCache:
    """`plugin`, judging only the templates whose findings `directory` does not hold yet."""

    def __init__(self, plugin: IPolicyValidationPluginBeta1, directory: Path) -> None:
        self._plugin = plugin
        self._rules = json.dumps(sorted(plugin.rule_ids or ())).encode()
        kind = json.dumps([plugin.name, plugin.version, Path(__file__).read_text()]).encode()
        self.directory = directory / hashlib.sha256(kind).hexdigest()[:16]

    @property
    def name(self) -> str:
        return self._plugin.name

    @property
    def version(self) -> str | None:
        return self._plugin.version

    @property
    def rule_ids(self) -> list[str] | None:
        return self._plugin.rule_ids

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        paths = list(context.template_paths)
        digests = {path: self._digest(Path(path)) for path in paths}
        kept = {
            path: found for path in paths if (found := self._read(digests[path], path)) is not None
        }
        unjudged = [path for path in paths if path not in kept]
        passed, unowned = True, []
        if unjudged:
            report = self._plugin.validate(_Unjudged(context, unjudged))
            passed, reported = report.success, [_finding(v) for v in report.violations]
            # A failure without violations belongs to no template.
            judged = by_template(reported, unjudged) if passed or reported else None
            if judged is None:  # passed on as reported, kept nowhere
                unowned, judged = [_violation(f) for f in reported], {path: [] for path in unjudged}
            else:
                self._keep({digests[path]: found for path, found in judged.items()})
            kept.update({path: [_violation(f) for f in found] for path, found in judged.items()})
        violations = [violation for path in paths for violation in kept[path]]
        return PolicyValidationPluginReport(
            success=passed and not violations, violations=violations + unowned
        )

    def _digest(self, template: Path) -> str:
        return hashlib.sha256(self._rules + b"\0" + template.read_bytes()).hexdigest()

    def _read(self, digest: str, template_path: str) -> list[PolicyViolation] | None:
        """The findings kept for the template, its path set anew (it moves with the output);
        None for none kept, or an entry of another shape (judged again)."""
        entry = self.directory / f"{digest}.json"
        try:
            found = json.loads(entry.read_text())
            for finding in found:
                for resource in finding["resources"]:
                    resource["template_path"] = template_path
            violations = [_violation(finding) for finding in found]
            os.utime(entry)  # recently used
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return violations

    def _keep(self, judged: dict[str, list[Finding]]) -> None:
        """Write each template's findings under its digest, then drop what is least recently
        used beyond `ENTRIES`; a read-only tree keeps nothing and judges every time."""
        with contextlib.suppress(OSError):
            for other in self.directory.parent.glob("*"):
                if other != self.directory:  # another version's entries
                    shutil.rmtree(other, ignore_errors=True)
            self.directory.mkdir(parents=True, exist_ok=True)
        for digest, found in judged.items():
            with contextlib.suppress(OSError):
                entry = self.directory / f"{digest}.json"
                partial = entry.with_name(f"{entry.name}.{os.getpid()}")
                partial.write_text(json.dumps(found))
                partial.replace(entry)
        with contextlib.suppress(OSError):
            entries = sorted(self.directory.glob("*.json"), key=lambda e: e.stat().st_mtime)
            for old in entries[:-ENTRIES]:
                old.unlink()  # gone already (another synth's prune): the next write prunes
