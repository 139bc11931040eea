# outreach: the two quick-start targets need only Python 3.11+ and make.
#
#   make demo          install the runtime lock only, then run the main job on the example
#                      campaign (render everything, merge supporters.csv into
#                      out/supporters.mbox, write the preview site)
#   make test          add the test, docs and corpus locks, then ruff, mypy --strict, the
#                      import layers (lint-imports), the docs in strict mode and pytest
#   make docs          add the docs lock, then build the site into docs/_build/html
#   make test-latest   the same suite against the newest release of every dependency
#   make corpus        add the corpus lock, then fetch the real-world corpus's wheels
#   make test-realworld  both halves of the real-world corpus (the held-out one too)
#   make bench         add the test and corpus locks (bench extra), then run the benchmarks
#   make lock          refresh requirements/*.txt after changing pyproject.toml
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# One hash-checked lock per purpose, each a whole environment at the same versions as the
# others (make lock resolves everything once, then each purpose against that): runtime.txt
# is what `outreach` needs (and the build backend for the editable install); each other
# lock adds the extras of pyproject.toml named below. A new extra goes on one of these lines.
LOCKS_EXTRAS_test   := test
LOCKS_EXTRAS_docs   := docs
LOCKS_EXTRAS_corpus := corpus bench
PURPOSES := test docs corpus
LOCKDIR  := requirements
STAMP    := $(VENV)/.installed-runtime
PIP    := -m pip --disable-pip-version-check --no-input --quiet
# test-latest: a separate environment; PINS adds requirements on top ("babel==2.18.0").
LATEST ?= .venv-latest
PINS   ?=
# make lock: uv writes the lock; this is the uv it uses.
UV_VERSION := 0.13.9
# axe-core for the preview's accessibility tests, exactly as package-lock.json says.
NODE_STAMP := node_modules/.installed

.PHONY: demo test test-latest test-realworld corpus lint bench lock clean browser docs

# Exactly what the runtime lock says, checked against its hashes; the project itself goes in
# editable, built by the locked hatchling (no build isolation: nothing is fetched unpinned).
$(STAMP): pyproject.toml $(LOCKDIR)/runtime.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP) install --require-hashes --no-deps -r $(LOCKDIR)/runtime.txt
	$(BIN)/python $(PIP) install --no-deps --no-build-isolation -e .
	$(BIN)/python $(PIP) check
	touch $(STAMP)

# Another purpose's lock on top (what the runtime lock pins is already there, same versions).
$(VENV)/.installed-%: $(LOCKDIR)/%.txt $(STAMP)
	$(BIN)/python $(PIP) install --require-hashes --no-deps -r $<
	$(BIN)/python $(PIP) check
	touch $@

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
	@echo "outreach is in $(BIN)/: run $(BIN)/outreach --help, or source $(BIN)/activate first;"
	@echo "your own campaign: docs/tutorial.md"

# The docs in strict mode: a warning (a broken link or reference, a page in no toctree) fails.
define suite
	$(1)/ruff check src tests benchmarks
	$(1)/mypy
	$(1)/lint-imports --no-cache
	$(1)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	$(1)/pytest -q
endef

## test: install what the tests need (the runtime, test, docs and corpus locks), then run the
## whole test suite (with lint, type checks and the docs); the browser tests drive Debian's
## chromium, which tools/install-chromium installs when run as root
test: $(PURPOSES:%=$(VENV)/.installed-%) $(NODE_STAMP) browser
	$(call suite,$(BIN))

## docs: build the documentation site into docs/_build/html (open index.html)
docs: $(VENV)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

browser:
	@tools/install-chromium || echo "make: without chromium the browser tests are skipped"

## test-latest: the whole suite with the newest allowed release of every dependency
test-latest: $(NODE_STAMP)
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python $(PIP) install --upgrade pip
	$(LATEST)/bin/python $(PIP) install --upgrade -e ".[test,docs,bench,corpus]" $(PINS)
	$(LATEST)/bin/python tools/lock_drift.py $(LOCKDIR)/runtime.txt $(PURPOSES:%=$(LOCKDIR)/%.txt)
	$(call suite,$(LATEST)/bin)

## corpus: fetch the real-world corpus's wheels (both halves, ~230 MB) into the cache (the
## installed half comes with the corpus lock)
corpus: $(VENV)/.installed-corpus
	$(BIN)/python tests/realworld/fetch.py

## test-realworld: the real-world corpus, both halves (the held-out one is not in `make test`)
test-realworld: $(VENV)/.installed-test corpus
	OUTREACH_REALWORLD=all $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_realworld.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## bench: the benchmarks (their contenders, mailmerge and pofilter among them, come with the
## corpus lock's bench extra; aiosmtpd and polib with the test lock)
bench: $(VENV)/.installed-test $(VENV)/.installed-corpus
	$(BIN)/python benchmarks/bench_compile.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/realworld_report.py
	$(BIN)/python benchmarks/bench_preview.py
	$(BIN)/python benchmarks/bench_merge.py

## lock: resolve pyproject.toml (every extra) and the build backend for every platform, once;
## then write each purpose's lock at those versions
COMPILE = .venv-lock/bin/uv pip compile pyproject.toml $(LOCKDIR)/build.in --universal \
    --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python $(PIP) install uv==$(UV_VERSION)
	$(COMPILE) --all-extras --no-annotate -o .venv-lock/everything.txt
	$(COMPILE) -c .venv-lock/everything.txt -o $(LOCKDIR)/runtime.txt
	$(foreach p,$(PURPOSES),$(COMPILE) -c .venv-lock/everything.txt $(LOCKS_EXTRAS_$(p):%=--extra %) \
	    -o $(LOCKDIR)/$(p).txt &&) true

clean:
	rm -rf $(VENV) $(LATEST) .venv-lock out preview docs/_build node_modules .pytest_cache .mypy_cache .ruff_cache
