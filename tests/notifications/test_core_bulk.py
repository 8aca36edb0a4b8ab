"""One event to many members through jobs: chunked, the same rules per member as `notify`,
bulk inserts, safe to run twice; and the staff broadcast built on it (audited)."""

import pytest
from django.test import Client

from tests.factories import MemberFactory
from tests.notifications import core_helpers
from tests.notifications.core_helpers import DENVER, deferred, prefs, run_deferred, utc
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import DomainError, Forbidden
from yalls.notifications import services
from yalls.notifications.models import Notification
from yalls.notifications.tasks import notifications_bulk_deliver, notifications_email_send
from yalls.social.models import Block, Mute

bell = core_helpers.bell  # a shared fixture
pytestmark = pytest.mark.django_db
NOON = utc(2026, 1, 15, 19, 0)  # 12:00 in Denver
NIGHT_UTC = utc(2026, 1, 16, 9, 0)  # 02:00 in Denver (quiet), 09:00 UTC (not quiet)


def test_bulk_send_applies_each_members_rules(bell, django_capture_on_commit_callbacks):
    plain = [MemberFactory(password=None) for _ in range(3)]
    opted_out = MemberFactory(password=None)
    prefs(opted_out, categories_off=["system"])
    capped = MemberFactory(password=None)
    prefs(capped, daily_cap=0)
    sleeper = MemberFactory(password=None, timezone_name=DENVER)
    emailer = MemberFactory(password=None)
    prefs(emailer, email=True)
    everyone = [*plain, opted_out, capped, sleeper, emailer]

    jobs = services.notify_bulk(
        recipient_ids=[m.pk for m in everyone], kind="system.announcement",
        title="New: stable calendar", dedupe_key="launch-1", chunk_size=3,
    )  # fmt: skip
    assert jobs == 3 and len(deferred(notifications_bulk_deliver)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        for args in [j["args"] for j in deferred(notifications_bulk_deliver)]:
            services.notify_many(**args, now=NIGHT_UTC)
    held = dict(Notification.objects.values_list("recipient_id", "held_reason"))
    assert held == {
        **{m.pk: "" for m in plain}, opted_out.pk: "opted_out", capped.pk: "daily_cap",
        sleeper.pk: "quiet_hours", emailer.pk: "",
    }  # fmt: skip
    assert Notification.objects.get(recipient=sleeper).visible_at == utc(2026, 1, 16, 15, 0)
    assert sorted(bell) == sorted(str(m.pk) for m in [*plain, emailer])
    (email_job,) = deferred(notifications_email_send)
    assert email_job["args"]["notification_ids"] == [
        str(Notification.objects.get(recipient=emailer).pk)
    ]
    # A job that runs twice (worker died after commit) writes nothing more.
    for args in [j["args"] for j in deferred(notifications_bulk_deliver)]:
        services.notify_many(**args, now=NIGHT_UTC)
    assert Notification.objects.count() == len(everyone)


def test_bulk_with_an_actor_respects_blocks_and_mutes_and_skips_the_actor():
    actor, blocker, muter, fan = (MemberFactory(password=None) for _ in range(4))
    Block.objects.create(blocker=blocker, blocked=actor)
    Mute.objects.create(muter=muter, target_kind="member", target_id=actor.pk)
    prefs(fan, quiet_enabled=False)  # the job uses the real clock
    services.notify_bulk(
        recipient_ids=[actor.pk, blocker.pk, muter.pk, fan.pk], kind="events.reminder",
        title="Clinic tomorrow", actor=actor,
    )  # fmt: skip
    run_deferred(notifications_bulk_deliver)
    held = dict(Notification.objects.values_list("recipient_id", "held_reason"))
    assert held == {blocker.pk: "blocked", muter.pk: "muted", fan.pk: ""}


def test_bulk_of_a_groupable_kind_goes_through_notify():
    author, fan = MemberFactory(password=None), MemberFactory(password=None)
    services.notify_many(
        recipient_ids=[author.pk], kind="social.follow", title="x", actor_id=fan.pk
    )
    assert Notification.objects.get().group_key.startswith("social.follow") is False  # no target
    with pytest.raises(ValueError):
        services.notify_bulk(recipient_ids=[author.pk], kind="social.poke", title="x")


def test_broadcast_is_staff_only_validated_and_audited():
    staff = MemberFactory(role="admin", password=None)
    member = MemberFactory(password=None)
    producer = MemberFactory(role="producer", password=None)
    with pytest.raises(Forbidden):
        services.notification_broadcast(actor=member, audience="all", title="x")
    for bad in (
        {"audience": "horses"},
        {"title": ""},
        {"link": "javascript:alert(1)"},
        {"kind": "social.follow"},
    ):
        with pytest.raises(DomainError):
            services.notification_broadcast(
                **{"actor": staff, "audience": "all", "title": "t", **bad}
            )
    assert not AuditEvent.objects.filter(action="notifications.broadcast").exists()

    sent = services.notification_broadcast(
        actor=staff, audience="producer", title="Producer payouts are live", link="/ops"
    )
    assert sent["recipients"] == 1 and sent["jobs"] == 1
    run_deferred(notifications_bulk_deliver)
    (row,) = Notification.objects.all()
    assert (row.recipient_id, row.lane, row.kind) == (producer.pk, "system", "system.announcement")
    event = AuditEvent.objects.get(action="notifications.broadcast")
    assert event.metadata["recipients"] == 1 and event.target_id == sent["broadcast_id"]


def test_broadcast_page():
    staff = MemberFactory(role="admin", password=None)
    member = MemberFactory(password=None)
    client = Client()
    assert client.get("/ops/notifications/broadcast").status_code == 302  # to sign in
    client.force_login(member)
    assert client.get("/ops/notifications/broadcast").status_code == 403
    client.force_login(staff)
    page = client.get("/ops/notifications/broadcast")
    assert page.status_code == 200 and b"No broadcasts yet" in page.content
    bad = client.post(
        "/ops/notifications/broadcast", {"audience": "all", "kind": "system.alert", "title": ""}
    )
    assert bad.status_code == 400 and not deferred(notifications_bulk_deliver)
    sent = client.post(
        "/ops/notifications/broadcast",
        {"audience": "all", "kind": "system.alert", "title": "Arena closed today", "link": "/"},
        follow=True,
    )
    assert sent.status_code == 200 and b"Sending to 2 members" in sent.content
    assert b"Arena closed today" in sent.content  # listed under recent broadcasts
    run_deferred(notifications_bulk_deliver)
    assert Notification.objects.filter(kind="system.alert").count() == 2  # staff get it too
