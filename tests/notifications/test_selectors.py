"""Selectors: unread counts per lane (visibility rules), newest-first keyset pages, the drawer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MemberFactory
from tests.notifications.surface_helpers import make_notification
from yalls.core.db_context import member_context
from yalls.core.errors import DomainError, NotFound
from yalls.notifications import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def maya():
    return MemberFactory(handle="maya")


def test_counts_by_lane_only_unread_and_visible(maya):
    other = MemberFactory()
    now = timezone.now()
    make_notification(maya, lane="priority")
    make_notification(maya, lane="social")
    make_notification(maya, lane="social")
    make_notification(maya, lane="system", read_at=now)  # read
    make_notification(maya, lane="system", held_reason="daily_cap")  # held for good
    make_notification(maya, lane="system", held_reason="opted_out")
    make_notification(maya, lane="system", held_reason="muted")
    # quiet hours: shown once the window is over, not before
    make_notification(
        maya, lane="system", held_reason="quiet_hours", visible_at=now - timedelta(minutes=1)
    )
    make_notification(
        maya, lane="social", held_reason="quiet_hours", visible_at=now + timedelta(hours=3)
    )
    make_notification(other, lane="priority")  # someone else's
    assert selectors.unread_counts(maya) == {"priority": 1, "social": 2, "system": 1, "total": 4}
    assert selectors.unread_counts(MemberFactory()) == {
        "priority": 0, "social": 0, "system": 0, "total": 0,
    }  # fmt: skip


def test_counts_is_one_query(maya, django_assert_num_queries):
    for lane in ("priority", "social", "system"):
        make_notification(maya, lane=lane)
    with django_assert_num_queries(1):
        selectors.unread_counts(maya)


def test_counts_many_for_the_fan_out(maya):
    bob = MemberFactory()
    make_notification(maya, lane="priority")
    make_notification(bob, lane="social")
    make_notification(bob, lane="social")
    counts = selectors.unread_counts_many([maya.pk, bob.pk])
    assert counts[str(maya.pk)]["total"] == 1 and counts[str(maya.pk)]["priority"] == 1
    assert counts[str(bob.pk)] == {"priority": 0, "social": 2, "system": 0, "total": 2}


def test_counts_under_rls_see_only_the_member(maya):
    """In a request the member context applies; a forgotten filter still couldn't count others."""
    make_notification(maya, lane="social")
    make_notification(MemberFactory(), lane="social")
    with member_context(maya.pk):
        assert selectors.unread_counts(maya)["total"] == 1
        from yalls.notifications.models import Notification

        assert Notification.objects.count() == 1


def test_page_newest_first_with_cursor_and_lane(maya):
    made = [make_notification(maya, lane="social", minutes_ago=i, title=f"n{i}") for i in range(7)]
    make_notification(maya, lane="priority", title="other lane")
    make_notification(maya, lane="social", held_reason="daily_cap", title="held")
    first = selectors.notifications_page(maya, lane="social", limit=3)
    assert [n.title for n in first.items] == ["n0", "n1", "n2"]
    second = selectors.notifications_page(maya, lane="social", cursor=first.next_cursor, limit=3)
    assert [n.title for n in second.items] == ["n3", "n4", "n5"]
    third = selectors.notifications_page(maya, lane="social", cursor=second.next_cursor, limit=3)
    assert [n.title for n in third.items] == ["n6"] and third.next_cursor is None
    assert len(made) == 7
    everything = selectors.notifications_page(maya, limit=50)
    assert {n.title for n in everything.items} == {f"n{i}" for i in range(7)} | {"other lane"}


def test_page_same_timestamp_is_a_total_order(maya):
    when = timezone.now() - timedelta(minutes=5)
    for i in range(5):
        make_notification(maya, created_at=when, title=f"same{i}")
    seen, cursor = [], None
    while True:
        page = selectors.notifications_page(maya, lane="social", cursor=cursor, limit=2)
        seen += [n.pk for n in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


def test_page_unread_only_and_actor_joined(maya, django_assert_num_queries):
    actor = MemberFactory(display_name="Bob")
    make_notification(maya, actor=actor, title="unread")
    make_notification(maya, actor=actor, title="read", read_at=timezone.now())
    with django_assert_num_queries(1):
        page = selectors.notifications_page(maya, lane="social", unread_only=True)
        assert [(n.title, n.actor.display_name) for n in page.items] == [("unread", "Bob")]


def test_bad_lane_and_cursor_are_domain_errors(maya):
    with pytest.raises(DomainError) as exc:
        selectors.notifications_page(maya, lane="nonsense")
    assert exc.value.code == "notifications.lane_unknown"
    with pytest.raises(DomainError) as exc:
        selectors.notifications_page(maya, lane="social", cursor="%%%not-a-cursor")
    assert exc.value.code == "pagination.bad_cursor"


def test_access_notification_only_own(maya):
    mine = make_notification(maya)
    theirs = make_notification(MemberFactory())
    assert selectors.access_notification(maya, mine.pk) == mine
    for bad in (theirs.pk, "not-a-uuid", None):
        with pytest.raises(NotFound):
            selectors.access_notification(maya, bad)
