"""Deferring: inside the business transaction (rollback leaves no job), from a member's request
context, and deduplicated by queueing lock."""

import pytest
from django.db import connection, transaction

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import job_status
from yalls.core.db_context import member_context
from yalls.core.jobs import AlreadyEnqueued, defer_once


def _jobs_of(task) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s", [task.name])
        return cursor.fetchone()[0]


def test_a_rolled_back_write_leaves_no_job(clean_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        job_id = probe_tasks.mark.defer(path="/tmp/never")
        # Visible inside the transaction: the deferral went through Django's connection...
        assert job_status(job_id) == ("todo", 0)
        raise RuntimeError("the business write failed")
    # ...so it vanished with the rollback.
    assert job_status(job_id) is None
    assert _jobs_of(probe_tasks.mark) == 0


def test_a_committed_write_keeps_its_job(clean_jobs):
    with transaction.atomic():
        job_id = probe_tasks.mark.defer(path="/tmp/kept")
    assert job_status(job_id) == ("todo", 0)


@pytest.mark.django_db
def test_a_request_scoped_member_context_can_defer():
    # Web requests run as the non-owner member role: deferring must work there too.
    with member_context(None):
        job_id = probe_tasks.mark.defer(path="/tmp/member")
    assert job_status(job_id) == ("todo", 0)


@pytest.mark.django_db
def test_same_dedupe_key_is_enqueued_once():
    probe_tasks.deduped.defer(path="/tmp/a")
    with pytest.raises(AlreadyEnqueued), transaction.atomic():
        probe_tasks.deduped.defer(path="/tmp/b")
    assert _jobs_of(probe_tasks.deduped) == 1


def test_defer_once_keeps_the_business_transaction_usable(clean_jobs):
    with transaction.atomic():
        first = defer_once(probe_tasks.mark, queueing_lock="entity:42:reindex", path="/tmp/a")
        again = defer_once(probe_tasks.mark, queueing_lock="entity:42:reindex", path="/tmp/b")
        other = defer_once(probe_tasks.mark, queueing_lock="entity:43:reindex", path="/tmp/c")
        # The refusal did not abort the transaction: the business write can go on.
        assert job_status(first) == ("todo", 0)
    assert first and other and again is None
    assert _jobs_of(probe_tasks.mark) == 2


@pytest.mark.django_db
def test_a_periodic_run_is_not_queued_twice():
    from yalls.core.ops.tasks import jobs_prune

    assert defer_once(jobs_prune, timestamp=1)
    assert defer_once(jobs_prune, timestamp=2) is None
