"""The per-stage stack: composes the identity constructs and wires them together."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from constructs import Construct
from directory_backup.records import OWNER_CLAIM

from auth_constructs.compliance.accepted_findings import accept_inline_policies
from auth_constructs.data.customer_key import CustomerKey, CustomerKeyReplica
from auth_constructs.data.data_backup import DataBackup
from auth_constructs.data.directory_backup import DirectoryBackup
from auth_constructs.data.photo_replica import PhotoReplica
from auth_constructs.data.photo_storage import PhotoStorage
from auth_constructs.identity.app_clients import AppClients
from auth_constructs.identity.federation import Federation
from auth_constructs.identity.identity_pool import IdentityPool
from auth_constructs.identity.login_failover import LoginFailover
from auth_constructs.identity.managed_login import ManagedLogin
from auth_constructs.identity.pool_replica import PoolReplica
from auth_constructs.identity.triggers import TIMEOUT, CognitoTriggers
from auth_constructs.identity.user_pool import PhotoUserPool
from auth_constructs.operations.alarms import OperationalAlarms
from auth_constructs.operations.audit_logs import AuditLogs
from auth_constructs.operations.smoke_access import SmokeAccess, smoke_principal, smoke_role_name
from auth_constructs.protection.edge_protection import EdgeProtection
from auth_constructs.protection.threat_protection import ThreatProtection
from stacks.outputs import StackOutput
from stage_config import DeliveryConfig, StageConfig
from stage_config.emulator import Omission


class AuthStack(Stack):
    """User pool, clients, federation, managed login, identity pool and per-user data (the
    roles on the data, and the groups that name them, are the Access stack's).

    Construct ids here are part of the logical ids of stateful resources: renaming one replaces
    the resource (and loses its users or data). The guard baselines record them (`make guard`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        delivery: DeliveryConfig,
        key: CustomerKey | None,
        replica_key: CustomerKeyReplica | None = None,
        replica_photos: PhotoReplica | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        pool_config = config.pool_config
        self.customer_key = key
        self.storage = PhotoStorage(
            self,
            "Storage",
            config=config.data_access,
            stateful=config.stateful,
            key=key,
            replica=replica_photos,
        )
        self.user_pool = PhotoUserPool(
            self, "UserPool", config=pool_config, stateful=config.stateful, key=key
        )
        pool = self.user_pool.user_pool
        self.pool_replica: PoolReplica | None = None
        if replica_key:
            self.pool_replica = PoolReplica(
                self,
                "PoolReplica",
                user_pool=pool,
                region=Stack.of(replica_key).region,
                stateful=config.stateful,
            )
        protection = pool_config.protection
        self.edge: EdgeProtection | None = None
        if protection.waf:
            self.edge = EdgeProtection(
                self,
                "EdgeProtection",
                user_pool=pool,
                config=protection.waf,
                log_retention_days=protection.log_retention_days,
                stateful=config.stateful,
                key=key,
            )
        self.threat_protection: ThreatProtection | None = None
        if protection.threat_protection:
            self.threat_protection = ThreatProtection(
                self,
                "ThreatProtection",
                user_pool=pool,
                config=protection.threat_protection,
                email=pool_config.email,
            )
        self.audit_logs: AuditLogs | None = None
        if Omission.LOG_DELIVERY not in config.leave_out:
            self.audit_logs = AuditLogs(
                self,
                "AuditLogs",
                user_pool=pool,
                auth_events=self.threat_protection is not None,
                retention_days=protection.log_retention_days,
                stateful=config.stateful,
            )
        self.federation = Federation(
            self, "Federation", user_pool=pool, providers=config.federation
        )
        self.triggers: CognitoTriggers | None = None
        if config.triggers:
            self.triggers = CognitoTriggers(
                self,
                "Triggers",
                user_pool=pool,
                table=self.storage.table,
                config=config.triggers,
                stateful=config.stateful,
                elevated_groups=config.data_access.elevated_groups,
                custom_providers=config.custom_provider_names,
                key=key,
                owner_claim=OWNER_CLAIM if config.directory_backup else "",
                email=pool_config.email,
            )
            self.triggers.use_profiles(self.storage)
        self.clients = AppClients(
            self,
            "Clients",
            user_pool=pool,
            config=pool_config,
            identity_providers=self.federation.client_providers,
        )
        self.managed_login = ManagedLogin(
            self,
            "ManagedLogin",
            user_pool=pool,
            config=pool_config,
            clients=self.clients.hosted_clients,
            branding=Omission.MANAGED_LOGIN_BRANDING not in config.leave_out,
        )
        self.login_failover: LoginFailover | None = None
        custom_domain = self.managed_login.custom_domain
        if config.replica and config.replica.managed_login_failover and self.pool_replica:
            assert custom_domain is not None  # noqa: S101 (the config requires one)
            self.login_failover = LoginFailover(
                self,
                "LoginFailover",
                user_pool=pool,
                domain=custom_domain,
                replica=self.pool_replica.replica,
                secondary_region=config.replica.region,
            )
        # `IdentityAccess`: the id it had when it also held the roles, which the identity pool's
        # logical id is made from. The roles are the Access stack's (`stacks/access_stacks.py`).
        self.identity_pool = IdentityPool(
            self,
            "IdentityAccess",
            providers={"": pool.user_pool_provider_name},
            clients={c.node.id: c.user_pool_client_id for c in self.clients.hosted_clients},
            config=config.data_access,
            stateful=config.stateful,
            owner_claim=(OWNER_CLAIM if config.directory_backup and self.triggers else None),
            after=self.triggers.pre_token_generation if self.triggers else None,
        )
        self.smoke = SmokeAccess(
            self,
            "Smoke",
            user_pool=pool,
            assumed_by=smoke_principal(config, delivery),
            role_name=smoke_role_name(config),
        )
        self.alarms: OperationalAlarms | None = None
        if protection.alarms:
            self.alarms = OperationalAlarms(
                self,
                "Alarms",
                config=protection.alarms,
                user_pool_id=pool.user_pool_id,
                clients=self.clients.hosted_clients,
                functions=self.triggers.functions if self.triggers else {},
                failed_sends=self.triggers.failed_sends if self.triggers else {},
                function_timeout=TIMEOUT,
                web_acl_metric=self.edge.metric_name if self.edge else None,
                federated=bool(config.federation),
                key=key,
            )
        self.backup: DataBackup | None = None
        if config.backup:
            self.backup = DataBackup(
                self,
                "Backup",
                config=config.backup,
                table=self.storage.table,
                bucket=self.storage.bucket,
                stateful=config.stateful,
                key=key,
                notify=self.alarms.topic if self.alarms else None,
            )
        else:
            self.storage.accept_no_backup_plan()
        self.directory_backup: DirectoryBackup | None = None
        if config.directory_backup:
            self.directory_backup = DirectoryBackup(
                self,
                "DirectoryBackup",
                config=config.directory_backup,
                user_pool=pool,
                stateful=config.stateful,
                key=key,
                access_logs=self.storage.access_logs,
                log_retention_days=protection.log_retention_days,
                alarms=self.alarms is not None,
                notify=self.alarms.topic if self.alarms else None,
            )
        self._outputs(config)
        accept_inline_policies(self)

    def _outputs(self, config: StageConfig) -> None:
        """Stable output names: the client config file and the smoke test read them."""
        pool = self.user_pool.user_pool
        values = {
            StackOutput.REGION: Aws.REGION,
            StackOutput.USER_POOL_ID: pool.user_pool_id,
            StackOutput.DOMAIN_URL: self.managed_login.base_url,
            StackOutput.WEB_CLIENT_ID: self.clients.web.user_pool_client_id,
            StackOutput.MOBILE_CLIENT_ID: self.clients.mobile.user_pool_client_id,
            StackOutput.IDENTITY_POOL_ID: self.identity_pool.identity_pool_id,
            StackOutput.PHOTOS_BUCKET: self.storage.bucket.bucket_name,
            StackOutput.ITEMS_TABLE: self.storage.table.table_name,
            StackOutput.SMOKE_ROLE_ARN: self.smoke.role.role_arn,
        }
        if Omission.ISSUER_URL_OUTPUT not in config.leave_out:
            values[StackOutput.ISSUER_URL] = f"https://{pool.user_pool_provider_url}"
        if self.clients.server:
            values[StackOutput.SERVER_CLIENT_ID] = self.clients.server.user_pool_client_id
        if self.directory_backup:
            values[StackOutput.DIRECTORY_BACKUP_BUCKET] = self.directory_backup.bucket.bucket_name
            values[StackOutput.DIRECTORY_BACKUP_RUN] = (
                self.directory_backup.state_machine.state_machine_arn
            )
        if self.login_failover:
            values[StackOutput.FAILOVER_HEALTH_CHECK] = (
                self.login_failover.health_check.attr_health_check_id
            )
        self.outputs = {
            name: CfnOutput(self, name.value, value=value) for name, value in values.items()
        }
