"""The stage's customer key, in a stack of its own that deploys before everything it encrypts.

A multi-Region replica of the key (multi-Region replication) must exist in the secondary Region
before the table's replica there or the user pool's replica can use it, and both of those are
updated in the Auth stack. With the key inside the Auth stack, adding a replica would need a
deploy order CloudFormation cannot give (Auth, then the replica key, then Auth again); with the key
here, `cdk deploy '<Stage>/*'` orders Key, its replica, then Auth. Moving the key later would
replace it (a key is stateful: its logical ID and stack are recorded), so it lives here from the
first deploy.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from auth_constructs.data.customer_key import CustomerKey
from stage_config import CustomerKeyConfig, StatefulPolicy


class KeyStack(Stack):
    """The key only. Construct ids here are part of the key's logical id: never rename them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CustomerKeyConfig,
        stateful: StatefulPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.customer_key = CustomerKey(self, "CustomerKey", config=config, stateful=stateful)
