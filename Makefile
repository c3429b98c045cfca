# The two commands in the README are the contract: `make run` and `make test`.
# Both create .venv and install the exact pinned versions first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Real CDNOW data beside the checkout (CI and developers); users get a download + cache.
ifneq ($(wildcard ../shared/data/cdnow/CDNOW_sample.txt),)
export PORTFOLIO_LIB_DATA ?= $(abspath ../shared/data/cdnow)
endif

.PHONY: help setup run test-browser test test-unit test-nbval test-notebooks test-badinput test-matrix notebooks notebook lab lint format student bench clean

help:
	@echo "make run        set up, execute every notebook on the bundled data, write build/index.html"
	@echo "make test       set up, then unit tests, nbval on stored notebooks, papermill parameter runs, exercises"
	@echo "make test-matrix  every chapter over the full parameter grid (sizes x seeds x data sets)"
	@echo "make notebooks  re-execute notebooks in place (the only way stored outputs change)"
	@echo "make notebook NB=notebooks/01_data_collection.ipynb   re-execute one notebook in place"
	@echo "make lab        JupyterLab on the notebooks"
	@echo "make lint       ruff"
	@echo "make student    regenerate exercise student copies from the masters"
	@echo "make bench      speed and memory against peers (benchmarks/)"

$(STAMP): requirements/lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || { echo ">> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo ">> installing pinned packages from requirements/lock.txt"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

setup: $(STAMP)

run: setup
	$(BIN)/python -m portfolio_lib run --out build

# The report in headless Chromium, offline (also part of `make test`); .ci/run installs chromium.
test-browser: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m browser tests

test: setup test-unit test-nbval test-notebooks

test-unit: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not notebook and not badinput" tests

test-nbval: setup
	$(BIN)/python -m pytest -p no:cacheprovider --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg -n $(PYTEST_WORKERS) --dist loadfile

test-notebooks: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m notebook tests

# The model-fitting cases of the bad-input sweep (the rest of the sweep runs in test-unit).
test-badinput: setup
	BADINPUT_FULL=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m badinput tests/test_bad_input.py

test-matrix: setup
	$(BIN)/python -m portfolio_lib.matrix --grid full --jobs $(PYTEST_WORKERS) --out build/matrix.csv

notebooks: setup
	$(BIN)/python -m portfolio_lib run --in-place

notebook: setup
	$(BIN)/python -m portfolio_lib run --in-place --only $(NB)

lab: setup
	$(BIN)/jupyter lab notebooks/

lint: setup
	$(BIN)/ruff check portfolio_lib tests benchmarks notebooks exercises
	$(BIN)/ruff format --check portfolio_lib tests benchmarks

format: setup
	$(BIN)/ruff check --fix portfolio_lib tests benchmarks
	$(BIN)/ruff format portfolio_lib tests benchmarks

student: setup
	$(BIN)/python -m portfolio_lib exercises build

bench: setup
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build .pytest_cache .ruff_cache
