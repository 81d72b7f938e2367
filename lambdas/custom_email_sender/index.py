"""Custom email sender trigger (LambdaConfig.CustomEmailSender, V1_0): every
CustomEmailSender_* source, delivered by the configured provider (`custom_sender`)."""

from custom_sender.handler import handle as handler

__all__ = ["handler"]
