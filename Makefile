# yalls: `make up` runs the platform locally, `make test` runs every check CI runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | sha1sum | cut -c1-10)
RUNTIME_STAMP := $(VENV)/.runtime-$(HASH)
DEV_STAMP     := $(VENV)/.dev-$(HASH)
CHROMIUM ?= /usr/bin/chromium
# Tests use the local Redis when one answers (db 15); without it the app's fallbacks are tested.
REDIS_TEST_URL ?= $(shell (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG) && echo redis://127.0.0.1:6379/15)

.PHONY: up test install dev-install chromium redis-server pgbouncer gettext messages lint format seed worker clean-db help

help:
	@echo "make up     - install, start the embedded PostgreSQL, migrate, seed, serve :8000 and run the worker"
	@echo "make test   - install dev tools and Chromium when missing, run ruff, import contracts and pytest"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
dev-install: $(DEV_STAMP)

chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "· installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || exit 1; \
	else \
		echo "Browser tests need Chromium at $(CHROMIUM). Install it (Debian/Ubuntu: sudo apt-get install chromium)"; \
		echo "or point CHROMIUM=/path/to/chromium at one."; exit 1; \
	fi

# Some tests start their own short-lived redis-server (to stop it mid-test without touching a shared one).
redis-server:
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "· installing Debian's redis-server for the tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || exit 1; \
	else \
		echo "Some tests need the redis-server binary (Debian/Ubuntu: sudo apt-get install redis-server)."; exit 1; \
	fi

# The RLS tests also run through a private PgBouncer in transaction pooling mode (tests/pgbouncer.py).
pgbouncer:
	@if command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "· installing Debian's pgbouncer for the tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null) || exit 1; \
	else \
		echo "Some tests need the pgbouncer binary (Debian/Ubuntu: sudo apt-get install pgbouncer)."; exit 1; \
	fi

# GNU gettext: makemessages (and the test that every marked string is translated) need xgettext.
gettext:
	@if command -v xgettext >/dev/null && command -v msgfmt >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "· installing Debian's gettext for the translation check"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) || exit 1; \
	else \
		echo "The translation check needs GNU gettext (Debian/Ubuntu: sudo apt-get install gettext)."; exit 1; \
	fi

# Re-extract every marked string into the es/fr catalogues, then compile them (docs/i18n.md).
# The .mo files are committed, so `make up` on a clean clone needs no gettext.
I18N_IGNORE = --ignore=static --ignore=demo --ignore=migrations --ignore=__pycache__
messages: dev-install gettext
	cd src/yalls && YALLS_ENV=test DJANGO_SETTINGS_MODULE=yalls.settings ../../$(BIN)/django-admin makemessages -l es -l fr --no-obsolete $(I18N_IGNORE)
	cd src/yalls && YALLS_ENV=test DJANGO_SETTINGS_MODULE=yalls.settings ../../$(BIN)/django-admin makemessages -d djangojs -l es -l fr --no-obsolete --ignore=demo --ignore=migrations
	cd src/yalls && YALLS_ENV=test DJANGO_SETTINGS_MODULE=yalls.settings ../../$(BIN)/django-admin compilemessages -l es -l fr $(I18N_IGNORE)

up: install
	$(BIN)/yalls up

seed: install
	$(BIN)/yalls seed

worker: install
	$(BIN)/yalls worker

lint: dev-install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

format: dev-install
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

# Passes: everything that is safe in parallel on PYTEST_WORKERS processes (each worker has its own
# database and Redis prefix), the browser journeys (`e2e`) in parallel on their own (a live sync
# Playwright keeps an event loop running in its process, which async code in other tests refuses),
# then the `serial` tests (real-process fault injection) alone.
# Exit status 5 (no test collected, e.g. PYTEST_ARGS selects none of a pass) is not a failure.
PYTEST_WORKERS ?= 2
TEST_ENV = REDIS_URL=$(REDIS_TEST_URL) YALLS_ENV=test CHROMIUM=$(CHROMIUM)
# Then the time-sensitive tests (`clock` marker, tests/conftest.py CLOCK_PATHS) again, as if the run
# started at each of these instants: 01:30 in Denver on its fall-back day, and 23:30 UTC (17:30 in
# Denver, the hours CI used to fail in). YALLS_TEST_CLOCK=<ISO instant> does it for any run.
TEST_CLOCKS ?= 2026-11-01T08:30:00Z 2026-07-15T23:30:00Z

test: dev-install chromium redis-server pgbouncer gettext lint
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not serial and not e2e" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "e2e and not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(TEST_ENV) $(BIN)/pytest -p no:xdist -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]
	for clock in $(TEST_CLOCKS); do \
		YALLS_TEST_CLOCK=$$clock $(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile \
			-m "clock and not serial" -q $(PYTEST_ARGS) || [ $$? -eq 5 ] || exit 1; \
	done
