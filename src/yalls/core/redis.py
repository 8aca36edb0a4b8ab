"""The one Redis client factory: a client per URL with short timeouts and no retries, behind one
circuit breaker per URL, shared by rate limits, sign-in throttling, metrics and real-time pushes.

Redis is a helper here, never a dependency: every caller has a per-process fallback. The circuit
keeps a dead or hung Redis from costing a timeout on every request: after
`REDIS_CIRCUIT_FAILURES` consecutive failures it opens (logged once), callers go straight to
their fallback, and every `REDIS_CIRCUIT_RETRY_SECONDS` one caller is let through as a probe
(half-open); its success closes the circuit (logged once), so shared state returns promptly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = [
    "REDIS_ERRORS",
    "Circuit",
    "RedisUnavailable",
    "circuit",
    "client",
    "configured_url",
    "redis_available",
    "redis_status",
    "reset",
    "subscriber",
    "using",
]

log = logging.getLogger("yalls.redis")

# What a Redis call raises when the server is away (OSError covers refused and reset sockets).
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
DEFAULT_TIMEOUT_SECONDS = 0.25
# One failure is enough: each one already cost a real request a timeout, and an open circuit
# only means a few seconds of per-process counting before the next probe.
DEFAULT_FAILURES = 1
DEFAULT_RETRY_SECONDS = 5.0


class RedisUnavailable(Exception):
    """Redis is not configured, its circuit is open, or the call just failed: use the fallback."""


def _setting(name: str, default):
    return getattr(settings, name, default)


def configured_url() -> str:
    return _setting("REDIS_URL", "") or ""


class Circuit:
    """Closed (use Redis) → open after `failures` consecutive failures (use the fallback) →
    half-open after `retry_seconds` (exactly one caller probes) → closed or open again."""

    def __init__(self, *, name: str, failures: int, retry_seconds: float):
        self.name = name
        self.failure_threshold = max(1, failures)
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._consecutive = 0
        self._open_since: datetime | None = None
        self._reason = ""
        self._retry_at = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_since is not None

    def allow(self) -> bool:
        """May this caller use Redis now? While open, one caller per interval is the probe."""
        if self._open_since is None:
            return True
        with self._lock:
            if self._open_since is None:
                return True
            now = time.monotonic()
            if self._probing or now < self._retry_at:
                return False
            self._probing = True
            # If the probe never reports (its thread died), let another try after the interval.
            self._retry_at = now + self.retry_seconds
            return True

    def success(self) -> None:
        if self._open_since is None and self._consecutive == 0:
            return
        with self._lock:
            since = self._open_since
            self._consecutive = 0
            self._open_since = None
            self._reason = ""
            self._probing = False
        if since is not None:
            log.warning(
                "redis.restored: %s answers again (down since %s); shared state is back",
                self.name,
                since.isoformat(),
                extra={"event": "redis.restored"},
            )

    def failure(self, exc: BaseException) -> None:
        with self._lock:
            self._consecutive += 1
            self._probing = False
            self._retry_at = time.monotonic() + self.retry_seconds
            if self._open_since is not None or self._consecutive < self.failure_threshold:
                return  # one log line per outage, not one per request
            self._open_since = datetime.now(UTC)
            self._reason = exc.__class__.__name__
        log.warning(
            "redis.fallback: %s is not answering (%s); per-process fallbacks until it is back "
            "(tried again every %ss)",
            self.name,
            self._reason,
            self.retry_seconds,
            extra={"event": "redis.fallback", "reason": self._reason},
        )

    def status(self) -> dict:
        if self._open_since is None:
            return {"circuit": "closed"}
        return {
            "circuit": "open",
            "reason": self._reason,
            "since": self._open_since.isoformat(),
            "retry_in_seconds": max(0.0, round(self._retry_at - time.monotonic(), 1)),
        }


_clients: dict[str, redis.Redis] = {}
_circuits: dict[str, Circuit] = {}
_registry_lock = threading.Lock()


def _resolve(url: str | None) -> str:
    return configured_url() if url is None else url


def client(url: str | None = None) -> redis.Redis:
    """The process's client for `url` (default: REDIS_URL). Raises RedisUnavailable when no URL
    is configured. Timeouts are short and there are no retries: a caller that retried with
    backoff would hold its request hostage; the circuit decides when to try again."""
    url = _resolve(url)
    if not url:
        raise RedisUnavailable("REDIS_URL is not set")
    existing = _clients.get(url)
    if existing is not None:
        return existing
    with _registry_lock:
        if url not in _clients:
            timeout = float(_setting("REDIS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
            _clients[url] = redis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
            )
        return _clients[url]


def _display_name(url: str) -> str:
    # Host and port only: a URL may carry a password, and this name goes into logs.
    parts = urlsplit(url)
    return f"Redis {parts.hostname or parts.path}:{parts.port or 6379}"


def circuit(url: str | None = None) -> Circuit:
    """The one circuit breaker for `url`, shared by every user of that server in this process."""
    url = _resolve(url) or "<unset>"
    existing = _circuits.get(url)
    if existing is not None:
        return existing
    with _registry_lock:
        if url not in _circuits:
            _circuits[url] = Circuit(
                name=_display_name(url),
                failures=int(_setting("REDIS_CIRCUIT_FAILURES", DEFAULT_FAILURES)),
                retry_seconds=float(_setting("REDIS_CIRCUIT_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)),
            )
        return _circuits[url]


@contextmanager
def using(url: str | None = None) -> Iterator[redis.Redis]:
    """`with using() as r: r.incr(...)` — raises RedisUnavailable (at once when the circuit is
    open, or wrapping the Redis error) so the caller falls back in one `except`."""
    url = _resolve(url)
    if not url:
        raise RedisUnavailable("REDIS_URL is not set")
    breaker = circuit(url)
    if not breaker.allow():
        raise RedisUnavailable("circuit open")
    try:
        yield client(url)
    except REDIS_ERRORS as exc:
        breaker.failure(exc)
        raise RedisUnavailable(exc.__class__.__name__) from exc
    breaker.success()


def subscriber(url: str | None = None, *, connect_timeout: float = 2.0):
    """A new asyncio client for one long-lived pub/sub subscription (one per event loop: it can't
    share the sync client's pool). No read timeout: a subscription waits for messages; its
    owner pings it to find a dead connection."""
    import redis.asyncio as aredis

    url = _resolve(url)
    if not url:
        raise RedisUnavailable("REDIS_URL is not set")
    return aredis.Redis.from_url(url, socket_connect_timeout=connect_timeout)


def redis_available(url: str | None = None) -> bool:
    """For /health: does Redis answer? Probes with PING unless the circuit is open and not yet
    due for a retry (then it reports the open circuit without waiting on a socket)."""
    try:
        with using(url) as r:
            r.ping()
    except RedisUnavailable:
        return False
    return True


def redis_status(url: str | None = None) -> dict:
    """/health's view: configured or not, answering or not, and the circuit's state."""
    url = _resolve(url)
    if not url:
        return {"status": "not configured", "fallback": "per-process memory"}
    started = time.perf_counter()
    if redis_available(url):
        return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    return {
        "status": "unreachable",
        "fallback": "per-process memory (rate limits, sign-in throttle, metrics)",
        **circuit(url).status(),
    }


def reset() -> None:
    """Forget every client and circuit (tests; settings changed)."""
    with _registry_lock:
        clients = list(_clients.values())
        _clients.clear()
        _circuits.clear()
    for old in clients:
        with suppress(REDIS_ERRORS):
            old.close()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("REDIS_"):
        reset()
