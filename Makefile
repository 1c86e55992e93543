# negsim: set up, demo, test. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/abu_dhabi_2026.yaml
RUNS   ?= 10000
SEED   ?= 20260204

.PHONY: demo test lint typecheck schema bench clean help

help:
	@echo "make demo   - set up and run the Abu Dhabi 2026 scenario ($(RUNS) runs)"
	@echo "make test   - set up with the dev extras and run the whole test suite"
	@echo "make lint / typecheck / schema / bench / clean"

$(BIN)/negsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/negsim
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

demo: $(BIN)/negsim
	$(BIN)/negsim validate scenarios/*.yaml > /dev/null
	$(BIN)/negsim run $(SCENARIO) --runs $(RUNS) --seed $(SEED) --out runs/demo
	$(BIN)/negsim zones $(SCENARIO) --round 1 --round 2 --round 6

test: $(VENV)/.dev
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy

typecheck: $(VENV)/.dev
	$(BIN)/mypy

schema: $(BIN)/negsim
	$(BIN)/negsim schema --out schema/scenario.schema.json

bench: $(BIN)/negsim
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis .mypy_cache .ruff_cache
