# Foyer: `make run` serves the demo at http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's own address, where its sandbox is reached: follows HOST and PORT.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test test-fast test-clock lint format check e2e-deps bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: export SITE_URL := $(SITE_URL)
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py migrate --no-input --database sandbox
	$(PY) manage.py sandbox_seed
	$(PY) manage.py sandbox_demo_tokens | $(PY) manage.py seed_demo --butterflymx-tokens - && $(PY) manage.py sandbox_demo_amenities | $(PY) manage.py amenities_link -
	$(PY) manage.py vapid_dev_keys
	@# The task worker (doorbell notifications) runs beside the server; Ctrl-C stops both.
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# After every change: the suite without the browser journeys and the exhaustive (slow) runs,
# which `make test` and CI still run.
test-fast: install
	$(BIN)/pytest -q -m "not e2e and not slow" $(PYTEST_ARGS)

# The suite with the clock a year ahead and a year back (Debian's faketime): no test may
# depend on the day it runs. The browser journeys are left out: Chromium and faketime clash.
test-clock: install
	faketime '+400 days' $(BIN)/pytest -q -m "not e2e" $(PYTEST_ARGS)
	faketime '-365 days' $(BIN)/pytest -q -m "not e2e" $(PYTEST_ARGS)

# The browser journeys (tests/e2e) run in Debian's Chromium; they are skipped without it.
e2e-deps:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy config residents occupancy

# `make bench RUNS=3` measures three times and reports each figure's spread.
RUNS ?= 1

bench: $(VENV)/.bench-installed
	BENCH_RUNS=$(RUNS) $(PY) -m bench.run

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache staticfiles db.sqlite3 bench-results.json e2e-screenshots
