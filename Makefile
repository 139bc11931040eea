# outreach: the two quick-start targets need only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## demo: install, then run the main job on the example campaign (#LoveAlwaysWins)
demo: $(STAMP)
	$(BIN)/outreach extract
	$(BIN)/outreach update
	$(BIN)/outreach compile
	$(BIN)/outreach stats
	$(BIN)/outreach render --all-locales --out out

## test: install, then run the whole test suite (with lint and type checks)
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python benchmarks/bench_compile.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_check.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
