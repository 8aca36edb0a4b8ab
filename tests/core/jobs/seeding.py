"""Put jobs in a given state without a worker (for page, service and pruning tests)."""

from django.db import connection

from tests.core.jobs import probe_tasks
from yalls.core.ops.models import JobFailure


def job_status(job_id: int) -> tuple[str, int] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", [job_id])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def set_status(job_id: int, status: str, attempts: int | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = %s, attempts = coalesce(%s, attempts) "
            "WHERE id = %s",
            [status, attempts, job_id],
        )


def seed_dead_letter(*, path: str = "/nonexistent", error: str = "the horse is out of hay") -> int:
    """A job that failed all 3 attempts, with its failures recorded as the worker would."""
    job_id = probe_tasks.always_fails.defer(path=path)
    set_status(job_id, "doing")
    set_status(job_id, "failed", attempts=3)
    for attempt in (1, 2, 3):
        JobFailure.objects.create(
            job_id=job_id,
            attempt=attempt,
            task_name=probe_tasks.always_fails.name,
            queue_name=probe_tasks.QUEUE,
            error_type="builtins.ValueError",
            error_message=error,
            traceback=f'Traceback (most recent call last):\n  File "probe_tasks.py"\nValueError: {error}\n',
        )
    return job_id


def age_job(job_id: int, days: float) -> None:
    """Make every event of the job `days` old (pruning looks at the latest event)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - make_interval(secs => %s) WHERE job_id = %s",
            [days * 86400, job_id],
        )
