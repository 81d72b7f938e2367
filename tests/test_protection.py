"""Edge and threat protection, audit logs and refresh-token rotation: each stage's template
holds what its config asks for (your stages), the test-owned samples pin the details, and bad
protection config fails with the key and the fix."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

from aws_cdk import App, Duration, Environment, Stack
from trigger_common import TIMEOUT_SECONDS

from auth_constructs import cfn_text
from auth_constructs.operations.alarms import StackAlarms
from stage_config import (
    AlarmsConfig,
    FeaturePlan,
    ProtectionConfig,
    StageConfig,
    ThreatProtectionConfig,
)
from stage_config import WafConfig as Waf
from stage_config.protection import ALWAYS_ON_RULE_GROUPS
from tests.support.app import SynthesizedApp, cdk_json_context
from tests.support.config_errors import BadCase, assert_config_error, bad_config_cases
from tests.support.configs import (
    ANONYMOUS_IP_GROUP,
    LIVE,
    ON_CALL_TOPIC,
    SANDBOX,
    TRUSTED_NETWORK,
    live,
    sandbox,
    with_pool,
)
from tests.support.construct_stacks import (
    SECOND_REGION,
    Built,
    every_replica_trigger,
    key_replica,
    replica_triggers,
    template_of,
)

WEB_ACL = "AWS::WAFv2::WebACL"
RISK = "AWS::Cognito::UserPoolRiskConfigurationAttachment"
ALARM = "AWS::CloudWatch::Alarm"
DELIVERY = "AWS::Cognito::LogDeliveryConfiguration"


def primary(app: SynthesizedApp, stage: str, kind: str) -> dict[str, dict[str, Any]]:
    """The resources of type `kind` in the stage's Auth stack (the primary Region's pool)."""
    return app.resources(stage, kind, app.stack(stage))


def only(app: SynthesizedApp, stage: str, kind: str) -> dict[str, Any]:
    ((logical_id, resource),) = primary(app, stage, kind).items()
    return {"Id": logical_id, **resource}


def pool_id(app: SynthesizedApp, stage: str) -> str:
    (logical_id,) = primary(app, stage, "AWS::Cognito::UserPool")
    return logical_id


def hosted_clients(app: SynthesizedApp, stage: str) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in primary(app, stage, "AWS::Cognito::UserPoolClient").values()
        if r["Properties"].get("ClientName") in {"web", "mobile"}
    ]


# --- your stages: the template holds what the config asks for -------------------------------


def test_web_acl_guards_the_pool_when_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    waf = stage_config.user_pool.protection.waf
    if waf is None:
        assert primary(synthesized, stage_name, WEB_ACL) == {}
        return
    acl = only(synthesized, stage_name, WEB_ACL)
    rate = acl["Properties"]["Rules"][0]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == waf.rate_limit
    assert rate["Action"] == {"Block": {}}
    association = only(synthesized, stage_name, "AWS::WAFv2::WebACLAssociation")
    assert association["Properties"] == {
        "ResourceArn": {"Fn::GetAtt": [pool_id(synthesized, stage_name), "Arn"]},
        "WebACLArn": {"Fn::GetAtt": [acl["Id"], "Arn"]},
    }


def test_the_replica_has_the_primarys_web_acl_log_delivery_and_trigger_alarms(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """In the secondary Region (web ACLs, log export and triggers are per-Region settings of a
    replica): a web ACL with the primary's rules on the replica (this Region's ARN of the
    pool), the primary's log delivery, and alarms on its triggers and web ACL notifying a
    topic of that Region."""
    stage = synthesized.stage(stage_name)
    if stage.secondary is None:
        return
    assert stage_config.replica is not None
    secondary = stage.secondary
    protection = stage_config.user_pool.protection

    def of_secondary(kind: str) -> dict[str, dict[str, Any]]:
        return synthesized.resources(stage_name, kind, secondary)

    acls, associations = of_secondary(WEB_ACL), of_secondary("AWS::WAFv2::WebACLAssociation")
    if protection.waf is None:
        assert (acls, associations) == ({}, {})
    else:
        ((acl_id, acl),) = acls.items()
        assert (
            acl["Properties"]["Rules"]
            == only(synthesized, stage_name, WEB_ACL)["Properties"]["Rules"]
        )
        ((_, association),) = associations.items()
        replica_arn = cfn_text.render(association["Properties"]["ResourceArn"])
        assert replica_arn.startswith(
            f"arn:aws:cognito-idp:{stage_config.replica.region}:${{AWS::AccountId}}:userpool/"
            f"${{{stage.auth.stack_name}."
        )
        assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    deliveries = of_secondary(DELIVERY)
    if stage.auth.audit_logs is None:
        assert deliveries == {}
    else:
        ((_, delivery),) = deliveries.items()
        primary_delivery = only(synthesized, stage_name, DELIVERY)["Properties"]
        assert [c["EventSource"] for c in delivery["Properties"]["LogConfigurations"]] == [
            c["EventSource"] for c in primary_delivery["LogConfigurations"]
        ]
    alarms = of_secondary(ALARM)
    if protection.alarms is None:
        assert alarms == {}
        return
    functions = len(secondary.triggers.functions) if secondary.triggers else 0
    assert len(alarms) == 3 * functions + (1 if protection.waf else 0)
    topics = of_secondary("AWS::SNS::Topic")
    if protection.alarms.notify_emails:
        ((topic_id, _),) = topics.items()
        expected: list[Any] = [{"Ref": topic_id}]
    else:
        assert topics == {}
        topic = stage_config.replica.notify_topic_arn
        expected = [topic] if topic else []
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"].get("AlarmActions", []) == expected, logical_id


def test_risk_configuration_when_threat_protection_is_on(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    risk = primary(synthesized, stage_name, RISK)
    assert bool(risk) == (stage_config.user_pool.protection.threat_protection is not None)


def test_log_delivery_of_every_stage(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    delivery = only(synthesized, stage_name, DELIVERY)["Properties"]
    sources = {c["EventSource"]: c["LogLevel"] for c in delivery["LogConfigurations"]}
    expected = {"userNotification": "ERROR"}
    if stage_config.user_pool.protection.threat_protection:
        expected["userAuthEvents"] = "INFO"
    assert sources == expected


def test_rotation_on_every_hosted_client_as_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    grace = stage_config.user_pool.protection.refresh_token_rotation
    for client in hosted_clients(synthesized, stage_name):
        if grace is None:
            assert "RefreshTokenRotation" not in client
        else:
            assert client["RefreshTokenRotation"] == {
                "Feature": "ENABLED",
                "RetryGracePeriodSeconds": int(grace.total_seconds()),
            }
            assert "ALLOW_REFRESH_TOKEN_AUTH" not in client["ExplicitAuthFlows"]


def test_alarms_cover_triggers_clients_and_waf_when_configured(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    alarms = primary(synthesized, stage_name, ALARM)
    config = stage_config.user_pool.protection
    if config.alarms is None:
        assert alarms == {}
        return
    triggers = len(stage_config.triggers.enabled) if stage_config.triggers else 0
    web_acl = 1 if config.waf else 0
    per_client = 3 if stage_config.federation else 2
    senders = (
        sum(
            sender is not None
            for sender in (
                stage_config.triggers.custom_email_sender,
                stage_config.triggers.custom_sms_sender,
            )
        )
        if stage_config.triggers
        else 0
    )  # a failed-sends alarm each
    directory_backup = 3 if stage_config.directory_backup else 0  # failed, missed, user drop
    assert len(alarms) == 3 * triggers + per_client * 2 + web_acl + directory_backup + senders


def test_every_alarm_notifies_the_configured_topic(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """A production stage must notify someone (a config rule); every alarm of a stage with a
    topic notifies it: the one from config, or the stage's own with the configured emails."""
    config = stage_config.user_pool.protection.alarms
    if config is None:
        return
    alarms = primary(synthesized, stage_name, ALARM)
    topics = primary(synthesized, stage_name, "AWS::SNS::Topic")
    if stage_config.production:
        assert config.notify_topic_arn or config.notify_emails
    if config.notify_emails:
        ((topic_id, topic),) = topics.items()
        assert topic["Properties"]["KmsMasterKeyId"] == synthesized.key_reference(stage_name)
        expected: list[Any] = [{"Ref": topic_id}]
        subscribed = {
            s["Properties"]["Endpoint"]
            for s in primary(synthesized, stage_name, "AWS::SNS::Subscription").values()
            if s["Properties"]["TopicArn"] == {"Ref": topic_id}
            and s["Properties"]["Protocol"] == "email"
        }
        assert subscribed == set(config.notify_emails)
    else:
        assert topics == {}
        expected = [config.notify_topic_arn] if config.notify_topic_arn else []
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"].get("AlarmActions", []) == expected, logical_id


def test_the_stage_topic_takes_only_this_stacks_alarms(
    synthesized: SynthesizedApp, stage_name: str, stage_config: StageConfig
) -> None:
    """CloudWatch may publish to the stage's own topic, and use the key for it, only for this
    account's alarms of this stack."""
    config = stage_config.user_pool.protection.alarms
    if config is None or not config.notify_emails:
        return
    (policy,) = primary(synthesized, stage_name, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (publish,) = [s for s in statements if s.get("Sid") == "CloudWatchAlarmsOfThisStack"]
    # The Auth stack's name as text: the key's policy (in the Key stack) names these too.
    stack_name = synthesized.stack(stage_name).stack_name
    alarm_arns = (
        f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:"
        f"{stack_name}-*"
    )
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert cfn_text.render(publish["Condition"]["ArnLike"]["aws:SourceArn"]) == alarm_arns
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s) for s in statements)
    (key,) = synthesized.resources(stage_name, "AWS::KMS::Key").values()
    (use,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "CloudWatchAlarmsToTopicsOfThisStack"
    ]
    assert use["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cfn_text.render(use["Condition"]["ArnLike"]["aws:SourceArn"]) == alarm_arns
    assert (
        cfn_text.render(use["Condition"]["ArnLike"]["kms:EncryptionContext:aws:sns:topicArn"])
        == f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{stack_name}-*"
    )


COGNITO_DIMENSIONS = {
    "SignUpThrottles": {"UserPool", "UserPoolClient"},
    "SignInThrottles": {"UserPool", "UserPoolClient"},
    "TokenRefreshThrottles": {"UserPool", "UserPoolClient"},
    "SignInSuccesses": {"UserPool", "UserPoolClient"},
    "FederationThrottles": {"UserPool", "UserPoolClient", "IdentityProvider"},
}
"""The dimensions Cognito publishes each metric with (developer guide, metrics for user
pools): an alarm on fewer matches no series and never fires."""


def test_no_alarm_queries_fewer_dimensions_than_cognito_publishes(
    synthesized: SynthesizedApp, stage_name: str
) -> None:
    queried = 0
    for logical_id, alarm in primary(synthesized, stage_name, ALARM).items():
        properties = alarm["Properties"]
        stats = (
            [properties]
            if "MetricName" in properties
            else [
                m["MetricStat"]["Metric"]
                for m in properties.get("Metrics", [])
                if "MetricStat" in m
            ]
        )
        for metric in stats:
            if metric["Namespace"] == "AWS/Cognito":
                dimensions = {d["Name"] for d in metric["Dimensions"]}
                assert dimensions == COGNITO_DIMENSIONS[metric["MetricName"]], logical_id
                queried += 1
        for metric in properties.get("Metrics", []):
            text = cfn_text.render(metric.get("Expression", ""))
            if "FederationThrottles" in text:
                assert 'SCHEMA("AWS/Cognito", IdentityProvider, UserPool, UserPoolClient)' in text
                queried += 1
    assert queried or not primary(synthesized, stage_name, ALARM)


# --- the samples pin the details -------------------------------------------------------------


def alarm(app: SynthesizedApp, stage: str, prefix: str) -> dict[str, Any]:
    (found,) = [
        dict(r["Properties"])
        for i, r in app.resources(stage, ALARM).items()
        if i.startswith(prefix)
    ]
    return found


def test_trigger_alarms_fire_on_errors_throttles_and_slow_runs(samples: SynthesizedApp) -> None:
    errors = alarm(samples, LIVE, "AlarmsPreSignUpErrors")
    assert (errors["MetricName"], errors["Statistic"], errors["Threshold"]) == ("Errors", "Sum", 1)
    assert errors["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert errors["AlarmActions"] == [ON_CALL_TOPIC]
    slow = alarm(samples, LIVE, "AlarmsPreSignUpDuration")
    assert (slow["ExtendedStatistic"], slow["EvaluationPeriods"]) == ("p99", 3)
    assert slow["Threshold"] == TIMEOUT_SECONDS * 1000 * 0.8
    assert alarm(samples, LIVE, "AlarmsPostAuthenticationThrottles")["MetricName"] == "Throttles"


def test_cognito_and_waf_alarms(samples: SynthesizedApp) -> None:
    throttles = alarm(samples, LIVE, "AlarmsWebCognitoThrottles")
    (expression, *metrics) = throttles["Metrics"]
    assert expression["Expression"] == "SUM([m0, m1, m2])"
    assert [m["MetricStat"]["Metric"]["MetricName"] for m in metrics] == [
        "SignUpThrottles",
        "SignInThrottles",
        "TokenRefreshThrottles",
    ]
    (federation,) = alarm(samples, LIVE, "AlarmsWebFederationThrottles")["Metrics"]
    pool = pool_id(samples, LIVE)
    (web,) = [
        i
        for i, r in samples.resources(LIVE, "AWS::Cognito::UserPoolClient").items()
        if r["Properties"].get("ClientName") == "web"
    ]
    assert cfn_text.render(federation["Expression"]) == (
        "SELECT SUM(FederationThrottles) "  # noqa: S608 - a CloudWatch Metrics Insights query
        'FROM SCHEMA("AWS/Cognito", IdentityProvider, UserPool, UserPoolClient) '
        f"WHERE UserPool = '${{{pool}}}' AND UserPoolClient = '${{{web}}}'"
    )
    assert federation["Period"] == 300
    drop = alarm(samples, LIVE, "AlarmsMobileSignInDrop")
    assert drop["ComparisonOperator"] == "LessThanLowerThreshold"
    (band, successes) = sorted(drop["Metrics"], key=lambda m: "MetricStat" in m)
    assert band["Expression"] == f"ANOMALY_DETECTION_BAND({successes['Id']}, 3)"
    stat = successes["MetricStat"]
    assert (stat["Metric"]["MetricName"], stat["Stat"]) == ("SignInSuccesses", "Sum")
    assert (drop["EvaluationPeriods"], drop["TreatMissingData"]) == (3, "notBreaching")
    assert drop["AlarmActions"] == [ON_CALL_TOPIC]
    blocks = alarm(samples, LIVE, "AlarmsWafBlocks")
    assert blocks["Namespace"] == "AWS/WAFV2"
    web_acl = only(samples, LIVE, WEB_ACL)["Properties"]
    dimensions = {d["Name"]: d["Value"] for d in blocks["Dimensions"]}
    # WAF publishes under the web ACL's visibility metric name.
    assert dimensions["WebACL"] == web_acl["VisibilityConfig"]["MetricName"]
    assert (dimensions["Rule"], dimensions["Region"]) == ("ALL", {"Ref": "AWS::Region"})


def test_web_acl_rules_in_order(samples: SynthesizedApp) -> None:
    acl = only(samples, LIVE, WEB_ACL)["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rate, common, *scoped, bad_inputs, reputation, anonymous = acl["Rules"]
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": 500,
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
    }
    groups = [common, bad_inputs, reputation, anonymous]
    assert [g["Statement"]["ManagedRuleGroupStatement"]["Name"] for g in groups] == [
        *ALWAYS_ON_RULE_GROUPS,
        ANONYMOUS_IP_GROUP,
    ]
    assert [r["Priority"] for r in acl["Rules"]] == list(range(len(acl["Rules"])))
    assert all(g["OverrideAction"] == {"None": {}} for g in groups)
    assert [len(scoped)] == [2]


def test_common_rules_that_break_sign_in_block_only_off_their_path(
    samples: SynthesizedApp,
) -> None:
    """SizeRestrictions_BODY (bodies over 8 KB: a SAML response) and NoUserAgent_HEADER
    (server-to-server token calls) only count in the common rule set; two rules block their
    labels everywhere except on /saml2/idpresponse and /oauth2/token respectively."""
    acl = only(samples, LIVE, WEB_ACL)["Properties"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}},
        {"Name": "NoUserAgent_HEADER", "ActionToUse": {"Count": {}}},
    ]
    for name, label, path in [
        ("SizeRestrictions_BODY", "SizeRestrictions_Body", "/saml2/idpresponse"),
        ("NoUserAgent_HEADER", "NoUserAgent_Header", "/oauth2/token"),
    ]:
        rule = rules[f"{name}_OutsideExemptPath"]
        assert rule["Action"] == {"Block": {}}
        assert rule["Priority"] > rules["AWSManagedRulesCommonRuleSet"]["Priority"]
        labelled, outside = rule["Statement"]["AndStatement"]["Statements"]
        assert labelled == {
            "LabelMatchStatement": {
                "Scope": "LABEL",
                "Key": f"awswaf:managed:aws:core-rule-set:{label}",
            }
        }
        match = outside["NotStatement"]["Statement"]["ByteMatchStatement"]
        assert (match["FieldToMatch"], match["PositionalConstraint"], match["SearchString"]) == (
            {"UriPath": {}},
            "EXACTLY",
            path,
        )


def test_waf_log_redacts_credentials_and_is_retained(samples: SynthesizedApp) -> None:
    logging = only(samples, LIVE, "AWS::WAFv2::LoggingConfiguration")["Properties"]
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    groups = samples.resources(LIVE, "AWS::Logs::LogGroup")
    ((log_id, waf_log),) = [(i, g) for i, g in groups.items() if i.startswith("EdgeProtection")]
    (destination,) = logging["LogDestinationConfigs"]
    # WAF wants the ARN without the `:*` suffix of CDK's log_group_arn.
    assert cfn_text.render(destination) == (
        f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{log_id}}}"
    )
    assert waf_log["Properties"]["LogGroupName"]["Fn::Join"][1][0] == "aws-waf-logs-"
    assert waf_log["Properties"]["RetentionInDays"] == 365
    assert waf_log["DeletionPolicy"] == "Retain"


def test_risk_configuration_blocks_and_notifies(samples: SynthesizedApp) -> None:
    risk = only(samples, LIVE, RISK)["Properties"]
    assert risk["ClientId"] == "ALL"
    assert risk["CompromisedCredentialsRiskConfiguration"] == {
        "EventFilter": ["SIGN_IN", "SIGN_UP", "PASSWORD_CHANGE"],
        "Actions": {"EventAction": "BLOCK"},
    }
    takeover = risk["AccountTakeoverRiskConfiguration"]
    assert takeover["Actions"] == {
        "LowAction": {"EventAction": "NO_ACTION", "Notify": True},
        "MediumAction": {"EventAction": "MFA_IF_CONFIGURED", "Notify": True},
        "HighAction": {"EventAction": "BLOCK", "Notify": True},
    }
    email = live().user_pool.email
    assert email is not None
    notify = takeover["NotifyConfiguration"]
    assert notify["From"] == email.from_address
    assert f":ses:{email.ses_region}:" in str(notify["SourceArn"])
    assert risk["RiskExceptionConfiguration"] == {"SkippedIPRangeList": [TRUSTED_NETWORK]}


def test_audit_logs_go_to_vended_log_groups(samples: SynthesizedApp) -> None:
    delivery = only(samples, LIVE, DELIVERY)["Properties"]
    assert delivery["UserPoolId"] == {"Ref": pool_id(samples, LIVE)}
    groups = samples.resources(LIVE, "AWS::Logs::LogGroup")
    audit = {i: g for i, g in groups.items() if i.startswith("AuditLogs")}
    assert len(audit) == 2
    for group in audit.values():
        assert group["Properties"]["LogGroupName"]["Fn::Join"][1][0] == "/aws/vendedlogs/cognito/"
        assert "KmsKeyId" not in group["Properties"], "Cognito cannot deliver to a KMS log group"


def test_a_stage_can_turn_it_all_off(samples: SynthesizedApp) -> None:
    assert samples.resources(SANDBOX, WEB_ACL) == {}
    assert samples.resources(SANDBOX, RISK) == {}
    assert samples.resources(SANDBOX, ALARM) == {}
    assert all("RefreshTokenRotation" not in c for c in hosted_clients(samples, SANDBOX))
    sources = [
        c["EventSource"]
        for c in only(samples, SANDBOX, DELIVERY)["Properties"]["LogConfigurations"]
    ]
    assert sources == ["userNotification"], "the notification-error log costs next to nothing"


# --- bad protection config ---------------------------------------------------------------------


def protect(config: StageConfig, **changes: Any) -> StageConfig:
    protection = dataclasses.replace(config.user_pool.protection, **changes)
    return with_pool(config, protection=protection)


def live_protection(**changes: Any) -> StageConfig:
    """The test-owned Live stage with its protection's sections changed by `changes`, each a
    function of the section (e.g. `waf=lambda w: replace(w, rate_limit=9)`)."""
    config = live()
    protection = config.user_pool.protection
    return with_pool(
        config,
        protection=dataclasses.replace(
            protection, **{k: change(getattr(protection, k)) for k, change in changes.items()}
        ),
    )


WAF_RANGE = (
    "is outside WAF's rate limit range. Fix: use 10 to 2,000,000,000 requests per client IP per "
    "5 minutes"
)
MAX_NETWORKS = 200
"""Cognito's limit on threat protection's IP exceptions."""

BAD: list[BadCase] = [
    (
        "WAF rate limit under 10",
        lambda: live_protection(waf=lambda w: dataclasses.replace(w, rate_limit=9)),
        "Live.user_pool.protection.waf.rate_limit",
        f"9 {WAF_RANGE}",
    ),
    (
        "WAF rate limit over two billion",
        lambda: live_protection(waf=lambda w: dataclasses.replace(w, rate_limit=2_000_000_001)),
        "Live.user_pool.protection.waf.rate_limit",
        f"2000000001 {WAF_RANGE}",
    ),
    (
        "a managed rule group twice",
        lambda: live_protection(
            waf=lambda w: dataclasses.replace(w, extra_managed_groups=w.extra_managed_groups * 2)
        ),
        "Live.user_pool.protection.waf.extra_managed_groups",
        f"{ANONYMOUS_IP_GROUP!r} appears twice. Fix: give each entry a unique name",
    ),
    (
        "a trusted network twice",
        lambda: live_protection(
            threat_protection=lambda t: dataclasses.replace(
                t, trusted_networks=t.trusted_networks * 2
            )
        ),
        "Live.user_pool.protection.threat_protection.trusted_networks",
        f"{TRUSTED_NETWORK!r} appears twice. Fix: give each entry a unique name",
    ),
    (
        "more trusted networks than Cognito takes",
        lambda: live_protection(
            threat_protection=lambda t: dataclasses.replace(
                t, trusted_networks=tuple(f"10.{i}.0.0/16" for i in range(MAX_NETWORKS + 1))
            )
        ),
        "Live.user_pool.protection.threat_protection.trusted_networks",
        "201 ranges; Cognito accepts 200. Fix: merge ranges into wider CIDR blocks",
    ),
    (
        "a trusted network with host bits",
        lambda: live_protection(
            threat_protection=lambda t: dataclasses.replace(t, trusted_networks=("10.0.0.1/24",))
        ),
        "Live.user_pool.protection.threat_protection.trusted_networks[0]",
        (
            "'10.0.0.1/24' is not a CIDR range. Fix: write it as address/prefix with the host "
            "bits zero, e.g. '203.0.113.0/24'"
        ),
    ),
    (
        "an alarm recipient twice",
        lambda: with_pool(
            sandbox(),
            protection=dataclasses.replace(
                sandbox().user_pool.protection,
                alarms=AlarmsConfig(notify_emails=("a@example.com", "a@example.com")),
            ),
        ),
        "Sandbox.user_pool.protection.alarms.notify_emails",
        "'a@example.com' appears twice. Fix: give each entry a unique name",
    ),
    (
        "threat protection without PLUS",
        lambda: with_pool(
            sandbox(),
            protection=ProtectionConfig(threat_protection=ThreatProtectionConfig()),
        ),
        "Sandbox.user_pool.protection.threat_protection",
        (
            "the ESSENTIALS plan has no threat protection. Fix: set "
            "feature_plan=FeaturePlan.PLUS, or protection.threat_protection=None"
        ),
    ),
    (
        "rotation on LITE",
        lambda: with_pool(
            sandbox(),
            feature_plan=FeaturePlan.LITE,
            protection=ProtectionConfig(waf=None, refresh_token_rotation=timedelta(seconds=5)),
        ),
        "Sandbox.user_pool.protection.refresh_token_rotation",
        (
            "refresh-token rotation needs the ESSENTIALS or PLUS feature plan. Fix: set "
            "feature_plan=FeaturePlan.ESSENTIALS (or PLUS), or "
            "protection.refresh_token_rotation=None"
        ),
    ),
    (
        "rotation grace over a minute",
        lambda: protect(live(), refresh_token_rotation=timedelta(seconds=90)),
        "Live.user_pool.protection.refresh_token_rotation",
        (
            "0:01:30 is outside Cognito's range 0:00:00 to 0:01:00. Fix: choose a value "
            "between 0:00:00 and 0:01:00"
        ),
    ),
    (
        "rate limit under WAF's minimum",
        lambda: protect(live(), waf=Waf(rate_limit=5)),
        "Live.user_pool.protection.waf.rate_limit",
        (
            "5 is outside WAF's rate limit range. Fix: use 10 to 2,000,000,000 requests per "
            "client IP per 5 minutes"
        ),
    ),
    (
        "unknown managed rule group",
        lambda: protect(live(), waf=Waf(extra_managed_groups=("BotControl",))),
        "Live.user_pool.protection.waf.extra_managed_groups[0]",
        (
            "'BotControl' is not the name of an AWS managed rule group. Fix: use a name from "
            "the WAF console, e.g. 'AWSManagedRulesAnonymousIpList'"
        ),
    ),
    (
        "always-on rule group repeated",
        lambda: protect(live(), waf=Waf(extra_managed_groups=(ALWAYS_ON_RULE_GROUPS[0],))),
        "Live.user_pool.protection.waf.extra_managed_groups[0]",
        ("AWSManagedRulesCommonRuleSet is always on. Fix: remove it from extra_managed_groups"),
    ),
    (
        "trusted network with host bits",
        lambda: protect(
            live(), threat_protection=ThreatProtectionConfig(trusted_networks=("10.1.2.3/8",))
        ),
        "Live.user_pool.protection.threat_protection.trusted_networks[0]",
        (
            "'10.1.2.3/8' is not a CIDR range. Fix: write it as address/prefix with the host "
            "bits zero, e.g. '203.0.113.0/24'"
        ),
    ),
    (
        "trusted network without a prefix",
        lambda: protect(
            live(), threat_protection=ThreatProtectionConfig(trusted_networks=("10.0.0.1",))
        ),
        "Live.user_pool.protection.threat_protection.trusted_networks[0]",
        (
            "'10.0.0.1' is not a CIDR range. Fix: write it as address/prefix with the host "
            "bits zero, e.g. '203.0.113.0/24'"
        ),
    ),
    (
        "short retention in production",
        lambda: protect(live(), log_retention_days=90),
        "Live.user_pool.protection.log_retention_days",
        (
            "90 days is too short for a production audit trail. Fix: use at least 365 (AWS "
            "Control Tower's log controls expect a year)"
        ),
    ),
    (
        "alarm topic that is not an SNS ARN",
        lambda: protect(live(), alarms=AlarmsConfig(notify_topic_arn="acme-on-call")),
        "Live.user_pool.protection.alarms.notify_topic_arn",
        (
            "'acme-on-call' is not an SNS topic ARN. Fix: paste the topic's ARN "
            "(arn:aws:sns:<region>:<account>:<name>), or leave it empty"
        ),
    ),
    (
        "production alarms that notify nobody",
        lambda: protect(live(), alarms=AlarmsConfig()),
        "Live.user_pool.protection.alarms.notify_emails",
        (
            "a production stage's alarms would notify nobody. Fix: list the on-call addresses "
            "in notify_emails, or set notify_topic_arn to your topic"
        ),
    ),
    (
        "a topic of yours and the stage's own",
        lambda: protect(
            live(),
            alarms=AlarmsConfig(notify_topic_arn=ON_CALL_TOPIC, notify_emails=("a@example.net",)),
        ),
        "Live.user_pool.protection.alarms.notify_emails",
        (
            "both a topic of yours and the stage's own topic are configured. Fix: subscribe "
            "the addresses to your topic and remove notify_emails, or drop notify_topic_arn"
        ),
    ),
    (
        "an alarm address that is not one",
        lambda: protect(live(), alarms=AlarmsConfig(notify_emails=("on-call",))),
        "Live.user_pool.protection.alarms.notify_emails[0]",
        ("'on-call' is not an email address. Fix: use a full address such as no-reply@example.com"),
    ),
    (
        "the stage's own alarm topic without the stage's key",
        lambda: dataclasses.replace(
            protect(live(), alarms=AlarmsConfig(notify_emails=("oncall@example.net",))),
            customer_key=None,
        ),
        "Live.user_pool.protection.alarms.notify_emails",
        (
            "the stage's own alarm topic is encrypted with the stage's customer key, and this "
            "stage has none (CloudWatch cannot publish to a topic under the AWS-managed SNS "
            "key). Fix: keep customer_key on, or set notify_topic_arn to a topic of yours "
            "instead"
        ),
    ),
    (
        "retention CloudWatch does not offer",
        lambda: protect(sandbox(), log_retention_days=100),
        "Sandbox.user_pool.protection.log_retention_days",
        (
            "100 is not a CloudWatch Logs retention period. Fix: use one of 1, 3, 5, 7, 14, "
            "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
            "3288, 3653"
        ),
    ),
]


@bad_config_cases(BAD)
def test_bad_protection_config_names_key_and_fix(make: Any, key: str, message: str) -> None:
    assert_config_error(make, key, message)


def test_protection_at_its_limits_is_accepted() -> None:
    """The other side: a rate limit of exactly 10 or two billion, exactly 200 trusted networks."""
    live_protection(waf=lambda w: dataclasses.replace(w, rate_limit=10))
    live_protection(waf=lambda w: dataclasses.replace(w, rate_limit=2_000_000_000))
    live_protection(
        threat_protection=lambda t: dataclasses.replace(
            t, trusted_networks=tuple(f"10.{i}.0.0/16" for i in range(MAX_NETWORKS))
        )
    )


def test_the_secondarys_own_topic_is_under_the_key_replica_for_its_stacks_alarms_only() -> None:
    """With notify_emails, the secondary Region's trigger alarms notify a topic of its own
    there, with the same addresses, encrypted with the key's replica; CloudWatch may publish
    to it, and use the key's replica for it, only for that stack's alarms."""
    config = every_replica_trigger()
    app = App(context=cdk_json_context())
    data = Stack(app, "ReplicaData", env=Environment(region=SECOND_REGION))
    key = key_replica(data, config)
    stack = Stack(app, "Secondary", env=Environment(region=SECOND_REGION))
    triggers = replica_triggers(stack, config, key=key)
    emails = ("oncall@gallery.example.net", "backup@gallery.example.net")
    alarms = StackAlarms(
        stack,
        "Alarms",
        config=AlarmsConfig(notify_emails=emails),
        topic_arn="",
        functions=triggers.functions,
        function_timeout=Duration.seconds(TIMEOUT_SECONDS),
        web_acl_metric=None,
        key=key,
    )
    assert alarms.topic is not None
    built = Built(stack, template_of(stack))
    topic_id = built.logical_id(alarms.topic)
    topic = built.template["Resources"][topic_id]["Properties"]
    assert "ReplicaData" in json.dumps(topic["KmsMasterKeyId"])
    assert "KeyReplica" in json.dumps(topic["KmsMasterKeyId"])
    subscribed = {
        s["Properties"]["Endpoint"]
        for s in built.template["Resources"].values()
        if s["Type"] == "AWS::SNS::Subscription"
        and s["Properties"]["TopicArn"] == {"Ref": topic_id}
    }
    assert subscribed == set(emails)
    actions = [
        r["Properties"]["AlarmActions"]
        for r in built.template["Resources"].values()
        if r["Type"] == ALARM
    ]
    assert actions == [[{"Ref": topic_id}]] * (3 * len(triggers.functions))
    alarm_arns = (
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:Secondary-*"
    )
    (policy,) = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in built.template["Resources"].values()
        if r["Type"] == "AWS::SNS::TopicPolicy"
    ]
    (publish,) = [s for s in policy if s.get("Sid") == "CloudWatchAlarmsOfThisStack"]
    assert cfn_text.render(publish["Condition"]["ArnLike"]["aws:SourceArn"]) == alarm_arns
    key_policy = Built(data, template_of(data)).resource(key.key)["Properties"]["KeyPolicy"]
    (use,) = [
        s for s in key_policy["Statement"] if s.get("Sid") == "CloudWatchAlarmsToTopicsOfThisStack"
    ]
    assert use["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert use["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert use["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert cfn_text.render(use["Condition"]["ArnLike"]["aws:SourceArn"]) == alarm_arns
    assert (
        cfn_text.render(use["Condition"]["ArnLike"]["kms:EncryptionContext:aws:sns:topicArn"])
        == "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:Secondary-*"
    )
