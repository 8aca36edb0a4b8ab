"""Quiet hours and the local day in America/Denver, across midnight and both clock changes of
2026 (spring forward 2026-03-08 02:00 → 03:00, fall back 2026-11-01 02:00 → 01:00)."""

from datetime import time, timedelta

import pytest

from tests.notifications.core_helpers import DENVER, utc
from yalls.notifications import quiet

TZ = quiet.member_zone(DENVER)
NIGHT = {"start": time(22), "end": time(8), "tz": TZ}


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (utc(2026, 1, 16, 4, 59), None),  # 21:59 MST: not yet
        (utc(2026, 1, 16, 5, 0), utc(2026, 1, 16, 15, 0)),  # 22:00 MST → 08:00 MST next day
        (utc(2026, 1, 16, 6, 0), utc(2026, 1, 16, 15, 0)),  # 23:00, before midnight
        (utc(2026, 1, 16, 10, 0), utc(2026, 1, 16, 15, 0)),  # 03:00, after midnight
        (utc(2026, 1, 16, 14, 59), utc(2026, 1, 16, 15, 0)),  # 07:59
        (utc(2026, 1, 16, 15, 0), None),  # 08:00: over
        (utc(2026, 7, 1, 5, 0), utc(2026, 7, 1, 14, 0)),  # 23:00 MDT → 08:00 MDT (UTC-6)
    ],
)
def test_window_crossing_midnight(now, until):
    assert quiet.quiet_until(**NIGHT, now=now) == until


def test_spring_forward_night_is_an_hour_shorter():
    # 23:00 MST on 7 March; the clocks jump at 02:00; quiet ends 08:00 MDT = 14:00 UTC.
    start = utc(2026, 3, 8, 6, 0)
    assert quiet.quiet_until(**NIGHT, now=start) == utc(2026, 3, 8, 14, 0)
    # 01:59 MST and 03:00 MDT are one minute apart and both quiet.
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 3, 8, 8, 59)) == utc(2026, 3, 8, 14, 0)
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 3, 8, 9, 0)) == utc(2026, 3, 8, 14, 0)
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 3, 8, 14, 0)) is None  # 08:00 MDT
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 3, 8, 13, 59)) is not None  # 07:59 MDT


def test_fall_back_night_is_an_hour_longer():
    # 23:00 MDT on 31 October → 08:00 MST on 1 November = 15:00 UTC (11 hours).
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 15, 0)
    # 01:30 happens twice (MDT, then MST): both are quiet until the same instant.
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 11, 1, 7, 30)) == utc(2026, 11, 1, 15, 0)
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 11, 1, 8, 30)) == utc(2026, 11, 1, 15, 0)
    assert quiet.quiet_until(**NIGHT, now=utc(2026, 11, 1, 15, 0)) is None


def test_an_end_inside_the_spring_gap_lands_after_it():
    window = {"start": time(23), "end": time(2, 30), "tz": TZ}
    until = quiet.quiet_until(**window, now=utc(2026, 3, 8, 8, 0))  # 01:00 MST
    assert until == utc(2026, 3, 8, 9, 30)  # 03:30 MDT: the first instant past 02:30 wall time
    assert until.astimezone(TZ).hour == 3


def test_daytime_window_and_empty_window():
    window = {"start": time(13), "end": time(15), "tz": TZ}
    assert quiet.quiet_until(**window, now=utc(2026, 1, 16, 20, 0)) == utc(2026, 1, 16, 22, 0)
    assert quiet.quiet_until(**window, now=utc(2026, 1, 16, 23, 0)) is None
    assert quiet.quiet_until(start=time(9), end=time(9), tz=TZ, now=utc(2026, 1, 16, 16)) is None


def test_local_day_is_23_or_25_hours_on_clock_change_days():
    start, end = quiet.local_day_bounds(tz=TZ, now=utc(2026, 3, 8, 12, 0))
    assert (start, end - start) == (utc(2026, 3, 8, 7, 0), timedelta(hours=23))
    start, end = quiet.local_day_bounds(tz=TZ, now=utc(2026, 11, 1, 12, 0))
    assert (start, end - start) == (utc(2026, 11, 1, 6, 0), timedelta(hours=25))
    # 17:30 MST on 15 January is 00:30 UTC on the 16th, still the 15th locally.
    start, _ = quiet.local_day_bounds(tz=TZ, now=utc(2026, 1, 16, 0, 30))
    assert start == utc(2026, 1, 15, 7, 0)


def test_next_local_and_unknown_zone():
    assert quiet.next_local(time(23), tz=TZ, now=utc(2026, 1, 16, 4, 0)) == utc(2026, 1, 16, 6)
    assert quiet.next_local(time(23), tz=TZ, now=utc(2026, 1, 16, 7, 0)) == utc(2026, 1, 17, 6)
    assert str(quiet.member_zone("Mars/Olympus")) == "UTC"
    assert str(quiet.member_zone("")) == "UTC"
