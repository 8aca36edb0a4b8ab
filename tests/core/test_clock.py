"""The test clocks: `clock` stops time at a known instant, and YALLS_TEST_CLOCK moves every test
of a run to a chosen instant (how `make test` proves the time-sensitive tests at fixed clocks)."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tests import conftest


def test_the_clock_fixture_stops_time_and_moves_on_request(clock):
    start = conftest._test_clock_instant() or conftest.FROZEN_AT
    assert clock.now() == start == timezone.now()
    assert clock.shift(timedelta(hours=3)) == start + timedelta(hours=3) == timezone.now()
    later = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert clock.move_to(later) == later == datetime.now(UTC)


def test_a_run_starts_each_test_at_the_chosen_instant():
    instant = conftest._test_clock_instant()
    now = timezone.now()
    if instant is None:  # no YALLS_TEST_CLOCK: the real clock
        assert abs(now.timestamp() - datetime.now(UTC).timestamp()) < 1
    else:  # the chosen instant, ticking on from the test's start
        assert instant <= now < instant + timedelta(minutes=5)
