# certiflow — the single entry point. `make run` and `make test` work on a fresh clone with Python ≥ 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
HOST   ?= 127.0.0.1:8000
export CERTIFLOW_VAR_DIR ?= $(CURDIR)/var
# Credentials print the address the app is reached at (QR codes, status lists): the one it serves.
export CERTIFLOW_PUBLIC_URL ?= http://$(HOST)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run serve install install-dev migrate seed admin test lint format check-format pytest messages lock bench clean

help:
	@echo "make run      install, migrate the embedded SQLite database, load the seed certifications, serve http://$(HOST)"
	@echo "make test     install the dev dependencies, lint, run the whole test suite (DATABASE_URL selects the database)"
	@echo "make bench    run the benchmarks in bench/ (not part of the tests)"
	@echo "make format   format the code;  make lock  recompile the lockfiles;  make messages  recompile translations"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.base-installed: $(BIN)/uv requirements/base.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/base.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/dev.lock
	@touch $@

install: $(VENV)/.base-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	@mkdir -p $(CERTIFLOW_VAR_DIR)
	$(BIN)/certiflow migrate --no-input

seed: migrate
	$(BIN)/certiflow load_seeds

admin: migrate
	$(BIN)/certiflow ensure_admin

run: seed admin
	@echo "certiflow: http://$(HOST)/  (stop with Ctrl-C)"
	$(BIN)/certiflow runserver $(HOST)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

pytest: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

messages: install-dev
	cd src/certiflow && ../../$(BIN)/certiflow compilemessages --ignore=.venv

lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml -o requirements/base.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o requirements/dev.lock --python-version 3.11

bench: install-dev
	$(BIN)/python bench/import/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
