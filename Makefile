# HSCT Navigator — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is a helper for developers (`make help` lists them).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k edss -x"`.
PYTEST_ARGS ?=
# Test processes (pytest-xdist); each test file runs whole in one of them. 0: one process.
# Tests marked `serial` run afterwards in one process.
PYTEST_WORKERS ?= 2

# apt needs root; use sudo when we are not root.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
# The reference progression tool, for agreement tests and benchmarks only. pymsprog pins
# numpy<2 and pandas<3, which clash with ours, so it lives in its own environment.
REF_VENV := .venv-ref
PYMSPROG := pymsprog==1.0.7

.PHONY: help run test check lint fmt typecheck layers pytest system-deps node-deps reference \
        kernel messages bench clean distclean

help: ## Show this help.
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- environment

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "HSCT Navigator needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install --editable .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --editable '.[dev]'
	@touch $@ $(VENV)/.installed-run

$(REF_VENV)/.installed: Makefile | $(BIN)/python
	$(PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip --disable-pip-version-check --quiet install '$(PYMSPROG)'
	@touch $@

reference: $(REF_VENV)/.installed ## Install the reference tool pymsprog in its own environment (.venv-ref).

system-deps: ## Install Debian's chromium, postgresql, npm and a C compiler when missing.
	@missing=""; \
	  [ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-dejavu-core"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	  command -v cc >/dev/null 2>&1 || missing="$$missing gcc"; \
	  [ -e "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] \
	    || missing="$$missing python3-dev"; \
	  if [ -n "$$missing" ]; then \
	    echo "Installing with apt:$$missing"; \
	    $(APT_GET) update -qq; \
	    $(APT_GET) install -y -qq --no-install-recommends $$missing; \
	  fi

# axe-core (accessibility checks), pinned by package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: node_modules/.package-lock.json

# The outcomes kernel compiled ahead of time for this machine (hsct.outcomes.aot; about
# 10-30 s): `hsct outcomes` then starts without numba. Rebuilt when the kernel or the
# installed packages change. Without it (no C compiler) numba compiles the kernel on first
# use, as before.
# numba's pycc needs setuptools and a C compiler (`make test` installs gcc with apt).
KERNEL_AOT := src/hsct/outcomes/_kernel_aot.json
KERNEL_SOURCES := $(addprefix src/hsct/outcomes/,kernel.py compiled.py aot.py warmup.py \
                    progression.py neda.py tables.py)
$(KERNEL_AOT): $(KERNEL_SOURCES) $(VENV)/.installed-run
	@$(BIN)/python -c 'import setuptools' 2>/dev/null || $(PIP) install 'setuptools>=69'
	$(BIN)/python -m hsct.outcomes.aot || \
	  echo "The kernel was not built ahead of time; numba will compile it when first used." >&2

kernel: $(KERNEL_AOT) ## Build the outcomes kernel ahead of time (make run and make test do).

# ---------------------------------------------------------------- the two commands

run: $(VENV)/.installed-run $(KERNEL_AOT) ## Install, prepare the SQLite database under var/, serve on http://$(HOST):$(PORT).
	$(BIN)/hsct db upgrade
	$(BIN)/hsct serve --host $(HOST) --port $(PORT)

test: system-deps $(VENV)/.installed-dev $(KERNEL_AOT) node-deps reference ## Install what tests need; run lint, types, layers and every test.
	$(MAKE) check
	$(MAKE) pytest

# ---------------------------------------------------------------- pieces of `make test`

check: lint typecheck layers ## Lint, format check, mypy --strict and import-linter.

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

layers: $(VENV)/.installed-dev
	$(BIN)/lint-imports

# Two runs: most tests spread over the workers, then the few marked `serial` in one process
# (Schemathesis reports one result per API operation only without xdist). Exit status 5
# ("no tests ran": PYTEST_ARGS selected none in that run) is not a failure.
pytest: $(VENV)/.installed-dev $(KERNEL_AOT)
	HSCT_TEST_STRICT=1 HSCT_TEST_KERNEL_AOT=1 $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope -m "not serial" \
	  $(PYTEST_ARGS) || [ $$? -eq 5 ]
	HSCT_TEST_STRICT=1 HSCT_TEST_KERNEL_AOT=1 $(BIN)/pytest -p no:xdist -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

# ---------------------------------------------------------------- helpers

fmt: $(VENV)/.installed-dev ## Format and auto-fix.
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

messages: $(VENV)/.installed-dev ## Extract translatable strings (interface and knowledge base) and update the ru/es catalogues.
	@tmp=$$(mktemp -d); \
	  $(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output \
	    -k N_ -k lazy_gettext -o $$tmp/messages.pot src/hsct; \
	  $(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --width 100 -i $$tmp/messages.pot \
	    -d src/hsct/locale -D messages; \
	  $(BIN)/python scripts/data_texts_pot.py $$tmp/data.pot; \
	  $(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --width 100 -i $$tmp/data.pot \
	    -d src/hsct/locale -D data; \
	  rm -rf $$tmp
	@echo "Updated src/hsct/locale/*/LC_MESSAGES/{messages,data}.po; translate the empty entries."

bench: $(VENV)/.installed-dev reference ## Run every benchmark script (installs wrk, valgrind and gcc with apt when missing).
	@command -v wrk >/dev/null 2>&1 || { $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends wrk; }
	@command -v valgrind >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 || { $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends valgrind gcc libc6-dev; }
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python $$b; done

clean: ## Remove caches (keeps .venv, node_modules and var/).
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Remove everything `make run`/`make test` created, including the database.
	rm -rf $(VENV) $(REF_VENV) node_modules var
	rm -f src/hsct/outcomes/_kernel_aot.*
