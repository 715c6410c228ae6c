# Revoyure — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run worker scheduler test test-fast test-browser check bench migrate seed messages clean chromium dovecot

$(STAMP): requirements/dev.txt requirements/runtime.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@# WeasyPrint (PDF documents) needs Pango, HarfBuzz's subsetter and a font from the system.
	@{ $(PY) -c 'import weasyprint' 2>/dev/null && ldconfig -p | grep -q libharfbuzz-subset; } || { \
	  echo "Installing Pango, HarfBuzz and fonts for WeasyPrint"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 \
	   libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null) \
	  || { echo "Could not install Pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0'"; exit 1; }; }
	touch $(STAMP)

migrate: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

## Start the app on SQLite with the demo organisation, and print how to log in. The task worker
## (re-evaluations, e-mails) and the scheduler (daily jobs) run beside the web server and stop with it.
run: seed
	@echo ""
	@echo "Revoyure runs on http://$(HOST):$(PORT)/ — log in with one of the accounts above."
	@echo ""
	@$(PY) manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## The database-backed task worker alone (several may run at once).
worker: migrate
	$(PY) manage.py db_worker --no-reload

## The scheduler of periodic jobs alone (several may run at once: each job is claimed atomically).
scheduler: migrate
	$(PY) manage.py run_scheduler

## The whole test suite (unit, integration and browser tests), in parallel.
test: $(STAMP) chromium dovecot
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## Everything but the browser tests.
test-fast: $(STAMP) dovecot
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not browser" $(PYTEST_ARGS)

test-browser: $(STAMP) chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m browser $(PYTEST_ARGS)

# Browser tests use Debian's Chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'sudo apt-get install chromium'"; exit 1; }; }

# The e-mail intake tests read a real local IMAP server: Debian's Dovecot, started by the tests themselves.
dovecot:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  echo "Installing Debian's dovecot-imapd for the e-mail intake tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null) \
	  || { echo "Could not install dovecot: run 'sudo apt-get install dovecot-imapd'"; exit 1; }; }

## Linters, type checks, templates, migrations, translations, architecture.
check: $(STAMP)
	$(BIN)/ruff check revoyure tests bench
	$(BIN)/ruff format --check revoyure tests bench
	$(BIN)/mypy revoyure
	$(BIN)/djlint revoyure --lint --quiet
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_translations
	$(BIN)/lint-imports

## Benchmark against PRODUCT.md §4 (BENCH_DATABASE_URL selects the database; SQLite by default).
bench: $(STAMP)
	$(PY) -m bench.run

messages: $(STAMP)
	for app in revoyure/*/locale; do (cd $$(dirname $$app) && ../../$(PY) ../../manage.py makemessages -l fr --no-obsolete >/dev/null); done
	for app in revoyure/*/locale; do (cd $$(dirname $$app) && ../../$(PY) ../../manage.py compilemessages >/dev/null); done

clean:
	rm -rf $(VENV) var/*.sqlite3* var/media var/static
