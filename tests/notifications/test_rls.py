"""Row-level security: a member's request context sees none of another member's notifications,
preferences or digest runs — even with a forgotten filter — while the send service, called from
one member's request, still writes the other member's notification."""

import pytest
from django.db import DatabaseError, transaction

from tests.factories import MemberFactory
from yalls.core.db_context import member_context
from yalls.notifications import selectors, services
from yalls.notifications.models import DigestRun, Notification, Preference

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    a, b = MemberFactory(password=None), MemberFactory(password=None)
    for member in (a, b):
        Preference.objects.create(member=member, quiet_enabled=False)
        services.notify(recipient=member, kind="system.alert", title=f"for {member.handle}")
        DigestRun.objects.create(member=member, period_key="2026-01-15")
    return a, b


def test_a_member_sees_only_their_own_rows(pair):
    a, b = pair
    with member_context(a.pk):
        assert {n.recipient_id for n in Notification.objects.all()} == {a.pk}
        assert list(Preference.objects.values_list("member_id", flat=True)) == [a.pk]
        assert list(DigestRun.objects.values_list("member_id", flat=True)) == [a.pk]
        assert selectors.unread_counts(b)["total"] == 0  # asking about b from a's context: nothing
    with member_context(None):
        assert not Notification.objects.exists() and not Preference.objects.exists()


def test_a_member_cannot_write_anothers_rows(pair):
    a, b = pair
    with member_context(a.pk):
        assert Notification.objects.filter(recipient=b).update(read_at="2026-01-01T00:00Z") == 0
        assert (
            services.notifications_mark_read(member=a, ids=[str(Notification.objects.get().pk)])
            == 1
        )
    c = MemberFactory(password=None)
    with pytest.raises(DatabaseError), member_context(a.pk), transaction.atomic():
        Preference.objects.create(member=c, daily_cap=1)  # not a's row: refused by the policy
    assert not Preference.objects.filter(member=c).exists()
    assert Notification.objects.get(recipient=b).read_at is None


def test_notify_from_one_members_request_writes_the_recipients_row(pair):
    a, b = pair
    with member_context(a.pk):
        row = services.notify(recipient=b, kind="social.mention", title="a mentioned you", actor=a)
        assert row is not None
        assert not Notification.objects.filter(pk=row.pk).exists()  # still a's context after
        prefs = services.preferences_update(member=a, daily_cap=3)  # own row: allowed
    assert prefs.daily_cap == 3
    assert Notification.objects.filter(recipient=b, kind="social.mention").count() == 1
