# outreach: the two quick-start targets need only Python 3.11+ and make.
#
#   make demo          install from the lock, then run the main job on the example campaign
#                      (render everything, merge supporters.csv into out/supporters.mbox,
#                      write the preview site)
#   make test          install from the lock, then ruff, mypy --strict, the import layers
#                      (lint-imports) and pytest
#   make test-latest   the same suite against the newest release of every dependency
#   make lock          refresh requirements/lock.txt after changing pyproject.toml
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt
STAMP  := $(VENV)/.installed
PIP    := -m pip --disable-pip-version-check --no-input --quiet
# test-latest: a separate environment; PINS adds requirements on top ("babel==2.18.0").
LATEST ?= .venv-latest
PINS   ?=
# make lock: uv writes the lock; this is the uv it uses.
UV_VERSION := 0.13.9
# axe-core for the preview's accessibility tests, exactly as package-lock.json says.
NODE_STAMP := node_modules/.installed

.PHONY: demo test test-latest test-realworld corpus lint bench lock clean browser

# Exactly what the lock says, checked against its hashes; the project itself goes in editable,
# built by the locked hatchling (no build isolation: nothing is fetched unpinned).
$(STAMP): pyproject.toml $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP) install --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python $(PIP) install --no-deps --no-build-isolation -e .
	$(BIN)/python $(PIP) check
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## demo: install, then run the main job on the example campaign (#LoveAlwaysWins)
demo: $(STAMP)
	$(BIN)/outreach extract
	$(BIN)/outreach update
	$(BIN)/outreach compile
	$(BIN)/outreach stats
	$(BIN)/outreach render --all-locales --out out
	OUTREACH_UNSUBSCRIBE_SECRET=demo-secret-not-for-production \
	    $(BIN)/outreach merge supporters.csv share --out out/supporters.mbox
	$(BIN)/outreach preview
	@echo "live preview while translating: $(BIN)/outreach preview --serve"

define suite
	$(1)/ruff check src tests benchmarks
	$(1)/mypy
	$(1)/lint-imports --no-cache
	$(1)/pytest -q
endef

## test: install, then run the whole test suite (with lint and type checks); the browser
## tests drive Debian's chromium, which tools/install-chromium installs when run as root
test: $(STAMP) $(NODE_STAMP) browser
	$(call suite,$(BIN))

browser:
	@tools/install-chromium || echo "make: without chromium the browser tests are skipped"

## test-latest: the whole suite with the newest allowed release of every dependency
test-latest: $(NODE_STAMP)
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python $(PIP) install --upgrade pip
	$(LATEST)/bin/python $(PIP) install --upgrade -e ".[test,bench,corpus]" $(PINS)
	$(LATEST)/bin/python tools/lock_drift.py $(LOCK)
	$(call suite,$(LATEST)/bin)

## corpus: fetch the real-world corpus's wheels (both halves, ~125 MB) into the cache
corpus: $(STAMP)
	$(BIN)/python tests/realworld/fetch.py

## test-realworld: the real-world corpus, both halves (the held-out one is not in `make test`)
test-realworld: $(STAMP) corpus
	OUTREACH_REALWORLD=all $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_realworld.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_compile.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/realworld_report.py
	$(BIN)/python benchmarks/bench_preview.py
	$(BIN)/python benchmarks/bench_merge.py

## lock: resolve pyproject.toml (every extra) and the build backend for every platform
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python $(PIP) install uv==$(UV_VERSION)
	.venv-lock/bin/uv pip compile pyproject.toml requirements/build.in --all-extras \
	    --universal --python-version 3.11 --generate-hashes --quiet \
	    --custom-compile-command "make lock" -o $(LOCK)

clean:
	rm -rf $(VENV) $(LATEST) .venv-lock out preview node_modules .pytest_cache .mypy_cache .ruff_cache
