"""Operator actions on dead-lettered jobs: retry (back to the queue) or discard. Staff only,
one transaction each, audited."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _
from procrastinate.sql import queries as procrastinate_queries

from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import Conflict, Forbidden, NotFound
from yalls.core.ops.models import JobFailure


def _require_staff(actor) -> None:
    if not (getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False)):
        raise Forbidden("ops.staff_only", _("Only staff can manage background jobs."))


def _lock_dead_letter(job_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, queue_name, task_name, status, attempts FROM procrastinate_jobs "
            "WHERE id = %s FOR UPDATE",
            [job_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("job.not_found", _("There is no such job."))
    job = dict(zip(("id", "queue", "task", "status", "attempts"), row, strict=True))
    if job["status"] != "failed":
        raise Conflict(
            "job.not_dead_lettered",
            _("Job %(job_id)s is %(status)s, not in the dead-letter list.")
            % {"job_id": job_id, "status": job["status"]},
        )
    return job


def _last_error(job_id: int) -> str:
    failure = JobFailure.objects.filter(job_id=job_id).order_by("-created_at", "-id").first()
    return failure.error_type if failure else ""


def dead_letter_retry(*, actor, job_id: int) -> dict:
    """Put a dead-lettered job back in its queue, due now. It gets one more attempt (Procrastinate
    counts it); if that fails too it returns to the dead-letter list."""
    _require_staff(actor)
    with transaction.atomic(), system_context():
        job = _lock_dead_letter(job_id)
        with connection.cursor() as cursor:
            cursor.execute(
                procrastinate_queries["retry_job"],
                {
                    "job_id": job_id,
                    "retry_at": None,
                    "new_priority": None,
                    "new_queue_name": None,
                    "new_lock": None,
                },
            )
        audit_record(
            actor=actor,
            action="job.retried",
            target_type="job",
            target_id=str(job_id),
            metadata={
                "task": job["task"],
                "queue": job["queue"],
                "attempts": job["attempts"],
                "last_error": _last_error(job_id),
            },
        )
    return job


def dead_letter_discard(*, actor, job_id: int) -> dict:
    """Delete a dead-lettered job for good (its events and failure records go with it); the audit
    event keeps what it was."""
    _require_staff(actor)
    with transaction.atomic(), system_context():
        job = _lock_dead_letter(job_id)
        last_error = _last_error(job_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM procrastinate_jobs WHERE id = %s AND status = 'failed'", [job_id]
            )
        audit_record(
            actor=actor,
            action="job.discarded",
            target_type="job",
            target_id=str(job_id),
            metadata={
                "task": job["task"],
                "queue": job["queue"],
                "attempts": job["attempts"],
                "last_error": last_error,
            },
        )
    return job
