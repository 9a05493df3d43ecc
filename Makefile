# One set of commands for developers and CI (see README).
#   make run    -> runtime packages, the default data imported once, then the app
#   make test   -> lint + typecheck, then unit + AppTest + end-to-end tests (sets up .venv with
#                  requirements-dev.txt, Debian chromium and PostgreSQL/PostGIS first; the tests
#                  run against a throw-away PostgreSQL server started and stopped around them)
#   make lint   -> ruff (rules and format)
#   make typecheck -> mypy on the pure core (diagnostics/, geodata/, analyses/; pyproject.toml)
#   make bench  -> benchmarks with their budgets (bench/README.md)
#   make geodata -> rebuilds the derived geometry files from data/reference

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast lint typecheck format bench geodata clean-workspace deps deps-dev browser postgres workspace migrate

# Runtime packages only (make run); tests and tooling (pytest, playwright, ruff) on top of
# them for make test / lint / bench.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.installed

deps-dev: $(VENV)/.installed-dev

browser:
	bash scripts/ensure_chromium.sh

# Debian's PostgreSQL server and PostGIS, for the tests of the PostgreSQL backend.
postgres:
	bash scripts/ensure_postgres.sh

# Upgrades the workspace's schema (the app does it too when it opens an older workspace).
migrate: deps
	$(PY) -m datastore migrate

# The embedded default data are imported here, once, before the server starts (not on a
# user's first page view); an initialised workspace is left as it is.
workspace: deps
	$(PY) -m datastore init

run: deps workspace
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Unit and AppTest tests run on both cores; the end-to-end tests run alone afterwards
# (each starts a Streamlit server and a Chromium, and measures what a user sees).
# scripts/pg_test_server.py starts PostgreSQL in a temporary directory on a free port (as the
# unprivileged `postgres` user when run as root), exports its URL as DIAG_TEST_DATABASE_URL to
# the tests, and stops it afterwards.
PGTEST := $(PY) scripts/pg_test_server.py run --

test: deps-dev browser postgres lint typecheck
	$(PGTEST) $(PY) -m pytest -q -n 2 -m "not e2e"
	$(PGTEST) $(PY) -m pytest -q -m e2e

test-fast: deps-dev postgres
	$(PGTEST) $(PY) -m pytest -q -m "not e2e"

lint: deps-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: deps-dev
	$(PY) -m mypy

format: deps-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: deps-dev browser postgres
	$(PGTEST) $(PY) -m bench

geodata: deps
	$(PY) -m geodata.build

clean-workspace:
	rm -rf workspace
