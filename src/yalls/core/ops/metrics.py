"""Request metrics through prometheus_client in multiprocess mode, and the slow-query log.

`MetricsMiddleware` times each request and records it under its route *pattern*
(`request.resolver_match.route`, never the raw path, so the label set stays small): a request
counter, a 5xx counter and a latency histogram. Each process writes its figures to memory-mapped
files in PROMETHEUS_MULTIPROC_DIR (settings sets it before prometheus_client is imported), so a
request costs no network round trip; `/metrics` and the Ops page add up every process's files.
The same middleware logs every query slower than `settings.SLOW_QUERY_MS` with its SQL *shape*
(Django passes parameters separately; literals written into the SQL are replaced by `?`).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

# The value class is chosen when prometheus_client is first imported: settings normally sets the
# directory first; this covers a process that imports metrics without the project settings.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.PROMETHEUS_MULTIPROC_DIR))

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger("yalls.metrics")
slow_query_logger = logging.getLogger("yalls.db.slow")

# Upper bounds of the latency histogram, in milliseconds (the last bucket is +Inf).
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
LABELS = ("route", "method")

# Registered nowhere: in multiprocess mode the figures are read back from the files.
REQUESTS = Counter(
    "yalls_http_requests", "HTTP requests by route pattern and method.", LABELS, registry=None
)
ERRORS = Counter(
    "yalls_http_request_errors",
    "HTTP requests answered with a 5xx status.",
    LABELS,
    registry=None,
)
DURATION = Histogram(
    "yalls_http_request_duration_seconds",
    "HTTP request latency by route pattern.",
    LABELS,
    buckets=[ms / 1000 for ms in BUCKETS_MS],
    registry=None,
)


@dataclass
class RouteStats:
    count: int = 0
    errors: int = 0
    sum_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))

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


def record(route: str, method: str, status: int, duration_ms: float) -> None:
    labels = {"route": route, "method": method if method in METHODS else "OTHER"}
    REQUESTS.labels(**labels).inc()
    if status >= 500:
        ERRORS.labels(**labels).inc()
    DURATION.labels(**labels).observe(duration_ms / 1000)


def registry() -> CollectorRegistry:
    """A registry holding every process's figures, read from the multiprocess directory."""
    collected = CollectorRegistry()
    MultiProcessCollector(collected)
    return collected


def read() -> dict[tuple[str, str], RouteStats]:
    """Per (method, route), since the directory was last emptied, all processes added up."""
    result: dict[tuple[str, str], RouteStats] = defaultdict(RouteStats)
    upper_ms = {ms / 1000: index for index, ms in enumerate(BUCKETS_MS)}
    for family in registry().collect():
        for sample in family.samples:
            key = (sample.labels.get("method", ""), sample.labels.get("route", ""))
            stats = result[key]
            if sample.name == "yalls_http_requests_total":
                stats.count = int(sample.value)
            elif sample.name == "yalls_http_request_errors_total":
                stats.errors = int(sample.value)
            elif sample.name == "yalls_http_request_duration_seconds_sum":
                stats.sum_ms = sample.value * 1000
            elif sample.name == "yalls_http_request_duration_seconds_bucket":
                le = sample.labels["le"]
                index = len(BUCKETS_MS) if le == "+Inf" else upper_ms.get(float(le))
                if index is not None:
                    stats.buckets[index] = int(sample.value)  # cumulative for now
    for stats in result.values():  # cumulative bucket counts -> per bucket
        stats.buckets = [
            b - (stats.buckets[i - 1] if i else 0) for i, b in enumerate(stats.buckets)
        ]
    return dict(result)


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
