"""Pruning finished jobs after the retention period; dead letters are kept."""

import pytest

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import age_job, job_status, seed_dead_letter, set_status
from yalls.core.jobs import finished_jobs_prune
from yalls.core.ops.models import JobFailure


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_jobs")
def test_prune_removes_old_finished_jobs_and_keeps_dead_letters(settings):
    settings.JOBS_RETENTION_DAYS = 7
    old_done = probe_tasks.mark.defer(path="/tmp/1")
    recent_done = probe_tasks.mark.defer(path="/tmp/2")
    waiting = probe_tasks.mark.defer(path="/tmp/3")
    for job_id in (old_done, recent_done):
        set_status(job_id, "doing")
        set_status(job_id, "succeeded")
    # A job that failed once, then succeeded: its failure record goes with it.
    JobFailure.objects.create(
        job_id=old_done, attempt=1, task_name="t", queue_name="q", error_type="E"
    )
    dead = seed_dead_letter()
    for job_id in (old_done, dead, waiting):
        age_job(job_id, days=8)
    age_job(recent_done, days=6)

    finished_jobs_prune()

    assert job_status(old_done) is None
    assert not JobFailure.objects.filter(job_id=old_done).exists()
    assert job_status(recent_done) == ("succeeded", 0)
    assert job_status(waiting) == ("todo", 0)
    assert job_status(dead) == ("failed", 3)
    assert JobFailure.objects.filter(job_id=dead).count() == 3
