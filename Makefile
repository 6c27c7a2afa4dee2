# The two set-up commands of the README:
#   make serve  - create .venv, install, build the dataset from data/sources, validate, serve
#   make test   - create .venv, install, run the tests
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# The npm packages, pinned by package-lock.json: the query page's editor (served by the endpoint
# from node_modules) and Spectral (the tests lint the API's OpenAPI document with it). No install
# script runs: none of them needs one.
NODE := node_modules/.installed

.PHONY: serve build validate test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(NODE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "warning: no npm; the query page keeps its plain form and the OpenAPI lint test is skipped"; fi

build: $(VENV)/.installed
	$(BIN)/mdo build

validate: build
	$(BIN)/mdo validate dist/mdo.trig

serve: validate $(NODE)
	$(BIN)/mdo serve --data dist/mdo.trig

# pytest exits 5 when it collects no tests; that is not a failure of the code under test.
# Two pytest workers (pytest-xdist), each given whole test files (--dist loadfile) so a module's
# server is started once; the files that use the session's live server or Chromium go to one
# worker together, and the slow files first (tests/conftest.py; --no-loadscope-reorder keeps its
# order). Here, not in pyproject's addopts: `pytest tests/test_x.py` stays one process.
# `make test PYTEST_WORKERS=0` runs the suite in one process (for --pdb, say).
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed $(NODE)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder || [ $$? -eq 5 ]

# The scale benchmark (hours at 1M; writes docs/BENCHMARKS.md); never part of `make test`.
# Sizes and engines one at a time: `bench/run.py --help`. Virtuoso: .ci/install-virtuoso.sh.
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

clean:
	rm -rf dist $(VENV) node_modules
