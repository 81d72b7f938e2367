"""Custom attributes: typed in config, in the pool's schema, read and written by the clients
config names (no client may set one unless config says so), added freely but never removed or
changed (the guard refuses, make review flags an addition), and bad config fails with key and
fix."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from stage_config import AttributeKind, CustomAttributeConfig, StageConfig
from stage_config.directory_backup import OWNER_ATTRIBUTE
from tests.support.app import SynthesizedApp
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import LIVE, SANDBOX, live, sandbox, with_pool
from tools.review.changes import Severity
from tools.review.guard import compare
from tools.review.security_diff import stage_changes

POOL = "AWS::Cognito::UserPool"


def pool(app: SynthesizedApp, stage: str) -> dict[str, Any]:
    (found,) = app.resources(stage, POOL).values()
    return found


def clients(app: SynthesizedApp, stage: str) -> dict[str, dict[str, Any]]:
    return {
        c["Properties"]["ClientName"]: c["Properties"]
        for c in app.resources(stage, "AWS::Cognito::UserPoolClient").values()
    }


def test_custom_attributes_join_the_schema_with_their_bounds(samples: SynthesizedApp) -> None:
    schema = {a["Name"]: a for a in pool(samples, LIVE)["Properties"]["Schema"]}
    assert schema["tier"] == {
        "AttributeDataType": "String",
        "Mutable": True,
        "Name": "tier",
        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "16"},
    }
    assert schema["quota_mb"]["AttributeDataType"] == "Number"
    assert schema["quota_mb"]["NumberAttributeConstraints"] == {
        "MinValue": "0",
        "MaxValue": "100000",
    }
    assert "email" in schema


def test_each_client_reads_and_writes_what_config_says(samples: SynthesizedApp) -> None:
    found = clients(samples, LIVE)
    reads = {name: set(c["ReadAttributes"]) for name, c in found.items()}
    writes = {name: set(c["WriteAttributes"]) for name, c in found.items()}
    custom = {"custom:tier", "custom:quota_mb", "custom:theme"}
    assert reads["web"] & custom == {"custom:tier", "custom:quota_mb"}
    assert reads["mobile"] & custom == {"custom:tier", "custom:theme"}
    assert reads["server"] & custom == {"custom:tier"}
    assert writes["mobile"] & custom == {"custom:theme"}
    assert writes["web"] & custom == set()
    assert writes["server"] & custom == set()
    assert all({"email", "email_verified"} <= r for r in reads.values())
    assert all("email_verified" not in w and "email" in w for w in writes.values())


def test_only_the_directory_backup_adds_a_custom_attribute() -> None:
    """A stage without custom attributes and without the directory backup (whose owner
    attribute is one) deploys none, so its clients keep Cognito's defaults (every attribute)."""
    config = dataclasses.replace(sandbox(), directory_backup=None)
    assert config.pool_config.custom_attributes == ()
    assert sandbox().pool_config.custom_attributes == (OWNER_ATTRIBUTE,)


@pytest.mark.parametrize("stage", [SANDBOX, LIVE])
def test_no_client_reads_or_writes_the_owner_attribute(samples: SynthesizedApp, stage: str) -> None:
    """The directory backup's owner id decides whose data a session reaches: immutable, and no
    app client may write it (a sign-up or profile update carrying it is refused by Cognito) or
    even read it."""
    schema = {a["Name"]: a for a in pool(samples, stage)["Properties"]["Schema"]}
    assert schema[OWNER_ATTRIBUTE.name]["Mutable"] is False
    found = clients(samples, stage)
    assert set(found) >= {"web", "mobile"}
    for client in found.values():
        assert "email" in client["WriteAttributes"], "explicit lists, not Cognito's 'all'"
        assert f"custom:{OWNER_ATTRIBUTE.name}" not in client["WriteAttributes"]
        assert f"custom:{OWNER_ATTRIBUTE.name}" not in client["ReadAttributes"]


def test_your_stages_schema_holds_exactly_their_custom_attributes(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    names = {a["Name"] for a in pool(synthesized, stage_name)["Properties"]["Schema"]}
    assert names - {"email"} == {a.name for a in stage_config.pool_config.custom_attributes}


def schema_edited(baseline: dict[str, Any], edit: Any) -> dict[str, Any]:
    current = copy.deepcopy(baseline)
    (resource,) = [r for r in current["Resources"].values() if r["Type"] == POOL]
    edit(resource["Properties"]["Schema"])
    return current


NEW_ATTRIBUTE = {"AttributeDataType": "String", "Mutable": True, "Name": "region"}


def test_the_guard_passes_an_added_custom_attribute(samples: SynthesizedApp) -> None:
    baseline = samples.template_json(LIVE)
    assert compare(LIVE, baseline, schema_edited(baseline, lambda s: s.append(NEW_ATTRIBUTE))) == []


def test_the_guard_refuses_a_removed_changed_or_standard_attribute(
    samples: SynthesizedApp,
) -> None:
    baseline = samples.template_json(LIVE)

    def remove(schema: list[dict[str, Any]]) -> None:
        schema[:] = [a for a in schema if a["Name"] != "tier"]

    def change(schema: list[dict[str, Any]]) -> None:
        (tier,) = [a for a in schema if a["Name"] == "tier"]
        tier["StringAttributeConstraints"]["MaxLength"] = "32"

    def require_phone(schema: list[dict[str, Any]]) -> None:
        schema.append({"Name": "phone_number", "Required": True, "Mutable": True})

    for edit, reason in [
        (remove, "Schema: attribute tier removed, which forces replacement"),
        (change, "Schema: attribute tier changed from"),
        (require_phone, "Schema: standard attribute phone_number added"),
    ]:
        (finding,) = compare(LIVE, baseline, schema_edited(baseline, edit))
        assert finding.reason.startswith(reason), finding.reason


def test_review_flags_an_added_custom_attribute(samples: SynthesizedApp) -> None:
    baseline = samples.template_json(LIVE)
    after = schema_edited(baseline, lambda s: s.append(NEW_ATTRIBUTE))
    (change,) = [c for c in stage_changes(LIVE, baseline, after) if "custom attribute" in c.text]
    assert change.severity is Severity.MEDIUM
    assert "custom attribute `region` added (Cognito can never remove or change it)" in change.text


def attributes(config: StageConfig, *attributes: CustomAttributeConfig) -> StageConfig:
    return with_pool(config, custom_attributes=attributes)


BAD: list[BadCase] = [
    (
        "a name Cognito refuses",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="custom:tier")),
        "Sandbox.user_pool.custom_attributes[0].name",
        (
            "'custom:tier' is not a custom attribute name. Fix: use 1-20 letters, digits or "
            "underscores (Cognito adds the custom: prefix)"
        ),
    ),
    (
        "a name over 20 characters",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="a" * 21)),
        "Sandbox.user_pool.custom_attributes[0].name",
        (
            "'aaaaaaaaaaaaaaaaaaaaa' is not a custom attribute name. Fix: use 1-20 letters, "
            "digits or underscores (Cognito adds the custom: prefix)"
        ),
    ),
    (
        "a string longer than Cognito keeps",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="bio", max_length=2049)),
        "Sandbox.user_pool.custom_attributes[0].max_length",
        (
            "0-2049 is not a length range Cognito takes. Fix: use 0 <= min_length <= "
            "max_length <= 2048"
        ),
    ),
    (
        "value bounds on a string",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="bio", min_value=1)),
        "Sandbox.user_pool.custom_attributes[0].min_value",
        (
            "a string attribute has lengths, not value bounds. Fix: set "
            "kind=AttributeKind.NUMBER, or drop min_value and max_value"
        ),
    ),
    (
        "a number range upside down",
        lambda: attributes(
            sandbox(),
            CustomAttributeConfig(
                name="quota", kind=AttributeKind.NUMBER, min_value=10, max_value=1
            ),
        ),
        "Sandbox.user_pool.custom_attributes[0].max_value",
        "1 is below min_value 10. Fix: make max_value at least min_value",
    ),
    (
        "a client that does not exist",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="tier", readable_by=("tv",))),
        "Sandbox.user_pool.custom_attributes[0].readable_by[0]",
        "'tv' is not an app client. Fix: use web, mobile, server",
    ),
    (
        "written but not read",
        lambda: attributes(
            sandbox(),
            CustomAttributeConfig(name="tier", readable_by=("web",), writable_by=("mobile",)),
        ),
        "Sandbox.user_pool.custom_attributes[0].writable_by[0]",
        (
            "the mobile client may write the attribute but not read it. Fix: add 'mobile' to "
            "readable_by"
        ),
    ),
    (
        "read by a server client the stage lacks",
        lambda: attributes(sandbox(), CustomAttributeConfig(name="tier", readable_by=("server",))),
        "Sandbox.user_pool.custom_attributes[0].readable_by",
        (
            "names the server client, which this stage does not have. Fix: set "
            "server_client=True, or remove 'server'"
        ),
    ),
    (
        "a client twice among the writers",
        lambda: attributes(
            sandbox(),
            CustomAttributeConfig(
                name="tier", readable_by=("web", "mobile"), writable_by=("web", "web")
            ),
        ),
        "Sandbox.user_pool.custom_attributes[0].writable_by",
        "'web' appears twice. Fix: give each entry a unique name",
    ),
    (
        "the same name twice",
        lambda: attributes(
            live(), CustomAttributeConfig(name="tier"), CustomAttributeConfig(name="tier")
        ),
        "Live.user_pool.custom_attributes",
        "'tier' appears twice. Fix: give each entry a unique name",
    ),
]


@bad_config_cases(BAD)
def test_bad_custom_attribute_config_names_key_and_fix(make: Any, key: str, message: str) -> None:
    assert_config_error(make, key, message)


def test_what_the_attribute_rules_allow() -> None:
    """The other side of each rule: letters of either case; a fixed length (min = max); a
    number bounded on one side only."""
    attributes(
        sandbox(),
        CustomAttributeConfig(name="Tier_2"),
        CustomAttributeConfig(name="code", min_length=6, max_length=6),
        CustomAttributeConfig(name="credits", kind=AttributeKind.NUMBER, min_value=0),
        CustomAttributeConfig(name="debt", kind=AttributeKind.NUMBER, max_value=-1),
    )


def test_limits_accept_their_edges() -> None:
    attributes(
        sandbox(),
        CustomAttributeConfig(name="a" * 20, max_length=2048),
        CustomAttributeConfig(name="n", kind=AttributeKind.NUMBER, min_value=5, max_value=5),
    )
    assert dataclasses.replace(live()).user_pool.custom_attributes
