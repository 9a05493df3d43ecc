# One set of commands for developers and CI (see README).
#   make run    -> starts the app on the embedded default data (sets up .venv first)
#   make test   -> lint + typecheck, then unit + AppTest + end-to-end tests (sets up .venv and
#                  Debian chromium first)
#   make lint   -> ruff (rules and format)
#   make typecheck -> mypy on the pure core (diagnostics/, geodata/, analyses/; pyproject.toml)
#   make bench  -> benchmarks with their budgets (bench/README.md)
#   make geodata -> rebuilds the derived geometry files from data/reference

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast lint typecheck format bench geodata clean-workspace deps browser

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

deps: $(VENV)/.installed

browser:
	bash scripts/ensure_chromium.sh

run: deps
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Unit and AppTest tests run on both cores; the end-to-end tests run alone afterwards
# (each starts a Streamlit server and a Chromium, and measures what a user sees).
test: deps browser lint typecheck
	$(PY) -m pytest -q -n 2 -m "not e2e"
	$(PY) -m pytest -q -m e2e

test-fast: deps
	$(PY) -m pytest -q -m "not e2e"

lint: deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: deps
	$(PY) -m mypy

format: deps
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: deps browser
	$(PY) -m bench

geodata: deps
	$(PY) -m geodata.build

clean-workspace:
	rm -rf workspace
