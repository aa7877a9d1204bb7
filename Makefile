# Observed Journeys — the two commands: `make report` and `make test`.
# Both bootstrap .venv on a fresh machine (Python >= 3.11 as python3), then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean sample browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/journeys report --config journey.yml --out reports

test: $(STAMP) browser
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/python -m pytest -q

# Debian's Chromium for the browser test of the report (tests/test_report_browser.py). Installed when missing
# and possible (root or password-less sudo); otherwise the browser tests are skipped and say why.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then \
		true; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo "sudo -n" ); \
		echo "installing Debian's chromium for the browser test of the report"; \
		( $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || ( $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 ) ) \
			|| echo "note: could not install chromium; the browser tests will be skipped"; \
	else \
		echo "note: no chromium and no apt-get; the browser tests will be skipped"; \
	fi

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
