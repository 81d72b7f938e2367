"""The rules that tie the extension points to the rest of the stage: the senders need the
customer key (and SES the pool's SES address); user migration and USER_PASSWORD_AUTH come
together or not at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stage_config.checks import require

if TYPE_CHECKING:
    from stage_config.stage import StageConfig

PASSWORD_AUTH_CLIENTS = ("web_client", "mobile_client")


def check_extensions(stage: StageConfig) -> None:
    triggers = stage.triggers
    for key in ("custom_email_sender", "custom_sms_sender"):
        sender = getattr(triggers, key, None)
        if sender is None:
            continue
        require(
            stage.customer_key is not None,
            f"triggers.{key}",
            "Cognito encrypts the codes it hands a custom sender with a customer managed KMS "
            "key, and this stage has none (customer_key=None)",
            "keep customer_key on (CustomerKeyConfig()), or remove the sender",
        )
        require(
            sender.provider != "ses" or stage.user_pool.email is not None,
            f"triggers.{key}.provider",
            "the SES provider sends from the pool's SES address, and user_pool.email is None",
            "set user_pool.email=SesEmailConfig(...) with a verified address, or use another "
            "provider",
        )
    migrating = bool(triggers and triggers.user_migration)
    password_clients = [
        f"user_pool.{name}.password_auth"
        for name in PASSWORD_AUTH_CLIENTS
        if getattr(stage.user_pool, name).password_auth
    ]
    require(
        not migrating or bool(password_clients),
        "triggers.user_migration",
        "the migration trigger fires only on USER_PASSWORD_AUTH sign-ins, and no client "
        "allows them (user_pool.web_client.password_auth, user_pool.mobile_client.password_auth "
        "are both False)",
        "set password_auth=True on the clients whose apps sign legacy users in, for the "
        "migration window",
    )
    require(
        migrating or not password_clients,
        password_clients[0] if password_clients else "",
        "USER_PASSWORD_AUTH sends the password itself to Cognito; it is only for the "
        "migration window, and triggers.user_migration is not set",
        "set password_auth=False (SRP signs in without it), or configure triggers.user_migration",
    )
