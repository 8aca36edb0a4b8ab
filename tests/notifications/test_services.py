"""The one send path: quiet hours (Denver), the daily cap, opt-outs, blocks and mutes, dedupe,
grouping, and the bell update after commit."""

from datetime import timedelta

import pytest
from django.db import transaction

from tests.factories import MemberFactory
from tests.notifications import core_helpers
from tests.notifications.core_helpers import prefs, utc
from yalls.notifications import rules, services
from yalls.notifications.models import Notification
from yalls.notifications.services import notify
from yalls.social.models import Block, Mute

bell = core_helpers.bell  # a shared fixture
denver = core_helpers.denver  # a shared fixture
pytestmark = pytest.mark.django_db

NIGHT = utc(2026, 1, 16, 6, 0)  # 23:00 MST on 15 January
MORNING = utc(2026, 1, 16, 15, 0)  # 08:00 MST on 16 January
NOON = utc(2026, 1, 15, 19, 0)  # 12:00 MST on 15 January


@pytest.fixture
def maya(db):
    return MemberFactory(display_name="Maya Lopez", password=None)


def fav(recipient, actor, post="p1", now=NOON, **kw):
    return notify(
        recipient=recipient, kind="social.favorite", title=f"{actor.display_name} favorited",
        actor=actor, target_type="post", target_id=post, now=now, **kw,
    )  # fmt: skip


def shown(member, now):
    return Notification.objects.filter(recipient=member).filter(rules.shown_q(now))


def test_a_plain_notification_is_shown_and_rings_the_bell(
    denver, maya, bell, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = fav(denver, maya)
    assert (row.lane, row.category, row.priority, row.held_reason) == ("social", "social", 3, "")
    assert row.actor_ids == [str(maya.pk)] and row.visible_at == NOON
    assert bell == [str(denver.pk)]


def test_nothing_rings_when_the_business_transaction_rolls_back(
    denver, maya, bell, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        fav(denver, maya)
        raise RuntimeError("the favorite failed")
    assert bell == [] and not Notification.objects.exists()


def test_own_actions_never_notify(denver):
    assert fav(denver, denver) is None
    assert not Notification.objects.exists()


def test_unknown_kind_and_empty_title_are_programming_errors(denver):
    with pytest.raises(ValueError):
        notify(recipient=denver, kind="social.poke", title="hi")
    with pytest.raises(ValueError):
        notify(recipient=denver, kind="social.mention", title="  ")


# --- quiet hours in the member's zone ----------------------------------------------------------


def test_quiet_hours_hold_until_the_window_ends_in_denver(
    denver, maya, bell, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = fav(denver, maya, now=NIGHT)
    assert row.held_reason == "quiet_hours" and row.visible_at == MORNING
    assert bell == []  # nothing to show yet
    assert not shown(denver, NIGHT + timedelta(hours=8)).exists()
    assert shown(denver, MORNING).exists()  # lists show it from 08:00 even before the job runs

    # The release job clears the hold and rings each member's bell once.
    assert services.quiet_holds_release(now=MORNING - timedelta(minutes=1)) == set()
    with django_capture_on_commit_callbacks(execute=True):
        released = services.quiet_holds_release(now=MORNING + timedelta(seconds=30))
    assert released == {denver.pk} and bell == [str(denver.pk)]
    row.refresh_from_db()
    assert row.held_reason == "" and row.visible_at == MORNING
    assert services.quiet_holds_release(now=MORNING + timedelta(minutes=1)) == set()  # idempotent


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 14, 0)),  # spring forward: 08:00 MDT
        (utc(2026, 3, 8, 9, 30), utc(2026, 3, 8, 14, 0)),  # 03:30 MDT, just after the jump
        (utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 15, 0)),  # fall back: 08:00 MST
        (utc(2026, 11, 1, 8, 30), utc(2026, 11, 1, 15, 0)),  # the second 01:30
    ],
)
def test_quiet_hours_on_the_days_the_clocks_change(denver, maya, now, until):
    row = fav(denver, maya, now=now)
    assert (row.held_reason, row.visible_at) == ("quiet_hours", until)


def test_priority_one_passes_quiet_hours(denver):
    row = notify(recipient=denver, kind="security.new_login", title="New sign-in", now=NIGHT)
    assert row.held_reason == "" and row.visible_at == NIGHT


def test_quiet_hours_off_or_moved(denver, maya):
    prefs(denver, quiet_enabled=False)
    assert fav(denver, maya, post="a", now=NIGHT).held_reason == ""
    prefs(denver, quiet_enabled=True, quiet_start="13:00", quiet_end="15:00")
    assert fav(denver, maya, post="b", now=NIGHT).held_reason == ""
    held = fav(denver, maya, post="c", now=utc(2026, 1, 15, 20, 30))  # 13:30 MST
    assert (held.held_reason, held.visible_at) == ("quiet_hours", utc(2026, 1, 15, 22, 0))


# --- the daily cap over the member's local day -------------------------------------------------


def test_the_cap_stops_at_n_while_priority_one_passes(denver):
    prefs(denver, daily_cap=3, quiet_enabled=False)
    sent = [
        notify(recipient=denver, kind="system.alert", title=f"alert {i}", now=NOON)
        for i in range(5)
    ]
    assert [n.held_reason for n in sent] == ["", "", "", "daily_cap", "daily_cap"]
    urgent = notify(recipient=denver, kind="system.alert", title="urgent", priority=1, now=NOON)
    assert urgent.held_reason == ""
    # Priority 1 does not use up the cap, held items do not count: still capped, still 3 shown.
    assert notify(recipient=denver, kind="system.alert", title="x", now=NOON).held_reason == (
        "daily_cap"
    )
    assert shown(denver, NOON).filter(priority__gt=1).count() == 3


def test_the_cap_counts_the_local_day_not_the_utc_day(denver):
    prefs(denver, daily_cap=2, quiet_enabled=False)
    # 10:00 MST and 17:30 MST on 15 January: different UTC days, one local day.
    notify(recipient=denver, kind="system.alert", title="a", now=utc(2026, 1, 15, 17, 0))
    notify(recipient=denver, kind="system.alert", title="b", now=utc(2026, 1, 16, 0, 30))
    third = notify(recipient=denver, kind="system.alert", title="c", now=utc(2026, 1, 16, 6, 59))
    assert third.held_reason == "daily_cap"  # 23:59 MST, same local day
    fresh = notify(recipient=denver, kind="system.alert", title="d", now=utc(2026, 1, 16, 7, 0))
    assert fresh.held_reason == ""  # 00:00 MST on the 16th: a new day


def test_quiet_held_items_count_towards_the_cap(denver):
    prefs(denver, daily_cap=1)
    first = notify(recipient=denver, kind="system.alert", title="a", now=NIGHT)
    second = notify(recipient=denver, kind="system.alert", title="b", now=NIGHT)
    assert (first.held_reason, second.held_reason) == ("quiet_hours", "daily_cap")


def test_a_cap_of_zero_lets_only_priority_one_through(denver):
    prefs(denver, daily_cap=0, quiet_enabled=False)
    assert notify(recipient=denver, kind="system.alert", title="a").held_reason == "daily_cap"
    assert notify(recipient=denver, kind="security.x", title="b").held_reason == ""


# --- opt-outs, channels, blocks and mutes --------------------------------------------------------


def test_category_opt_out_is_recorded_not_dropped(
    denver, maya, bell, django_capture_on_commit_callbacks
):
    prefs(denver, categories_off=["social"])
    with django_capture_on_commit_callbacks(execute=True):
        row = fav(denver, maya)
        mention = notify(recipient=denver, kind="social.mention", title="m", actor=maya, now=NOON)
        order = notify(recipient=denver, kind="orders.paid", title="Order paid", now=NOON)
    assert (row.held_reason, mention.held_reason, order.held_reason) == (
        "opted_out",
        "opted_out",
        "",
    )
    assert Notification.objects.filter(recipient=denver).count() == 3
    assert list(shown(denver, NOON).values_list("kind", flat=True)) == ["orders.paid"]
    assert bell == [str(denver.pk)]  # only the shown one rang


def test_security_passes_every_opt_out(denver):
    prefs(denver, categories_off=["system"], in_app=False, daily_cap=0)
    row = notify(
        recipient=denver, kind="security.password_changed", title="Password changed", now=NIGHT
    )
    assert row.held_reason == ""


def test_in_app_off_holds_the_row(denver, maya):
    prefs(denver, in_app=False)
    assert fav(denver, maya).held_reason == "in_app_off"


def test_blocked_and_muted_actors(denver, maya):
    other = MemberFactory(password=None)
    Block.objects.create(blocker=denver, blocked=maya)
    assert fav(denver, maya).held_reason == "blocked"
    Block.objects.all().delete()
    Block.objects.create(blocker=maya, blocked=denver)  # blocks work both ways
    assert fav(denver, maya, post="p2").held_reason == "blocked"
    Mute.objects.create(muter=denver, target_kind="member", target_id=other.pk)
    assert fav(denver, other).held_reason == "muted"
    assert not shown(denver, NOON).exists()


# --- dedupe ------------------------------------------------------------------------------------


def test_the_same_event_twice_is_one_notification(denver, maya):
    first = notify(
        recipient=denver, kind="social.mention", title="m", actor=maya, dedupe_key="mention:p1"
    )
    again = notify(
        recipient=denver, kind="social.mention", title="m", actor=maya, dedupe_key="mention:p1"
    )
    assert first is not None and again is None
    assert Notification.objects.filter(recipient=denver).count() == 1
    # Per recipient: the same key for another member is another notification.
    assert notify(recipient=maya, kind="social.mention", title="m", dedupe_key="mention:p1")


def test_dedupe_of_events_folded_into_a_group(denver, maya):
    other = MemberFactory(display_name="Olu", password=None)
    fav(denver, maya, dedupe_key="fav:p1:maya")
    group = fav(denver, other, dedupe_key="fav:p1:olu")
    assert group.count == 2
    assert fav(denver, other, dedupe_key="fav:p1:olu") is None  # replay of the folded event
    Notification.objects.update(read_at=NOON)
    assert fav(denver, other, dedupe_key="fav:p1:olu") is None  # even once the group was read
    group.refresh_from_db()
    assert group.count == 2


# --- grouping ----------------------------------------------------------------------------------


def test_favorites_of_one_post_fold_into_one_entry(
    denver, maya, bell, django_capture_on_commit_callbacks
):
    fans = [MemberFactory(display_name=f"Fan {i}", password=None) for i in range(11)]
    first = fav(denver, fans[0], now=NOON)
    for i, fan in enumerate(fans[1:], start=1):
        fav(denver, fan, now=NOON + timedelta(minutes=i))
    with django_capture_on_commit_callbacks(execute=True):
        group = fav(denver, maya, now=NOON + timedelta(minutes=30))
    assert group.pk == first.pk and Notification.objects.filter(recipient=denver).count() == 1
    assert group.count == 12
    assert group.title == "Maya Lopez and 11 others favorited your post"
    assert group.actor_ids == [str(maya.pk), *[str(f.pk) for f in reversed(fans[-4:])]]
    assert group.created_at == group.updated_at == NOON + timedelta(minutes=30)  # rose to the top
    assert bell == [str(denver.pk)]
    # A recent fan again is not one more person (only the newest five are remembered).
    assert fav(denver, fans[-1], now=NOON + timedelta(minutes=31)).count == 12


def test_groups_split_by_target_read_state_and_window(denver, maya):
    other = MemberFactory(password=None)
    a = fav(denver, maya, post="p1")
    assert fav(denver, other, post="p2").pk != a.pk  # another post
    Notification.objects.filter(pk=a.pk).update(read_at=NOON)
    b = fav(denver, other, post="p1", now=NOON + timedelta(minutes=1))
    assert b.pk != a.pk  # a read group is closed
    late = fav(denver, maya, post="p1", now=NOON + timedelta(hours=7))
    assert late.pk != b.pk  # outside the 6-hour window


def test_a_quiet_fold_stays_held_and_a_daytime_fold_releases(denver, maya):
    other = MemberFactory(password=None)
    held = fav(denver, maya, now=NIGHT)
    again = fav(denver, other, now=NIGHT + timedelta(minutes=5))
    assert again.pk == held.pk and again.held_reason == "quiet_hours" and again.count == 2
    prefs(denver, quiet_enabled=False)
    third = fav(denver, MemberFactory(password=None), now=NIGHT + timedelta(minutes=10))
    assert third.pk == held.pk and third.held_reason == "" and third.count == 3


def test_blocked_actor_does_not_join_a_group(denver, maya):
    group = fav(denver, maya)
    blocked = MemberFactory(password=None)
    Block.objects.create(blocker=denver, blocked=blocked)
    row = fav(denver, blocked, now=NOON + timedelta(minutes=1))
    assert row.pk != group.pk and row.held_reason == "blocked"
    group.refresh_from_db()
    assert group.count == 1
