"""Where a custom sender hands the message over: the delivery seam and its providers.

SES (email) and SNS (SMS) ship. To plug in another provider, write a class with `send`, add
it to `catalog.PROVIDERS` with its channel, and set `provider` (and `api_key`, a Secrets Manager
reference) in the stage's sender config; the function reads the key once per cold
start, so it is never in a template or an environment variable. Providers raise on any failure:
the invocation then fails, Lambda retries it, and a send that keeps failing lands in the
sender's dead-letter queue (its alarm pages), never silently nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import aws_calls
from aws_calls import AWS_CALLS
from message_text import Message


class Delivery(Protocol):
    """Sends one message to one recipient (an email address or an E.164 phone number)."""

    def send(self, recipient: str, message: Message) -> None: ...


class SesEmail:
    """SES v2 SendEmail from the pool's own from address (its identity must be verified)."""

    def __init__(self, options: Mapping[str, str], api_key: str, client: Any = None) -> None:
        self._from = options["from_address"]
        self._client = client or aws_calls.client("sesv2", options["region"])

    def send(self, recipient: str, message: Message) -> None:
        content = {
            "Simple": {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Html": {"Data": message.email, "Charset": "UTF-8"}},
            }
        }
        AWS_CALLS.call(
            lambda: self._client.send_email(
                FromEmailAddress=self._from,
                Destination={"ToAddresses": [recipient]},
                Content=content,
            )
        )


class SnsSms:
    """SNS Publish straight to the phone number, as a transactional SMS."""

    def __init__(self, options: Mapping[str, str], api_key: str, client: Any = None) -> None:
        self._client = client or aws_calls.client("sns")

    def send(self, recipient: str, message: Message) -> None:
        AWS_CALLS.call(
            lambda: self._client.publish(
                PhoneNumber=recipient,
                Message=message.sms,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            )
        )
