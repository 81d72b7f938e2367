"""The Control Tower findings kept per template (`auth_constructs.compliance.findings_cache`):
each test runs the real plugin (cfn-guard) through a spy that records what it was given."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
import pytest
from aws_cdk import (
    App,
    IPolicyValidationContext,
    IPolicyValidationContextBeta1,
    PolicyValidationPluginReport,
    PolicyValidationPluginReportBeta1,
    PolicyValidationStack,
    PolicyViolatingResourceBeta1,
    PolicyViolationBeta1,
)
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator
from constructs import IConstruct

from auth_constructs.compliance import control_tower, findings_cache
from auth_constructs.compliance.control_tower import rule_types
from auth_constructs.compliance.findings_cache import FindingsCache

LOG_GROUP = "AWS::Logs::LogGroup"
UNENCRYPTED = "cloudwatch_log_group_encrypted_check"
ENCRYPTION_RULE = "ct-cloudwatch-pr-3"
"""The rule file that reports `UNENCRYPTED`."""
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@jsii.implements(IPolicyValidationContext, IPolicyValidationContextBeta1)
class Context:
    """What CDK gives a plugin at synth: the templates to judge, and the app."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._paths = [str(path) for path in paths]
        self._app = App()

    @property
    def app_construct(self) -> IConstruct:
        return self._app

    @property
    def stack_templates(self) -> list[PolicyValidationStack]:
        return []

    @property
    def account_id(self) -> str | None:
        return None

    @property
    def region(self) -> str | None:
        return None

    @property
    def template_paths(self) -> list[str]:
        return self._paths


class Spy(CfnGuardValidator):
    """The real plugin, or a canned report, recording the templates each call was given."""

    def __init__(
        self, disabled: Sequence[str] = (), report: PolicyValidationPluginReportBeta1 | None = None
    ) -> None:
        super().__init__(disabled_rules=list(disabled))
        self._report = report
        self.calls: list[list[str]] = []
        self.apps: list[IConstruct] = []

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        self.calls.append(list(context.template_paths))
        self.apps.append(context.app_construct)
        return self._report or super().validate(context)


def log_group_rules_only() -> list[str]:
    """Every rule but the log groups' (the tests' templates hold nothing else)."""
    return [rule for rule, types in rule_types().items() if LOG_GROUP not in types]


def log_group(path: Path, *, encrypted: bool) -> Path:
    """A template of one log group, named after the template (no two templates' texts alike)."""
    properties: dict[str, Any] = {"RetentionInDays": 365} | ({"KmsKeyId": KEY} if encrypted else {})
    logical_id = path.name.split(".")[0]
    template = {"Resources": {logical_id: {"Type": LOG_GROUP, "Properties": properties}}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template))
    return path


def findings(report: PolicyValidationPluginReport) -> list[tuple[Any, ...]]:
    """Each violation's every field, with its resources' paths relative to the output folder."""
    return [
        (
            v.rule_name,
            v.description,
            v.fix,
            v.severity,
            dict(v.rule_metadata or {}),
            [
                (r.resource_logical_id, list(r.locations), Path(str(r.template_path)).name)
                for r in v.violating_resources
            ],
        )
        for v in report.violations
    ]


@pytest.fixture
def templates(tmp_path: Path) -> list[Path]:
    """An unencrypted log group (a finding) and an encrypted one (none)."""
    return [
        log_group(tmp_path / "out" / "Bad.template.json", encrypted=False),
        log_group(tmp_path / "out" / "Good.template.json", encrypted=True),
    ]


@pytest.fixture
def spy() -> Spy:
    return Spy(log_group_rules_only())


def test_a_template_judged_before_is_not_judged_again(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    cache = FindingsCache(spy, tmp_path / "cache")
    first = cache.validate(Context(templates))
    second = cache.validate(Context(templates))
    assert spy.calls == [[str(t) for t in templates]]
    assert not first.success
    assert not second.success
    assert findings(second) == findings(first)
    assert [(f[0], [(r[0], r[2]) for r in f[5]]) for f in findings(first)] == [
        (UNENCRYPTED, [("Bad", "Bad.template.json")])
    ]
    assert findings(first) == findings(
        FindingsCache(Spy(log_group_rules_only()), tmp_path / "none").validate(Context(templates))
    )


def test_the_plugin_gets_the_app_and_the_templates_it_has_not_judged(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    context = Context(templates)
    FindingsCache(spy, tmp_path / "cache").validate(context)
    assert spy.apps == [context.app_construct]


def test_templates_all_kept_and_clean_pass(tmp_path: Path, spy: Spy) -> None:
    clean = [log_group(tmp_path / f"{n}.template.json", encrypted=True) for n in ("A", "B")]
    cache = FindingsCache(spy, tmp_path / "cache")
    reports = [cache.validate(Context(clean)) for _ in range(2)]
    assert len(spy.calls) == 1
    assert [(r.success, list(r.violations)) for r in reports] == [(True, [])] * 2


def test_a_finding_on_two_templates_is_kept_by_each(tmp_path: Path, templates: list[Path]) -> None:
    """One violation whose resources sit in two templates is kept in two entries, each
    template with its own resource (cfn-guard reports per template; another plugin may not)."""
    resources = [
        PolicyViolatingResourceBeta1(
            resource_logical_id=t.name.split(".")[0], locations=[], template_path=str(t)
        )
        for t in templates
    ]
    violation = PolicyViolationBeta1(rule_name="r", description="d", violating_resources=resources)
    spy = Spy(report=PolicyValidationPluginReportBeta1(success=False, violations=[violation]))
    cache = FindingsCache(spy, tmp_path / "cache")
    for _ in range(2):
        report = cache.validate(Context(templates))
        assert [f[5] for f in findings(report)] == [
            [("Bad", [], "Bad.template.json")],
            [("Good", [], "Good.template.json")],
        ]
        assert [str(r.template_path) for v in report.violations for r in v.violating_resources] == [
            str(t) for t in templates
        ]
    assert len(spy.calls) == 1


def test_the_findings_are_the_plugins_own(tmp_path: Path, templates: list[Path]) -> None:
    """Kept or fresh, each field of each violation is what the plugin reports on its own."""
    plugin = CfnGuardValidator(disabled_rules=log_group_rules_only())
    alone = plugin.validate(Context(templates))
    cache = FindingsCache(plugin, tmp_path / "cache")
    for report in (cache.validate(Context(templates)), cache.validate(Context(templates))):
        assert findings(report) == findings(alone)  # type: ignore[arg-type]
        assert [str(r.template_path) for v in report.violations for r in v.violating_resources] == [
            str(templates[0])
        ]


def test_a_changed_template_is_judged_again_alone(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    cache = FindingsCache(spy, tmp_path / "cache")
    cache.validate(Context(templates))
    log_group(templates[0], encrypted=True)
    fixed = cache.validate(Context(templates))
    assert spy.calls[1:] == [[str(templates[0])]]
    assert fixed.success
    assert not fixed.violations
    log_group(templates[1], encrypted=False)
    broken = cache.validate(Context(templates))
    assert spy.calls[2:] == [[str(templates[1])]]
    assert [f[5][0][2] for f in findings(broken)] == ["Good.template.json"]


def test_the_findings_follow_a_template_into_another_output(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    cache = FindingsCache(spy, tmp_path / "cache")
    cache.validate(Context(templates))
    (tmp_path / "elsewhere").mkdir()
    moved = [Path(shutil.copy(t, tmp_path / "elsewhere" / t.name)) for t in templates]
    report = cache.validate(Context(moved))
    assert len(spy.calls) == 1
    assert [str(r.template_path) for v in report.violations for r in v.violating_resources] == [
        str(moved[0])
    ]


def test_other_rules_judge_again(tmp_path: Path, templates: list[Path], spy: Spy) -> None:
    FindingsCache(spy, tmp_path / "cache").validate(Context(templates))
    without = Spy([*log_group_rules_only(), ENCRYPTION_RULE])
    report = FindingsCache(without, tmp_path / "cache").validate(Context(templates))
    assert without.calls == [[str(t) for t in templates]]
    assert report.success
    assert not report.violations


@pytest.mark.parametrize(
    "entry",
    [
        "{",
        "[]x",
        '[{"rule_name": "r"}]',
        '[{"rule_name": "r", "resources": []}]',
        '{"resources": []}',
        "[1]",
    ],
)
def test_an_entry_that_cannot_be_read_is_judged_again(
    tmp_path: Path, templates: list[Path], spy: Spy, entry: str
) -> None:
    cache = FindingsCache(spy, tmp_path / "cache")
    first = cache.validate(Context(templates))
    for kept in cache.directory.glob("*.json"):
        kept.write_text(entry)
    again = cache.validate(Context(templates))
    assert spy.calls == [[str(t) for t in templates]] * 2
    assert findings(again) == findings(first)


def unowned(resources: Sequence[PolicyViolatingResourceBeta1]) -> PolicyValidationPluginReportBeta1:
    violation = PolicyViolationBeta1(
        rule_name="r", description="d", violating_resources=list(resources)
    )
    return PolicyValidationPluginReportBeta1(success=False, violations=[violation])


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(unowned([]), id="a violation without resources"),
        pytest.param(
            unowned(
                [
                    PolicyViolatingResourceBeta1(
                        resource_logical_id="X", locations=[], template_path="/x.json"
                    )
                ]
            ),
            id="a resource in a template it was not given",
        ),
        pytest.param(
            PolicyValidationPluginReportBeta1(success=False, violations=[]),
            id="a failure without violations",
        ),
    ],
)
def test_a_report_no_template_owns_is_passed_on_and_kept_nowhere(
    tmp_path: Path, templates: list[Path], report: PolicyValidationPluginReportBeta1
) -> None:
    spy = Spy(log_group_rules_only(), report)
    cache = FindingsCache(spy, tmp_path / "cache")
    first = cache.validate(Context(templates))
    second = cache.validate(Context(templates))
    assert len(spy.calls) == 2
    assert not list(cache.directory.glob("*.json"))
    for passed_on in (first, second):
        assert not passed_on.success
        assert [(v.rule_name, v.description) for v in passed_on.violations] == [
            (v.rule_name, v.description) for v in report.violations
        ]
        assert [
            [(r.resource_logical_id, r.template_path) for r in v.violating_resources]
            for v in passed_on.violations
        ] == [
            [(r.resource_logical_id, r.template_path) for r in v.violating_resources]
            for v in report.violations
        ]


def test_every_field_of_a_finding_is_kept(tmp_path: Path, templates: list[Path]) -> None:
    """A report with every optional field set (cfn-guard leaves severity unset) reads back
    whole from the cache."""
    resource = PolicyViolatingResourceBeta1(
        resource_logical_id="Bad", locations=["/Resources/Bad"], template_path=str(templates[0])
    )
    violation = PolicyViolationBeta1(
        rule_name="rule",
        description="what it checks",
        fix="how to fix it",
        severity="error",
        rule_metadata={"DocumentationUrl": "https://example.com/rule"},
        violating_resources=[resource],
    )
    spy = Spy(report=PolicyValidationPluginReportBeta1(success=False, violations=[violation]))
    cache = FindingsCache(spy, tmp_path / "cache")
    fresh, kept = (cache.validate(Context(templates)) for _ in range(2))
    assert len(spy.calls) == 1
    expected = [
        (
            "rule",
            "what it checks",
            "how to fix it",
            "error",
            {"DocumentationUrl": "https://example.com/rule"},
            [("Bad", ["/Resources/Bad"], "Bad.template.json")],
        )
    ]
    assert findings(fresh) == findings(kept) == expected
    assert not kept.success


def test_kept_findings_beside_a_report_no_template_owns(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    """A template judged before keeps its findings when the plugin fails on another."""
    FindingsCache(spy, tmp_path / "cache").validate(Context(templates[:1]))
    failing = Spy(log_group_rules_only(), unowned([]))
    report = FindingsCache(failing, tmp_path / "cache").validate(Context(templates))
    assert failing.calls == [[str(templates[1])]]
    assert [v.rule_name for v in report.violations] == [UNENCRYPTED, "r"]
    assert not report.success


def test_the_least_recently_used_entries_go_first(
    tmp_path: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(findings_cache, "ENTRIES", 2)
    a, b, c = (log_group(tmp_path / f"{n}.json", encrypted=n == "b") for n in "abc")
    cache = FindingsCache(spy, tmp_path / "cache")
    seen: set[Path] = set()
    for template, age in ((a, 300), (b, 200)):
        cache.validate(Context([template]))
        (entry,) = set(cache.directory.glob("*.json")) - seen
        seen.add(entry)
        os.utime(entry, (entry.stat().st_mtime - age,) * 2)
    cache.validate(Context([a]))  # used again: now b is the oldest
    cache.validate(Context([c]))
    assert spy.calls == [[str(a)], [str(b)], [str(c)]]
    cache.validate(Context([a, b, c]))
    assert spy.calls[3:] == [[str(b)]]


def test_an_entry_another_synth_pruned_first_fails_nothing(
    tmp_path: Path, templates: list[Path], spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two synths prune the same folder (`make review` runs two): an entry already gone is
    no error, and the findings are reported and kept all the same."""
    monkeypatch.setattr(findings_cache, "ENTRIES", 1)

    def gone(self: Path, missing_ok: bool = False) -> None:
        raise FileNotFoundError(self)

    monkeypatch.setattr(Path, "unlink", gone)
    cache = FindingsCache(spy, tmp_path / "cache")
    report = cache.validate(Context(templates))
    assert [f[0] for f in findings(report)] == [UNENCRYPTED]
    assert len(list(cache.directory.glob("*.json"))) == len(templates)


def test_another_versions_entries_go(tmp_path: Path, templates: list[Path], spy: Spy) -> None:
    older = tmp_path / "cache" / "0123456789abcdef"
    older.mkdir(parents=True)
    (older / "entry.json").write_text("[]")
    cache = FindingsCache(spy, tmp_path / "cache")
    cache.validate(Context(templates))
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache.directory.name]
    assert len(list(cache.directory.glob("*.json"))) == len(templates)


def test_what_cannot_be_removed_beside_the_folder_does_not_stop_it_keeping_findings(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "stray").write_text("not another version's folder")
    cache = FindingsCache(spy, tmp_path / "cache")
    cache.validate(Context(templates))
    cache.validate(Context(templates))
    assert spy.calls == [[str(t) for t in templates]]


def test_a_cache_that_cannot_be_written_judges_every_time(
    tmp_path: Path, templates: list[Path], spy: Spy
) -> None:
    (tmp_path / "cache").write_text("a file where the folder would be")
    cache = FindingsCache(spy, tmp_path / "cache")
    reports = [cache.validate(Context(templates)) for _ in range(2)]
    assert spy.calls == [[str(t) for t in templates]] * 2
    assert findings(reports[0]) == findings(reports[1]) != []


def test_the_key_names_the_plugin_and_this_version_of_the_cache(
    tmp_path: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder changes with the plugin's version (its rules and cfn-guard come with it) and
    with the cache's own code."""
    same = FindingsCache(Spy(log_group_rules_only()), tmp_path)
    assert FindingsCache(spy, tmp_path).directory == same.directory

    class Upgraded(Spy):
        @property
        def version(self) -> str | None:
            return "0.0.999"

    assert FindingsCache(Upgraded(), tmp_path).directory != same.directory
    changed = tmp_path / "findings_cache.py"
    changed.write_text(Path(findings_cache.__file__).read_text() + "# changed\n")
    monkeypatch.setattr(findings_cache, "__file__", str(changed))
    assert FindingsCache(spy, tmp_path).directory != same.directory
    assert (spy.name, spy.version) == (
        FindingsCache(spy, tmp_path).name,
        FindingsCache(spy, tmp_path).version,
    )
    assert FindingsCache(spy, tmp_path).rule_ids == spy.rule_ids


def test_the_control_tower_plugin_is_built_only_for_templates_to_judge(
    tmp_path: Path, templates: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's plugin names itself as cfn-guard does (CDK matches the acknowledgments' prefix
    to the name), builds cfn-guard with the rules of the judged templates' types only, and does
    not build it at all when every template was judged before."""
    built: list[tuple[list[str], Spy]] = []

    def build(disabled_rules: list[str]) -> Spy:
        built.append((disabled_rules, Spy(disabled_rules)))
        return built[-1][1]

    monkeypatch.setattr(control_tower, "CfnGuardValidator", build)
    plugin = control_tower.RulesForTheTemplates()
    real = CfnGuardValidator()
    assert (plugin.name, plugin.version) == (real.name, real.version)
    cache = FindingsCache(plugin, tmp_path / "cache")
    first = cache.validate(Context(templates))
    ((disabled, spy),) = built
    assert set(disabled) == set(log_group_rules_only())
    assert spy.calls == [[str(t) for t in templates]]
    assert [f[0] for f in findings(first)] == [UNENCRYPTED]
    again = cache.validate(Context(templates))
    assert len(built) == 1
    assert findings(again) == findings(first)
