# Fund Supervision Workbench — every target carries a ## comment; `make` lists them.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@scripts/system-packages.sh
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip "setuptools>=77"
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP) ## create .venv with the pinned, tested packages (and system fonts)

demo: setup ## synthetic city -> monthly job -> HTML reports, then the web apps (Ctrl-C stops)
	$(BIN)/workbench demo --serve

test: setup ## lint and run the whole test suite (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -p no:cacheprovider --timeout 900 -n 2

test-fast: setup ## the tests without the slow ones
	$(BIN)/pytest -q -m "not slow" --timeout 600

bench: setup ## run the intake benchmark (2,000,000 persons; minutes)
	$(BIN)/python benchmarks/intake/run.py

# root (a container, a CI runner) needs --allow-root; WORKBENCH_HOME is the project's var/ (workbench.config)
lab: setup ## open JupyterLab on the notebooks and analyses
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

clean: ## remove the virtual environment and the working folder ./var
	rm -rf $(VENV) var

.PHONY: help setup demo test test-fast bench lab clean
