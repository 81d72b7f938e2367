"""Read-only checks of a stage's AWS account, run before every `cdk deploy`.

    make preflight STAGE=Prod          (python -m tools.deploy.preflight Prod --cdk-out cdk.out)

CloudFormation finds a missing secret, an unverified SES identity or a taken domain prefix
minutes into a deploy, then rolls back. These checks find each in seconds and name the fix.
Every AWS call is a read that `auth_constructs.operations.preflight_access` grants, and no secret
value is ever printed. Exit status: 0 when nothing blocks the deploy, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from stacks.outputs import StackOutput, deployed_stack_name
from stage_config import (
    DeliveryConfig,
    OidcProviderConfig,
    SamlProviderConfig,
    SecretRef,
    StageConfig,
)
from stage_config.selection import select_delivery, select_stages
from stage_config.triggers import UNRESERVED_MINIMUM
from stage_config.user_pool import CERTIFICATE_REGION
from tools.deploy.adopt import DEFAULT_ADOPTED, adopted_user_pool_id

SAML_METADATA = "{urn:oasis:names:tc:SAML:2.0:metadata}"
MAX_DOCUMENT_BYTES = 1_000_000
ROLE_FIX = (
    "the preflight role lacks this read: redeploy CiAccess (or the pipeline) after changing "
    "the stage's config (auth_constructs/operations/preflight_access.py grants each read)"
)

Fetch = Callable[[str], bytes]
BootstrapRequirement = tuple[str, int]
"""The SSM parameter holding the bootstrap version, and the lowest version the stage needs."""


def fetch_url(url: str) -> bytes:
    """GET `url` over HTTPS, as Cognito itself fetches discovery documents and metadata."""
    if not url.startswith("https://"):
        raise ValueError(f"{url} is not https")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (https only)
        body: bytes = response.read(MAX_DOCUMENT_BYTES)
        return body


@dataclass(frozen=True)
class Finding:
    problem: str
    fix: str
    blocking: bool = True


class Preflight:
    """The checks for one stage, against one AWS session (boto3's, or moto's in tests)."""

    def __init__(
        self,
        config: StageConfig,
        delivery: DeliveryConfig,
        *,
        session: boto3.Session,
        bootstrap: BootstrapRequirement,
        fetch: Fetch = fetch_url,
        adopted_pool: str | None = None,
    ) -> None:
        self.config = config
        self.adopted_pool = adopted_pool
        """The existing pool the stage adopts (`make adopt`): its domain is the stage's own."""
        self.delivery = delivery
        self.session = session
        self.bootstrap = bootstrap
        self.fetch = fetch
        self.region = config.region or session.region_name or ""
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=key[1])
        return self._clients[key]

    def checks(self) -> Iterator[tuple[str, Callable[[], Iterator[Finding]]]]:
        """(name, check) for every check that applies to this stage's config."""
        yield "target account and region", self.check_target
        yield "CDK bootstrap", self.check_bootstrap
        if self.config.secret_refs:
            yield "secrets", self.check_secrets
        if self.config.user_pool.email:
            yield "SES", self.check_ses
        if self.config.user_pool.mfa.sms:
            yield "SNS SMS", self.check_sms
        if any(isinstance(p, OidcProviderConfig) for p in self.config.federation):
            yield "OIDC discovery", self.check_oidc
        if any(isinstance(p, SamlProviderConfig) for p in self.config.federation):
            yield "SAML metadata", self.check_saml
        if self.config.user_pool.custom_domain:
            yield "custom domain certificate", self.check_certificate
        if self.config.triggers and self.config.triggers.reservations:
            yield "Lambda concurrency", self.check_concurrency
        yield "domain", self.check_domains
        if self.config.replica:
            yield "secondary Region", self.check_secondary

    def run(self) -> list[tuple[str, list[Finding]]]:
        results = []
        for name, check in self.checks():
            try:
                findings = list(check())
            except ClientError as error:
                findings = [aws_error(error)]
            except BotoCoreError as error:
                findings = [Finding(str(error), "configure AWS credentials and AWS_REGION")]
            results.append((name, findings))
            if name == "target account and region" and findings:
                break  # every later answer would describe the wrong account
        return results

    def check_target(self) -> Iterator[Finding]:
        if not self.region:
            yield Finding(
                "no AWS Region: the stage sets none and neither does the environment",
                f"set AWS_REGION, or {self.config.name.upper()}_REGION for app.py",
            )
            return
        account = self.client("sts").get_caller_identity()["Account"]
        if self.config.account and account != self.config.account:
            yield Finding(
                f"the credentials are for account {account}, but {self.config.name} deploys to "
                f"{self.config.account}",
                f"use the {self.config.name} environment's role, or fix "
                f"{self.config.name.upper()}_ACCOUNT",
            )

    def check_bootstrap(self, region: str | None = None) -> Iterator[Finding]:
        """The CDK bootstrap stack in `region` (the stage's own by default) is recent enough."""
        parameter, required = self.bootstrap
        region = region or self.region
        try:
            value = self.client("ssm", region).get_parameter(Name=parameter)["Parameter"]["Value"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ParameterNotFound":
                raise
            yield Finding(
                f"this account is not CDK-bootstrapped in {region} ({parameter} is missing)",
                f"run `npx cdk bootstrap aws://<account>/{region}"
                f"{self._qualifier_flag()}` once with administrator credentials",
            )
            return
        if int(value) < required:
            yield Finding(
                f"the CDK bootstrap stack in {region} is version {value}; this app needs "
                f"{required}",
                f"upgrade it: `npx cdk bootstrap aws://<account>/{region}{self._qualifier_flag()}`",
            )

    def _qualifier_flag(self) -> str:
        qualifier = self.delivery.bootstrap_qualifier
        default = DeliveryConfig.bootstrap_qualifier
        return "" if qualifier == default else f" --qualifier {qualifier}"

    def check_secrets(self) -> Iterator[Finding]:
        for key, ref in self.config.secret_refs.items():
            region = secret_region(ref) or self.region
            try:
                secret = self.client("secretsmanager", region).get_secret_value(
                    SecretId=ref.name_or_arn
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    yield aws_error(error, key)
                    continue
                yield Finding(
                    f"{key}: secret {ref.name_or_arn!r} does not exist in {region}",
                    f"create it: aws secretsmanager create-secret --region {region} --name "
                    f"{ref.name_or_arn} --secret-string {secret_string_example(ref)}",
                )
                continue
            problem = secret_value_problem(secret.get("SecretString"), ref)
            if problem:
                yield Finding(
                    f"{key}: secret {ref.name_or_arn!r} {problem}",
                    "put the value there: aws secretsmanager put-secret-value --secret-id "
                    f"{ref.name_or_arn} --secret-string {secret_string_example(ref)}",
                )

    def check_ses(self) -> Iterator[Finding]:
        email = self.config.user_pool.email
        assert email is not None  # noqa: S101 (checks() only yields this check with SES on)
        yield from self._check_ses_in(email.ses_region)

    def _check_ses_in(self, region: str) -> Iterator[Finding]:
        """The stage's sender is a verified SES identity in `region`, out of the sandbox."""
        email = self.config.user_pool.email
        assert email is not None  # noqa: S101 (only called for a stage that sends with SES)
        ses = self.client("sesv2", region)
        domain = email.from_address.rsplit("@", 1)[1]
        identity = None
        for name in (email.from_address, domain):
            try:
                identity = ses.get_email_identity(EmailIdentity=name)
                break
            except ClientError as error:
                if error.response["Error"]["Code"] != "NotFoundException":
                    raise
        if identity is None:
            yield Finding(
                f"neither {email.from_address} nor {domain} is an SES identity in {region}",
                f"verify the domain: aws sesv2 create-email-identity --region {region} "
                f"--email-identity {domain}, then publish the DKIM records it returns",
            )
        elif not identity.get("VerifiedForSendingStatus"):
            yield Finding(
                f"the SES identity for {email.from_address} in {region} is not verified",
                "publish its DKIM CNAME records (domain) or open the verification email (address)",
            )
        if not ses.get_account().get("ProductionAccessEnabled"):
            yield self._sandbox("SES", region, "mail reaches verified addresses only")

    def check_secondary(self) -> Iterator[Finding]:
        """What the replica's Region needs before the first deploy: the CDK bootstrap (its
        stacks deploy there), for a stage that sends with SES the sender verified in the
        replica's own `ses_region` (email settings are per Region), and for a stage with SMS
        codes SNS out of the SMS sandbox there (the replica sends through SNS in its Region)."""
        replica = self.config.replica
        assert replica is not None  # noqa: S101 (checks() only yields this with a replica)
        for finding in self.check_bootstrap(replica.region):
            yield Finding(f"replica.region: {finding.problem}", finding.fix, finding.blocking)
        if self.config.user_pool.email and replica.ses_region:
            for finding in self._check_ses_in(replica.ses_region):
                yield Finding(
                    f"replica.ses_region: {finding.problem}", finding.fix, finding.blocking
                )
        if self.config.user_pool.mfa.sms:
            for finding in self.check_sms(replica.region):
                yield Finding(f"replica.region: {finding.problem}", finding.fix, finding.blocking)

    def check_sms(self, region: str | None = None) -> Iterator[Finding]:
        """SNS out of the SMS sandbox in `region` (the stage's by default; the sandbox is per
        Region)."""
        region = region or self.region
        if self.client("sns", region).get_sms_sandbox_account_status()["IsInSandbox"]:
            yield self._sandbox("SNS SMS", region, "codes reach verified phone numbers only")

    def _sandbox(self, service: str, region: str, reach: str) -> Finding:
        """A sandboxed sender: it blocks a production deploy, and only warns elsewhere."""
        return Finding(
            f"{service} in {region} is in the sandbox: {reach}, so your users get no codes",
            f"request {service} production access "
            "(docs/deploying.md: Leaving the SES and SNS sandboxes)",
            blocking=self.config.production,
        )

    def check_concurrency(self) -> Iterator[Finding]:
        """The triggers' reservations fit the account's quota (new accounts can start at 10,
        and CloudFormation then fails the functions minutes into the deploy)."""
        triggers = self.config.triggers
        reserved = sum(triggers.reservations.values()) if triggers else 0
        settings = self.client("lambda").get_account_settings()
        quota = settings["AccountLimit"]["ConcurrentExecutions"]
        if quota - UNRESERVED_MINIMUM < reserved:
            yield Finding(
                f"triggers.reserved_concurrency: the triggers reserve {reserved}, but the "
                f"account's Lambda concurrency quota in {self.region} is {quota} and Lambda "
                f"keeps {UNRESERVED_MINIMUM} unreserved",
                f"request at least {reserved + UNRESERVED_MINIMUM} concurrent executions in "
                "Service Quotas (AWS Lambda), or set triggers.reserved_concurrency=None",
            )

    def check_oidc(self) -> Iterator[Finding]:
        for provider in self.config.federation:
            if not isinstance(provider, OidcProviderConfig):
                continue
            url = provider.issuer_url.rstrip("/") + "/.well-known/openid-configuration"
            key = f"federation[{provider.name}].issuer_url"
            try:
                document = json.loads(self.fetch(url))
            except (OSError, ValueError) as error:
                yield Finding(
                    f"{key}: no discovery document at {url} ({error})",
                    "use the issuer URL the IdP documents; Cognito reads its "
                    "/.well-known/openid-configuration",
                )
                continue
            issuer = document.get("issuer") if isinstance(document, dict) else None
            if issuer != provider.issuer_url:
                yield Finding(
                    f"{key}: the discovery document's issuer is {issuer!r}, not "
                    f"{provider.issuer_url!r}; Cognito rejects tokens from a mismatched issuer",
                    f"set issuer_url to exactly {issuer!r}",
                )
            missing = [
                name
                for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                if not isinstance(document, dict) or not document.get(name)
            ]
            if missing:
                yield Finding(
                    f"{key}: the discovery document lacks {', '.join(missing)}",
                    "fix the IdP's discovery document (Cognito needs all three)",
                )

    def check_saml(self) -> Iterator[Finding]:
        for provider in self.config.federation:
            if not isinstance(provider, SamlProviderConfig):
                continue
            source, key = (
                (provider.metadata_url, "metadata_url")
                if provider.metadata_url
                else (provider.metadata_file, "metadata_file")
            )
            key = f"federation[{provider.name}].{key}"
            try:
                raw = self.fetch(source) if provider.metadata_url else Path(source).read_bytes()
                problem = saml_metadata_problem(fromstring(raw))
            except (OSError, ValueError, ParseError, DefusedXmlException) as error:
                problem = f"cannot be read as XML ({type(error).__name__}: {error})"
            if problem:
                yield Finding(
                    f"{key}: {source} {problem}",
                    "point it at the IdP's SAML 2.0 metadata (one EntityDescriptor with an "
                    "IDPSSODescriptor)",
                )

    def check_certificate(self) -> Iterator[Finding]:
        domain = self.config.user_pool.custom_domain
        assert domain is not None  # noqa: S101 (checks() only yields this check with one)
        certificate = self.client("acm", CERTIFICATE_REGION).describe_certificate(
            CertificateArn=domain.certificate_arn
        )["Certificate"]
        if certificate["Status"] != "ISSUED":
            yield Finding(
                f"the certificate for {domain.domain_name} is {certificate['Status']}, not ISSUED",
                "complete its DNS validation in ACM (us-east-1), or request a new one",
            )
        names = [certificate["DomainName"], *certificate.get("SubjectAlternativeNames", [])]
        if not any(covers(name, domain.domain_name) for name in names):
            yield Finding(
                f"the certificate covers {', '.join(sorted(set(names)))}, not {domain.domain_name}",
                "request a certificate for the custom domain in us-east-1",
            )

    def check_domains(self) -> Iterator[Finding]:
        cognito = self.client("cognito-idp")
        own_pools = {self._deployed_user_pool_id(), self.adopted_pool} - {None}
        pool = self.config.user_pool
        domains = [("user_pool.domain_prefix", pool.domain_prefix)]
        if pool.custom_domain:
            domains.append(("user_pool.custom_domain.domain_name", pool.custom_domain.domain_name))
        for key, domain in domains:
            described = cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]
            owner = described.get("UserPoolId")
            if owner and owner not in own_pools:
                yield Finding(
                    f"{key}: {domain!r} already belongs to user pool {owner}",
                    "choose another value (domain prefixes are unique per Region)",
                )

    def _deployed_user_pool_id(self) -> str | None:
        """This stage's user pool, when it is already deployed."""
        try:
            (stack,) = self.client("cloudformation").describe_stacks(
                StackName=deployed_stack_name(self.config.name)
            )["Stacks"]
        except ClientError as error:
            if "does not exist" not in error.response["Error"]["Message"]:
                raise
            return None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return outputs.get(StackOutput.USER_POOL_ID)


def aws_error(error: ClientError, key: str = "") -> Finding:
    code = error.response["Error"]["Code"]
    message = error.response["Error"].get("Message", "")
    denied = "AccessDenied" in code or "not authorized" in message
    return Finding(
        f"{key + ': ' if key else ''}{code}: {message}",
        ROLE_FIX if denied else "see the error; the check repeats on the next run",
    )


def bootstrap_requirement(cdk_out: Path, stage: str) -> BootstrapRequirement:
    """The bootstrap version parameter and the version the stage's stacks require, as the
    cloud assembly records them (what `cdk deploy` itself checks)."""
    manifest = json.loads((cdk_out / f"assembly-{stage}" / "manifest.json").read_text())
    stacks = [
        artifact["properties"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    parameter = stacks[0]["bootstrapStackVersionSsmParameter"]
    return parameter, max(int(s["requiresBootstrapStackVersion"]) for s in stacks)


def secret_region(ref: SecretRef) -> str:
    """The Region in a secret ARN; empty for a name (it lives in the stage's Region)."""
    return ref.name_or_arn.split(":")[3] if ref.name_or_arn.startswith("arn:") else ""


def secret_string_example(ref: SecretRef) -> str:
    """The --secret-string argument shape the reference reads, for a fix message."""
    return f'\'{{"{ref.json_field}": "..."}}\'' if ref.json_field else "'...'"


def secret_value_problem(value: str | None, ref: SecretRef) -> str:
    """Why the secret's string cannot fill the reference; empty when it can."""
    if not value:
        return "holds no string value"
    if not ref.json_field:
        return ""
    try:
        document = json.loads(value)
    except ValueError:
        return f"is not a JSON object with the key {ref.json_field!r}"
    if not isinstance(document, dict) or not document.get(ref.json_field):
        return f"has no non-empty JSON key {ref.json_field!r}"
    return ""


def saml_metadata_problem(root: Element) -> str:
    if root.tag != f"{SAML_METADATA}EntityDescriptor":
        return f"is not SAML 2.0 metadata (its root is {root.tag})"
    descriptor = root.find(f"{SAML_METADATA}IDPSSODescriptor")
    if descriptor is None:
        return "describes no identity provider (no IDPSSODescriptor)"
    if descriptor.find(f"{SAML_METADATA}SingleSignOnService") is None:
        return "has no SingleSignOnService endpoint"
    return ""


def covers(certificate_name: str, domain: str) -> bool:
    """Whether a certificate name (possibly `*.example.com`) covers `domain`."""
    if certificate_name.startswith("*."):
        head, _, rest = domain.partition(".")
        return bool(head) and rest == certificate_name[2:]
    return certificate_name == domain


def report(stage: str, results: list[tuple[str, list[Finding]]]) -> tuple[list[str], bool]:
    """The printed lines, and whether anything blocks the deploy."""
    lines, blocked = [f"preflight {stage}"], False
    for name, findings in results:
        if not findings:
            lines.append(f"  ok    {name}")
        for finding in findings:
            blocked |= finding.blocking
            lines.append(f"  {'FAIL' if finding.blocking else 'warn'}  {name}: {finding.problem}")
            lines.append(f"        fix: {finding.fix}")
    return lines, blocked


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read-only checks before cdk deploy.")
    parser.add_argument("stage", help="the stage name, e.g. Prod")
    parser.add_argument("--cdk-out", type=Path, default=Path("cdk.out"))
    parser.add_argument("--adopted", type=Path, default=DEFAULT_ADOPTED)
    args = parser.parse_args(argv)
    (config,) = select_stages([args.stage])
    preflight = Preflight(
        config,
        select_delivery(),
        session=session or boto3.Session(),
        bootstrap=bootstrap_requirement(args.cdk_out, config.name),
        adopted_pool=adopted_user_pool_id(args.adopted, config.name),
    )
    lines, blocked = report(config.name, preflight.run())
    print("\n".join(lines))
    return 1 if blocked else 0


if __name__ == "__main__":
    sys.exit(main())
