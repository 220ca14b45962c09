# Helpline: `make run` starts the product, `make test` runs the whole suite.
# Every target installs what it needs first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WEB_INSTALLED := web/node_modules/.installed
WEB_BUILT := src/helpline/static/.built
WEB_SOURCES := $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)

.PHONY: help install build dist run demo test check web-test unit integration e2e format clean bench bench-quick bench-compare bench-peers bench-stacks faults

help:
	@echo "make run      install, build and start Helpline on http://127.0.0.1:8000"
	@echo "make test     install, build and run every check and test (two test processes; TEST_WORKERS=0 for one)"
	@echo "make demo     start with demo accounts and portals (alice, bob / helpline-demo)"
	@echo "make dist     build the wheel (with the web app) into dist/, for pip install"
	@echo "make check    lint, format check, type check, import contracts"
	@echo "make unit | integration | e2e    one layer of the tests"
	@echo "make faults   kill nodes, hang and kill Redis, restart PostgreSQL under load; one verdict line"
	@echo "make bench    measure connections, chat rate and latency against a bare relay"
	@echo "make bench-quick    every benchmark scenario, small (under two minutes)"
	@echo "make bench-peers    the chat scenario on Django Channels and python-socketio too"
	@echo "make bench-compare BEFORE=COMMIT    that commit's server CPU per message against this checkout's"
	@echo "     (LOAD=reconnect: per socket dropped and back, as in the storm)"
	@echo "make bench-stacks    the bare relay on uvicorn's WebSocket implementations and granian, side by side"
	@echo "make clean    remove the virtual environment and built files"

# The lock holds the dev tools and the agent's extra (helpline[agent]: Textual, mss,
# Pillow, httpx), so `helpline agent` works in the virtual environment too.
$(INSTALLED): requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(INSTALLED)

$(WEB_INSTALLED): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

build: $(INSTALLED) $(WEB_BUILT)

# The wheel and sdist, with the built web app, made with the locked setuptools offline.
dist: build
	$(BIN)/python -m build --no-isolation --outdir dist

run: build
	$(BIN)/helpline serve

demo: build
	$(BIN)/helpline demo --data-dir helpline-data
	$(BIN)/helpline serve --data-dir helpline-data

check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

web-test: $(WEB_INSTALLED)
	cd web && npm run typecheck && npm test

# Two test processes (pytest-xdist): most of a test's time is spent waiting on a
# server, a browser or a subprocess, so two of them keep two cores busy. Every test
# has its own ports, data folder, PostgreSQL database and Redis namespace, so the two
# never meet. TEST_WORKERS=0 runs the suite in one process (to debug one test).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

unit: $(INSTALLED)
	$(PYTEST) tests/unit

integration: build
	$(PYTEST) tests/integration

e2e: build
	$(PYTEST) tests/e2e

test: build check web-test
	$(PYTEST)

# FAULTS="--sends 50000 --node-kills 20" makes the run as large as asked.
FAULTS ?=
faults: build
	$(BIN)/python -m faults $(FAULTS)

BENCH_INSTALLED := $(VENV)/.bench-installed
PEERS_INSTALLED := $(VENV)/.bench-peers-installed

$(BENCH_INSTALLED): $(INSTALLED) bench/requirements.lock
	$(BIN)/pip install --quiet -r bench/requirements.lock
	touch $@

$(PEERS_INSTALLED): $(BENCH_INSTALLED) bench/peers.lock
	$(BIN)/pip install --quiet -r bench/peers.lock
	touch $@

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench run

bench-quick: $(INSTALLED)
	$(BIN)/python -m bench run --quick

# BEFORE=<commit or src directory>: that tree's server CPU per chat message against
# this checkout's, in alternating rounds (bench/compare.py).
BEFORE ?= HEAD
LOAD ?= chat
bench-compare: $(INSTALLED)
	$(BIN)/python -m bench.compare --before $(BEFORE) --load $(LOAD)

bench-peers: $(PEERS_INSTALLED)
	$(BIN)/python -m bench run --scenarios chat baseline peers --database sqlite

# What the WebSocket stack alone costs: the bare relay on each (bench/compare_stack.py).
bench-stacks: $(PEERS_INSTALLED)
	$(BIN)/python -m bench.compare_stack

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) web/node_modules src/helpline/static build dist
