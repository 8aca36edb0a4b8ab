"""The header bell and the nav badges: unread counts read once per request (one query)."""

import logging

from django import template

from yalls.notifications import selectors

log = logging.getLogger(__name__)
register = template.Library()


def _counts(context) -> dict | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return None
    counts = getattr(request, "notification_counts", None)
    if counts is None:
        try:
            counts = selectors.unread_counts(user)
        except Exception:  # error pages render the header too: the bell must never break one
            log.warning("notifications: could not read unread counts for the bell", exc_info=True)
            return None
        request.notification_counts = counts
    return counts


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notifications_bell(context):
    counts = _counts(context) or {}
    return {"total": counts.get("total", 0)}


@register.inclusion_tag("notifications/badge.html", takes_context=True)
def unread_badge(context, lane: str = "total"):
    """A badge for a nav link (empty for visitors)."""
    counts = _counts(context)
    if counts is None:
        return {"count": 0, "lane": lane}
    return {"count": counts.get(lane, 0), "lane": lane}
