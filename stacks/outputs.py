"""The stage stacks' ids and outputs: one name list for the stacks, the client config, the smoke
test and the tests. (Plain Python, no CDK: the command-line tools import it cheaply.)"""

from __future__ import annotations

from enum import StrEnum

AUTH_STACK_ID = "Auth"
KEY_STACK_ID = "Key"
"""The stage's customer key (when it has one), deployed before Auth."""
REPLICA_DATA_STACK_ID = "ReplicaData"
"""The key's replica in the secondary Region (with a replica), deployed before Auth."""
SECONDARY_STACK_ID = "Secondary"
"""The pool replica's settings and the secondary identity pool (with a replica), after Auth."""
ACCESS_STACK_ID = "Access"
"""The roles the identity pools hand out and the groups naming them, after both pools."""
SECONDARY_ACCESS_STACK_ID = "SecondaryAccess"
"""The secondary identity pool's attachment of those roles (with a replica), after Access."""


class StackOutput(StrEnum):
    REGION = "Region"
    USER_POOL_ID = "UserPoolId"
    ISSUER_URL = "IssuerUrl"
    """Absent where the stage leaves it out (the local emulator has no ProviderURL)."""
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
    FAILOVER_HEALTH_CHECK = "FailoverHealthCheckId"
    """Only with managed login failover: the Route 53 health check `make failover` inverts."""


class SecondaryOutput(StrEnum):
    """The Secondary stack's outputs (stages with a replica)."""

    IDENTITY_POOL_ID = "IdentityPoolId"
    """The secondary Region's identity pool, which an app fails over to."""


OPTIONAL_OUTPUTS = frozenset(
    {
        StackOutput.SERVER_CLIENT_ID,
        StackOutput.ISSUER_URL,
        StackOutput.DIRECTORY_BACKUP_BUCKET,
        StackOutput.DIRECTORY_BACKUP_RUN,
        StackOutput.FAILOVER_HEALTH_CHECK,
    }
)
CROSS_STACK_OUTPUT_PREFIX = "PublishOutput"
"""How CDK names the outputs that other stacks of the stage read (weak cross-stack references,
`Fn::GetStackOutput`): wiring between stacks, not part of the contract above."""


def deployed_stack_name(stage: str, stack: str = AUTH_STACK_ID) -> str:
    """The name `cdk deploy --outputs-file` files a stage stack's outputs under."""
    return f"{stage}-{stack}"
