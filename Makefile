# roadnet — two commands get everything running: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
COUNTY := layers/county.toml

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/roadnet demo

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check roadnet tests
	$(BIN)/ruff format --check roadnet tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/bench -o addopts='-ra --strict-markers'

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
