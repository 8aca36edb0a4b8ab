"""flags_for: one cached snapshot, invalidated on change, and code defaults when the cache (a real
Redis we start and kill) or the database (a real failing query) can't be reached."""

import time

import pytest
from django.db import connection
from django.test import override_settings

from tests.redis_server import RedisProcess
from yalls.core.flags import FLAG_DEFAULTS, flag_enabled, flag_variant, flags_for, selectors
from yalls.core.flags.models import Flag
from yalls.core.flags.services import flag_create, flag_update

pytestmark = pytest.mark.django_db


def test_flags_for_returns_every_flag(seeded, member):
    flags = flags_for(member)
    assert set(FLAG_DEFAULTS) <= set(flags)
    assert flags["discover_reels"].enabled and not flags["payments_real"].enabled
    assert flag_enabled("feed_shop_blend", member)
    assert flag_variant("feed_shop_blend", member) is None
    assert flag_enabled("no_such_flag", member) is False


def test_warm_cache_costs_no_query(seeded, member, django_assert_num_queries):
    flags_for(member)
    with django_assert_num_queries(0):
        flags_for(member)
    selectors._memo = None  # another process: the snapshot comes from the shared cache
    with django_assert_num_queries(0):
        assert flags_for(member)["discover_reels"].enabled


def test_a_change_is_seen_by_the_next_call(
    seeded, staff, member, django_capture_on_commit_callbacks
):
    assert flags_for(member)["discover_reels"].enabled
    with django_capture_on_commit_callbacks(execute=True):
        flag_update(actor=staff, key="discover_reels", enabled=False)
    assert not flags_for(member)["discover_reels"].enabled
    selectors._memo = None  # and in every other process, through the cache version
    assert not flags_for(member)["discover_reels"].enabled
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(actor=staff, key="brand_new", enabled=True)
    assert flags_for(member)["brand_new"].enabled


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_invalidates_for_real(staff, member):
    from tests.core.flags.samples import sample_flags_ensure

    sample_flags_ensure()
    assert flags_for(member)["discover_reels"].enabled
    flag_update(actor=staff, key="discover_reels", enabled=False)  # commits; the bump follows
    selectors._memo = None
    assert not flags_for(member)["discover_reels"].enabled


def test_database_error_falls_back_to_code_defaults(
    seeded, staff, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flag_update(actor=staff, key="payments_real", enabled=True)
    # A real failing query: the table is out of this transaction's search_path (the app's role
    # may not rename tables).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO pg_catalog")
    try:
        selectors.flag_version_bump()  # drop the cached snapshot so the call must read the table
        flags = flags_for(member)
        assert {k: s.enabled for k, s in flags.items()} == FLAG_DEFAULTS
        assert all(s.reason == "default" for s in flags.values())
        # The savepoint kept the surrounding transaction usable.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET search_path")
    assert flags_for(member)["payments_real"].enabled


def test_api_request_survives_a_database_error(seeded, api_client):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO pg_catalog")
    try:
        selectors.flag_version_bump()
        response = api_client.get("/api/v1/flags", HTTP_X_ANONYMOUS_ID="visitor-123456")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET search_path")
    assert response.status_code == 200
    assert {k: v["enabled"] for k, v in response.json()["flags"].items()} == FLAG_DEFAULTS


@pytest.fixture
def own_redis():
    """A redis-server of our own (never the shared one on 6379), so the test can kill it."""
    server = RedisProcess().start()
    yield server.process, server.port
    server.stop()


def test_unreachable_redis_falls_back_to_code_defaults(
    seeded, staff, member, own_redis, django_capture_on_commit_callbacks
):
    process, port = own_redis
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        with django_capture_on_commit_callbacks(execute=True):
            flag_update(actor=staff, key="payments_real", enabled=True)
        assert flags_for(member)["payments_real"].enabled  # served through our Redis
        process.kill()
        process.wait()
        started = time.monotonic()
        flags = flags_for(member)
        assert time.monotonic() - started < 2
        assert {k: s.enabled for k, s in flags.items()} == FLAG_DEFAULTS
        assert flag_enabled("payments_real", member) is False
        # A change while Redis is down still commits (the bump is best effort).
        with django_capture_on_commit_callbacks(execute=True):
            flag_update(actor=staff, key="discover_reels", enabled=False)
    assert Flag.objects.get(key="discover_reels").enabled is False


def test_every_declared_flag_is_read_by_code_and_no_other_is_seeded(db):
    """A flag ships with the feature it guards: each one in FLAG_DEFAULTS is read somewhere in
    the source, and the database starts with those alone (migration 0003 dropped the rest)."""
    from pathlib import Path

    import yalls

    root = Path(yalls.__file__).parent
    sources = [
        p.read_text()
        for p in root.rglob("*")
        if p.suffix in (".py", ".html")
        and "migrations" not in p.parts
        and p.name != "defaults.py"
        and p.parent.name != "templatetags"
    ]
    for key in FLAG_DEFAULTS:
        assert any(f'"{key}"' in text for text in sources), f"nothing reads the flag {key}"
    from yalls.core.flags.defaults import SEEDED_FLAGS

    assert {spec["key"] for spec in SEEDED_FLAGS} == set(FLAG_DEFAULTS)
    # A transactional test elsewhere may have flushed the table: then nothing is there at all.
    assert set(Flag.objects.values_list("key", flat=True)) <= set(FLAG_DEFAULTS)
