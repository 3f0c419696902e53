# The kit's commands. A fresh machine needs only Python 3.11+ and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Prefer python3.13 (the Lambda runtime's version) when it runs here, else python3 >= 3.11.
PYTHON ?= $(shell for p in python3.13 python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; \
	done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUTPUT_DIR ?= outputs
# make test runs pytest on this many xdist workers. The tests mostly wait (on the local
# cloud's realism delays, on notebook kernels, on polling), not compute: twice the cores.
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 2) )))
# Tests sharing a module-scoped fixture stay on one worker (tests/conftest.py marks them);
# the order of the units is the one tests/conftest.py gives (longest work first).
XDIST = --dist loadgroup --no-loadscope-reorder

.PHONY: help setup workshop lab test test-series test-fast bench lint localcloud clean

help:
	@echo "make workshop   run every notebook headless against the local cloud (outputs/)"
	@echo "                (LANG=ja: the Japanese notebooks, notebooks/ja/, into outputs/ja/)"
	@echo "make test       the whole test suite (what CI runs)"
	@echo "make test-series only the whole-series runs: the Region matrix, then a room of thirty"
	@echo "make test-fast  the tests not marked slow (the inner loop)"
	@echo "make lab        open JupyterLab on the notebooks"
	@echo "make bench      print the local cloud's benchmark table"
	@echo "make lint       ruff (lint and format check) and mypy (strict on helpers/, lambda_fn/)"
	@echo "make setup      create .venv (done for you by the targets above)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.13 preferred)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps --ignore-requires-python aws-durable-execution-conformance-tests==1.0.0
	@touch $(STAMP)

# make workshop LANG=ja runs the Japanese notebooks (notebooks/ja/) into $(OUTPUT_DIR)/ja; so
# does a Japanese locale in the environment (LANG=ja_JP.UTF-8). LANG=en on the command line
# picks English whatever the environment says.
WORKSHOP_LANGUAGE = $(if $(filter ja%,$(LANG)),--language ja,$(if \
	$(filter command line,$(origin LANG)),--language en))

workshop: $(STAMP)
	$(PY) -m helpers.workshop --output-dir $(OUTPUT_DIR) $(if $(REGION),--region $(REGION)) \
	  $(WORKSHOP_LANGUAGE)

# Loopback only: on a remote machine, reach it through an SSH tunnel (README). Jupyter
# refuses to run as root unless told: a root shell (a container, a fresh cloud VM) adds
# --allow-root.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# make test is the whole suite, in two runs: everything but the room on the workers (the
# series in other Regions, profiles and models among it, longest first), then the room
# (mark alone) by itself: thirty kernels next to other notebook runs starve each other.
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) $(XDIST) -m "not alone" $(PYTEST_ARGS)
	$(PY) -m pytest -m "alone" $(PYTEST_ARGS)

# Only the whole-series runs (mark series), for work on them.
test-series: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) $(XDIST) -m "series and not alone" $(PYTEST_ARGS)
	$(PY) -m pytest -m "series and alone" $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) $(XDIST) -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

localcloud: $(STAMP)
	$(PY) -m helpers.localcloud --port 4566 --state-dir .state/localcloud

clean:
	rm -rf $(OUTPUT_DIR) .state .build
