"""The Auth stack's outputs: one name list for the stack, the client config, the smoke test and
the tests. (Plain Python, no CDK: the command-line tools import it cheaply.)"""

from __future__ import annotations

from enum import StrEnum

AUTH_STACK_ID = "Auth"


class StackOutput(StrEnum):
    REGION = "Region"
    USER_POOL_ID = "UserPoolId"
    ISSUER_URL = "IssuerUrl"
    DOMAIN_URL = "DomainUrl"
    WEB_CLIENT_ID = "WebClientId"
    MOBILE_CLIENT_ID = "MobileClientId"
    SERVER_CLIENT_ID = "ServerClientId"
    """Only when the stage enables the server client."""
    IDENTITY_POOL_ID = "IdentityPoolId"
    PHOTOS_BUCKET = "PhotosBucket"
    ITEMS_TABLE = "ItemsTable"
    SMOKE_ROLE_ARN = "SmokeRoleArn"
    """The role the post-deploy smoke test assumes."""
    DIRECTORY_BACKUP_BUCKET = "DirectoryBackupBucket"
    DIRECTORY_BACKUP_RUN = "DirectoryBackupStateMachine"
    """Both only when the stage backs up its user directory (`make backup`, `make restore`)."""


OPTIONAL_OUTPUTS = frozenset(
    {
        StackOutput.SERVER_CLIENT_ID,
        StackOutput.DIRECTORY_BACKUP_BUCKET,
        StackOutput.DIRECTORY_BACKUP_RUN,
    }
)


def deployed_stack_name(stage: str) -> str:
    """The name `cdk deploy --outputs-file` files a stage's Auth outputs under."""
    return f"{stage}-{AUTH_STACK_ID}"
