"""The stage's stacks in its secondary Region, when it has a replica (`StageConfig.replica`).

Deploy order, which `cdk deploy '<Stage>/*'` follows from the references between them:
`Key` (primary), `ReplicaData` (secondary: the key's replica, which the table's and the pool's
replicas there use, and the bucket the photos replicate into, which S3 requires to exist
first), `Auth` (primary: the pool and its replica, the table and its replica),
`Secondary` (secondary: what the pool's replica holds for itself, which Cognito accepts only
once the replica exists, and the secondary Region's identity pool), then the roles both identity
pools hand out (`stacks/access_stacks.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_inline_policies
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.data.photo_replica import PhotoReplica
from auth_constructs.identity.identity_pool import IdentityPool, provider_name
from auth_constructs.identity.pool_replica import RegionalSettings
from auth_constructs.identity.replica_triggers import ReplicaTriggers
from auth_constructs.identity.triggers import TIMEOUT
from auth_constructs.operations.alarms import StackAlarms
from auth_constructs.operations.audit_logs import AuditLogs
from auth_constructs.protection.edge_protection import EdgeProtection
from stacks.outputs import SecondaryOutput
from stage_config import (
    CustomerKeyConfig,
    DataAccessConfig,
    ProtectionConfig,
    ReplicaConfig,
    SesEmailConfig,
    StatefulPolicy,
    TriggersConfig,
)


class ReplicaDataStack(Stack):
    """The key's replica and the photos' replica bucket. Their construct ids are part of their
    logical ids: never rename."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        primary: CustomerKey,
        config: CustomerKeyConfig,
        data_access: DataAccessConfig,
        stateful: StatefulPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.replica = CustomerKeyReplica(
            self, "CustomerKeyReplica", primary=primary, config=config, stateful=stateful
        )
        self.photos = PhotoReplica(
            self, "Photos", config=data_access, stateful=stateful, key=self.replica
        )


class SecondaryStack(Stack):
    """What the pool's replica holds for itself in its Region (developer guide, multi-Region
    replication: email, Lambda triggers, log export and WAF web ACLs are per Region; the rest
    is the primary's, synchronized): its regional settings with its sign-in triggers, its web
    ACL and log delivery, their alarms, and the secondary Region's identity pool."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool_id: str,
        primary_region: str,
        clients: Mapping[str, str],
        replica: ReplicaConfig,
        email: SesEmailConfig | None,
        sms: bool,
        data_access: DataAccessConfig,
        stateful: StatefulPolicy,
        owner_claim: str | None,
        triggers: TriggersConfig | None,
        protection: ProtectionConfig,
        audit_logs: bool,
        key: CustomerKeyReplica | None,
        table_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.triggers: ReplicaTriggers | None = None
        if triggers:
            self.triggers = ReplicaTriggers(
                self,
                "Triggers",
                user_pool_id=user_pool_id,
                config=triggers,
                stateful=stateful,
                elevated_groups=data_access.elevated_groups,
                owner_claim=owner_claim or "",
                key=key,
                table_name=table_name,
            )
        # The replica in this Region: its ARN has this Region and the primary's pool id.
        replica_pool = cognito.UserPool.from_user_pool_id(self, "Replica", user_pool_id)
        self.edge: EdgeProtection | None = None
        if protection.waf:
            self.edge = EdgeProtection(
                self,
                "EdgeProtection",
                user_pool=replica_pool,
                config=protection.waf,
                log_retention_days=protection.log_retention_days,
                stateful=stateful,
                key=key,
            )
        self.audit_logs: AuditLogs | None = None
        if audit_logs:
            self.audit_logs = AuditLogs(
                self,
                "AuditLogs",
                user_pool=replica_pool,
                # Threat protection is the primary's setting, synchronized to the replica.
                auth_events=protection.threat_protection is not None,
                retention_days=protection.log_retention_days,
                stateful=stateful,
            )
        self.alarms: StackAlarms | None = None
        if protection.alarms:
            self.alarms = StackAlarms(
                self,
                "Alarms",
                config=protection.alarms,
                topic_arn=replica.notify_topic_arn,
                functions=self.triggers.functions if self.triggers else {},
                function_timeout=TIMEOUT,
                web_acl_metric=self.edge.metric_name if self.edge else None,
                key=key,
            )
        self.settings = RegionalSettings(
            self,
            "RegionalSettings",
            user_pool_id=user_pool_id,
            email=email,
            ses_region=replica.ses_region,
            sms=sms,
            lambda_config=self.triggers.lambda_config if self.triggers else None,
        )
        # Which Region a replica's tokens name in their `iss` under the ORIGINAL issuer is not
        # documented (docs/multi-region.md): the pool accepts the user pool under both names.
        self.identity_pool = IdentityPool(
            self,
            "IdentityPool",
            providers={
                "": provider_name(replica.region, user_pool_id),
                "PrimaryRegion": provider_name(primary_region, user_pool_id),
            },
            clients=clients,
            config=data_access,
            stateful=stateful,
            owner_claim=owner_claim,
        )
        CfnOutput(
            self, SecondaryOutput.IDENTITY_POOL_ID.value, value=self.identity_pool.identity_pool_id
        )
        accept_inline_policies(self)
