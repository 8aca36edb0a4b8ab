"""A real worker process: dead letters with tracebacks, SIGKILL recovery, SIGTERM shutdown, locks."""

import os
import signal
from pathlib import Path

from tests.core.jobs import probe_tasks
from tests.core.jobs.conftest import wait_for
from tests.core.jobs.seeding import job_status
from yalls.core.jobs import stalled_jobs_requeue
from yalls.core.ops.models import JobFailure


def _lines(path: Path, prefix: str) -> list[float]:
    if not path.exists():
        return []
    return [
        float(line.split()[1]) for line in path.read_text().splitlines() if line.startswith(prefix)
    ]


def test_failing_job_is_dead_lettered_after_three_attempts_with_its_traceback(workers, tmp_path):
    fails, permanent, ok = tmp_path / "fails", tmp_path / "permanent", tmp_path / "ok"
    failing_id = probe_tasks.always_fails.defer(path=str(fails))
    permanent_id = probe_tasks.permanent_failure.defer(path=str(permanent))
    ok_id = probe_tasks.mark.defer(path=str(ok))

    workers.run_once()

    assert len(_lines(fails, "start")) == 3
    # Procrastinate counts finished runs in `attempts`.
    assert job_status(failing_id) == ("failed", 3)
    failures = list(JobFailure.objects.filter(job_id=failing_id).order_by("attempt"))
    assert [f.attempt for f in failures] == [1, 2, 3]
    last = failures[-1]
    assert last.error_type == "builtins.ValueError"
    assert last.error_message == "the horse is out of hay"
    assert "Traceback (most recent call last)" in last.traceback
    assert "probe_tasks.py" in last.traceback and "always_fails" in last.traceback

    # A permanent error skips the retries.
    assert len(_lines(permanent, "start")) == 1
    assert job_status(permanent_id) == ("failed", 1)
    # And a healthy job ran exactly once.
    assert len(_lines(ok, "done")) == 1
    assert job_status(ok_id) == ("succeeded", 1)


def test_a_worker_killed_mid_job_loses_no_job(workers, tmp_path):
    trace = tmp_path / "slow"
    job_id = probe_tasks.slow_first_time.defer(path=str(trace), seconds=60)
    first = workers.start()
    wait_for(lambda: _lines(trace, "start"), message="the job never started")
    assert job_status(job_id) == ("doing", 0)
    # While its worker is alive (heartbeats), the sweeper leaves the job alone.
    assert stalled_jobs_requeue() == []

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert job_status(job_id) == ("doing", 0)

    # The heartbeat stops; after the timeout (1 s here) the sweeper hands the job back.
    handed_back = wait_for(
        lambda: stalled_jobs_requeue(seconds_since_heartbeat=1.5),
        timeout=15,
        message="the stalled job was never handed back",
    )
    assert handed_back == [job_id]
    assert job_status(job_id) == ("todo", 1)

    workers.run_once()
    assert job_status(job_id) == ("succeeded", 2)
    assert len(_lines(trace, "start")) == 2 and len(_lines(trace, "done")) == 1


def test_sigterm_lets_the_running_job_finish_and_leaves_the_rest_queued(workers, tmp_path):
    running, waiting = tmp_path / "running", tmp_path / "waiting"
    running_id = probe_tasks.sleeps.defer(path=str(running), seconds=2)
    waiting_id = probe_tasks.sleeps.defer(path=str(waiting), seconds=0)
    worker = workers.start("--concurrency=1")
    wait_for(lambda: _lines(running, "start"), message="the job never started")

    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=20)

    assert worker.returncode == 0, workers.log(worker)
    assert len(_lines(running, "done")) == 1
    assert job_status(running_id) == ("succeeded", 1)
    # Not taken after the stop request: still waiting for the next worker.
    assert not waiting.exists()
    assert job_status(waiting_id) == ("todo", 0)


def test_jobs_sharing_a_lock_never_overlap(workers, tmp_path):
    trace = tmp_path / "exclusive"
    for _ in range(2):
        probe_tasks.exclusive.defer(path=str(trace), seconds=0.8)
    worker = workers.start("--concurrency=2", "--fetch-job-polling-interval=0.2")
    wait_for(lambda: len(_lines(trace, "end")) == 2, message="both jobs did not run")
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=20)
    starts, ends = _lines(trace, "start"), _lines(trace, "end")
    assert starts[1] >= ends[0], "the second run started before the first one ended"


def test_a_killed_periodic_run_is_superseded_by_the_queued_next_run(workers, tmp_path):
    """The run killed mid-job holds the lock; the next tick is already queued under the same
    queueing lock. Handing the dead run back would collide with the queueing-lock index (it used
    to raise IntegrityError and jam the job for good): it is aborted and the next run goes."""
    trace = tmp_path / "periodic"
    killed_id = probe_tasks.periodic_like.defer(path=str(trace), seconds=60)
    first = workers.start()
    wait_for(lambda: _lines(trace, "start"), message="the job never started")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    next_id = probe_tasks.periodic_like.defer(path=str(trace), seconds=60)  # the next tick
    assert job_status(next_id) == ("todo", 0)

    def swept():
        stalled_jobs_requeue(seconds_since_heartbeat=1.5)
        return job_status(killed_id)[0] != "doing"

    wait_for(swept, timeout=15, message="the stalled run was never dealt with")
    assert job_status(killed_id) == ("aborted", 1)
    failure = JobFailure.objects.get(job_id=killed_id)
    assert failure.error_type == "yalls.jobs.WorkerLost"
    assert "newer run" in failure.error_message

    workers.run_once()  # the lock is free: the queued run goes
    assert job_status(next_id) == ("succeeded", 1)
    assert len(_lines(trace, "done")) == 1
    # And the sweeper has nothing left to do.
    assert stalled_jobs_requeue(seconds_since_heartbeat=1.5) == []


def test_a_killed_periodic_run_with_no_newer_run_is_handed_back(workers, tmp_path):
    trace = tmp_path / "periodic-alone"
    job_id = probe_tasks.periodic_like.defer(path=str(trace), seconds=60)
    first = workers.start()
    wait_for(lambda: _lines(trace, "start"), message="the job never started")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    handed_back = wait_for(
        lambda: stalled_jobs_requeue(seconds_since_heartbeat=1.5),
        timeout=15,
        message="the stalled job was never handed back",
    )
    assert handed_back == [job_id]
    workers.run_once()
    assert job_status(job_id) == ("succeeded", 2)
