"""The custom senders as deployed (the test-owned Live stage turns both on): LambdaConfig with
the stage's key, the key policy Cognito needs, retries and an encrypted dead-letter queue with
its alarm, and each sender's role proven least-privilege by an IAM evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from custom_sender.settings import CustomSenderSettings
from trigger_settings import ENVIRONMENT_VARIABLE

from auth_constructs import cfn_text
from auth_constructs.identity.custom_senders import MAX_EVENT_AGE, RETRY_ATTEMPTS
from tests.support.app import SynthesizedApp
from tests.support.configs import LIVE, live
from tests.support.iam import (
    ACCOUNT,
    ALLOWED,
    DENIED,
    REGION,
    Names,
    request,
    resolve,
    role_policies,
    simulate,
    stack_outputs,
)

EXPLICITLY_DENIED = "ExplicitlyDenied"
Ask = tuple[str, str, dict[str, Any]]
"""(action, resource, request context)."""
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/9999abcd-12ab-34cd-56ef-1234567890ab"
SENDERS = {"CustomEmailSender": "email", "CustomSmsSender": "sms"}


def resources(samples: SynthesizedApp) -> dict[str, Any]:
    """Every resource of the sample stage's stacks (its key is in its Key stack)."""
    return {
        logical_id: resource
        for stack in samples.stage(LIVE).stacks
        for logical_id, resource in samples.template_json(LIVE, stack)["Resources"].items()
    }


def one(samples: SynthesizedApp, kind: str, prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, r)
        for logical_id, r in resources(samples).items()
        if r["Type"] == kind and logical_id.startswith(prefix)
    ]
    return found


def test_lambda_config_names_both_senders_and_the_stage_key(samples: SynthesizedApp) -> None:
    _, pool = one(samples, "AWS::Cognito::UserPool", "UserPool")
    config = pool["Properties"]["LambdaConfig"]
    assert config["KMSKeyID"] == samples.key_reference(LIVE)
    for name, lambda_config in (
        ("CustomEmailSender", "CustomEmailSender"),
        ("CustomSmsSender", "CustomSMSSender"),
    ):
        function_id, _ = one(samples, "AWS::Lambda::Function", f"Triggers{name}")
        assert config[lambda_config] == {
            "LambdaArn": {"Fn::GetAtt": [function_id, "Arn"]},
            "LambdaVersion": "V1_0",
        }
    assert "CustomMessage" not in config, "with both senders, custom message is left out"


def test_sender_settings_reach_the_functions(samples: SynthesizedApp) -> None:
    email = live().user_pool.email
    assert email is not None
    for name, channel in SENDERS.items():
        _, function = one(samples, "AWS::Lambda::Function", f"Triggers{name}")
        variables = function["Properties"]["Environment"]["Variables"]
        settings = CustomSenderSettings.from_environment(
            {ENVIRONMENT_VARIABLE: cfn_text.render(variables[ENVIRONMENT_VARIABLE])}
        )
        assert settings == CustomSenderSettings(
            channel=channel,
            app_name="Acme Gallery",
            app_url="https://gallery.example.net",
            key_arn=cfn_text.render(samples.key_reference(LIVE)),
            provider="ses" if channel == "email" else "sns",
            options={"from_address": email.from_address, "region": email.ses_region}
            if channel == "email"
            else {},
            api_key_secret="",
            api_key_field="",
        )


def test_the_key_lets_cognito_encrypt_codes_for_this_accounts_pools(
    samples: SynthesizedApp,
) -> None:
    _, key = one(samples, "AWS::KMS::Key", "CustomerKey")
    (statement,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "CognitoCustomSendersOfThisAccount"
    ]
    assert statement["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert sorted(statement["Action"]) == ["kms:CreateGrant", "kms:Encrypt"]
    conditions = statement["Condition"]
    assert conditions["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert cfn_text.render(conditions["ArnLike"]["aws:SourceArn"]) == (
        "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"
    )


@pytest.mark.parametrize("name", SENDERS)
def test_a_failed_send_is_retried_then_kept_and_alarmed(samples: SynthesizedApp, name: str) -> None:
    function_id, function = one(samples, "AWS::Lambda::Function", f"Triggers{name}")
    queue_id, queue = one(samples, "AWS::SQS::Queue", f"Triggers{name}FailedSends")
    assert function["Properties"]["DeadLetterConfig"] == {
        "TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}
    }
    assert queue["Properties"]["KmsMasterKeyId"] == samples.key_reference(LIVE)
    _, invoke = one(samples, "AWS::Lambda::EventInvokeConfig", f"Triggers{name}")
    assert invoke["Properties"] == {
        "FunctionName": {"Ref": function_id},
        "MaximumRetryAttempts": RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": MAX_EVENT_AGE.to_seconds(),
        "Qualifier": "$LATEST",
    }
    _, alarm = one(samples, "AWS::CloudWatch::Alarm", f"Alarms{name}FailedSends")
    props = alarm["Properties"]
    assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert props["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
    ]
    assert (props["Threshold"], props["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert props["AlarmActions"], "it notifies the stage's alarm topic"


def names_of(samples: SynthesizedApp) -> Names:
    arns, refs = {}, {}
    key_arns = {}
    for logical_id, resource in resources(samples).items():
        kind = resource["Type"]
        if kind == "AWS::KMS::Key":
            key_arns[logical_id] = arns[logical_id] = KEY
        elif kind == "AWS::SQS::Queue":
            arns[logical_id] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{logical_id}"
        elif kind == "AWS::Logs::LogGroup":
            arns[logical_id] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical_id}"
        elif kind == "AWS::Cognito::UserPool":
            arns[logical_id] = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{logical_id}"
        elif kind == "AWS::DynamoDB::GlobalTable":
            arns[logical_id] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{logical_id}"
            refs[logical_id] = logical_id
    key_outputs = stack_outputs(samples.key_template(LIVE), Names(arns=key_arns, refs={}))
    return Names(arns=arns, refs=refs, outputs=key_outputs)


def decisions(samples: SynthesizedApp, name: str, asks: list[Ask]) -> list[str]:
    role_id, _ = one(samples, "AWS::IAM::Role", f"Triggers{name}Role")
    names = names_of(samples)
    policies = role_policies(samples.template_json(LIVE), role_id, names)
    _, key = one(samples, "AWS::KMS::Key", "CustomerKey")
    # KMS decides with the key policy too (it delegates to IAM through the account statement).
    key_policy = resolve(key["Properties"]["KeyPolicy"], names)
    return simulate(
        [
            request(
                role=role_id,
                session="sender",
                action=action,
                resource=resource,
                policies=policies,
                context=context,
                resource_policy=key_policy if action.startswith("kms:") else None,
            )
            for action, resource, context in asks
        ]
    )


def queue_arn(name: str, samples: SynthesizedApp) -> str:
    queue_id, _ = one(samples, "AWS::SQS::Queue", f"Triggers{name}FailedSends")
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_id}"


@pytest.mark.parametrize("name", SENDERS)
def test_the_sender_decrypts_codes_and_writes_its_dead_letters_only(
    samples: SynthesizedApp, name: str
) -> None:
    own_queue = queue_arn(name, samples)
    asks: list[Ask] = [
        ("kms:Decrypt", KEY, {}),
        ("kms:Decrypt", OTHER_KEY, {}),
        ("kms:Encrypt", KEY, {}),
        ("kms:GenerateDataKey", KEY, {}),
        ("kms:CreateGrant", KEY, {}),
        ("sqs:SendMessage", own_queue, {}),
        ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:another-queue", {}),
        ("sqs:ReceiveMessage", own_queue, {}),
    ]
    assert decisions(samples, name, asks) == [
        ALLOWED,
        DENIED,
        DENIED,
        DENIED,
        EXPLICITLY_DENIED,  # the key's own rule: grants only for AWS resources
        ALLOWED,
        DENIED,
        DENIED,
    ]


@pytest.mark.parametrize("name", SENDERS)
def test_sqs_may_use_the_key_for_the_dead_letters_only(samples: SynthesizedApp, name: str) -> None:
    """Pinned, not evaluated: the evaluator ignores `kms:EncryptionContext:*` context keys
    (tests/test_isolation.py, key_asks)."""
    role_id, _ = one(samples, "AWS::IAM::Role", f"Triggers{name}Role")
    queue_id, _ = one(samples, "AWS::SQS::Queue", f"Triggers{name}FailedSends")
    (statement,) = [
        s
        for policy in role_policies(
            dict(samples.template(LIVE).to_json()), role_id, names_of(samples)
        )
        for s in policy["Statement"]
        if "Condition" in s and "kms:ViaService" in s["Condition"].get("StringEquals", {})
    ]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": f"sqs.{REGION}.amazonaws.com",
            "kms:EncryptionContext:aws:sqs:arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_id}",
        }
    }


def test_the_email_sender_sends_from_the_pool_address_only(samples: SynthesizedApp) -> None:
    email = live().user_pool.email
    assert email is not None
    arn = f"arn:aws:ses:{email.ses_region}:{ACCOUNT}:identity"
    domain = email.from_address.rsplit("@", 1)[1]
    ours = {"ses:FromAddress": email.from_address}
    asks: list[Ask] = [
        ("ses:SendEmail", f"{arn}/{email.from_address}", ours),
        ("ses:SendEmail", f"{arn}/{domain}", ours),
        ("ses:SendEmail", f"{arn}/{domain}", {"ses:FromAddress": f"ceo@{domain}"}),
        ("ses:SendEmail", f"{arn}/other.example.org", ours),
        ("ses:SendRawEmail", f"{arn}/{domain}", ours),
        ("sns:Publish", "*", {}),
    ]
    assert decisions(samples, "CustomEmailSender", asks) == [
        ALLOWED,
        ALLOWED,
        DENIED,
        DENIED,
        DENIED,
        DENIED,
    ]


def test_the_sms_sender_publishes_to_phones_and_to_no_topic(samples: SynthesizedApp) -> None:
    asks: list[Ask] = [
        ("sns:Publish", "*", {}),
        ("sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:acme-on-call", {}),
        ("sns:Subscribe", "*", {}),
        ("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/gallery.example.net", {}),
    ]
    assert decisions(samples, "CustomSmsSender", asks) == [
        ALLOWED,
        EXPLICITLY_DENIED,
        DENIED,
        DENIED,
    ]


@pytest.mark.parametrize("name", ["PreSignUp", "PostConfirmation", "PreTokenGeneration"])
def test_no_other_trigger_may_decrypt_codes(samples: SynthesizedApp, name: str) -> None:
    assert decisions(samples, name, [("kms:Decrypt", KEY, {})]) == [DENIED]
