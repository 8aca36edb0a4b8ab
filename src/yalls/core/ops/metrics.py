"""Request metrics shared by every web process, and the slow-query log.

`MetricsMiddleware` times each request and records it under its route *pattern*
(`request.resolver_match.route`, never the raw path, so the label set stays small): a request
count, a 5xx error count, the summed duration and latency-histogram bucket counts. They go to
Redis when `REDIS_URL` is set (one pipelined round trip: cumulative totals for Prometheus, plus
per-minute buckets kept two hours for the Ops page), so web processes on many machines add up;
without Redis, or while it is unreachable, each process keeps them in memory and says so.
The same middleware logs every query slower than `settings.SLOW_QUERY_MS` with its SQL *shape*
(Django passes parameters separately; literals written into the SQL are replaced by `?`).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

logger = logging.getLogger("yalls.metrics")
slow_query_logger = logging.getLogger("yalls.db.slow")

# Upper bounds of the latency histogram, in milliseconds (the last bucket is +Inf).
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
MINUTE_BUCKET_TTL_SECONDS = 2 * 60 * 60
REDIS_RETRY_AFTER_SECONDS = 30
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"


@dataclass
class RouteStats:
    count: int = 0
    errors: int = 0
    sum_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))

    def add(self, other: RouteStats) -> None:
        self.count += other.count
        self.errors += other.errors
        self.sum_ms += other.sum_ms
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]

    def quantile_ms(self, q: float) -> float | None:
        """Estimate from the histogram: linear inside the bucket holding the q-th request."""
        if not self.count:
            return None
        rank = q * self.count
        seen = 0
        lower = 0.0
        for index, in_bucket in enumerate(self.buckets):
            upper = BUCKETS_MS[index] if index < len(BUCKETS_MS) else None
            if in_bucket and seen + in_bucket >= rank:
                if upper is None:  # beyond the last bound: all we know is "more than"
                    return float(BUCKETS_MS[-1])
                return lower + (upper - lower) * ((rank - seen) / in_bucket)
            seen += in_bucket
            lower = float(upper) if upper is not None else lower
        return float(BUCKETS_MS[-1])


def bucket_index(duration_ms: float) -> int:
    for index, bound in enumerate(BUCKETS_MS):
        if duration_ms <= bound:
            return index
    return len(BUCKETS_MS)


def _minute(now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // 60)


# --- The store: Redis when configured, per-process memory otherwise ------------------------------


class _MemoryStore:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.totals: dict[tuple[str, str], RouteStats] = defaultdict(RouteStats)
        self.minutes: dict[int, dict[tuple[str, str], RouteStats]] = {}

    def record(self, key: tuple[str, str], minute: int, duration_ms: float, error: bool) -> None:
        with self.lock:
            per_minute = self.minutes.setdefault(minute, defaultdict(RouteStats))
            for stats in (self.totals[key], per_minute[key]):
                stats.count += 1
                stats.errors += int(error)
                stats.sum_ms += duration_ms
                stats.buckets[bucket_index(duration_ms)] += 1
            oldest = minute - MINUTE_BUCKET_TTL_SECONDS // 60
            for old in [m for m in self.minutes if m < oldest]:
                del self.minutes[old]

    def read(self, minutes: list[int] | None) -> dict[tuple[str, str], RouteStats]:
        result: dict[tuple[str, str], RouteStats] = defaultdict(RouteStats)
        with self.lock:
            sources = (
                [self.totals] if minutes is None else [self.minutes.get(m, {}) for m in minutes]
            )
            for source in sources:
                for key, stats in source.items():
                    result[key].add(stats)
        return result

    def clear(self) -> None:
        with self.lock:
            self.totals.clear()
            self.minutes.clear()


_memory = _MemoryStore()
_redis_state: dict[str, object] = {"client": None, "url": None, "down_until": 0.0, "error": ""}


def _key_prefix() -> str:
    return f"{getattr(settings, 'YALLS_CACHE_PREFIX', None) or 'yalls'}:metrics:http"


def redis_client():
    """The shared Redis client, or None when Redis is not configured or recently unreachable."""
    url = settings.REDIS_URL
    if not url:
        return None
    if time.monotonic() < float(_redis_state["down_until"]):
        return None
    if _redis_state["client"] is None or _redis_state["url"] != url:
        import redis

        _redis_state["client"] = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        _redis_state["url"] = url
    return _redis_state["client"]


def _redis_failed(exc: Exception) -> None:
    # Back off: a dead Redis must not add a timeout to every request.
    _redis_state["down_until"] = time.monotonic() + REDIS_RETRY_AFTER_SECONDS
    _redis_state["error"] = exc.__class__.__name__
    logger.warning("metrics: Redis unreachable, keeping metrics in process memory for now")


def backend_name() -> str:
    if not settings.REDIS_URL:
        return "memory"
    return "memory (Redis unreachable)" if redis_client() is None else "redis"


def _field(key: tuple[str, str], kind: str) -> str:
    return f"{key[0]}\t{key[1]}\t{kind}"


def record(route: str, method: str, status: int, duration_ms: float, now: float | None = None):
    key = (method if method in METHODS else "OTHER", route)
    error = status >= 500
    minute = _minute(now)
    client = redis_client()
    if client is not None:
        prefix = _key_prefix()
        minute_key = f"{prefix}:m:{minute}"
        bucket = f"b{bucket_index(duration_ms)}"
        try:
            pipe = client.pipeline(transaction=False)
            for hash_key in (f"{prefix}:total", minute_key):
                pipe.hincrby(hash_key, _field(key, "count"), 1)
                pipe.hincrbyfloat(hash_key, _field(key, "sum"), round(duration_ms, 3))
                pipe.hincrby(hash_key, _field(key, bucket), 1)
                if error:
                    pipe.hincrby(hash_key, _field(key, "errors"), 1)
            pipe.expire(minute_key, MINUTE_BUCKET_TTL_SECONDS)
            pipe.execute()
            return
        except Exception as exc:
            _redis_failed(exc)
    _memory.record(key, minute, duration_ms, error)


def _parse_hash(raw: dict, into: dict[tuple[str, str], RouteStats]) -> None:
    for name, value in raw.items():
        name = name.decode() if isinstance(name, bytes) else name
        method, route, kind = name.split("\t", 2)
        stats = into[(method, route)]
        if kind == "count":
            stats.count += int(value)
        elif kind == "errors":
            stats.errors += int(value)
        elif kind == "sum":
            stats.sum_ms += float(value)
        elif kind.startswith("b"):
            stats.buckets[int(kind[1:])] += int(value)


def read(*, last_minutes: int | None = None) -> dict[tuple[str, str], RouteStats]:
    """Per (method, route): cumulative totals (last_minutes=None) or the sum of the last N minutes.
    Redis figures (all processes) plus this process's in-memory figures (kept while Redis was
    absent or down)."""
    minutes = None
    if last_minutes is not None:
        now = _minute()
        minutes = list(range(now - last_minutes + 1, now + 1))
    result = _memory.read(minutes)
    client = redis_client()
    if client is not None:
        prefix = _key_prefix()
        keys = [f"{prefix}:total"] if minutes is None else [f"{prefix}:m:{m}" for m in minutes]
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(key)
            for raw in pipe.execute():
                _parse_hash(raw, result)
        except Exception as exc:
            _redis_failed(exc)
    return result


def reset() -> None:
    """Forget everything (tests)."""
    _memory.clear()
    _redis_state.update(client=None, url=None, down_until=0.0, error="")
    client = redis_client()
    if client is not None:
        try:
            keys = list(client.scan_iter(f"{_key_prefix()}:*"))
            if keys:
                client.delete(*keys)
        except Exception as exc:
            _redis_failed(exc)


# --- Slow queries ---------------------------------------------------------------------------------

_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
_NUMBER_LITERAL = re.compile(r"(?<![\w$.])-?\d+(?:\.\d+)?(?![\w.])")
_PLACEHOLDER_LIST = re.compile(r"\((?:\s*%s\s*,)+\s*%s\s*\)")
_WHITESPACE = re.compile(r"\s+")


def sql_shape(sql: str, limit: int = 2000) -> str:
    """The statement with literals removed: safe to log (no member data), and the same for every
    call of one query, so slow-query lines group."""
    shape = _STRING_LITERAL.sub("'?'", sql)
    shape = _NUMBER_LITERAL.sub("?", shape)
    shape = _PLACEHOLDER_LIST.sub("(%s, ...)", shape)
    shape = _WHITESPACE.sub(" ", shape).strip()
    return shape[:limit]


def _log_slow_queries(where: str | None, request, execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        duration_ms = (time.perf_counter() - started) * 1000
        if duration_ms >= settings.SLOW_QUERY_MS:
            if where is None:
                match = getattr(request, "resolver_match", None)
                # Middleware queries run before the URL is resolved; never log the raw path.
                where = route_label(match) if match is not None else "<before routing>"
            slow_query_logger.warning(
                "slow query",
                extra={
                    "sql": sql_shape(str(sql)),
                    "duration_ms": round(duration_ms, 1),
                    "route": where,
                    "many": bool(many),
                },
            )


def slow_query_logging(where: str | None = None, request=None):
    """Context manager: log queries slower than SLOW_QUERY_MS on this thread's connection."""
    return connection.execute_wrapper(functools.partial(_log_slow_queries, where, request))


def slow_query_task_middleware(call_next, context, worker):
    """Sync worker task middleware: the same slow-query log for jobs, labelled by task."""
    with slow_query_logging(f"job:{context.job.task_name}"):
        return call_next()


# --- The middleware -------------------------------------------------------------------------------


def route_label(match) -> str:
    route = getattr(match, "route", None) if match is not None else None
    if route is None:
        return UNMATCHED_ROUTE
    return "/" + str(route)


class MetricsMiddleware:
    """First in MIDDLEWARE, so the timing covers every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        status = 500
        try:
            with slow_query_logging(request=request):
                response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            try:
                record(
                    route_label(getattr(request, "resolver_match", None)),
                    request.method or "GET",
                    status,
                    duration_ms,
                )
            except Exception:
                logger.exception("metrics: could not record the request")
