"""The periodic notification jobs judge time by their tick, never by the wall clock: a run that
starts late or is retried decides as it would have on time (CI once failed from 16:00 to 22:00
UTC because the digest job read the wall clock)."""

from datetime import timedelta

import pytest

from tests.factories import MemberFactory
from tests.notifications.core_helpers import DENVER, prefs, utc
from yalls.notifications.models import DigestRun, Notification
from yalls.notifications.services import notify
from yalls.notifications.tasks import notifications_digest_schedule, notifications_quiet_release

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
THU_0905 = utc(2026, 1, 15, 16, 5)  # 09:05 in Denver, the member's digest hour


@pytest.fixture
def reader(db):
    member = MemberFactory(timezone_name=DENVER, password=None)
    prefs(member, email=True, quiet_enabled=False, digest_hour=9)
    notify(
        recipient=member, kind="system.alert", title="Farrier", now=THU_0905 - timedelta(hours=2)
    )
    return member


@pytest.mark.parametrize("wall_clock_hour", [3, 17, 23])
def test_the_digest_job_judges_by_its_tick(reader, clock, wall_clock_hour):
    # The wall clock is far from the member's digest hour; the tick is in it.
    clock.move_to(utc(2026, 3, 2, wall_clock_hour, 30))
    assert notifications_digest_schedule(int(THU_0905.timestamp())) == 1
    assert DigestRun.objects.get(member_id=reader.pk).period_key == "2026-01-15"
    # A tick outside the hour records nothing, whatever the wall clock says.
    clock.move_to(THU_0905)
    assert notifications_digest_schedule(int((THU_0905 + timedelta(hours=5)).timestamp())) == 0


def test_the_quiet_release_job_judges_by_its_tick(reader, clock):
    clock.move_to(utc(2026, 3, 2, 3, 0))
    row = Notification.objects.get(recipient_id=reader.pk)
    Notification.objects.filter(pk=row.pk).update(held_reason="quiet_hours", visible_at=THU_0905)
    # The wall clock is weeks past the window's end, but the tick is a minute before it.
    assert notifications_quiet_release(int((THU_0905 - timedelta(minutes=1)).timestamp())) == 0
    row.refresh_from_db()
    assert row.held_reason == "quiet_hours"
    assert notifications_quiet_release(int(THU_0905.timestamp())) == 1
    row.refresh_from_db()
    assert row.held_reason == ""
