"""The digest: at each opted-in member's local digest hour, their unread notifications grouped by
category, once per period — even when the job runs twice or dies half-way."""

from datetime import timedelta

import pytest
from django.core import mail

from tests.factories import MemberFactory
from tests.notifications.core_helpers import DENVER, deferred, prefs, run_deferred, utc
from yalls.notifications import services
from yalls.notifications.models import DigestRun, Notification
from yalls.notifications.services import notify
from yalls.notifications.tasks import notifications_digest_schedule, notifications_digest_send

pytestmark = pytest.mark.django_db
THU_0905 = utc(2026, 1, 15, 16, 5)  # 09:05 MST, Thursday 15 January 2026
MON_0905 = utc(2026, 1, 19, 16, 5)  # Monday 19 January


@pytest.fixture
def reader(db):
    member = MemberFactory(timezone_name=DENVER, password=None, display_name="Rae")
    prefs(member, email=True, quiet_enabled=False, categories_off=["orders"])
    earlier = THU_0905 - timedelta(hours=12)
    for i in range(2):
        notify(recipient=member, kind="social.follow", title=f"Fan {i} followed you",
               actor=MemberFactory(password=None), now=earlier + timedelta(minutes=i))  # fmt: skip
    notify(recipient=member, kind="system.alert", title="Farrier visit moved", now=earlier)
    notify(recipient=member, kind="orders.paid", title="Held: orders are off", now=earlier)
    read = notify(recipient=member, kind="system.alert", title="Already read", now=earlier)
    Notification.objects.filter(pk=read.pk).update(read_at=earlier)
    return member


def test_sent_once_per_period_even_when_the_job_runs_twice(reader):
    assert services.digests_schedule(now=THU_0905 - timedelta(minutes=10)) == 0  # 08:55: not yet
    assert services.digests_schedule(now=THU_0905) == 1
    assert services.digests_schedule(now=THU_0905 + timedelta(minutes=15)) == 0  # the next tick
    assert notifications_digest_schedule(int(THU_0905.timestamp())) == 0  # the periodic job itself
    run = DigestRun.objects.get(member_id=reader.pk)
    assert (run.period_key, run.notification_count) == ("2026-01-15", 3)
    assert len(deferred(notifications_digest_send)) == 1

    assert run_deferred(notifications_digest_send) == [True]
    assert services.digest_deliver(digest_run_id=run.pk) is False  # a retried job: nothing more
    (message,) = mail.outbox
    assert message.subject == "Your daily digest: 3 unread"
    assert "Social (2)" in message.body and "System (1)" in message.body
    assert "Fan 1 followed you" in message.body and "Held" not in message.body
    assert "Already read" not in message.body
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    # The next day is a new period.
    assert services.digests_schedule(now=THU_0905 + timedelta(days=1)) == 1


def test_a_crash_half_way_loses_and_duplicates_nothing(reader, monkeypatch):
    second = MemberFactory(timezone_name=DENVER, password=None)
    prefs(second, email=True, quiet_enabled=False)
    notify(recipient=second, kind="system.alert", title="hello", now=THU_0905 - timedelta(hours=1))
    real_defer = notifications_digest_send.defer
    calls = []

    def dying_defer(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_defer(**kwargs)

    monkeypatch.setattr(notifications_digest_send, "defer", dying_defer)
    with pytest.raises(RuntimeError):
        services.digests_schedule(now=THU_0905)
    assert DigestRun.objects.count() == 1  # the member whose step failed has no run recorded
    monkeypatch.setattr(notifications_digest_send, "defer", real_defer)
    assert services.digests_schedule(now=THU_0905 + timedelta(minutes=15)) == 1  # the retry
    assert DigestRun.objects.count() == 2 and len(deferred(notifications_digest_send)) == 2


def test_nothing_unread_marks_the_period_without_email(db):
    member = MemberFactory(timezone_name=DENVER, password=None)
    prefs(member, email=True)
    assert services.digests_schedule(now=THU_0905) == 1
    assert DigestRun.objects.get(member_id=member.pk).notification_count == 0
    assert deferred(notifications_digest_send) == []


def test_weekly_digests_go_on_mondays(reader):
    prefs(reader, digest_frequency="weekly")
    assert services.digests_schedule(now=THU_0905) == 0
    assert services.digests_schedule(now=MON_0905) == 1
    assert DigestRun.objects.get(member_id=reader.pk).period_key == "2026-W04"


def test_not_opted_in_gets_nothing(reader):
    prefs(reader, digest_frequency="off")
    default_member = MemberFactory(password=None)  # no row: email off by default
    notify(recipient=default_member, kind="system.alert", title="x", now=THU_0905)
    assert services.digests_schedule(now=THU_0905) == 0
    prefs(reader, digest_frequency="daily", email=False)
    assert services.digests_schedule(now=THU_0905) == 0
    assert not DigestRun.objects.exists()


def test_digest_hour_is_local(reader):
    prefs(reader, digest_hour=7)
    assert services.digests_schedule(now=utc(2026, 1, 15, 13, 59)) == 0  # 06:59 MST
    assert services.digests_schedule(now=utc(2026, 1, 15, 14, 0)) == 1  # 07:00 MST
