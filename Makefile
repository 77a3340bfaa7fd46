# promodesk — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCALES := src/promodesk/console/locales

.PHONY: run test check lint bench install install-dev translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	@if [ -d $(LOCALES) ]; then $(BIN)/pybabel -q compile -d $(LOCALES) -D messages -f; fi

run: install translations
	$(BIN)/promodesk migrate
	$(BIN)/promodesk demo
	PROMODESK_DEMO=1 $(BIN)/promodesk serve --banner

lint: install-dev
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

# Tests run on two pytest-xdist workers (one per core); a test module stays whole on one worker
# and the longest modules start first (tests/conftest.py).
# PYTEST_WORKERS=0 runs everything in this one process, e.g. to use a debugger.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: install-dev translations lint
	$(BIN)/pytest $(XDIST)

# The fast loop while working: the gates, then the unit and SQLite integration tests (no
# PostgreSQL, no browser, nothing marked slow), first failure stops.
check: install-dev translations lint
	$(BIN)/pytest -q -x $(XDIST) -m "not postgres and not e2e and not slow" tests/unit tests/integration

bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
