"""Shared helpers of the surface tests: notification rows written directly (system context)."""

from datetime import timedelta

from django.utils import timezone

from yalls.core.db_context import system_context
from yalls.notifications.models import Notification


def make_notification(recipient, *, lane="social", minutes_ago=0, **fields) -> Notification:
    """A notification row as the send service would leave it (tests of reads need exact rows)."""
    when = timezone.now() - timedelta(minutes=minutes_ago)
    defaults = {
        "kind": {"priority": "social.mention", "social": "social.favorite"}.get(
            lane, "system.announcement"
        ),
        "category": "social" if lane != "system" else "system",
        "lane": lane,
        "title": f"A {lane} notification",
        "created_at": when,
        "updated_at": when,
        "visible_at": when,
    }
    defaults.update(fields)
    with system_context():
        return Notification.objects.create(recipient=recipient, **defaults)
