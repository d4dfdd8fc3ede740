# Secre: every command a developer, CI or ops needs. `make help` lists them.
# Without DATABASE_URL, commands run against the embedded development PostgreSQL (secre/devdb.py),
# started for the command and stopped after it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/*.txt | cksum | cut -d' ' -f1)
WITH_DB := $(PY) -m secre.devdb exec --
# Per-checkout development keys in .secre/ (never used when the variables are set, as in production).
# SECRE_DEVELOPMENT=1 tells the gunicorn start hook to skip the deployment checks (docker/gunicorn.conf.py).
LOCAL_SECRET := .secre/secret-key
LOCAL_WEBHOOK_KEY := .secre/webhook-secrets-key
LOCAL_FIELD_KEY := .secre/field-encryption-key
DEV_KEYS := $(LOCAL_SECRET) $(LOCAL_WEBHOOK_KEY) $(LOCAL_FIELD_KEY)
ENV := SECRE_DEVELOPMENT=1 SECRET_KEY="$${SECRET_KEY:-$$(cat $(LOCAL_SECRET))}" \
  WEBHOOK_SECRETS_KEYS="$${WEBHOOK_SECRETS_KEYS:-$$(cat $(LOCAL_WEBHOOK_KEY))}" \
  FIELD_ENCRYPTION_KEYS="$${FIELD_ENCRYPTION_KEYS:-$$(cat $(LOCAL_FIELD_KEY))}"
PORT ?= 8000
PYTEST_ARGS ?=
# CI's PostgreSQL server for `make test-server` (superuser with trust auth).
PG_SERVER ?= 127.0.0.1:5432
# Where `make run-pgbouncer`'s PgBouncer listens (127.0.0.1).
PGBOUNCER_PORT ?= 6432

.PHONY: help venv run run-pgbouncer worker test test-pgbouncer contract test-server migrate seed lint format up down bench bench-name-search bench-agenda manage clean-db compose-env

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements/base.txt requirements/dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements/dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) $(DEV_KEYS) ## create .venv with the pinned requirements and the development keys

$(LOCAL_SECRET):
	@mkdir -p .secre && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@ && chmod 600 $@

# A Fernet key: 32 random bytes, url-safe base64 (what cryptography's Fernet.generate_key() makes).
$(LOCAL_WEBHOOK_KEY) $(LOCAL_FIELD_KEY):
	@mkdir -p .secre && $(PYTHON) -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())" > $@ \
	  && chmod 600 $@

run: venv ## migrate, seed the demo, serve the API on http://127.0.0.1:$(PORT) with the worker (Ctrl-C stops all)
	@$(ENV) SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true \
	  PORT=$(PORT) $(WITH_DB) sh -c '\
	  $(PY) manage.py migrate --no-input -v 0 && \
	  $(PY) manage.py seed_demo && \
	  { $(PY) manage.py run_worker & } && \
	  exec $(VENV)/bin/gunicorn secre.wsgi -c docker/gunicorn.conf.py --bind 127.0.0.1:$(PORT)'

run-pgbouncer: venv ## make run with the API and the worker behind PgBouncer (transaction pooling; Debian's pgbouncer)
	@$(ENV) SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true \
	  PORT=$(PORT) $(WITH_DB) $(PY) -m secre.pgbouncer exec --port $(PGBOUNCER_PORT) -- sh -c '\
	  $(PY) manage.py migrate --no-input -v 0 && \
	  $(PY) manage.py seed_demo && \
	  { $(PY) manage.py run_worker & } && \
	  exec $(VENV)/bin/gunicorn secre.wsgi -c docker/gunicorn.conf.py --bind 127.0.0.1:$(PORT)'

test: venv ## run the whole test suite against real PostgreSQL
	@$(ENV) $(WITH_DB) $(VENV)/bin/pytest $(PYTEST_ARGS)

test-pgbouncer: venv ## the PgBouncer test at full length: 10,000 requests of two tenants and a console sign-in (CI)
	@$(ENV) SECRE_PGBOUNCER_REQUESTS=10000 $(WITH_DB) $(VENV)/bin/pytest -m pgbouncer -s secre/tests/test_pgbouncer.py $(PYTEST_ARGS)

contract: venv ## schemathesis holds every response of a live server to the OpenAPI document (minutes)
	@$(ENV) $(WITH_DB) $(VENV)/bin/pytest -m contract --show-capture=no secre/tests/test_contract.py $(PYTEST_ARGS)

test-server: venv ## isolation and migration tests on the server at PG_SERVER (CI's PostgreSQL 15)
	$(PY) -m secre.devdb provision --admin-url postgresql://postgres@$(PG_SERVER)/postgres
	@$(ENV) DATABASE_URL=postgresql://secre_app@$(PG_SERVER)/secre \
	  DATABASE_OWNER_URL=postgresql://secre_owner@$(PG_SERVER)/secre \
	  DATABASE_CONSOLE_URL=postgresql://secre_console@$(PG_SERVER)/secre \
	  $(VENV)/bin/pytest -m "isolation or migrations" $(PYTEST_ARGS)

migrate: venv ## apply migrations (as the owner role)
	@$(ENV) $(WITH_DB) $(PY) manage.py migrate

worker: venv ## the webhook worker alone (deliveries, retries, reminders)
	@$(ENV) $(WITH_DB) $(PY) manage.py run_worker

seed: venv ## create or reuse the demo tenant, key and patients
	@$(ENV) $(WITH_DB) $(PY) manage.py seed_demo

manage: venv ## run a manage.py command: make manage ARGS="create_tenant 'Clínica Norte'"
	@$(ENV) $(WITH_DB) $(PY) manage.py $(ARGS)

lint: venv ## ruff check, ruff format check and the import-layer contract (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: venv ## format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

compose-env: ## write .env with freshly generated secrets for docker compose (kept if it exists)
	@$(PYTHON) scripts/compose_env.py .env

up: compose-env ## docker compose: api, db, redis (pgadmin with --profile tools)
	docker compose up -d --build

down: ## stop the compose stack
	docker compose down

bench: venv ## load 1M patients and measure the API under gunicorn (long; not in CI)
	@$(ENV) $(WITH_DB) $(PY) -m scripts.bench $(BENCH_ARGS)

bench-name-search: venv ## the patient name search at 10,000 and 100,000 patients, server time before/after (minutes)
	@$(ENV) $(WITH_DB) sh -c '$(PY) manage.py migrate --no-input -v 0 && $(PY) -m scripts.bench.name_search $(BENCH_ARGS)'

bench-agenda: venv ## the console agenda's server time: a week of 10 doctors, 300 appointments (seconds)
	@$(ENV) $(WITH_DB) $(PY) -m scripts.bench.agenda $(BENCH_ARGS)

clean-db: ## stop and delete the embedded development database
	-$(PY) -m secre.devdb stop
	rm -rf .secre/pgdata .secre/run .secre/demo-api-key
