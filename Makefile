# The two set-up commands of the README are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint typecheck bench clean FORCE

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BIN)/renewal-sync: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/renewal-sync

## Install everything and run the main job on its embedded default (sandbox + SQLite).
demo: install
	$(BIN)/renewal-sync demo

## Install everything and run lint, type check and the whole test suite (SQLite and PostgreSQL).
test: install
	-@tools/install-node-clients >/dev/null
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/sync.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
