# NextSteps: `make run` to try it, `make test` to check it. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_ENV := SECRET_KEY=test-only-not-secret HTTPS=0 DEBUG=0
# pytest runs in one worker process a core (pytest-xdist), at most four: each worker migrates a
# test database of its own (test_NAME_gw0, test_NAME_gw1, ...), so more workers than cores
# only add that cost. With one core, or PYTEST_WORKERS=0, it runs in a single process. Warning
# filters go in PYTHONWARNINGS, not python -W, so that the workers have them too. loadfile
# hands each test module to one worker, so a module-scoped fixture (a demo built once and
# read by many tests) is built once, not once a worker.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); \
  if [ "$$n" -gt 4 ]; then n=4; elif [ "$$n" -lt 2 ]; then n=0; fi; echo $$n)

.PHONY: run test install lint format demo clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install
	DEBUG=1 $(BIN)/nextsteps migrate --noinput
	DEBUG=1 $(BIN)/nextsteps demo --if-empty
	DEBUG=1 $(BIN)/nextsteps serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/nextsteps makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/nextsteps check
	@if [ -x /usr/bin/chromium ]; then :; else \
	  echo "NOTE: no Chromium at /usr/bin/chromium: the browser tests will be skipped."; \
	  echo "      Install it with: sudo apt-get install chromium"; fi
	$(TEST_ENV) PYTHONWARNINGS=error::DeprecationWarning:nextsteps \
	  $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS); \
	  rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
