# The two set-up commands of the README:
#   make serve  - create .venv, install, build the dataset from data/sources, validate, serve
#   make test   - create .venv, install, run the tests
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: serve build validate test bench clean

# Node tools for the tests (Spectral lints the API's OpenAPI document), pinned by package-lock.json.
# Install scripts are not run: none of these tools needs one.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --ignore-scripts && touch $@; \
	else echo "npm not found: the OpenAPI lint test will be skipped (apt-get install npm)"; fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(BIN)/mdo build

validate: build
	$(BIN)/mdo validate dist/mdo.trig

serve: validate
	$(BIN)/mdo serve --data dist/mdo.trig

# pytest exits 5 when it collects no tests; that is not a failure of the code under test.
test: $(VENV)/.installed node_modules/.installed
	$(BIN)/pytest || [ $$? -eq 5 ]

# The scale benchmark (minutes to an hour; writes docs/BENCHMARKS.md); never part of `make test`.
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

clean:
	rm -rf dist $(VENV) node_modules
