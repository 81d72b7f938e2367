"""Custom sms sender trigger (LambdaConfig.CustomSMSSender, V1_0): every
CustomSMSSender_* source, delivered by the configured provider (`custom_sender`)."""

from custom_sender.handler import handle as handler

__all__ = ["handler"]
