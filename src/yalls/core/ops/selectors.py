"""Reads for the Ops pages, /metrics and /health: jobs by queue and status, dead letters, route
latency, database and Redis state. Callers check that the reader is staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from procrastinate.contrib.django.models import ProcrastinateJob

from yalls.core.ops import metrics
from yalls.core.ops.models import JobFailure

JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
DEAD_LETTER_STATUS = "failed"
PAGE_SIZE = 50


def job_counts() -> list[dict]:
    """Rows of {queue, status, count}, every queue and status that has jobs."""
    rows = (
        ProcrastinateJob.objects.values("queue_name", "status")
        .annotate(count=Count("id"))
        .order_by("queue_name", "status")
    )
    return [{"queue": r["queue_name"], "status": r["status"], "count": r["count"]} for r in rows]


def job_counts_by_task() -> list[dict]:
    rows = (
        ProcrastinateJob.objects.values("task_name", "status")
        .annotate(count=Count("id"))
        .order_by("task_name", "status")
    )
    return [{"task": r["task_name"], "status": r["status"], "count": r["count"]} for r in rows]


def job_table(counts: list[dict] | None = None) -> list[dict]:
    """One row per queue with a count per status (the Ops jobs table)."""
    by_queue: dict[str, dict[str, int]] = {}
    for row in counts if counts is not None else job_counts():
        by_queue.setdefault(row["queue"], dict.fromkeys(JOB_STATUSES, 0))[row["status"]] = row[
            "count"
        ]
    return [
        {"queue": queue, "counts": [statuses[s] for s in JOB_STATUSES], **statuses}
        for queue, statuses in sorted(by_queue.items())
    ]


def queue_depth(counts: list[dict] | None = None) -> dict[str, int]:
    """Jobs waiting (`todo`) and running (`doing`), all queues together, and dead letters."""
    counts = counts if counts is not None else job_counts()
    total = dict.fromkeys(("todo", "doing", "failed"), 0)
    for row in counts:
        if row["status"] in total:
            total[row["status"]] += row["count"]
    return {"todo": total["todo"], "doing": total["doing"], "dead_letters": total["failed"]}


def jobs_health() -> dict:
    depth = queue_depth()
    return {
        "queue_depth": {"todo": depth["todo"], "doing": depth["doing"]},
        "dead_letters": depth["dead_letters"],
    }


@dataclass(frozen=True)
class JobRow:
    id: int
    queue: str
    task: str
    status: str
    attempts: int
    args: dict
    scheduled_at: object
    last_error_type: str = ""
    last_error_message: str = ""
    last_traceback: str = ""
    failed_at: object = None


def _row(job: ProcrastinateJob, failure: JobFailure | None = None) -> JobRow:
    return JobRow(
        id=job.id,
        queue=job.queue_name,
        task=job.task_name,
        status=job.status,
        attempts=job.attempts,
        args=job.args,
        scheduled_at=job.scheduled_at,
        last_error_type=failure.error_type if failure else "",
        last_error_message=failure.error_message if failure else "",
        last_traceback=failure.traceback if failure else "",
        failed_at=failure.created_at if failure else None,
    )


def _last_failures(job_ids: list[int]) -> dict[int, JobFailure]:
    if not job_ids:
        return {}
    failures = (
        JobFailure.objects.filter(job_id__in=job_ids)
        .order_by("job_id", "-created_at", "-id")
        .distinct("job_id")
    )
    return {f.job_id: f for f in failures}


def recent_jobs(*, queue: str | None = None, status: str | None = None) -> list[JobRow]:
    """The newest jobs, optionally of one queue and/or status (bounded page)."""
    qs = ProcrastinateJob.objects.all()
    if queue:
        qs = qs.filter(queue_name=queue)
    if status:
        qs = qs.filter(status=status)
    jobs = list(qs.order_by("-id")[:PAGE_SIZE])
    failures = _last_failures([j.id for j in jobs if j.status == DEAD_LETTER_STATUS])
    return [_row(j, failures.get(j.id)) for j in jobs]


def dead_letters() -> list[JobRow]:
    """Dead-lettered jobs (retries exhausted), newest first, each with its last error."""
    jobs = list(
        ProcrastinateJob.objects.filter(status=DEAD_LETTER_STATUS).order_by("-id")[:PAGE_SIZE]
    )
    failures = _last_failures([j.id for j in jobs])
    return [_row(j, failures.get(j.id)) for j in jobs]


def queue_names() -> list[str]:
    return list(
        ProcrastinateJob.objects.values_list("queue_name", flat=True)
        .distinct()
        .order_by("queue_name")
    )


@dataclass(frozen=True)
class RouteRow:
    method: str
    route: str
    count: int
    errors: int
    error_rate: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def route_latency(*, limit: int = 50) -> list[RouteRow]:
    """p50/p95/p99 (from the histogram buckets) and error rate per route since the metrics
    directory was last emptied (a deploy), all processes of this machine, busiest first."""
    rows = []
    for (method, route), stats in metrics.read().items():
        if not stats.count:
            continue
        rows.append(
            RouteRow(
                method=method,
                route=route,
                count=stats.count,
                errors=stats.errors,
                error_rate=stats.errors / stats.count,
                p50_ms=stats.quantile_ms(0.50),
                p95_ms=stats.quantile_ms(0.95),
                p99_ms=stats.quantile_ms(0.99),
            )
        )
    rows.sort(key=lambda r: (-r.count, r.route, r.method))
    return rows[:limit]


def database_connections() -> int | None:
    """Connections open to this database (all processes), from pg_stat_activity."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]
    except Exception:
        return None


def redis_state() -> dict:
    """Redis status and the cache hit ratio (keyspace hits / (hits + misses) since Redis started)."""
    from django.conf import settings

    from yalls.core import redis as shared_redis

    if not settings.REDIS_URL:
        return {"status": "not configured", "hit_ratio": None}
    try:
        with shared_redis.using() as client:
            info = client.info("stats")
    except shared_redis.RedisUnavailable:
        return {"status": "unreachable", "hit_ratio": None}
    hits, misses = int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))
    ratio = hits / (hits + misses) if hits + misses else None
    return {"status": "ok", "hit_ratio": ratio}
