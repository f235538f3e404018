# riskdesk: `make run` starts everything, `make test` runs the suite.
# Both install what is missing first: uv (into .tools/) and the locked dependencies (into .venv/).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo servers' ports (Procfile); the links riskdesk stores and prints follow them.
DEMO_NETWORK_PORT ?= 8765
DEMO_SINK_PORT ?= 8766
export DEMO_NETWORK_PORT DEMO_SINK_PORT
# Links printed, written and mailed use the address actually served (`make run PORT=9000`).
LINKS := RISKDESK_BASE_URL=$${RISKDESK_BASE_URL:-http://$(HOST):$(PORT)} \
	MONITORING_DEMO_NETWORK_URL=$${MONITORING_DEMO_NETWORK_URL:-http://127.0.0.1:$(DEMO_NETWORK_PORT)} \
	MONITORING_DEMO_SINK_URL=$${MONITORING_DEMO_SINK_URL:-http://127.0.0.1:$(DEMO_SINK_PORT)}
BENCH ?=
PYTEST_ARGS ?=
FUZZ_EXAMPLES ?= 100

.PHONY: run test fuzz lint format bench train install compile messages migrate seed static check clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

# Enrichment's hot modules compiled by mypyc (monitoring/enrichment/compiled.py); a build that
# no longer matches its sources is ignored, so this only has to keep it fresh.
.compiled/stamp.json: $(VENV)/.installed $(wildcard monitoring/enrichment/*.py)
	$(PY) -c "from monitoring.enrichment.compiled import build; build()" >/dev/null

compile: .compiled/stamp.json

install: $(VENV)/.installed .compiled/stamp.json

# Compiled French catalogue; msgfmt (gettext) is used when present, else the committed .mo stays.
messages: install
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0; \
	else echo "gettext not installed: using the committed locale/*.mo"; fi

migrate: install
	$(PY) manage.py migrate --no-input -v 1

seed: migrate
	$(LINKS) $(PY) manage.py seed_demo

# The demo runs with DEBUG off (friendly 404 and 500 pages, no list of URL patterns), so
# WhiteNoise serves the static files from STATIC_ROOT: collected before each start.
# `make run DEBUG=true` brings Django's debug pages back.
static: install
	$(PY) manage.py collectstatic --no-input -v 0

run: messages seed static
	@echo ""
	@echo "  riskdesk is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops everything)"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) DEBUG=$${DEBUG:-false} $(LINKS) \
		exec $(VENV)/bin/honcho start -f Procfile

# Tests keep their broker files apart from `make run`'s, in var/test.
test: messages
	RISKDESK_ENV=test RISKDESK_VAR_DIR=$(CURDIR)/var/test $(VENV)/bin/pytest $(PYTEST_ARGS)

# The schemathesis fuzz of the whole API (left out of `make test`): every operation of
# /api/schema/ as an admin, no 5xx, JSON errors. FUZZ_EXAMPLES generated cases per operation.
fuzz: messages
	RISKDESK_ENV=test RISKDESK_VAR_DIR=$(CURDIR)/var/test FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(VENV)/bin/pytest -m fuzz tests/riskdesk/test_api_fuzz.py $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	RISKDESK_ENV=test $(PY) manage.py makemigrations --check --dry-run -v 1

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	RISKDESK_ENV=test RISKDESK_VAR_DIR=$(CURDIR)/var/test $(PY) -m benchmarks $(BENCH)

# Retrain the risk model from monitoring/enrichment/data/labelled/ (rewrites its committed artefact).
train: install
	$(PY) -m monitoring.enrichment.training

check: install
	$(PY) manage.py check

clean:
	rm -rf .venv .tools .compiled var
