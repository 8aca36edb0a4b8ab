"""The house retry policy: exponential backoff with jitter, capped, 3 attempts, per-task override."""

import datetime
import random

import pytest
from procrastinate.jobs import Job

from tests.core.jobs import probe_tasks
from yalls.core.jobs import DEFAULT_RETRY, BackoffRetry, PermanentJobError, app


def _job(attempts: int) -> Job:
    return Job(id=1, queue="q", lock=None, queueing_lock=None, task_name="t", attempts=attempts)


def test_default_is_60s_doubling_three_attempts():
    assert (
        BackoffRetry(max_attempts=3, base_seconds=60, cap_seconds=3600, jitter=0.2) == DEFAULT_RETRY
    )
    exact = BackoffRetry(jitter=0)
    assert [exact.delay_seconds(a) for a in range(4)] == [60, 120, 240, 480]


def test_delay_is_capped():
    assert BackoffRetry(jitter=0).delay_seconds(10) == 3600
    assert max(BackoffRetry().delay_seconds(10, random.Random(s)) for s in range(200)) <= 3600


@pytest.mark.parametrize("attempt,base", [(0, 60), (1, 120), (2, 240)])
def test_jitter_stays_within_twenty_percent_and_spreads(attempt, base):
    rng = random.Random(7)
    delays = [DEFAULT_RETRY.delay_seconds(attempt, rng) for _ in range(2000)]
    assert min(delays) >= base * 0.8
    assert max(delays) <= base * 1.2
    # Spread out: failures at the same moment do not retry at the same moment.
    assert max(delays) - min(delays) > base * 0.3
    assert len({round(d, 3) for d in delays}) > 1000


def test_retry_decisions_then_dead_letter_after_three_runs():
    before = datetime.datetime.now(datetime.UTC)
    first = DEFAULT_RETRY.get_retry_decision(exception=ValueError(), job=_job(0))
    second = DEFAULT_RETRY.get_retry_decision(exception=ValueError(), job=_job(1))
    assert before + datetime.timedelta(seconds=47) <= first.retry_at
    assert first.retry_at <= before + datetime.timedelta(seconds=73)
    assert before + datetime.timedelta(seconds=95) <= second.retry_at
    assert second.retry_at <= before + datetime.timedelta(seconds=145)
    # The third run (attempts == 2) was the last: no decision means "failed" (dead letter).
    assert DEFAULT_RETRY.get_retry_decision(exception=ValueError(), job=_job(2)) is None


def test_permanent_errors_are_not_retried():
    assert (
        DEFAULT_RETRY.get_retry_decision(exception=PermanentJobError("gone"), job=_job(0)) is None
    )


def test_retry_exceptions_limit_what_is_retried():
    strategy = BackoffRetry(retry_exceptions=(TimeoutError,))
    assert strategy.get_retry_decision(exception=TimeoutError(), job=_job(0)) is not None
    assert strategy.get_retry_decision(exception=ValueError(), job=_job(0)) is None


def test_tasks_get_the_default_and_can_override_it():
    assert probe_tasks.mark.retry_strategy is DEFAULT_RETRY
    assert probe_tasks.always_fails.retry_strategy is probe_tasks.IMMEDIATE_RETRY

    from yalls.core.jobs import yalls_task

    @yalls_task(queue="test_jobs", retry=5, name="tests.override_five")
    def five():
        pass

    assert five.retry_strategy.max_attempts == 5
    assert five.retry_strategy.base_seconds == 60
    del app.tasks["tests.override_five"]


def test_periodic_tasks_are_locked_and_deduplicated():
    registered = {p.task.name: p for p in app.periodic_registry.periodic_tasks.values()}
    for name in (
        "yalls.core.ops.tasks.jobs_requeue_stalled",
        "yalls.core.ops.tasks.jobs_prune",
        "yalls.accounts.tasks.refresh_tokens_prune",
    ):
        task = registered[name].task
        assert task.lock == name  # a run never overlaps the previous one
        assert task.queueing_lock == name  # and runs do not pile up
        assert task.retry_strategy is DEFAULT_RETRY
    assert registered["yalls.core.ops.tasks.jobs_requeue_stalled"].cron == "* * * * *"
