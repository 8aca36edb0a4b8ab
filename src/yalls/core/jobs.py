"""Background jobs (Procrastinate, PostgreSQL-backed): how yalls defines, retries and recovers them.

Tasks live in each app's `tasks.py` and are declared with `yalls_task(...)` (or `yalls_periodic`
for cron work), which gives them the house retry policy: exponential backoff with jitter, capped,
3 attempts, then the dead-letter state (Procrastinate's `failed` status) with the error and
traceback kept in `ops.JobFailure`. Jobs run in the system database context (the owner role):
they act for the platform and load fresh state by id. Defer them inside the business transaction
(the Django connector uses Django's connection) so a rolled-back write leaves no job.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate import jobs as procrastinate_jobs
from procrastinate.contrib.django import app
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

__all__ = [
    "DEFAULT_RETRY",
    "AlreadyEnqueued",
    "BackoffRetry",
    "PermanentJobError",
    "app",
    "defer_once",
    "finished_jobs_prune",
    "on_app_ready",
    "stalled_jobs_requeue",
    "tick_time",
    "yalls_periodic",
    "yalls_task",
]

logger = logging.getLogger("yalls.jobs")

# Deferring a job whose dedupe key (queueing_lock) is already waiting raises this.
AlreadyEnqueued = procrastinate_exceptions.AlreadyEnqueued

# Worker timing. A worker writes a heartbeat every HEARTBEAT_SECONDS; the sweeper hands back the
# jobs of any worker silent for STALLED_AFTER_SECONDS (SIGKILL, OOM, lost machine).
HEARTBEAT_SECONDS = 10.0
STALLED_AFTER_SECONDS = 60
RETENTION_DAYS = 7


def _setting(name: str, default):
    return getattr(settings, name, default)


class PermanentJobError(Exception):
    """Raise from a task when retrying cannot help (bad input, row gone): dead-letter at once."""


@dataclasses.dataclass(frozen=True)
class BackoffRetry(BaseRetryStrategy):
    """`base_seconds × 2^attempt`, capped at `cap_seconds`, times a random factor in
    [1 - jitter, 1 + jitter] (so many jobs failing together do not retry together), for at most
    `max_attempts` runs in total. `attempt` counts from 0 (the first run)."""

    max_attempts: int = 3
    base_seconds: float = 60.0
    cap_seconds: float = 3600.0
    jitter: float = 0.2
    retry_exceptions: tuple[type[BaseException], ...] | None = None

    def delay_seconds(self, attempt: int, rng: random.Random | None = None) -> float:
        raw = min(self.cap_seconds, self.base_seconds * (2**attempt))
        factor = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return min(self.cap_seconds, raw * factor)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, PermanentJobError):
            return None
        if self.retry_exceptions and not isinstance(exception, self.retry_exceptions):
            return None
        # job.attempts is the number of runs before this one: this run was number attempts + 1.
        if job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.delay_seconds(job.attempts)})


DEFAULT_RETRY = BackoffRetry()


def _retry_strategy(retry: BaseRetryStrategy | int | None) -> BaseRetryStrategy:
    if retry is None:
        return DEFAULT_RETRY
    if isinstance(retry, bool):
        raise TypeError("retry takes a strategy or a number of attempts, not a bool")
    if isinstance(retry, int):
        return dataclasses.replace(DEFAULT_RETRY, max_attempts=retry)
    return retry


def yalls_task(
    _func: Callable | None = None,
    *,
    queue: str = "default",
    retry: BaseRetryStrategy | int | None = None,
    priority: int = 0,
    lock: str | None = None,
    queueing_lock: str | None = None,
    name: str | None = None,
    pass_context: bool = False,
):
    """Declare a job. `retry` overrides the default (a `BackoffRetry`, or a number of attempts);
    `queueing_lock` is the dedupe key (a second deferral while one waits raises AlreadyEnqueued);
    `lock` makes jobs sharing it run one at a time."""

    def decorate(func: Callable) -> Any:
        return app.task(
            func,
            queue=queue,
            retry=_retry_strategy(retry),
            priority=priority,
            lock=lock,
            queueing_lock=queueing_lock,
            name=name,
            pass_context=pass_context,
        )

    return decorate(_func) if _func is not None else decorate


def yalls_periodic(*, cron: str, queue: str = "maintenance", retry=None, name: str | None = None):
    """Declare a periodic job (the function takes `timestamp: int`). Every run of it shares one
    `lock` (a run never overlaps the previous one) and one `queueing_lock` (runs do not pile up
    while one waits); workers on many machines defer each tick once (Procrastinate records it)."""

    def decorate(func: Callable) -> Any:
        key = name or f"{func.__module__}.{func.__name__}"
        task = yalls_task(func, queue=queue, retry=retry, lock=key, queueing_lock=key, name=name)
        return app.periodic(cron=cron)(task)

    return decorate


def tick_time(timestamp: int) -> datetime:
    """The instant a periodic run stands for. Jobs judge time by it, never by the wall clock: a run
    that starts late, or is retried, must decide exactly as it would have on time."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


def defer_once(task, *, queueing_lock: str | None = None, **task_kwargs) -> int | None:
    """Defer unless a job with the same dedupe key is already waiting; returns the job id, or None
    when it was already enqueued. Safe inside a business transaction: the attempt runs in a
    savepoint, so the unique-key refusal does not abort the caller's transaction."""
    deferrer = task.configure(queueing_lock=queueing_lock) if queueing_lock else task
    try:
        with transaction.atomic():
            return deferrer.defer(**task_kwargs)
    except AlreadyEnqueued:
        return None


# --- Worker hooks -------------------------------------------------------------------------------


def _failure_record(job: Job, exc: BaseException, trace: str) -> None:
    from yalls.core.ops.models import JobFailure

    JobFailure.objects.create(
        job_id=job.id,
        attempt=job.attempts + 1,
        task_name=job.task_name[:128],
        queue_name=job.queue[:128],
        error_type=f"{type(exc).__module__}.{type(exc).__qualname__}"[:200],
        error_message=str(exc)[:2000],
        traceback=trace[-20000:],
    )


async def record_job_failure(call_next, context, worker):
    """Worker middleware: Procrastinate keeps no error text, so keep each failed attempt's error
    and traceback (the dead-letter page shows the last one). Never masks the job's own error."""
    try:
        return await call_next()
    except Exception as exc:
        trace = traceback.format_exc()
        try:
            from asgiref.sync import sync_to_async

            await sync_to_async(_failure_record, thread_sensitive=True)(context.job, exc, trace)
        except Exception:
            logger.exception("could not record the job failure", extra={"job_id": context.job.id})
        raise


def _worker_connector_in_system_role():
    """The worker's own queue connection (fetch, finish, LISTEN) logs in as the app role like
    everything else, which can do nothing by itself: start its sessions in the system role.
    (A startup option, not a SET: nothing on these connections ever enters a member context.)"""
    from procrastinate import psycopg_connector
    from procrastinate.contrib.django import utils

    params = utils.connector_params("default")
    role = f"-c role={settings.YALLS_DB_SYSTEM_ROLE}"
    params["options"] = f"{params.get('options', '')} {role}".strip()
    return psycopg_connector.PsycopgConnector(kwargs=params)


def on_app_ready(procrastinate_app) -> None:
    """PROCRASTINATE_ON_APP_READY: worker defaults for every `yalls worker`."""
    from yalls.core.ops.metrics import slow_query_task_middleware

    procrastinate_app.connector.get_worker_connector = _worker_connector_in_system_role

    procrastinate_app.worker_defaults = {
        **procrastinate_app.worker_defaults,
        "task_middleware": [
            *procrastinate_app.worker_defaults.get("task_middleware", []),
            slow_query_task_middleware,
        ],
        "worker_middleware": [
            *procrastinate_app.worker_defaults.get("worker_middleware", []),
            record_job_failure,
        ],
        "update_heartbeat_interval": float(_setting("JOBS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)),
        "stalled_worker_timeout": float(
            _setting("JOBS_STALLED_AFTER_SECONDS", STALLED_AFTER_SECONDS)
        ),
    }


# --- Maintenance (run by the periodic tasks in yalls.core.ops.tasks) ----------------------------


WORKER_LOST = "yalls.jobs.WorkerLost"


def _run(coroutine_function, /, **kwargs):
    # The job manager's API is async; with the Django connector its queries still run on this
    # thread's Django connection (asgiref hands thread-sensitive calls back to this thread).
    return async_to_sync(coroutine_function)(**kwargs)


def _superseded_job_abort(job: Job, *, reason: str) -> None:
    """Give up a stalled run instead of handing it back: a newer job with its queueing lock is
    already waiting (a periodic job's next tick, a deduplicated job deferred again), so running
    this one again would duplicate that one, and its `todo` row would collide with the queueing
    lock's unique index. Marked `aborted` (pruned like cancelled jobs, not a dead letter); the
    reason is kept with the failures so the jobs page can say what happened."""
    from yalls.core.ops.models import JobFailure

    _run(
        app.job_manager.finish_job_by_id_async,
        job_id=job.id,
        status=procrastinate_jobs.Status.ABORTED,
        delete_job=False,
    )
    JobFailure.objects.create(
        job_id=job.id,
        attempt=job.attempts + 1,
        task_name=job.task_name[:128],
        queue_name=job.queue[:128],
        error_type=WORKER_LOST,
        error_message=reason[:2000],
    )


def stalled_jobs_requeue(*, seconds_since_heartbeat: float | None = None) -> list[int]:
    """Hand back to the queue every `doing` job whose worker stopped sending heartbeats (killed,
    crashed, machine gone); the lost run counts as an attempt. A stalled job whose queueing lock
    is already held by a newer waiting job is aborted instead (see `_superseded_job_abort`),
    which also frees its `lock` so that newer job can run. Returns the job ids handed back.

    Uses Procrastinate's job manager (get_stalled_jobs, list_jobs, retry_job_by_id,
    finish_job_by_id_async, prune_stalled_workers) rather than its SQL."""
    if seconds_since_heartbeat is None:
        seconds_since_heartbeat = _setting("JOBS_STALLED_AFTER_SECONDS", STALLED_AFTER_SECONDS)
    manager = app.job_manager
    handed_back, aborted = [], []
    stalled = _run(manager.get_stalled_jobs, seconds_since_heartbeat=seconds_since_heartbeat)
    for job in stalled:
        if job.queueing_lock and manager.list_jobs(
            queueing_lock=job.queueing_lock, status=procrastinate_jobs.Status.TODO.value
        ):
            _superseded_job_abort(job, reason="worker lost; a newer run was already queued")
            aborted.append(job.id)
            continue
        try:
            with transaction.atomic():  # a savepoint: a refusal leaves the sweep going
                manager.retry_job_by_id(job_id=job.id, retry_at=datetime.now(UTC))
        except (IntegrityError, procrastinate_exceptions.UniqueViolation):
            # A newer run was queued between the look and the retry.
            _superseded_job_abort(job, reason="worker lost; a newer run was already queued")
            aborted.append(job.id)
            continue
        handed_back.append(job.id)
    # Forget the dead workers so their rows do not pile up.
    _run(manager.prune_stalled_workers, seconds_since_heartbeat=seconds_since_heartbeat)
    for job_id in handed_back:
        logger.warning("stalled job handed back to the queue", extra={"job_id": job_id})
    for job_id in aborted:
        logger.warning("stalled job superseded by a newer queued run", extra={"job_id": job_id})
    return handed_back


def finished_jobs_prune(*, retention_days: int | None = None, queue: str | None = None) -> int:
    """Delete succeeded, cancelled and aborted jobs finished more than `retention_days` ago
    (Procrastinate's `delete_old_jobs`). Dead-lettered (`failed`) jobs stay until an operator
    retries or discards them. Returns how many jobs went."""
    if retention_days is None:
        retention_days = _setting("JOBS_RETENTION_DAYS", RETENTION_DAYS)
    with transaction.atomic():
        before = _jobs_count()
        _run(
            app.job_manager.delete_old_jobs,
            nb_hours=int(retention_days * 24),
            queue=queue,
            include_failed=False,
            include_cancelled=True,
            include_aborted=True,
        )
        return before - _jobs_count()


def _jobs_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs")
        return cursor.fetchone()[0]
