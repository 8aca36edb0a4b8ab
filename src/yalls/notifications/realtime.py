"""Real-time fan-out of unread counts to open browsers, across server processes.

Publishing: `unread_changed(member_id)` (the send and mark-read services call it after commit)
reads the member's unread counts and publishes `{"member": id, "counts": {...}}` on one channel:
Redis pub/sub when `REDIS_URL` is set, PostgreSQL `NOTIFY` otherwise. It never raises: a push
that fails only delays the badge until the browser reconnects (which reads fresh counts).

Receiving: each server process (each event loop) runs one `Hub` — one Redis subscription or one
PostgreSQL `LISTEN` connection, however many browsers are connected — that hands each message to
the streams of that member open in this process. `unread_stream()` is the server-sent events body
of `/notifications/stream`: counts on connect, counts on every change, a heartbeat comment every
15 s, and an end after `STREAM_MAX_SECONDS` (or when the hub loses its backend) so the browser's
EventSource reconnects through the view (re-checking the session) and re-reads the counts.

One channel for every member keeps the receiving side to one connection per process and has no
subscribe race; each message is ~150 bytes. When the volume of changes outgrows that, shard the
channel by a hash of the member id (docs/notifications.md, "Real time").
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing, asynccontextmanager, suppress
from uuid import UUID

from django.conf import settings

from yalls.core import redis as shared_redis

log = logging.getLogger(__name__)

REDIS_CHANNEL = "yalls:notifications:unread"
PG_CHANNEL = "yalls_unread"  # a PostgreSQL identifier; NOTIFY is scoped to the database
HEARTBEAT_SECONDS = 15.0
STREAM_MAX_SECONDS = 300.0  # then the browser reconnects: the session is checked again
DEGRADED_STREAM_SECONDS = 30.0  # no backend: reconnect sooner to pick up fresh counts
RETRY_MS = 3000  # EventSource's reconnect delay
WSGI_RETRY_MS = 15000  # under a WSGI server the stream answers once: the browser polls this often
HUB_CONNECT_TIMEOUT = 5.0
_END = object()


class HubUnavailable(Exception):
    """The pub/sub backend can't be reached: streams go on without live updates."""


def backend() -> str:
    return "redis" if getattr(settings, "REDIS_URL", "") else "postgres"


def redis_channel() -> str:
    return getattr(settings, "NOTIFICATIONS_REDIS_CHANNEL", REDIS_CHANNEL)


# --- Publishing -----------------------------------------------------------------------------------


def message_encode(member_id, counts: dict) -> str:
    return json.dumps({"member": str(member_id), "counts": counts}, separators=(",", ":"))


def publish(member_id, counts: dict) -> None:
    """Send one member's counts to every process. Raises on a backend error (callers decide)."""
    message = message_encode(member_id, counts)
    if backend() == "redis":
        # The process's shared client and circuit: while Redis is down this raises at once
        # (RedisUnavailable) instead of waiting on a socket for every push.
        with shared_redis.using() as client:
            client.publish(redis_channel(), message)
        return
    from django.db import connection

    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL delivers it at commit; in autocommit, at once.
        cursor.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, message])


def publish_many(counts_by_member: dict) -> None:
    """Many members' counts in one round trip (a pipeline, or one statement)."""
    messages = [message_encode(mid, counts) for mid, counts in counts_by_member.items()]
    if not messages:
        return
    if backend() == "redis":
        with shared_redis.using() as client:
            pipe = client.pipeline(transaction=False)
            for message in messages:
                pipe.publish(redis_channel(), message)
            pipe.execute()
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_notify(%s, message) FROM unnest(%s::text[]) AS message",
            [PG_CHANNEL, messages],
        )


def unread_changed(member_id) -> None:
    """The member's unread notifications changed: push their fresh counts to their open pages.
    Call it after commit (`transaction.on_commit(lambda: unread_changed(member.pk))`)."""
    unread_changed_many([member_id])


def unread_changed_many(member_ids: Iterable) -> None:
    """Many members at once (a bulk send): one counts query, then one publish each."""
    from yalls.core.db_context import system_context
    from yalls.notifications.selectors import unread_counts_many

    ids = [str(mid) for mid in member_ids if mid]
    if not ids:
        return
    try:
        with system_context():  # other members' rows: RLS would hide them in a member context
            publish_many(unread_counts_many(ids))
    except Exception:  # the write already committed; the badge catches up on reconnect
        log.warning("notifications: real-time publish failed", exc_info=True)


# --- Receiving: one hub per event loop ------------------------------------------------------------


class Subscription:
    """One open stream's mailbox: it only ever needs the latest counts."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=1)

    def put(self, item) -> None:
        if self._queue.full():
            with suppress(asyncio.QueueEmpty):
                self._queue.get_nowait()  # a newer count replaces an unsent older one
        self._queue.put_nowait(item)

    async def get(self, timeout: float):
        return await asyncio.wait_for(self._queue.get(), timeout)


async def _redis_messages(ready: asyncio.Future) -> AsyncIterator[str]:
    client = shared_redis.subscriber(settings.REDIS_URL)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(redis_channel())
        # Wait for the server's confirmation: from here on no message is missed.
        while True:
            confirm = await pubsub.get_message(timeout=HUB_CONNECT_TIMEOUT)
            if confirm is None:
                raise TimeoutError("no subscribe confirmation from Redis")
            if confirm["type"] == "subscribe":
                break
        ready.set_result(True)
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30.0)
            if message is None:
                await pubsub.ping()  # a dead connection raises here instead of hanging
                continue
            if message["type"] == "message":
                data = message["data"]
                yield data.decode() if isinstance(data, bytes) else data
    finally:
        with suppress(Exception):
            await pubsub.aclose()
        with suppress(Exception):
            await client.aclose()


def _pg_params() -> dict:
    from django.db import connections

    params = connections["default"].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return params


async def _pg_messages(ready: asyncio.Future) -> AsyncIterator[str]:
    import psycopg

    conn = await psycopg.AsyncConnection.connect(**_pg_params(), autocommit=True)
    try:
        await conn.execute(f"LISTEN {PG_CHANNEL}")
        ready.set_result(True)
        while True:
            # notifies() with a timeout ends quietly; a query then proves the connection lives.
            async for notify in conn.notifies(timeout=30.0):
                yield notify.payload
            await conn.execute("SELECT 1")
    finally:
        with suppress(Exception):
            await conn.close()


class Hub:
    """This event loop's one listener and the streams waiting on it, by member id. The listener
    starts with the first stream and stops when the last one leaves."""

    def __init__(self) -> None:
        self._streams: dict[str, set[Subscription]] = defaultdict(set)
        self._task: asyncio.Task | None = None
        self._ready: asyncio.Future | None = None
        self.backend = ""

    async def _start(self) -> None:
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            self.backend = backend()
            self._task = loop.create_task(self._run(self._ready, self.backend))
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), HUB_CONNECT_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise HubUnavailable(f"{self.backend}: {exc or exc.__class__.__name__}") from exc

    async def _run(self, ready: asyncio.Future, which: str) -> None:
        source = _redis_messages if which == "redis" else _pg_messages
        try:
            async with aclosing(source(ready)) as messages:
                async for raw in messages:
                    self._dispatch(raw)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("notifications: real-time listener (%s) stopped: %s", which, exc)
            if not ready.done():
                ready.set_exception(exc)
                ready.exception()  # retrieved: no "exception was never retrieved" noise
        finally:
            # Streams end, browsers reconnect and read fresh counts (a new listener starts then).
            # Not when the last stream left and stopped this listener on purpose.
            if self._task is asyncio.current_task():
                self._end_all()

    def _end_all(self) -> None:
        for subscriptions in list(self._streams.values()):
            for subscription in list(subscriptions):
                subscription.put(_END)

    def _dispatch(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            member, counts = str(message["member"]), message["counts"]
        except (ValueError, KeyError, TypeError):
            log.warning("notifications: ignored a malformed real-time message")
            return
        for subscription in list(self._streams.get(member, ())):
            subscription.put(counts)

    @asynccontextmanager
    async def subscribe(self, member_id):
        """Receive this member's counts while the block runs. Raises when the backend can't be
        reached (the caller streams without live updates then)."""
        member = str(member_id)
        subscription = Subscription()
        self._streams[member].add(subscription)
        try:
            await self._start()
            yield subscription
        finally:
            self._streams[member].discard(subscription)
            if not self._streams[member]:
                del self._streams[member]
            if not self._streams and self._task is not None:
                task, self._task = self._task, None
                if not task.done():
                    task.cancel()
                    with suppress(asyncio.CancelledError, Exception):
                        await task

    async def aclose(self) -> None:
        """End every stream and stop the listener (a server shutting down)."""
        self._end_all()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task

    def open_streams(self) -> int:
        return sum(len(s) for s in self._streams.values())


_hubs: dict[int, tuple[asyncio.AbstractEventLoop, Hub]] = {}


def hub() -> Hub:
    """The running event loop's hub (uvicorn runs one loop per process; tests may run several)."""
    loop = asyncio.get_running_loop()
    entry = _hubs.get(id(loop))
    if entry is None or entry[0] is not loop:
        for key, (other, _) in list(_hubs.items()):
            if other.is_closed():
                del _hubs[key]
        entry = (loop, Hub())
        _hubs[id(loop)] = entry
    return entry[1]


# --- The server-sent events body ------------------------------------------------------------------


def sse_event(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def unread_stream(
    member_id: UUID | str,
    *,
    snapshot: Callable[[], dict],
    heartbeat: float | None = None,
    max_seconds: float | None = None,
) -> AsyncIterator[str]:
    """The SSE body for one signed-in member. `snapshot` is a sync callable reading the counts
    (it runs in the request's thread, after the subscription is live, so no change between the
    read and the subscription can be lost)."""
    from asgiref.sync import sync_to_async

    heartbeat = heartbeat or HEARTBEAT_SECONDS
    max_seconds = max_seconds or STREAM_MAX_SECONDS
    yield f"retry: {RETRY_MS}\n\n"
    deadline = time.monotonic() + max_seconds
    the_hub = hub()
    try:
        async with the_hub.subscribe(member_id) as subscription:
            yield sse_event("unread", await sync_to_async(snapshot)())
            while (left := deadline - time.monotonic()) > 0:
                try:
                    item = await subscription.get(min(heartbeat, left))
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if item is _END:
                    return
                yield sse_event("unread", item)
    except HubUnavailable as exc:
        # No backend: the counts as they are now, heartbeats, and a reconnect a little later.
        log.warning("notifications: streaming without live updates (%s)", exc)
        yield sse_event("unread", await sync_to_async(snapshot)())
        yield ": live updates unavailable\n\n"
        deadline = time.monotonic() + min(max_seconds, DEGRADED_STREAM_SECONDS)
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(heartbeat, left))
            yield ": heartbeat\n\n"
