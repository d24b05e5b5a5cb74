# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BACKOFFICE := $(VENV)/bin/backoffice
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install run test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

install: $(INSTALLED)

SANDBOX_PORT ?= 8001

## run: install, migrate, load the demo book and catalog, connect the local QBO sandbox and serve it
run: install
	$(BACKOFFICE) db upgrade
	$(BACKOFFICE) demo-data --if-empty
	$(BACKOFFICE) --help
	$(BACKOFFICE) sandbox qbo --port $(SANDBOX_PORT) & sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do curl -sf http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/info >/dev/null && break; sleep 0.2; done; \
	$(BACKOFFICE) connection add demo --system qbo-sandbox --url http://127.0.0.1:$(SANDBOX_PORT) --replace && \
	$(BACKOFFICE) connection check demo && \
	echo "The local QBO sandbox is the default connection (Ctrl-C stops it)." && wait $$sandbox

## lint: ruff (lint and format), mypy, and the layers (import-linter contracts in pyproject.toml)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## test: lint, then the suite (storage tests on PostgreSQL and MariaDB too, when reachable; required with CI set)
test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q

## bench: the benchmarks of bench/ (100,000 placements on SQLite and PostgreSQL: about 25 minutes)
bench: install
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
