"""Optional delivery by CDK Pipelines (delivery mode `cdk-pipelines`): a self-mutating pipeline.

Source (GitHub through a CodeConnections connection) -> synth (`make test`, then `make synth`)
-> self-mutation -> each stage in order: `make preflight` (read-only checks of its account),
production's manual approval, the deploy, then the smoke test against the fresh outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from aws_cdk import Aws, CfnResource, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from auth_constructs.compliance.accepted_findings import accept_finding, accept_wildcards
from auth_constructs.dependencies import wait_only_for_policy
from auth_constructs.operations.preflight_access import PreflightPolicy
from auth_constructs.operations.smoke_access import smoke_role_name, smoke_runner_role_name
from stacks.stage import IdentityStage
from stage_config import DeliveryConfig, StageConfig


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        delivery: DeliveryConfig,
        stages: Sequence[StageConfig],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        source = pipelines.CodePipelineSource.connection(
            delivery.repository, delivery.branch, connection_arn=delivery.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                commands=["make test", "make synth"],
                primary_output_directory="cdk.out",
            ),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0
                )
            ),
            cross_account_keys=True,
            enable_key_rotation=True,
        )
        preflight_runner = self._preflight_runner(stages, delivery)
        for config in stages:
            stage = IdentityStage(self, config=config, delivery=delivery)
            preflight = pipelines.CodeBuildStep(
                f"Preflight{config.name}",
                commands=[f"make preflight STAGE={config.name}"],
                role=preflight_runner,
                env={"AWS_REGION": config.region} if config.region else None,
            )
            smoke = pipelines.CodeBuildStep(
                f"Smoke{config.name}",
                env_from_cfn_outputs={k.value: v for k, v in stage.auth.outputs.items()},
                commands=[f"make smoke-env STAGE={config.name}"],
                role=self._smoke_runner(config),
            )
            pre: list[pipelines.Step] = [preflight]
            if config.production:
                approval = pipelines.ManualApprovalStep(f"Promote{config.name}")
                approval.add_step_dependency(preflight)  # approve only what passed preflight
                pre.append(approval)
            self.pipeline.add_stage(stage, pre=pre, post=[smoke])
        self.pipeline.build_pipeline()
        self._accept_generated_findings()

    def _preflight_runner(
        self, stages: Sequence[StageConfig], delivery: DeliveryConfig
    ) -> iam.Role:
        """The preflight steps' CodeBuild role: the reads of `make preflight`, nothing else."""
        role = iam.Role(
            self,
            "PreflightRunner",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description="CDK pipeline preflight steps (read-only checks before each deploy)",
        )
        PreflightPolicy(self, "Preflight", stages=stages, delivery=delivery).policy.attach_to_role(
            role
        )
        return role

    def _smoke_runner(self, config: StageConfig) -> iam.Role:
        """The smoke step's CodeBuild role: it may only assume the stage's smoke role, which
        trusts it by name (`auth_constructs.operations.smoke_access`)."""
        role = iam.Role(
            self,
            f"Smoke{config.name}Runner",
            role_name=smoke_runner_role_name(config),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"CDK pipeline smoke step of {config.name}",
        )
        account = config.account or Aws.ACCOUNT_ID
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::{account}:role/{smoke_role_name(config)}"],
            )
        )
        return role

    def _accept_generated_findings(self) -> None:
        """Acknowledge, one by one, the cdk-nag findings on the roles CDK Pipelines generates.

        Each wildcard the pipeline's own policies contain gets the reason for its kind; a
        wildcard of a kind not listed in GENERATED_WILDCARDS fails synth as usual.
        """
        codepipeline = self.pipeline.pipeline
        wait_only_for_policy(
            cast(CfnResource, codepipeline.node.default_child), cast(iam.Role, codepipeline.role)
        )
        regions = codepipeline.cross_region_support.values()
        for key in (
            k for s in regions for k in s.stack.node.find_all() if isinstance(k, kms.CfnKey)
        ):
            accept_finding(
                key,
                control_tower=("kms_create_grant_aws_service_check",),
                reason="CDK Pipelines' own key policy for the artifact key in a stage's second "
                "Region: it lets this account's pipeline roles use the key across Regions.",
            )
        for bucket in (codepipeline.artifact_bucket, *(s.replication_bucket for s in regions)):
            accept_finding(
                bucket,
                nag="AwsSolutions-S1",
                checkov=("CKV_AWS_18", "CKV_AWS_21"),
                control_tower=(
                    "s3_bucket_logging_enabled_check",
                    "s3_bucket_versioning_enabled_check",
                    "s3_lifecycle_policy_check",
                    "s3_event_notifications_enabled_check",
                    "s3_bucket_object_lock_enabled_check",
                ),
                reason="The pipeline's artifact bucket (in its own Region, or in a stage's "
                "second Region) holds only build inputs and outputs that CodePipeline itself "
                "writes and reads, each run under a new key; its access is in CloudTrail, and "
                "the next run rebuilds everything from the source repository.",
            )
            if bucket.encryption_key:
                accept_finding(
                    bucket.encryption_key,
                    control_tower=("kms_create_grant_aws_service_check",),
                    reason="CDK Pipelines' own key policy for the artifact key: it lets this "
                    "account's pipeline roles use the key, as CodePipeline needs across stages.",
                )
        accept_finding(
            self.pipeline.node.find_child("Assets")
            .node.find_child("FileRole")
            .node.find_child("DefaultPolicy"),
            checkov=("CKV_AWS_111",),
            reason="CDK Pipelines' asset-publishing role starts its own CodeBuild jobs "
            "(codebuild:StartBuild on '*' as CDK generates it) and may only assume the "
            "bootstrap file-publishing role.",
        )
        for generated in self.node.find_all():
            if isinstance(generated, codebuild.CfnProject):
                accept_finding(
                    generated,
                    control_tower=("codebuild_project_logging_enabled_check",),
                    reason="CodeBuild sends every build's log to CloudWatch Logs "
                    "(/aws/codebuild/<project>) by default; CDK Pipelines leaves LogsConfig "
                    "unset, which this control reads as off.",
                )
            elif isinstance(generated, iam.CfnPolicy) and Stack.of(generated) is self:
                document = self.resolve(generated.policy_document)
                accept_wildcards(generated, document, GENERATED_WILDCARDS)


GENERATED_WILDCARDS = (
    (
        "Action::kms:",
        "The pipeline encrypts artifacts with its own KMS key; GenerateDataKey* and "
        "ReEncrypt* are the action families of CDK's Key.grantEncryptDecrypt on that key only.",
    ),
    (
        "Action::s3:",
        "CDK's Bucket.grantRead/grantReadWrite action families, granted on the "
        "pipeline's own artifact bucket only.",
    ),
    ("ArtifactsBucket", "Objects of the pipeline's own artifact bucket."),
    (
        ":::pipeline-support-",
        "Objects of the pipeline's artifact bucket in a stage's second Region (CDK's "
        "cross-Region support stack names it pipeline-support-<region>..., cut to fit), "
        "which only the pipeline writes.",
    ),
    (
        "report-group/",
        "CodeBuild report groups of this pipeline's own build projects, as CDK "
        "grants every CodeBuild project.",
    ),
    (
        "log-group:/aws/codebuild/",
        "CloudWatch log groups of this pipeline's own CodeBuild "
        "projects, as CDK grants every CodeBuild project.",
    ),
    (
        ":role/*",
        "Self-mutation assumes only roles tagged aws-cdk:bootstrap-role (deploy, "
        "file-publishing, image-publishing): the statement carries that tag condition.",
    ),
    (
        "Resource::*",
        "CodeBuild Start/Stop/BatchGetBuilds for asset publishing, and "
        "cloudformation:DescribeStacks / s3:ListBucket for self-mutation: CDK Pipelines' own "
        "grants for actions it cannot scope at synth time.",
    ),
)
