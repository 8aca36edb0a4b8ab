"""Tasks used only by the job tests. Each leaves its trace in a file (the worker is another
process), so a test can tell when a job started, finished, or ran twice."""

import time
from pathlib import Path

from yalls.core.jobs import BackoffRetry, PermanentJobError, yalls_task

QUEUE = "test_jobs"
# No waiting between attempts, so one worker pass runs all of them.
IMMEDIATE_RETRY = BackoffRetry(max_attempts=3, base_seconds=0, jitter=0)


def _append(path: str, line: str) -> int:
    with open(path, "a") as handle:
        handle.write(f"{line} {time.time():.6f}\n")
    return sum(1 for _ in open(path))


def _starts(path: str) -> int:
    file = Path(path)
    return (
        sum(1 for line in file.read_text().splitlines() if line.startswith("start"))
        if file.exists()
        else 0
    )


@yalls_task(queue=QUEUE)
def mark(*, path: str) -> None:
    _append(path, "done")


@yalls_task(queue=QUEUE, retry=IMMEDIATE_RETRY)
def always_fails(*, path: str) -> None:
    _append(path, "start")
    raise ValueError("the horse is out of hay")


@yalls_task(queue=QUEUE, retry=IMMEDIATE_RETRY)
def permanent_failure(*, path: str) -> None:
    _append(path, "start")
    raise PermanentJobError("entity 42 is gone")


@yalls_task(queue=QUEUE, retry=IMMEDIATE_RETRY)
def slow_first_time(*, path: str, seconds: float) -> None:
    """The first run sleeps (long enough to be killed); a later run finishes at once."""
    _append(path, "start")
    if _starts(path) == 1:
        time.sleep(seconds)
    _append(path, "done")


@yalls_task(queue=QUEUE)
def sleeps(*, path: str, seconds: float) -> None:
    _append(path, "start")
    time.sleep(seconds)
    _append(path, "done")


@yalls_task(queue=QUEUE, lock="probe-exclusive")
def exclusive(*, path: str, seconds: float) -> None:
    _append(path, "start")
    time.sleep(seconds)
    _append(path, "end")


@yalls_task(queue=QUEUE, queueing_lock="probe-dedupe")
def deduped(*, path: str) -> None:
    _append(path, "done")


@yalls_task(
    queue=QUEUE, retry=IMMEDIATE_RETRY, lock="probe-periodic", queueing_lock="probe-periodic"
)
def periodic_like(*, path: str, seconds: float) -> None:
    """Shaped like a `yalls_periodic` job (one lock and one queueing lock for every run); the first
    run sleeps long enough to be killed."""
    _append(path, "start")
    if _starts(path) == 1:
        time.sleep(seconds)
    _append(path, "done")
