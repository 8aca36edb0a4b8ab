"""Reads of a member's notifications: unread counts per lane (the bell and the tab badges) and
the newest-first pages of one lane (the drawer, the notifications page and the API).

A notification is *visible* once nothing holds it back: `held_reason` is blank, or it was held
by quiet hours and `visible_at` has passed (quiet-hours holds appear when the quiet hours end;
cap, opt-out, mute and block holds are records, never shown). Every read here takes the acting
member and filters on them explicitly, on top of row-level security.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.core.errors import DomainError, NotFound
from yalls.core.identifiers import uuid_parse
from yalls.core.pagination import Page, paginate
from yalls.notifications.models import Lane, Notification
from yalls.notifications.rules import shown_q

LANES: tuple[str, ...] = tuple(Lane.values)  # priority, social, system: the tab order
DRAWER_PER_LANE = 5


def visible_q(now=None) -> Q:
    """The rows a member sees (read or not): the one rule, kept in `rules.shown_q`."""
    return shown_q(now or timezone.now())


def lane_clean(lane: str | None) -> str | None:
    """None or "" means every lane; anything else must be a lane."""
    if lane in (None, "", "all"):
        return None
    if lane not in LANES:
        raise DomainError(
            "notifications.lane_unknown",
            _("Lanes are %(value)s.") % {"value": ", ".join(LANES)},
            field="lane",
            status=422,
        )
    return lane


def notifications_visible(member, *, lane: str | None = None, now=None) -> QuerySet:
    qs = Notification.objects.filter(visible_q(now), recipient_id=member.pk)
    lane = lane_clean(lane)
    if lane:
        qs = qs.filter(lane=lane)
    return qs


def unread_counts(member, *, now=None) -> dict[str, int]:
    """{"priority": n, "social": n, "system": n, "total": n}: one query on the unread partial
    index (recipient, created_at, id WHERE read_at IS NULL)."""
    counts = dict.fromkeys(LANES, 0)
    if member is None or not getattr(member, "pk", None):
        return {**counts, "total": 0}
    rows = (
        Notification.objects.filter(visible_q(now), recipient_id=member.pk, read_at__isnull=True)
        .order_by()
        .values_list("lane")
        .annotate(n=Count("id"))
    )
    for lane, n in rows:
        if lane in counts:
            counts[lane] = n
    counts["total"] = sum(counts[lane] for lane in LANES)
    return counts


def unread_counts_many(member_ids, *, now=None) -> dict[str, dict[str, int]]:
    """unread_counts for many members in one query (the real-time fan-out after a bulk send).
    System use only: the caller must be in the system context, RLS would hide the others."""
    result = {str(mid): {**dict.fromkeys(LANES, 0), "total": 0} for mid in member_ids}
    if not result:
        return result
    rows = (
        Notification.objects.filter(
            visible_q(now), recipient_id__in=list(result), read_at__isnull=True
        )
        .order_by()
        .values_list("recipient_id", "lane")
        .annotate(n=Count("id"))
    )
    for recipient_id, lane, n in rows:
        counts = result[str(recipient_id)]
        if lane in counts:
            counts[lane] = n
            counts["total"] += n
    return result


def notifications_page(
    member,
    *,
    lane: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    unread_only: bool = False,
    now=None,
) -> Page:
    """Newest first, keyset cursor on (created_at, id); `lane` None = every lane. Each item
    carries its actor (one join, no query per row)."""
    qs = notifications_visible(member, lane=lane, now=now).select_related("actor")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs, cursor=cursor or None, limit=limit)


def access_notification(member, notification_id) -> Notification:
    """One of the member's own notifications, or not-found (also for a malformed id)."""
    pk = uuid_parse(notification_id)
    if pk is None:
        raise NotFound("notifications.not_found", _("No such notification."))
    found = Notification.objects.filter(recipient_id=member.pk, pk=pk).first()
    if found is None:
        raise NotFound("notifications.not_found", _("No such notification."))
    return found
