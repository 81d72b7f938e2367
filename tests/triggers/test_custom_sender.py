"""Custom email and SMS senders: every source the developer guide lists, decrypted with the real
AWS Encryption SDK, rendered with the custom message trigger's text, handed to the provider;
failures raise (Lambda retries, then the dead-letter queue), and no code is ever logged."""

from __future__ import annotations

import base64
import logging
from typing import Any

import aws_encryption_sdk
import boto3
import pytest
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey
from custom_email_sender.index import handler as email_sender
from custom_sender.catalog import PROVIDERS
from custom_sender.codes import EncryptionSdkCodes, kms_codes
from custom_sender.handler import delivery_for
from custom_sender.providers import SesEmail, SnsSms
from custom_sender.send import PREFIXES, WITHOUT_CODE
from custom_sender.settings import CustomSenderSettings
from custom_sms_sender.index import handler as sms_sender
from message_text import TEMPLATES, Message, occasion, render
from trigger_common import GENERIC_FAILURE, MalformedEventError, UserFacingError

from tests.support.triggers import (
    CUSTOM_EMAIL_SENDER,
    CUSTOM_MESSAGE,
    CUSTOM_SMS_SENDER,
    REGION,
    FakeLambdaContext,
    RecordingDelivery,
    event_names,
    load_event,
)

EMAIL_SOURCES = event_names("CustomEmailSender_")
SMS_SOURCES = event_names("CustomSMSSender_")
CODE = "927361"
TEMPORARY_PASSWORD = "Tmp<Pa55>&word"
"""A temporary password with HTML's special characters: the email must escape them."""
GUIDE_EMAIL_SOURCES = {
    "SignUp",
    "ResendCode",
    "ForgotPassword",
    "UpdateUserAttribute",
    "VerifyUserAttribute",
    "AdminCreateUser",
    "AccountTakeOverNotification",
    "Authentication",
}
"""The developer guide's trigger sources (custom email sender, custom SMS sender pages)."""
GUIDE_SMS_SOURCES = GUIDE_EMAIL_SOURCES - {"AccountTakeOverNotification"}


def raw_key(key_id: bytes = b"pool-key", material: bytes = b"k" * 32) -> RawMasterKey:
    """A local wrapping key standing in for the pool's KMS key."""
    return RawMasterKey(
        provider_id="test",
        key_id=key_id,
        wrapping_key=WrappingKey(
            wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
            wrapping_key=material,
            wrapping_key_type=EncryptionKeyType.SYMMETRIC,
        ),
    )


class Down:
    """A provider that is down."""

    def send(self, recipient: str, message: Message) -> None:
        raise ConnectionError("provider down")


def invoke(event: dict[str, Any], delivery: Any, sms: bool = False) -> None:
    """The sender of the channel (`sms` or email), decrypting with `raw_key()`."""
    handler, settings = (
        (sms_sender, CUSTOM_SMS_SENDER) if sms else (email_sender, CUSTOM_EMAIL_SENDER)
    )
    handler(
        event,
        FakeLambdaContext(),
        codes=EncryptionSdkCodes(raw_key()),
        delivery=delivery,
        settings=settings,
    )


def encrypted(plaintext: str, key_provider: Any) -> str:
    """What Cognito puts in `request.code`: base64 of an Encryption SDK message (no commitment,
    which Cognito's senders must accept)."""
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    )
    ciphertext, _ = client.encrypt(source=plaintext.encode(), key_provider=key_provider)
    return base64.b64encode(ciphertext).decode()


def event_with_code(source: str, plaintext: str = CODE) -> dict[str, Any]:
    event = load_event(source)
    if event["request"]["code"] is not None:
        event["request"]["code"] = encrypted(plaintext, raw_key())
    return event


def sent(source: str, plaintext: str = CODE) -> tuple[str, Message]:
    """The one message the sender for `source` hands its provider."""
    delivery = RecordingDelivery()
    invoke(event_with_code(source, plaintext), delivery, sms=source.startswith("CustomSMSSender_"))
    assert len(delivery.sent) == 1
    return delivery.sent[0]


def test_fixtures_cover_every_source_the_guide_lists() -> None:
    assert {occasion(s, PREFIXES["email"]) for s in EMAIL_SOURCES} == GUIDE_EMAIL_SOURCES
    assert {occasion(s, PREFIXES["sms"]) for s in SMS_SOURCES} == GUIDE_SMS_SOURCES
    assert set(TEMPLATES) >= GUIDE_EMAIL_SOURCES


@pytest.mark.parametrize("source", EMAIL_SOURCES)
def test_email_is_the_custom_message_text_with_the_decrypted_code(source: str) -> None:
    recipient, message = sent(source)
    name = occasion(source, PREFIXES["email"])
    assert name is not None
    assert recipient == "alice@example.com"
    assert message == render(
        name,
        app_name=CUSTOM_MESSAGE.app_name,
        app_url=CUSTOM_MESSAGE.app_url,
        code="" if name in WITHOUT_CODE else CODE,
        username="alice@example.com",
    )
    assert (CODE in message.email) is (name not in WITHOUT_CODE)


@pytest.mark.parametrize("source", SMS_SOURCES)
def test_sms_goes_to_the_phone_number_with_the_code(source: str) -> None:
    recipient, message = sent(source)
    assert recipient == "+15555550100"
    assert message.sms.startswith(f"{CUSTOM_SMS_SENDER.app_name}: ")
    assert CODE in message.sms


def test_the_invitation_names_the_email_address_and_escapes_the_password() -> None:
    _, message = sent("CustomEmailSender_AdminCreateUser", TEMPORARY_PASSWORD)
    assert "<b>alice@example.com</b>" in message.email
    assert "Tmp&lt;Pa55&gt;&amp;word" in message.email
    assert TEMPORARY_PASSWORD not in message.email
    _, sms = sent("CustomSMSSender_AdminCreateUser", TEMPORARY_PASSWORD)
    assert TEMPORARY_PASSWORD in sms.sms


def test_the_same_text_as_the_custom_message_trigger() -> None:
    """One source of text: the sender's email is the custom message trigger's with the code
    where Cognito's placeholder was."""
    from custom_message.index import handler as custom_message

    out = custom_message(
        load_event("CustomMessage_SignUp"), FakeLambdaContext(), settings=CUSTOM_MESSAGE
    )
    _, message = sent("CustomEmailSender_SignUp")
    assert message.email == out["response"]["emailMessage"].replace("{####}", CODE)
    assert message.subject == out["response"]["emailSubject"]


def test_no_code_or_password_is_ever_logged(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    for source in EMAIL_SOURCES + SMS_SOURCES:
        sent(source, TEMPORARY_PASSWORD)
    with pytest.raises(UserFacingError):
        invoke(event_with_code("CustomEmailSender_SignUp", TEMPORARY_PASSWORD), Down())
    logged = caplog.text + "".join(capsys.readouterr())
    assert "sent CustomEmailSender_SignUp" in logged, "the capture sees the sender's logs"
    assert "provider down" in logged, "the capture sees the failure"
    for secret in (TEMPORARY_PASSWORD, "Tmp&lt;Pa55", "alice@example.com", "+15555550100"):
        assert secret not in logged


def test_a_failed_send_raises_so_lambda_retries_it() -> None:
    with pytest.raises(UserFacingError, match=GENERIC_FAILURE):
        invoke(event_with_code("CustomSMSSender_SignUp"), Down(), sms=True)


def test_a_source_without_a_template_is_not_dropped() -> None:
    event = event_with_code("CustomEmailSender_SignUp")
    event["triggerSource"] = "CustomEmailSender_SomethingNew"
    with pytest.raises(MalformedEventError, match="no message for trigger source"):
        invoke(event, RecordingDelivery())


def test_a_code_under_another_key_is_refused() -> None:
    event = load_event("CustomEmailSender_SignUp")
    event["request"]["code"] = encrypted(CODE, raw_key(b"another-key", b"o" * 32))
    delivery = RecordingDelivery()
    with pytest.raises(UserFacingError):
        invoke(event, delivery)
    assert delivery.sent == []


@pytest.mark.usefixtures("aws")
def test_kms_codes_decrypt_what_the_pool_key_encrypted() -> None:
    """The shipped path: a strict KMS master key provider on the configured key (moto KMS)."""
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
    assert kms_codes(key_arn).decrypt(base64.b64decode(encrypted(CODE, provider))) == CODE


@pytest.mark.usefixtures("aws")
def test_ses_sends_from_the_pool_address() -> None:
    ses = boto3.client("sesv2", region_name="eu-west-1")
    ses.create_email_identity(EmailIdentity="no-reply@gallery.example.net")
    delivery = SesEmail({"from_address": "no-reply@gallery.example.net", "region": "eu-west-1"}, "")
    message = Message(subject="Hi", email="<p>Hi</p>", sms="Hi")
    delivery.send("alice@example.com", message)
    sent_mail = boto3.client("ses", region_name="eu-west-1").get_send_statistics()
    assert sum(p["DeliveryAttempts"] for p in sent_mail["SendDataPoints"]) == 1


def test_sns_publishes_a_transactional_sms_to_the_phone_number() -> None:
    from botocore.stub import Stubber

    client = boto3.client(
        "sns", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "m-1"},
            {
                "PhoneNumber": "+15555550100",
                "Message": "Acme: 123",
                "MessageAttributes": {
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            },
        )
        SnsSms({}, "", client).send("+15555550100", Message(subject="", email="", sms="Acme: 123"))
        stub.assert_no_pending_responses()


def test_every_shipped_provider_names_its_channel() -> None:
    assert {name: p.channel for name, p in PROVIDERS.items()} == {"ses": "email", "sns": "sms"}


@pytest.mark.usefixtures("aws")
def test_the_settings_build_the_named_provider() -> None:
    assert isinstance(delivery_for(CUSTOM_EMAIL_SENDER), SesEmail)
    assert isinstance(delivery_for(CUSTOM_SMS_SENDER), SnsSms)


def test_the_settings_contract_names_the_channel() -> None:
    assert isinstance(CUSTOM_EMAIL_SENDER, CustomSenderSettings)
    assert (CUSTOM_EMAIL_SENDER.channel, CUSTOM_SMS_SENDER.channel) == ("email", "sms")
