# The README's commands. Each does its own set-up on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what serving needs (SQLite; not the extras),
# `make test` everything. The test stamp does not depend on the run stamp, so
# `make test` after `make run` still installs the test extras.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-test

.PHONY: run test lint typecheck unit quick e2e browser engines widget widget-tools bench bench-connections bench-audit fuzz gallery clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

## run: serve the demo site on http://127.0.0.1:8000 (LEGIBLE_DEMO=1: the demo articles)
run: $(RUN_STAMP)
	LEGIBLE_DEMO=1 $(BIN)/legible serve

## test: lint, type-check, unit tests (with real Varnish in front of two replicas), then the browser suite
test: $(STAMP) browser engines widget-tools lint typecheck
	CI=$${CI:-} $(BIN)/python -m pytest

browser:
	scripts/setup-browser

engines:
	scripts/setup-engines

## widget: bundle and minify widget/src/*.js into widget/widget.min.js (after editing the widget)
widget:
	scripts/build-widget

widget-tools:
	scripts/build-widget --tools

lint: $(STAMP) widget-tools
	scripts/build-widget --lint
	$(BIN)/ruff check service legible_audit legible_contrast tests e2e bench conftest.py
	$(BIN)/ruff format --check service legible_audit legible_contrast tests e2e bench conftest.py

typecheck: $(STAMP)
	$(BIN)/mypy service legible_audit legible_contrast

unit: $(STAMP) widget-tools
	$(BIN)/python -m pytest tests

## quick: everything but the tests marked slow (engine clusters, held connections, the browser's theme x size sweeps)
quick: $(STAMP) browser engines widget-tools
	$(BIN)/python -m pytest -m "not slow"

e2e: $(STAMP) browser
	$(BIN)/python -m pytest e2e

## bench: cache hits vs nginx (same bytes) vs a naive renderer, then the long tail (mostly misses, SQLite and a throwaway PostgreSQL side by side); then two replicas on PostgreSQL behind Varnish: hits vs nginx, write-to-visible latency (BENCH_DB=… for another store); needs wrk, nginx and varnish (installed if missing)
bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.cluster $${BENCH_DB:+--db "$$BENCH_DB"}

## bench-connections: 10,000 idle + 2,000 slow connections vs a new reader, legible alone and behind nginx and Varnish (installed if missing)
bench-connections: $(STAMP)
	$(BIN)/python -m bench.connections

## bench-audit: `legible audit` on 20 URLs x 5 themes x 3 sizes, against its 10-minute goal
bench-audit: $(STAMP) browser
	$(BIN)/python -m bench.audit

## gallery: the README's screenshots (docs/gallery), taken by the e2e machinery
gallery: $(STAMP) browser
	$(BIN)/python -m e2e.gallery

## fuzz: the property tests with many more examples and a new seed each run
fuzz: $(STAMP)
	LEGIBLE_FUZZ_EXAMPLES=$${LEGIBLE_FUZZ_EXAMPLES:-5000} $(BIN)/python -m pytest tests/test_fuzz.py -q --hypothesis-show-statistics

clean:
	rm -rf $(VENV) data e2e/artifacts .pytest_cache .mypy_cache .ruff_cache
