"""Quiet hours and the local day, judged in the member's IANA timezone (pure functions, explicit
`now`, so tests can walk across midnight and daylight-saving changes without freezing time).

A window whose start is after its end crosses midnight (22:00–08:00). On a day the clocks change,
local wall times are turned into instants by `zoneinfo` with fold=0: an end time that does not
exist that day (02:30 on a spring-forward day) lands just after the gap, and one that happens twice
(01:30 on a fall-back day) means its first occurrence.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta


def member_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The member's zone; an unknown or empty name falls back to UTC rather than failing a send."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _at(day: date, wall: time, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, wall.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def in_quiet_window(start: time, end: time, local: time) -> bool:
    """Is the local wall time inside [start, end)? start > end crosses midnight; start == end is
    an empty window."""
    local = local.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(*, start: time, end: time, tz: zoneinfo.ZoneInfo, now: datetime) -> datetime | None:
    """When `now` falls in the member's quiet window, the instant (UTC) it ends; otherwise None."""
    local_now = now.astimezone(tz)
    if not in_quiet_window(start, end, local_now.time()):
        return None
    day = local_now.date()
    # Crossing midnight and still before it: the window ends tomorrow morning.
    if start > end and local_now.time().replace(tzinfo=None) >= start:
        day += timedelta(days=1)
    until = _at(day, end, tz)
    # A wall time inside a spring-forward gap can map to an instant before `now`: never hold
    # something until the past.
    return until if until > now else now


def next_local(wall: time, *, tz: zoneinfo.ZoneInfo, now: datetime) -> datetime:
    """The next instant (UTC) at or after `now` when the member's clock shows `wall`."""
    local_now = now.astimezone(tz)
    candidate = _at(local_now.date(), wall, tz)
    if candidate < now:
        candidate = _at(local_now.date() + timedelta(days=1), wall, tz)
    return candidate


def local_day_bounds(*, tz: zoneinfo.ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the member's local calendar day containing `now` (23 or 25 hours
    long on the days the clocks change)."""
    day = now.astimezone(tz).date()
    return _at(day, time(0), tz), _at(day + timedelta(days=1), time(0), tz)
