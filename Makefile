# Two commands matter: `make synth` and `make test`. Both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

VENV := .venv
CHECKOV_VENV := .venv-checkov
LOCAL_VENV := .venv-local
# The pinned Node 22 and CDK CLI from package.json come first: the machine's Node 20 is
# end-of-life for jsii.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CI ?= true

PYTHON_RUNTIME := $(VENV)/.runtime-installed
PYTHON_DEV := $(VENV)/.dev-installed
NODE_TOOLS := node_modules/.installed
CHECKOV := $(CHECKOV_VENV)/.installed
POWERTOOLS_OLDEST := .powertools-oldest/.installed
# The custom senders' dependency layer (AWS Encryption SDK for Lambda's python3.13 on arm64):
# wheels only, exact hashes, no bytecode, so the directory (and the asset hash) is the same on
# every machine; synth and the tests read it, offline, once it is built.
SENDER_LAYER := .build/sender-layer/.installed

LOCAL_EMULATOR := $(LOCAL_VENV)/.installed
LOCAL_PORT ?= 4566
CHROMIUM ?= /usr/bin/chromium

.PHONY: synth test bench lint tools clean review summary guard accept preflight smoke \
	smoke-env client-config sandbox sandbox-destroy format adopt mutate mutate-files docs backup restore \
	local local-stop local-smoke local-web local-test sender-layer failover-status failover failback

BASELINE ?= guard/baselines
BASE ?=
REVIEW_ARGS ?=
STAGE ?= Dev
NAME ?=
OUTPUTS ?= outputs.json
POOL_ID ?=
IDENTITY_POOL_ID ?=
MODULES ?=
TEST_WORKERS ?= logical
BACKUP ?=
APPLY ?=

tools:
	@for tool in python3 npm; do \
	  command -v $$tool >/dev/null || { echo "error: '$$tool' is required but not on PATH" >&2; exit 1; }; \
	done

$(VENV)/bin/python: | tools
	python3 -m venv $(VENV)

$(PYTHON_RUNTIME): requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(PYTHON_DEV): requirements-dev.txt $(PYTHON_RUNTIME)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# checkov pins boto3/packaging versions that clash with moto and cfn-lint: own venv.
$(CHECKOV): requirements-checkov.txt | tools
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# ministack pins botocore 1.43, older than the project's: own venv (docs/local-backend.md).
$(LOCAL_EMULATOR): requirements-local.txt | tools
	python3 -m venv $(LOCAL_VENV)
	$(LOCAL_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-local.txt
	touch $@

# The oldest supported Powertools, beside (not in) the venv: the trigger tests run once more with
# it first on PYTHONPATH. Pure Python; its own dependencies are those the venv already has.
$(POWERTOOLS_OLDEST): requirements-powertools-oldest.txt $(PYTHON_DEV)
	rm -rf .powertools-oldest
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps \
	  --target .powertools-oldest -r requirements-powertools-oldest.txt
	touch $@

$(SENDER_LAYER): requirements-sender-layer.txt | $(VENV)/bin/python
	rm -rf .build/sender-layer
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-compile \
	  --require-hashes --platform manylinux2014_aarch64 --only-binary=:all: \
	  --python-version 3.13 --implementation cp --target .build/sender-layer/python \
	  -r requirements-sender-layer.txt
	rm -rf .build/sender-layer/python/bin
	touch $@

## sender-layer: build the custom senders' dependency layer (synth and test build it first)
sender-layer: $(SENDER_LAYER)

$(NODE_TOOLS): package.json package-lock.json | tools
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## synth: synthesize every stage into cdk.out/ (no AWS account needed; NAME=alice adds that
## developer's sandbox stage, so `make summary NAME=alice` shows it too)
synth: $(PYTHON_RUNTIME) $(NODE_TOOLS) $(SENDER_LAYER)
	cdk synth --quiet $(if $(NAME),-c sandbox="$(NAME)") $(if $(LOCAL),-c local=true)
	@ls -1 cdk.out/*.template.json cdk.out/assembly-*/*.template.json

## test: the whole suite (template assertions, cdk-nag, cfn-lint, checkov, handlers, isolation),
## plus mypy (strict); one pytest-xdist worker per core (TEST_WORKERS=0: one process)
test: $(PYTHON_DEV) $(NODE_TOOLS) $(CHECKOV) $(POWERTOOLS_OLDEST) $(SENDER_LAYER)
	@# mypy (about a minute cold, mostly aws-cdk-lib's stubs) runs beside pytest on the other core.
	@# pytest runs in one pytest-xdist worker per core; the tests that share a synthesized app or
	@# a background scanner are one group, run by one worker (tests/conftest.py).
	$(VENV)/bin/mypy > .mypy.log 2>&1 & mypy_pid=$$!; \
	  $(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup; tests_rc=$$?; \
	  wait $$mypy_pid; mypy_rc=$$?; cat .mypy.log; \
	  exit $$(( tests_rc != 0 || mypy_rc != 0 ))

## lint: ruff and mypy on their own (both also run by `make test`)
lint: $(PYTHON_DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## format: let ruff reformat and fix what it can (a line too long in stage_config/stages.py)
format: $(PYTHON_DEV)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## mutate: mutation testing (mutmut) of the modules that protect users, each mutant against the
## tests that cover it; the kill rate per module and every survivor (MODULES="tools.review.guard lambdas"
## for some, or a file: stage_config.replica; default: all). Not part of `make test`: all of it takes
## hours on 2 cores, so CI runs one job per file (make mutate-files)
mutate: $(PYTHON_DEV) $(NODE_TOOLS) $(SENDER_LAYER)
	$(VENV)/bin/python -m tools.quality.mutation $(MODULES)

## mutate-files: the files make mutate runs, one mutmut run each, as JSON (the nightly job's matrix)
mutate-files: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.quality.mutation --files $(MODULES)

## bench: synth time vs an empty CDK app, test-suite wall time, trigger figures, a simulated
## one-million-user directory export
bench: $(PYTHON_DEV) $(NODE_TOOLS) $(CHECKOV) $(POWERTOOLS_OLDEST) $(SENDER_LAYER)
	PYTHONPATH=$(CURDIR)/lambdas $(VENV)/bin/python -m benchmarks

## review: what the change does, per stage, security-relevant changes flagged first: the working
## tree and BASE (default: the merge base with the deploying branch) synthesized side by side
## (REVIEW_ARGS=--fail-on-flagged exits 1 on a flagged change; the pull-request gate)
review: $(PYTHON_DEV) $(NODE_TOOLS) $(SENDER_LAYER)
	$(VENV)/bin/python -m tools.review.review $(if $(BASE),--base "$(BASE)") $(REVIEW_ARGS)

## summary: the whole state of each stage from cdk.out (sign-in, clients, providers, IAM), the
## Local stage of `make local` included
summary: LOCAL = true
summary: synth
	$(VENV)/bin/python -m tools.review.review --state

## guard: fail if a fresh synth would delete or replace a stateful resource (BASELINE=dir);
## installs the dev tools first (it reads the registry schemas cfn-lint ships)
guard: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.review.guard --baseline $(BASELINE)

## accept: after reviewing a change, print what changed per stage and re-record the reviewed
## records (guard baselines, snapshots and the diagrams in docs/diagrams/). The only writer of all.
accept: synth $(PYTHON_DEV) $(NODE_TOOLS)
	$(VENV)/bin/python -m tools.review.guard --accept --baseline $(BASELINE)
	$(VENV)/bin/python -m pytest -q tests/test_records.py --snapshot-update
	$(VENV)/bin/python -m tools.docs.diagrams --cdk-out cdk.out

## docs: draw each stage's architecture and trust (Mermaid) from cdk.out into docs/diagrams/
## (never a sandbox's: NAME is ignored, the diagrams are the stages')
docs: override NAME :=
docs: synth
	$(VENV)/bin/python -m tools.docs.diagrams --cdk-out cdk.out

## preflight: read-only checks of the stage's AWS account before `cdk deploy` (STAGE=Prod,
## needs AWS credentials: the CiAccess PreflightRole in CI)
preflight: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.deploy.preflight $(STAGE) --cdk-out cdk.out

## adopt: compare an existing user pool (POOL_ID=, optional IDENTITY_POOL_ID=) with the stage's
## template and write the `cdk import` files (STAGE=Dev; read-only AWS calls; docs/deploying.md,
## "Adopt an existing user pool")
adopt: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.deploy.adopt $(STAGE) --pool-id "$(POOL_ID)" --cdk-out cdk.out \
	  $(if $(IDENTITY_POOL_ID),--identity-pool-id "$(IDENTITY_POOL_ID)")

## smoke: exercise a deployed stage end to end (STAGE=Dev OUTPUTS=outputs.json, needs AWS creds;
## REGION=<secondary> goes through the pool's replica there, as in a failover)
smoke: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.smoke $(STAGE) --outputs $(OUTPUTS) $(if $(REGION),--region $(REGION))

## backup: back up a deployed stage's user directory now, as the daily schedule does
## (STAGE=Prod OUTPUTS=outputs.json; docs/backup-and-restore.md)
backup: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.directory_backup $(STAGE) --outputs $(OUTPUTS)

## failover-status: a replicated stage's replica status, managed login routing and the primary's
## health, and whether the replica's regional settings are the config's (read-only;
## STAGE=Prod OUTPUTS=outputs.json; docs/multi-region.md)
failover-status: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.failover status $(STAGE) --outputs $(OUTPUTS)

## failover: activate the replica and route managed login to it, after a typed confirmation
failover: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.failover failover $(STAGE) --outputs $(OUTPUTS)

## failback: route managed login on the primary's health again (the replica stays ACTIVE)
failback: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.failover failback $(STAGE) --outputs $(OUTPUTS)

## restore: put a directory backup back into a stage's user pool; a dry run unless APPLY=1
## (STAGE=Prod OUTPUTS=outputs.json BACKUP=s3://<bucket>[/<manifest key>] or a local manifest)
restore: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.directory_restore $(STAGE) --outputs $(OUTPUTS) \
	  --backup "$(BACKUP)" $(if $(APPLY),--apply)

## smoke-env: the same, reading the outputs from environment variables (CDK Pipelines step)
smoke-env: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.smoke $(STAGE) --from-env --assume-smoke-role

## client-config: amplify_outputs.json (web) and amplify_outputs.mobile.json for a deployed stage
## (STAGE=Prod OUTPUTS=outputs.json; Amplify outputs schema 1.4)
client-config: $(PYTHON_RUNTIME)
	$(VENV)/bin/python -m tools.deploy.client_config $(OUTPUTS) $(STAGE)

## sandbox: deploy your own copy of Dev (NAME=alice, default from git's user.name; needs AWS
## credentials for the shared account); outputs and Amplify files land in sandbox/<name>/
sandbox: $(PYTHON_DEV) $(NODE_TOOLS) $(SENDER_LAYER)
	$(VENV)/bin/python -m tools.deploy.sandbox deploy $(if $(NAME),--name "$(NAME)")

## sandbox-destroy: empty your sandbox's buckets, then destroy it completely (NAME=alice)
sandbox-destroy: $(PYTHON_DEV) $(NODE_TOOLS)
	$(VENV)/bin/python -m tools.deploy.sandbox destroy $(if $(NAME),--name "$(NAME)")

## local: a local backend, no AWS account: start the ministack emulator (.venv-local, background;
## pid and log in .local/), `cdk bootstrap` and `cdk deploy 'Local/*'` into it with the real CDK
## CLI, seed users, write .local/amplify_outputs.json (docs/local-backend.md; LOCAL_PORT=4566)
local: $(PYTHON_DEV) $(NODE_TOOLS) $(LOCAL_EMULATOR)
	$(VENV)/bin/python -m tools.deploy.local up --port $(LOCAL_PORT)

## local-stop: stop the emulator `make local` started (its state goes with it)
local-stop: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.deploy.local down

## local-smoke: the smoke test against the local backend; what the emulator cannot judge is n/a
local-smoke: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.smoke Local --outputs .local/outputs.json \
	  --local-endpoint http://localhost:$(LOCAL_PORT)

## local-web: build the sample web page and serve it on http://localhost:5173 against the local
## backend
local-web: $(PYTHON_DEV) $(NODE_TOOLS)
	$(VENV)/bin/python -m tools.deploy.sample_web

## local-test: the tests against the running local backend (`make local` first): the sample page
## in headless Chromium (CHROMIUM=/usr/bin/chromium, Debian's; screenshot in artifacts/) and the
## smoke flow
local-test: $(PYTHON_DEV) $(NODE_TOOLS) $(CHROMIUM)
	LOCAL_ENDPOINT=http://localhost:$(LOCAL_PORT) CHROMIUM=$(CHROMIUM) \
	  $(VENV)/bin/python -m pytest -m local_backend tests/local

# playwright-core downloads no browser: the test drives the system's Chromium, installed here
# from Debian's packages when running as root (CI), else named as the missing tool.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
	  echo "error: $(CHROMIUM) is missing: apt-get install chromium (or CHROMIUM=<path>)" >&2; \
	  exit 1; \
	fi

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache .powertools-oldest web/sample/dist .build
