"""Test setup: one embedded PostgreSQL per run (unless DATABASE_URL), no outbound network."""

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine


def pytest_configure(config):
    # The embedded server is left running afterwards, like any local database: test runs (and
    # xdist workers, and a `make up` beside them) share it, each in its own database, and a run
    # that stopped it on exit would kill the others mid-test.
    if not os.environ.get("DATABASE_URL"):
        from yalls.core import embedded_db

        embedded_db.start()


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's setup, but the test database is created, migrated and dropped as the
    schema owner while the tests themselves connect as the app role (RLS is a wall in tests too)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from yalls.core.db_roles import as_owner

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock(), as_owner():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), as_owner():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    """Tests talk only to this machine: a unix socket or a loopback address."""
    if isinstance(address, tuple):
        host = str(address[0])
        if not (host.startswith("127.") or host in {"::1", "localhost"}):
            raise RuntimeError(f"outbound network blocked in tests: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# --- Clocks ----------------------------------------------------------------------------------
# YALLS_TEST_CLOCK=2026-11-01T08:30:00Z runs every test as if it started at that instant (the
# clock then ticks on), so the whole suite can be proven at any time of day or on a DST change.
# Browser tests keep the real clock: Chromium runs in its own process on the real time and would
# drop cookies whose expiry the travelled server computed in its past.
_TEST_CLOCK = os.environ.get("YALLS_TEST_CLOCK", "").strip()
FROZEN_AT = datetime(2026, 1, 15, 16, 5, tzinfo=UTC)  # a Thursday, 09:05 in America/Denver


# Modules that judge time (quiet hours, digests, schedules, token and link expiry, foaling dates):
# `make test` runs them again under two fixed clocks (`-m clock`). A module can also mark itself.
CLOCK_PATHS = (
    "tests/notifications/",
    "tests/demo/",
    "tests/social/api/test_posts.py",
    "tests/social/services/test_posts.py",
    "tests/social/views/test_posts.py",
    "tests/accounts/test_api.py",
    "tests/accounts/test_services.py",
    "tests/entities/test_services.py",
    "tests/core/idempotency/",
    "tests/core/webhooks/",
    "tests/core/test_storage.py",
)


def pytest_collection_modifyitems(config, items):
    root = str(config.rootpath)
    for item in items:
        path = str(item.path).removeprefix(root).lstrip("/")
        if path.startswith(CLOCK_PATHS) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.clock)


def _test_clock_instant() -> datetime | None:
    if not _TEST_CLOCK:
        return None
    return datetime.fromisoformat(_TEST_CLOCK.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture(autouse=True)
def _travel_to_test_clock(request):
    instant = _test_clock_instant()
    if instant is None or request.node.get_closest_marker("e2e"):
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture
def clock():
    """A stopped clock at `FROZEN_AT` (or YALLS_TEST_CLOCK): `clock.now()` reads it, and
    `clock.shift(timedelta(...))` / `clock.move_to(instant)` move it."""
    with time_machine.travel(_test_clock_instant() or FROZEN_AT, tick=False) as traveller:
        yield _Clock(traveller)


class _Clock:
    def __init__(self, traveller):
        self._traveller = traveller

    def now(self) -> datetime:
        return datetime.now(UTC)

    def shift(self, delta: timedelta) -> datetime:
        self._traveller.shift(delta)
        return self.now()

    def move_to(self, instant: datetime) -> datetime:
        self._traveller.move_to(instant)
        return self.now()


@pytest.fixture
def frozen_now(clock) -> datetime:
    """The instant of the stopped `clock`: tests that judge time take it rather than the wall
    clock."""
    return clock.now()


def _clear_cache() -> None:
    """Delete this run's keys only: clear() would FLUSHDB a Redis that other runs share."""
    from django.conf import settings
    from django.core.cache import cache

    from yalls.accounts import signin_guard

    signin_guard.reset_fallback()  # the per-process sign-in counters used without Redis
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_cache():
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def entity_kinds(db):
    """The kind list (a data migration); transactional tests flush it, so put it back."""
    from yalls.entities.kinds import entity_kinds_ensure

    entity_kinds_ensure()


@pytest.fixture
def api_client(db):
    from django.test import Client

    return Client(HTTP_ACCEPT="application/json")
