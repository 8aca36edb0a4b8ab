"""Real time: the unread stream over a real ASGI server (uvicorn), fed across processes by
PostgreSQL LISTEN/NOTIFY (no REDIS_URL) and by Redis pub/sub (a private redis-server), and the
hub's bookkeeping: one listener per process, gone with the last stream, streams ended when the
backend dies, no database connection held while streaming."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.factories import MemberFactory
from tests.notifications.surface_asgi import asgi_server_start, free_port, sse_open
from tests.notifications.surface_helpers import make_notification
from tests.redis_server import RedisProcess
from yalls.notifications import realtime

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]

# Run in another process: Django set up against this run's test database, then the publish path
# exactly as a web or worker process runs it after a commit.
PUBLISHER = """
import sys
import django
from django.conf import settings
django.setup()
settings.DATABASES["default"]["NAME"] = sys.argv[1]
if sys.argv[3]:
    settings.NOTIFICATIONS_REDIS_CHANNEL = sys.argv[3]
from yalls.notifications import realtime
realtime.unread_changed(sys.argv[2])
"""


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres_backend(settings):
    settings.REDIS_URL = ""


@pytest.fixture
def private_redis(settings):
    """A redis-server of this test's own (so it can be stopped), on a free port."""
    server = RedisProcess().start()
    settings.REDIS_URL = server.url
    settings.NOTIFICATIONS_REDIS_CHANNEL = f"test:{uuid.uuid4().hex}"
    yield server.process
    server.stop()


@pytest.fixture
def server():
    running = asgi_server_start()
    yield running
    running.stop()


def session_of(member) -> str:
    client = Client()
    client.force_login(member)
    return client.cookies["sessionid"].value


def publish_from_another_process(member, settings) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yalls.settings", "YALLS_ENV": "test"}
    env["REDIS_URL"] = settings.REDIS_URL
    channel = getattr(settings, "NOTIFICATIONS_REDIS_CHANNEL", "") if settings.REDIS_URL else ""
    subprocess.run(
        [
            sys.executable,
            "-c",
            PUBLISHER,
            connection.settings_dict["NAME"],
            str(member.pk),
            channel,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )


def wait_for(predicate, timeout=3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _journey(server, settings):
    maya = MemberFactory()
    make_notification(maya, lane="priority")
    stream = sse_open(server, "/notifications/stream", session_key=session_of(maya))
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type").startswith("text/event-stream")
        assert stream.response.getheader("Cache-Control") == "no-cache, no-transform"
        assert stream.next_event() == (
            "unread",
            {"priority": 1, "social": 0, "system": 0, "total": 1},
        )
        assert stream.retry == realtime.RETRY_MS
        # Published from this process, on another database/Redis connection than the listener.
        make_notification(maya, lane="social")
        started = time.monotonic()
        realtime.unread_changed(maya.pk)
        event = stream.next_event(timeout=2.0)
        assert event == ("unread", {"priority": 1, "social": 1, "system": 0, "total": 2})
        assert time.monotonic() - started < 2.0
        # Published from another process (a second web process or a worker).
        make_notification(maya, lane="system")
        publish_from_another_process(maya, settings)
        assert stream.next_event(timeout=5.0)[1]["total"] == 3
        # Someone else's change never reaches this stream.
        bob = MemberFactory()
        make_notification(bob, lane="social")
        realtime.unread_changed(bob.pk)
        make_notification(maya, lane="system")
        realtime.unread_changed(maya.pk)
        assert stream.next_event(timeout=2.0)[1]["total"] == 4
        hub = server.hub()
        assert hub is not None and hub.open_streams() == 1
    finally:
        stream.close()
    # The disconnect ends the stream, and the last stream stops the listener.
    assert wait_for(lambda: server.hub().open_streams() == 0)
    assert wait_for(lambda: server.hub()._task is None)


def test_stream_over_postgres_listen_notify(server, postgres_backend, settings):
    _journey(server, settings)


def test_stream_over_redis_pubsub(server, private_redis, settings):
    _journey(server, settings)


def test_one_listener_per_process_and_no_database_connection_held(server, postgres_backend):
    """Three open streams: one LISTEN connection for all of them, and no connection held by the
    requests that started them (idle connections back in the process's bounded pool are fine;
    one busy or idle *in a transaction* would be a stream holding the database)."""
    members = [MemberFactory() for _ in range(3)]
    database = connection.settings_dict["NAME"]

    def backends() -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT state, coalesce(query, '') FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
            return cursor.fetchall()

    def others() -> list[tuple[str, str]]:
        return [b for b in backends() if "LISTEN" not in b[1] and b[0] != "idle"]

    sessions = [session_of(m) for m in members]
    before = len(others())  # whatever earlier tests of this run left busy
    streams = [sse_open(server, "/notifications/stream", session_key=key) for key in sessions]
    try:
        for stream in streams:
            assert stream.next_event()[0] == "unread"
        # Request threads closed their connections; the hub holds exactly one, LISTENing.
        assert wait_for(lambda: len(others()) <= before), backends()
        listening = [b for b in backends() if "LISTEN" in b[1]]
        assert listening == [("idle", f"LISTEN {realtime.PG_CHANNEL}")]
        assert not [b for b in backends() if b[0].startswith("idle in transaction")]
        assert server.hub().open_streams() == 3
    finally:
        for stream in streams:
            stream.close()


def test_redis_going_away_ends_streams_and_reconnect_still_gets_counts(
    server, private_redis, settings
):
    maya = MemberFactory()
    make_notification(maya, lane="social")
    session = session_of(maya)
    stream = sse_open(server, "/notifications/stream", session_key=session)
    try:
        assert stream.next_event()[1]["total"] == 1
        private_redis.kill()
        private_redis.wait(5)
        # The listener notices, ends the stream: the browser reconnects after `retry`.
        assert stream.next_event(timeout=40.0) is None
    finally:
        stream.close()
    # Reconnecting without Redis: the counts as they are, then heartbeats (no 500, no hang).
    again = sse_open(server, "/notifications/stream", session_key=session)
    try:
        assert again.response.status == 200
        assert again.next_event(timeout=10.0) == (
            "unread",
            {"priority": 0, "social": 1, "system": 0, "total": 1},
        )
        with pytest.raises(TimeoutError):
            again.next_event(timeout=0.5)
        assert "live updates unavailable" in again.comments
    finally:
        again.close()


def test_heartbeat_comment(server, postgres_backend, monkeypatch):
    monkeypatch.setattr(realtime, "HEARTBEAT_SECONDS", 0.2)
    maya = MemberFactory()
    stream = sse_open(server, "/notifications/stream", session_key=session_of(maya))
    try:
        assert stream.next_event()[0] == "unread"
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=0.7)
        assert "heartbeat" in stream.comments
    finally:
        stream.close()


def test_stream_for_visitors_is_401(server):
    stream = sse_open(server, "/notifications/stream")
    try:
        assert stream.response.status == 401
        assert json.loads(stream.response.read())["code"] == "auth.required"
    finally:
        stream.close()


def test_publish_failure_never_raises(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    realtime.unread_changed(uuid.uuid4())  # logged, not raised
    # The circuit is open now: a second push falls back without touching a socket.
    started = time.monotonic()
    realtime.unread_changed(uuid.uuid4())
    assert time.monotonic() - started < 0.2


def test_malformed_message_is_ignored():
    hub = realtime.Hub()
    hub._dispatch("not json")
    hub._dispatch(json.dumps({"member": "x"}))
    assert hub.open_streams() == 0


@pytest.mark.parametrize("which", ["postgres", "redis"])
def test_bulk_fan_out_reaches_each_member_once(server, settings, request, which):
    """After a bulk send: one counts query and one round trip for every member."""
    request.getfixturevalue("postgres_backend" if which == "postgres" else "private_redis")
    maya, liam = MemberFactory(), MemberFactory()
    streams = {
        m.pk: sse_open(server, "/notifications/stream", session_key=session_of(m))
        for m in (maya, liam)
    }
    try:
        for stream in streams.values():
            assert stream.next_event()[1]["total"] == 0
        make_notification(maya, lane="system")
        make_notification(liam, lane="system")
        make_notification(liam, lane="priority")
        realtime.unread_changed_many([maya.pk, liam.pk])
        assert streams[maya.pk].next_event(timeout=2.0)[1]["total"] == 1
        assert streams[liam.pk].next_event(timeout=2.0)[1] == {
            "priority": 1, "social": 0, "system": 1, "total": 2,
        }  # fmt: skip
    finally:
        for stream in streams.values():
            stream.close()
