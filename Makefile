# Two commands matter: `make synth` and `make test`. Both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

VENV := .venv
CHECKOV_VENV := .venv-checkov
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

.PHONY: synth test bench lint tools clean review summary guard accept preflight smoke \
	smoke-env client-config sandbox sandbox-destroy format adopt mutate sender-layer

BASELINE ?= guard/baselines
BASE ?=
REVIEW_ARGS ?=
STAGE ?= Dev
NAME ?=
OUTPUTS ?= outputs.json
POOL_ID ?=
IDENTITY_POOL_ID ?=
MODULES ?=

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
	cdk synth --quiet $(if $(NAME),-c sandbox="$(NAME)")
	@ls -1 cdk.out/*.template.json cdk.out/assembly-*/*.template.json

## test: the whole suite (template assertions, cdk-nag, cfn-lint, checkov, handlers, isolation),
## plus mypy (strict)
test: $(PYTHON_DEV) $(NODE_TOOLS) $(CHECKOV) $(POWERTOOLS_OLDEST) $(SENDER_LAYER)
	@# mypy (about a minute cold, mostly aws-cdk-lib's stubs) runs beside pytest on the other core.
	$(VENV)/bin/mypy > .mypy.log 2>&1 & mypy_pid=$$!; \
	  $(VENV)/bin/python -m pytest; tests_rc=$$?; \
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
## for some; default: all). Not part of `make test`: it takes most of an hour on 2 cores
mutate: $(PYTHON_DEV) $(NODE_TOOLS) $(SENDER_LAYER)
	$(VENV)/bin/python -m tools.quality.mutation $(MODULES)

## bench: synth time vs an empty CDK app, test-suite wall time, trigger figures
bench: $(PYTHON_DEV) $(NODE_TOOLS) $(CHECKOV) $(POWERTOOLS_OLDEST) $(SENDER_LAYER)
	PYTHONPATH=$(CURDIR)/lambdas $(VENV)/bin/python -m benchmarks

## review: what the change does, per stage, security-relevant changes flagged first: the working
## tree and BASE (default: the merge base with the deploying branch) synthesized side by side
## (REVIEW_ARGS=--fail-on-flagged exits 1 on a flagged change; the pull-request gate)
review: $(PYTHON_DEV) $(NODE_TOOLS) $(SENDER_LAYER)
	$(VENV)/bin/python -m tools.review.review $(if $(BASE),--base "$(BASE)") $(REVIEW_ARGS)

## summary: the whole state of each stage from cdk.out (sign-in, clients, providers, IAM)
summary: synth
	$(VENV)/bin/python -m tools.review.review --state

## guard: fail if a fresh synth would delete or replace a stateful resource (BASELINE=dir);
## installs the dev tools first (it reads the registry schemas cfn-lint ships)
guard: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.review.guard --baseline $(BASELINE)

## accept: after reviewing a change, print what changed per stage and re-record the reviewed
## records (guard baselines and snapshots). The only writer of both.
accept: synth $(PYTHON_DEV) $(NODE_TOOLS)
	$(VENV)/bin/python -m tools.review.guard --accept --baseline $(BASELINE)
	$(VENV)/bin/python -m pytest -q tests/test_records.py --snapshot-update

## preflight: read-only checks of the stage's AWS account before `cdk deploy` (STAGE=Prod,
## needs AWS credentials: the CiAccess PreflightRole in CI)
preflight: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.deploy.preflight $(STAGE) --cdk-out cdk.out

## adopt: compare an existing user pool (POOL_ID=, optional IDENTITY_POOL_ID=) with the stage's
## template and write the `cdk import` files (STAGE=Dev; read-only AWS calls; README "Adopt an
## existing user pool")
adopt: synth $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.deploy.adopt $(STAGE) --pool-id "$(POOL_ID)" --cdk-out cdk.out \
	  $(if $(IDENTITY_POOL_ID),--identity-pool-id "$(IDENTITY_POOL_ID)")

## smoke: exercise a deployed stage end to end (STAGE=Dev OUTPUTS=outputs.json, needs AWS creds)
smoke: $(PYTHON_DEV)
	$(VENV)/bin/python -m tools.operations.smoke $(STAGE) --outputs $(OUTPUTS)

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

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache .powertools-oldest .build
