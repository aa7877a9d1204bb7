# Observed Journeys — the two commands: `make report` and `make test`.
# Both bootstrap .venv on a fresh machine (Python >= 3.11 as python3), then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean sample

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/journeys report --config journey.yml --out reports

test: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks
	$(BIN)/mypy pipeline

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

sample: $(STAMP)
	$(BIN)/journeys sample --out data/sample --customers 5000 --seed 7

clean:
	rm -rf reports data/warehouse.duckdb data/warehouse.duckdb.wal benchmarks/work .pytest_cache .mypy_cache .ruff_cache
