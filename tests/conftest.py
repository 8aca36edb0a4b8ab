"""Test setup: one embedded PostgreSQL per run (unless DATABASE_URL), no outbound network."""

import os
import socket

import pytest

_started_db = False


def pytest_configure(config):
    global _started_db
    if not os.environ.get("DATABASE_URL"):
        from yalls.core import embedded_db

        _started_db = embedded_db.start()


def pytest_unconfigure(config):
    if _started_db:
        from yalls.core import embedded_db

        embedded_db.stop()


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


def _clear_cache() -> None:
    """Delete this run's keys only: clear() would FLUSHDB a Redis that other runs share."""
    from django.conf import settings
    from django.core.cache import cache

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
