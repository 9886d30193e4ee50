# `make run` serves the shop with demo data; `make test` runs lint and the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app shop
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install dev test lint format seed clean bench lighthouse

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

seed: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo

# The task queue's consumer (emails, campaigns) runs in the background beside the web
# server, and stops with it (Ctrl+C reaches both; the trap covers any other way out).
run: seed
	@echo ""
	@echo "  The shop is at http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	@echo "  Emails and campaigns go out through the task queue (huey_consumer, started beside it)"
	@echo "  Demo promo codes: WELCOME10 (10% off), FREESHIP (free delivery from £20)"
	@echo ""
	@export SHOP_ENV=development SHOP_BASE_URL="$${SHOP_BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(BIN)/huey_consumer shop.tasks.huey --workers 2 --max-delay 1 & \
	consumer=$$!; \
	trap 'kill -INT $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Tests run in one process per CPU (pytest-xdist); TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= auto

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Load benchmark (not part of `make test`): PostgreSQL and SQLite, writes bench/RESULTS.md.
# BENCH_ARGS="--db sqlite --duration 5" to change it; see `python -m bench.run --help`.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Lighthouse on home, listing, product and article (mobile), into bench/RESULTS.md (not
# part of `make test`). Lighthouse comes from bench/lighthouse/package-lock.json (npm ci),
# Chromium from Debian (CHROME_PATH). LIGHTHOUSE_ARGS="--runs 1" for a quick look.
CHROME_PATH ?= /usr/bin/chromium

lighthouse: install
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	CHROME_PATH=$(CHROME_PATH) $(BIN)/python -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
