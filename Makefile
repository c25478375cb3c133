# possim: two commands on a fresh machine, `make run` and `make test`.
# Each creates .venv and installs the project (with its test extra) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# pyiso8583 installs a top-level package named `iso8583`, like ours: it lives in its own
# --target folder and the interop tests run it in a subprocess, never in our interpreter.
ORACLE := $(VENV)/oracles/pyiso8583
ORACLE_STAMP := $(ORACLE)/.installed-stamp

.PHONY: run test check bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,load,fast]'
	touch $(STAMP)

$(ORACLE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade --target $(ORACLE) 'pyiso8583>=4.0'
	touch $(ORACLE_STAMP)

run: $(STAMP)
	$(BIN)/possim run

# The suite is xdist-safe (ports picked by the OS, data in tmp_path). Four workers on two cores: many tests
# wait on sockets, timers and child processes, so two more workers fill those waits (2:40 -> 2:12 here).
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= 4

test: $(STAMP) $(ORACLE_STAMP) browser
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS)

# The web console's browser test (tests/e2e/test_console_browser.py) drives the distribution's Chromium
# through Playwright (no browser download). Installed here when missing: apt-get as root, else with sudo
# when it needs no password; elsewhere the test says why it is skipped (and fails under CI=true).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "make browser: chromium is missing and cannot be installed here (not root, no sudo)"; exit 0; fi; \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium \
	      || echo "make browser: apt-get could not install chromium"; \
	  else echo "make browser: no apt-get to install chromium with"; fi; }

# Layering (import-linter contracts in pyproject.toml) and lint (ruff); CI runs it before the tests.
check: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .

bench: $(STAMP) $(ORACLE_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
