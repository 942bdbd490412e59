# The two set-up commands of the README are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint typecheck bench clean FORCE

# The install compiles the rules with mypyc (setup.py) into contract_rules/*.so beside their
# sources, and Python imports those even after the .py changed: so any change to a rule, to
# setup.py or to pyproject.toml reinstalls, and so does switching RENEWAL_SYNC_PURE_PYTHON=1
# (pure Python, no compiled files) on or off. The old compiled files are removed first: an
# editable reinstall only overwrites them, and a pure one would leave them to be imported.
RULES := $(wildcard contract_rules/*.py)
COMPILED := contract_rules/*.so *__mypyc*.so
BUILD_MODE := $(if $(filter 1,$(RENEWAL_SYNC_PURE_PYTHON)),pure,compiled)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Rewritten (and so newer than the install) only when the build mode changes.
$(VENV)/build-mode: FORCE | $(BIN)/python
	@echo $(BUILD_MODE) | cmp -s - $@ || echo $(BUILD_MODE) > $@

$(BIN)/renewal-sync: pyproject.toml setup.py $(RULES) $(VENV)/build-mode | $(BIN)/python
	rm -f $(COMPILED)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/renewal-sync

## Install everything and run the main job on its embedded default (sandbox + SQLite).
demo: install
	$(BIN)/renewal-sync demo

## Install everything and run lint, type check and the whole test suite (SQLite and PostgreSQL).
test: install
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
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(COMPILED)
