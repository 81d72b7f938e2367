"""`make preflight`: on an account prepared for a stage every check passes; with one thing
missing, the check fails naming the key and the fix.

AWS is moto (sts, ssm, secretsmanager, sesv2, acm, cognito-idp, cloudformation). The two reads
moto does not implement, SES GetAccount and SNS GetSMSSandboxAccountStatus, are answered at
botocore's before-call hook, where botocore's own Stubber answers. OIDC discovery documents and
SAML metadata come from a local HTTP server.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import settings
from moto.ses.models import ses_backends

from stacks.outputs import StackOutput, deployed_stack_name
from stage_config import (
    CustomDomainConfig,
    MfaConfig,
    MfaMode,
    OidcProviderConfig,
    SamlProviderConfig,
    SecretRef,
    StageConfig,
)
from stage_config.stages import delivery
from stage_config.user_pool import CERTIFICATE_REGION
from tests.support.aws import mocked_account
from tests.support.configs import (
    DELIVERY,
    LEGACY_SECRET,
    SECONDARY,
    live,
    replicated,
    sandbox,
    with_pool,
)
from tools.deploy.adopt import adopted_user_pool_id
from tools.deploy.preflight import (
    BootstrapRequirement,
    Finding,
    Preflight,
    bootstrap_requirement,
    main,
    report,
)

REGION = "eu-west-1"
DISCOVERY = "sso.example.net/.well-known/openid-configuration"
"""Where the local server files the sample OIDC provider's discovery document."""
BOOTSTRAP: BootstrapRequirement = ("/cdk-bootstrap/hnb659fds/version", 6)
SAML_METADATA = b"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
      Location="https://idp.example.net/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""
ENTITY_EXPANSION = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">&lol2;</md:EntityDescriptor>"""


def live_reserved() -> int:
    triggers = live().triggers
    assert triggers is not None
    return sum(triggers.reservations.values())


LIVE_RESERVED = live_reserved()
"""What the sample's triggers reserve in all (its config's sizing)."""


class Documents(BaseHTTPRequestHandler):
    """Serves `server.documents[<host><path>]` for GET /<host><path>; 404 for anything else."""

    def do_GET(self) -> None:
        body = self.server.documents.get(self.path.lstrip("/"))  # type: ignore[attr-defined]
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args: Any) -> None:
        """Quiet: the test asserts on findings, not on the access log."""


@pytest.fixture(scope="module")
def idp_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Documents)
    server.documents = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@dataclass
class AccountState:
    """What moto cannot hold: the SES and SNS sandbox states, the Lambda concurrency quota."""

    ses_sandboxed: frozenset[str] = frozenset()
    """The Regions where SES is still in the sandbox (production access is per Region)."""
    sms_sandboxed: frozenset[str] = frozenset()
    """The Regions where SNS SMS is still in the sandbox (per Region too)."""
    lambda_quota: int = 1000


@dataclass
class Account:
    """A moto account (and IdP documents) prepared for `config`, to spoil one thing at a time."""

    session: boto3.Session
    config: StageConfig
    documents: dict[str, bytes]
    port: int
    state: AccountState
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self.clients:
            self.clients[key] = self.session.client(service, region_name=key[1])
        return self.clients[key]

    @property
    def region(self) -> str:
        return self.config.region or REGION

    def fetch(self, url: str) -> bytes:
        """GET the https `url` from the local server, which files it under host + path."""
        parts = urlsplit(url)
        assert parts.scheme == "https"
        local = f"http://127.0.0.1:{self.port}/{parts.netloc}{parts.path}"
        with urllib.request.urlopen(local, timeout=5) as response:
            body: bytes = response.read()
            return body

    def run(self) -> list[tuple[str, list[Finding]]]:
        preflight = Preflight(
            self.config, DELIVERY, session=self.session, bootstrap=BOOTSTRAP, fetch=self.fetch
        )
        return preflight.run()

    def findings(self) -> list[tuple[str, Finding]]:
        return [(name, finding) for name, found in self.run() for finding in found]


def answer_unmocked_reads(session: boto3.Session, state: AccountState) -> None:
    """SES GetAccount, SNS GetSMSSandboxAccountStatus and Lambda GetAccountSettings, which the
    moto services here lack, from `state`."""
    answers: dict[str, Callable[[str], dict[str, Any]]] = {
        "sesv2.GetAccount": lambda region: {
            "ProductionAccessEnabled": region not in state.ses_sandboxed
        },
        "sns.GetSMSSandboxAccountStatus": lambda region: {
            "IsInSandbox": region in state.sms_sandboxed
        },
        "lambda.GetAccountSettings": lambda _: {
            "AccountLimit": {"ConcurrentExecutions": state.lambda_quota}
        },
    }
    for event, body in answers.items():

        def respond(
            body: Callable[[str], dict[str, Any]] = body,
            context: dict[str, Any] | None = None,
            **_: Any,
        ) -> Any:
            """botocore's request context names the client's Region."""
            region = (context or {}).get("client_region", "")
            return AWSResponse("https://stub.invalid", 200, {}, None), body(region)

        session.events.register(f"before-call.{event}", respond)


def with_secret_arns(config: StageConfig, arns: dict[str, str]) -> StageConfig:
    """`config` with each secret ARN replaced by the ARN moto gave the secret of that name
    (moto cannot create a secret under a given ARN)."""

    def replaced(section: Any) -> Any:
        if section is None:
            return None
        changes = {
            f.name: dataclasses.replace(value, name_or_arn=arns[value.name_or_arn])
            for f in dataclasses.fields(section)
            if isinstance(value := getattr(section, f.name), SecretRef)
            and value.name_or_arn in arns
        }
        return dataclasses.replace(section, **changes)

    config = dataclasses.replace(config, federation=tuple(map(replaced, config.federation)))
    if config.triggers is None:
        return config
    sections = ("custom_email_sender", "custom_sms_sender", "user_migration")
    triggers = dataclasses.replace(
        config.triggers, **{key: replaced(getattr(config.triggers, key)) for key in sections}
    )
    return dataclasses.replace(config, triggers=triggers)


def prepare(account: Account) -> None:
    """Everything the config needs, as a team would set it up before the first deploy."""
    config = account.config
    account.client("ssm").put_parameter(Name=BOOTSTRAP[0], Value="27", Type="String")
    arns = {}
    for ref in config.secret_refs.values():
        arn_name = ref.name_or_arn.split(":secret:")[-1].rsplit("-", 1)[0]
        name = arn_name if ref.name_or_arn.startswith("arn:") else ref.name_or_arn
        value = json.dumps({ref.json_field: "a value"}) if ref.json_field else "a value"
        region = ref.name_or_arn.split(":")[3] if ref.name_or_arn.startswith("arn:") else None
        created = account.client("secretsmanager", region).create_secret(
            Name=name, SecretString=value
        )
        if ref.name_or_arn.startswith("arn:"):
            arns[ref.name_or_arn] = created["ARN"]
    account.config = with_secret_arns(config, arns)
    if config.user_pool.email:
        domain = config.user_pool.email.from_address.rsplit("@", 1)[1]
        ses_regions = {config.user_pool.email.ses_region}
        if config.replica and config.replica.ses_region:
            ses_regions.add(config.replica.ses_region)
        for ses_region in ses_regions:
            account.client("sesv2", ses_region).create_email_identity(EmailIdentity=domain)
            verify_dkim(account, ses_region, domain)
    if config.replica:
        account.client("ssm", config.replica.region).put_parameter(
            Name=BOOTSTRAP[0], Value="27", Type="String"
        )
    for provider in config.federation:
        if isinstance(provider, OidcProviderConfig):
            host_path = provider.issuer_url.removeprefix("https://").rstrip("/")
            account.documents[f"{host_path}/.well-known/openid-configuration"] = json.dumps(
                {
                    "issuer": provider.issuer_url,
                    "authorization_endpoint": f"{provider.issuer_url}/authorize",
                    "token_endpoint": f"{provider.issuer_url}/token",
                    "jwks_uri": f"{provider.issuer_url}/jwks",
                }
            ).encode()
        if isinstance(provider, SamlProviderConfig) and provider.metadata_url:
            account.documents[provider.metadata_url.removeprefix("https://")] = SAML_METADATA
    if config.user_pool.custom_domain:
        account.config = with_pool(
            account.config,
            custom_domain=issued_certificate(account, config.user_pool.custom_domain.domain_name),
        )


def verify_dkim(account: Account, region: str, domain: str) -> None:
    """What SES does once it sees the DKIM records in DNS (outside AWS, so outside moto)."""
    sts = account.client("sts")
    backend = ses_backends[sts.get_caller_identity()["Account"]][region]
    backend.email_identities[domain].verified_for_sending_status = True


def issued_certificate(account: Account, domain: str, *, issued: bool = True) -> CustomDomainConfig:
    """A certificate for `domain` in us-east-1 (moto issues it on the first describe when the
    validation wait is over), as the custom-domain config that points at it."""
    arn = account.client("acm", CERTIFICATE_REGION).request_certificate(
        DomainName=domain, ValidationMethod="DNS"
    )["CertificateArn"]
    settings.ACM_VALIDATION_WAIT = -1 if issued else 3600
    return CustomDomainConfig(domain_name=domain, certificate_arn=arn)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", settings.ACM_VALIDATION_WAIT)
    with mocked_account(monkeypatch, REGION):
        yield


@pytest.fixture(scope="module")
def state() -> AccountState:
    return AccountState()


@pytest.fixture(scope="module")
def session(state: AccountState) -> boto3.Session:
    """One session for the module: it loads each service model once."""
    session = boto3.Session(
        region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    answer_unmocked_reads(session, state)
    return session


@pytest.fixture
def prepared(
    session: boto3.Session,
    state: AccountState,
    idp_server: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[StageConfig], Account]:
    """Prepare a fresh moto account for a config."""

    def prepared_for(config: StageConfig) -> Account:
        if config.account:
            monkeypatch.setenv("MOTO_ACCOUNT_ID", config.account)
        idp_server.documents = {}  # type: ignore[attr-defined]
        fresh = AccountState()
        state.ses_sandboxed, state.sms_sandboxed = fresh.ses_sandboxed, fresh.sms_sandboxed
        state.lambda_quota = fresh.lambda_quota
        account = Account(
            session,
            config,
            idp_server.documents,  # type: ignore[attr-defined]
            idp_server.server_address[1],
            state,
        )
        prepare(account)
        return account

    return prepared_for


def full_sample() -> StageConfig:
    """The production sample with every check in play: SMS MFA, a custom domain and a replica
    in a second Region too."""
    return with_pool(replicated(), mfa=MfaConfig(mode=MfaMode.REQUIRED, totp=True, sms=True))


@pytest.mark.usefixtures("aws")
def test_an_account_prepared_for_the_stage_passes(
    stage_config: StageConfig, prepared: Callable[[StageConfig], Account]
) -> None:
    account = prepared(stage_config)
    results = account.run()
    assert [name for name, found in results if found] == []
    assert "CDK bootstrap" in dict(results)


@pytest.mark.usefixtures("aws")
def test_the_full_sample_runs_every_check_and_passes(
    prepared: Callable[[StageConfig], Account],
) -> None:
    account = prepared(full_sample())
    results = account.run()
    assert [name for name, _ in results] == [
        "target account and region",
        "CDK bootstrap",
        "secrets",
        "SES",
        "SNS SMS",
        "OIDC discovery",
        "SAML metadata",
        "custom domain certificate",
        "Lambda concurrency",
        "domain",
        "secondary Region",
    ]
    assert all(not found for _, found in results)


def drop_secret(account: Account) -> None:
    account.client("secretsmanager").delete_secret(
        SecretId="acme/live/google", ForceDeleteWithoutRecovery=True
    )


def secret_without_field(account: Account) -> None:
    account.client("secretsmanager").put_secret_value(
        SecretId="acme/live/facebook", SecretString=json.dumps({"client_secret": "x"})
    )


def issuer_with_slash(account: Account) -> None:
    account.documents[DISCOVERY] = json.dumps(
        {
            "issuer": "https://sso.example.net/",
            "authorization_endpoint": "a",
            "token_endpoint": "t",
            "jwks_uri": "j",
        }
    ).encode()


def pending_certificate(account: Account) -> None:
    account.config = with_pool(
        account.config,
        custom_domain=issued_certificate(account, "login.gallery.example.net", issued=False),
    )


def certificate_for_another_name(account: Account) -> None:
    other = issued_certificate(account, "www.gallery.example.net")
    account.config = with_pool(
        account.config,
        custom_domain=dataclasses.replace(other, domain_name="login.gallery.example.net"),
    )


def prefix_of_another_pool(account: Account) -> None:
    cognito = account.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="someone-else")["UserPool"]["Id"]
    cognito.create_user_pool_domain(Domain="acme-live", UserPoolId=pool)


@dataclass(frozen=True)
class Spoil:
    name: str
    spoil: Callable[[Account], None]
    check: str
    problem: str
    fix: str


SPOILS = (
    Spoil(
        "wrong account",
        lambda a: setattr(a, "config", dataclasses.replace(a.config, account="999999999999")),
        "target account and region",
        "credentials are for account 123456789012, but Live deploys to 999999999999",
        "LIVE_ACCOUNT",
    ),
    Spoil(
        "not bootstrapped",
        lambda a: a.client("ssm").delete_parameter(Name=BOOTSTRAP[0]),
        "CDK bootstrap",
        f"not CDK-bootstrapped in {REGION}",
        f"npx cdk bootstrap aws://<account>/{REGION}",
    ),
    Spoil(
        "old bootstrap",
        lambda a: a.client("ssm").put_parameter(
            Name=BOOTSTRAP[0], Value="5", Type="String", Overwrite=True
        ),
        "CDK bootstrap",
        "version 5; this app needs 6",
        "upgrade it",
    ),
    Spoil(
        "secondary Region not bootstrapped",
        lambda a: a.client("ssm", SECONDARY).delete_parameter(Name=BOOTSTRAP[0]),
        "secondary Region",
        f"replica.region: this account is not CDK-bootstrapped in {SECONDARY}",
        f"npx cdk bootstrap aws://<account>/{SECONDARY}",
    ),
    Spoil(
        "SES identity missing in the secondary",
        lambda a: a.client("sesv2", SECONDARY).delete_email_identity(
            EmailIdentity="gallery.example.net"
        ),
        "secondary Region",
        "replica.ses_region: neither hello@gallery.example.net nor gallery.example.net is an SES "
        f"identity in {SECONDARY}",
        f"create-email-identity --region {SECONDARY} --email-identity gallery.example.net",
    ),
    Spoil(
        "SES sandbox in the secondary",
        lambda a: setattr(a.state, "ses_sandboxed", frozenset({SECONDARY})),
        "secondary Region",
        f"replica.ses_region: SES in {SECONDARY} is in the sandbox",
        "request SES production access",
    ),
    Spoil(
        "SMS sandbox in the secondary",
        lambda a: setattr(a.state, "sms_sandboxed", frozenset({SECONDARY})),
        "secondary Region",
        f"replica.region: SNS SMS in {SECONDARY} is in the sandbox",
        "request SNS SMS production access",
    ),
    Spoil(
        "missing secret",
        drop_secret,
        "secrets",
        "federation[Google].client_secret: secret 'acme/live/google' does not exist",
        "aws secretsmanager create-secret --region eu-west-1 --name acme/live/google",
    ),
    Spoil(
        "missing trigger secret",
        lambda a: a.client("secretsmanager").delete_secret(
            SecretId=LEGACY_SECRET, ForceDeleteWithoutRecovery=True
        ),
        "secrets",
        f"triggers.user_migration.api_key: secret {LEGACY_SECRET!r} does not exist in {REGION}",
        f"aws secretsmanager create-secret --region {REGION} --name {LEGACY_SECRET} "
        """--secret-string '{"token": "..."}'""",
    ),
    Spoil(
        "secret without its field",
        secret_without_field,
        "secrets",
        "federation[Facebook].client_secret: secret 'acme/live/facebook' has no non-empty "
        "JSON key 'app_secret'",
        "put-secret-value",
    ),
    Spoil(
        "SES identity missing",
        lambda a: a.client("sesv2", "us-west-2").delete_email_identity(
            EmailIdentity="gallery.example.net"
        ),
        "SES",
        "neither hello@gallery.example.net nor gallery.example.net is an SES identity",
        "create-email-identity --region us-west-2 --email-identity gallery.example.net",
    ),
    Spoil(
        "SES sandbox",
        lambda a: setattr(a.state, "ses_sandboxed", frozenset({"us-west-2"})),
        "SES",
        "SES in us-west-2 is in the sandbox",
        "request SES production access",
    ),
    Spoil(
        "SMS sandbox",
        lambda a: setattr(a.state, "sms_sandboxed", frozenset({REGION})),
        "SNS SMS",
        "SNS SMS in eu-west-1 is in the sandbox",
        "request SNS SMS production access",
    ),
    Spoil(
        "OIDC issuer mismatch",
        issuer_with_slash,
        "OIDC discovery",
        "federation[Workforce].issuer_url: the discovery document's issuer is "
        "'https://sso.example.net/'",
        "set issuer_url to exactly 'https://sso.example.net/'",
    ),
    Spoil(
        "OIDC discovery missing",
        lambda a: a.documents.__delitem__(DISCOVERY),
        "OIDC discovery",
        "no discovery document at https://sso.example.net/.well-known/openid-configuration",
        "the issuer URL the IdP documents",
    ),
    Spoil(
        "SAML metadata is a web page",
        lambda a: a.documents.update({"idp.supplier.example.net/metadata": b"<html/>"}),
        "SAML metadata",
        "is not SAML 2.0 metadata (its root is html)",
        "SAML 2.0 metadata",
    ),
    Spoil(
        "SAML metadata with entity expansion",
        lambda a: a.documents.update({"idp.supplier.example.net/metadata": ENTITY_EXPANSION}),
        "SAML metadata",
        "cannot be read as XML (EntitiesForbidden",
        "SAML 2.0 metadata",
    ),
    Spoil(
        "certificate pending",
        pending_certificate,
        "custom domain certificate",
        "is PENDING_VALIDATION, not ISSUED",
        "complete its DNS validation",
    ),
    Spoil(
        "certificate for another name",
        certificate_for_another_name,
        "custom domain certificate",
        "covers www.gallery.example.net, not login.gallery.example.net",
        "request a certificate",
    ),
    Spoil(
        "a new account's Lambda concurrency quota",
        lambda a: setattr(a.state, "lambda_quota", 10),
        "Lambda concurrency",
        f"triggers.reserved_concurrency: the triggers reserve {LIVE_RESERVED}, but the account's "
        "Lambda concurrency quota in",
        f"request at least {LIVE_RESERVED + 100} concurrent executions in Service Quotas",
    ),
    Spoil(
        "domain prefix taken",
        prefix_of_another_pool,
        "domain",
        "user_pool.domain_prefix: 'acme-live' already belongs to user pool",
        "choose another value",
    ),
)


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("spoil", SPOILS, ids=[s.name for s in SPOILS])
def test_one_thing_missing_fails_its_check_with_the_fix(
    spoil: Spoil, prepared: Callable[[StageConfig], Account]
) -> None:
    account = prepared(full_sample())
    spoil.spoil(account)
    ((check, finding),) = account.findings()
    assert check == spoil.check
    assert spoil.problem in finding.problem
    assert spoil.fix in finding.fix
    assert finding.blocking, "every finding blocks a production stage"


@pytest.mark.usefixtures("aws")
def test_sandboxes_warn_without_blocking_outside_production(
    prepared: Callable[[StageConfig], Account],
) -> None:
    account = prepared(sandbox())
    account.state.sms_sandboxed = frozenset({REGION})
    ((check, finding),) = account.findings()
    assert (check, finding.blocking) == ("SNS SMS", False)
    lines, blocked = report("Sandbox", account.run())
    assert not blocked
    assert "  warn  SNS SMS: SNS SMS in eu-west-1 is in the sandbox" in "\n".join(lines)


@pytest.mark.usefixtures("aws")
def test_the_stages_own_domain_is_not_a_conflict(
    prepared: Callable[[StageConfig], Account],
) -> None:
    account = prepared(full_sample())
    prefix_of_another_pool(account)
    (owner,) = account.client("cognito-idp").list_user_pools(MaxResults=1)["UserPools"]
    account.client("cloudformation").create_stack(
        StackName=deployed_stack_name("Live"),
        TemplateBody=json.dumps(
            {
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {StackOutput.USER_POOL_ID: {"Value": owner["Id"]}},
            }
        ),
    )
    assert account.findings() == []


@pytest.mark.usefixtures("aws")
def test_the_adopted_pools_domain_is_not_a_conflict(
    prepared: Callable[[StageConfig], Account], tmp_path: Path
) -> None:
    """A stage that adopted its pool (`make adopt` recorded the mapping) owns that pool's
    domain before its stack exists."""
    account = prepared(full_sample())
    prefix_of_another_pool(account)
    (owner,) = account.client("cognito-idp").list_user_pools(MaxResults=1)["UserPools"]
    (tmp_path / "Live.json").write_text(json.dumps({"Pool": {"UserPoolId": owner["Id"]}}))
    preflight = Preflight(
        account.config,
        DELIVERY,
        session=account.session,
        bootstrap=BOOTSTRAP,
        fetch=account.fetch,
        adopted_pool=adopted_user_pool_id(tmp_path, "Live"),
    )
    assert [f for _, found in preflight.run() for f in found] == []
    assert [name for name, _ in account.findings()] == ["domain"], "not adopted: a conflict"


def test_the_bootstrap_requirement_is_read_from_the_cloud_assembly(
    outdir: Path, stage_name: str
) -> None:
    parameter, version = bootstrap_requirement(outdir, stage_name)
    assert parameter == f"/cdk-bootstrap/{delivery().bootstrap_qualifier}/version"
    assert version >= 6


@pytest.mark.usefixtures("aws")
def test_the_command_fails_on_an_unprepared_account_naming_the_fix(
    outdir: Path, stage_name: str, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([stage_name, "--cdk-out", str(outdir)], session) == 1
    printed = capsys.readouterr().out
    assert printed.startswith(f"preflight {stage_name}\n")
    assert "  FAIL  CDK bootstrap: this account is not CDK-bootstrapped" in printed
    assert "        fix: run `npx cdk bootstrap aws://<account>/" in printed
